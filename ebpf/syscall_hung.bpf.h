/* Calls that hang, seen while they hang. Nothing here runs per call: user
 * space reads the task iterator every few seconds, which walks every thread
 * and writes each traced call in flight longer than SYSCALL_HUNG_NS once
 * (the `hung` mark in its start record). User space decides whether that
 * call is a hang (a read of a pipe is waiting, not hanging), reports it, and
 * puts its entry time in syscall_hung_reported; the call's exit then finds
 * the mark, and writes the call whatever the sampling would say. Part of
 * syscall.bpf.c, under SYSCALL_HUNG_NS. */

/* Written by user space: tid -> the entry time of the call it reported.
 * LRU: a thread that dies inside a reported call leaves its entry behind. */
BPF_TABLE("lru_hash", u32, u64, syscall_hung_reported, 4096);

static __always_inline bool syscall_hung_was_reported(u64 entered) {
  u32 tid = (u32)bpf_get_current_pid_tgid();
  u64 *reported = syscall_hung_reported.lookup(&tid);
  if (!reported || *reported != entered)
    return false;
  syscall_hung_reported.delete(&tid);
  return true;
}

/* The task iterator's context (struct bpf_iter__task, which no header
 * declares) and its meta (struct bpf_iter_meta): only the pointers are used. */
struct syscall_iter_meta {
  struct seq_file *seq;
  u64 session_id;
  u64 seq_num;
};
struct syscall_iter_task {
  struct syscall_iter_meta *meta;
  struct task_struct *task;
};

#ifdef SYSCALL_HUNG_ADOPT
/* A thread asleep in a call that entered before we attached has no start
 * record: its first scan makes one, marked adopted, timed from when the
 * thread last got a CPU (it entered the call then, or just after; a wake-up
 * that found nothing to do moves it later), else from the scan. The number is the one its saved
 * registers hold (as /proc/<pid>/syscall reads it; user space checks that
 * the thread is in a syscall, not a fault). The cgroup and container filters
 * judge the current task only: with them set, nothing is adopted. */
static __always_inline void syscall_adopt(struct task_struct *task, u32 tid, u64 now) {
#if !defined(EBPFMON_FILTER_CGROUP) && !defined(EBPFMON_FILTER_CONTAINER)
  u32 state = 0;
  void *mm = NULL;
  bpf_probe_read_kernel(&state, sizeof(state), (const char *)task + EBPFMON_TASK_STATE);
  ebpfmon_read_kernel(mm, task, struct task_struct, mm);
  /* Asleep (TASK_INTERRUPTIBLE or TASK_UNINTERRUPTIBLE; a stopped thread's
   * registers may be from user space), and not a kernel thread. */
  if (!(state & 3) || !mm)
    return;
  const struct pt_regs *regs = (const struct pt_regs *)bpf_task_pt_regs(task);
  long nr = -1;
  ebpfmon_read_kernel(nr, regs, struct pt_regs, orig_ax);
  if (nr < 0)
    return;
  u32 slot = syscall_slot(nr);
  struct syscall_class *cls = syscall_table.lookup(&slot);
  if (!cls || !cls->traced)
    return;
  u32 tgid = 0;
  ebpfmon_read_kernel(tgid, task, struct task_struct, tgid);
  if (!ebpfmon_pid_allowed(tgid))
    return;
#ifdef EBPFMON_FILTER_UIDS
  const struct cred *cred = NULL;
  u32 uid = 0;
  ebpfmon_read_kernel(cred, task, struct task_struct, cred);
  ebpfmon_read_kernel(uid, cred, struct cred, uid.val);
  if (!ebpfmon_uid_allowed(uid))
    return;
#endif
#ifdef EBPFMON_FILTER_COMMS
  char comm[EBPFMON_COMM_LEN] = {};
  bpf_probe_read_kernel(comm, sizeof(comm), (const char *)task + offsetof(struct task_struct, comm));
  if (!ebpfmon_comm_allowed(comm))
    return;
#endif
  struct syscall_start fresh = {};
  fresh.ts = now;
#ifdef EBPFMON_TASK_LAST_ARRIVAL
  u64 ran = 0;
  bpf_probe_read_kernel(&ran, sizeof(ran), (const char *)task + EBPFMON_TASK_LAST_ARRIVAL);
  if (ran > 0 && ran < now)
    fresh.ts = ran;
#endif
  fresh.nr = nr;
  fresh.slow_ns = cls->slow_ns;
  fresh.priority = cls->priority;
  fresh.verdict = SYSCALL_TASK_TRACED;
  fresh.adopted = 1;
#ifdef SYSCALL_TASK_STORAGE
  syscall_starts.task_storage_get(task, &fresh, BPF_LOCAL_STORAGE_GET_F_CREATE);
#else
  syscall_starts.update(&tid, &fresh);
#endif
#endif
}
#endif

int bpf_iter__task(struct syscall_iter_task *ctx) {
  struct task_struct *task = ctx->task;
  if (!task)
    return 0;
  u32 tid = 0;
  ebpfmon_read_kernel(tid, task, struct task_struct, pid);
#ifdef SYSCALL_TASK_STORAGE
  struct syscall_start *start = syscall_starts.task_storage_get(task, 0, 0);
#else
  struct syscall_start *start = syscall_starts.lookup(&tid);
#endif
#ifdef SYSCALL_HUNG_ADOPT
  if (!start) {
    syscall_adopt(task, tid, bpf_ktime_get_ns());
    return 0;
  }
#endif
  if (!start || start->hung)
    return 0;
  u64 entered = start->ts;
  u64 now = bpf_ktime_get_ns();
  if (entered == 0 || now - entered < SYSCALL_HUNG_NS)
    return 0;
  struct syscall_hung_candidate c = {};
  c.ts_ns = entered;
  c.elapsed_ns = now - entered;
  c.nr = start->nr;
  c.flags = start->adopted ? SYSCALL_EV_ADOPTED : 0;
#ifdef EBPFMON_TASK_STATE
  bpf_probe_read_kernel(&c.state, sizeof(c.state), (const char *)task + EBPFMON_TASK_STATE);
#else
  c.state = SYSCALL_STATE_UNKNOWN;
#endif
  c.tid = tid;
  ebpfmon_read_kernel(c.pid, task, struct task_struct, tgid);
  bpf_probe_read_kernel(c.comm, sizeof(c.comm), (const char *)task + offsetof(struct task_struct, comm));
  start->hung = 1;
  bpf_seq_write(ctx->meta->seq, &c, sizeof(c));
  return 0;
}
