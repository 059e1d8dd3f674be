/* syscallmon: every call of a traced syscall is timed and counted here, in
 * per-CPU maps; only the calls the config asks for become events.
 *
 * The enter/exit pair is the hot path of the whole machine, so it does as
 * little as it can: one table lookup decides whether a call is traced, the
 * start time lives in task-local storage (no hash, no lock), and the stats
 * are per-CPU (no atomics). Everything the user chose arrives as numeric
 * macros or map contents. */
#include "common.bpf.h"
#include "syscall.h"

BPF_ARRAY(syscall_table, struct syscall_class, SYSCALL_NR_SLOTS);
BPF_PERCPU_ARRAY(syscall_stats, struct syscall_stats, SYSCALL_NR_SLOTS);

/* A call in flight, with what its exit needs to know of its syscall, so the
 * exit does not look the table up again. */
struct syscall_start {
  u64 ts;      /* 0: no traced call in flight */
  u64 slow_ns;
  s32 nr;
  u8 priority;
  u8 verdict;  /* task storage only: SYSCALL_TASK_* */
  u8 hung;     /* the task iterator wrote this call (syscall_hung.bpf.h) */
  u8 adopted;  /* in flight before we attached (syscall_hung.bpf.h): not counted */
};

/* Whether a task passes the pid filter and is not ourselves. Its tgid never
 * changes, so this is decided at its first traced call and kept with it. */
#define SYSCALL_TASK_UNKNOWN 0
#define SYSCALL_TASK_TRACED 1
#define SYSCALL_TASK_IGNORED 2

#ifdef SYSCALL_TASK_STORAGE
BPF_TASK_STORAGE(syscall_starts, struct syscall_start);
#else
/* LRU: a thread that dies inside a syscall (exit, kill) never returns. */
BPF_TABLE("lru_hash", u32, struct syscall_start, syscall_starts, SYSCALL_INFLIGHT);
#endif

#ifdef SYSCALL_BY_PROCESS
/* Key 0 collects the calls of processes that found the table full. */
BPF_PERCPU_HASH(syscall_process_stats, u32, struct syscall_process_stats, SYSCALL_BY_PROCESS);
#endif

#ifdef SYSCALL_BY_CGROUP
/* Per-cgroup summaries (--by container, per_container): key 0 collects the
 * calls of cgroups that found the table full. */
BPF_PERCPU_HASH(syscall_cgroup_stats, u64, struct syscall_stats, SYSCALL_BY_CGROUP);
#endif

#ifdef SYSCALL_SAMPLE_RATE
BPF_PERCPU_ARRAY(syscall_sample, u64, 1);

static __always_inline bool syscall_sampled(void) {
  u32 zero = 0;
  u64 *n = syscall_sample.lookup(&zero);
  if (!n)
    return false;
  return (*n)++ % SYSCALL_SAMPLE_RATE == 0;
}
#endif

static __always_inline u32 syscall_slot(long nr) {
  return (unsigned long)nr < SYSCALL_OTHER_SLOT ? (u32)nr : SYSCALL_OTHER_SLOT;
}

#ifdef SYSCALL_READ_ARGS
#include "syscall_args.bpf.h"
#endif

#ifdef SYSCALL_HUNG_NS
#include "syscall_hung.bpf.h"
#endif

/* Bucket k holds [2^(k-1), 2^k); a binary search, the verifier has no clz. */
static __always_inline u32 syscall_bucket(u64 v) {
  u32 bits = 0;
  if (v >> 32) { v >>= 32; bits += 32; }
  if (v >> 16) { v >>= 16; bits += 16; }
  if (v >> 8) { v >>= 8; bits += 8; }
  if (v >> 4) { v >>= 4; bits += 4; }
  if (v >> 2) { v >>= 2; bits += 2; }
  if (v >> 1) { v >>= 1; bits += 1; }
  bits += (u32)v;
  return bits < SYSCALL_HIST_BUCKETS ? bits : SYSCALL_HIST_BUCKETS - 1;
}

static __always_inline void syscall_account(struct syscall_stats *s, u64 duration, bool error,
                                            bool slow) {
  s->count++;
  s->errors += error;
  s->slow += slow;
  s->total_ns += duration;
  if (duration > s->max_ns)
    s->max_ns = duration;
  /* In 1/1024 µs: bucket k holds [2^(k-11), 2^(k-10)) µs, so the bounds
     are powers of two in the µs the tables and /metrics show. */
  u32 bucket = syscall_bucket(duration * 128 / 125);
  /* Opaque to clang, so the check below stays on the register that
     indexes: it otherwise folds it into syscall_bucket's clamp, which it
     applies to a copy, and the verifier sees an unbounded index. */
  asm volatile("" : "+r"(bucket));
  if (bucket < SYSCALL_HIST_BUCKETS)
    s->hist[bucket]++;
}

#if defined(SYSCALL_BY_PROCESS) || defined(SYSCALL_BY_CGROUP)
/* Never written: the zeroes a new row starts from, kept off the stack (the
 * exit handler's 512 bytes are not enough for a row and the arguments). */
BPF_ARRAY(syscall_fresh_row, struct syscall_process_stats, 1);
#endif

#ifdef SYSCALL_BY_PROCESS
static __always_inline void syscall_account_process(u32 tgid, u64 duration, bool error, bool slow) {
  struct syscall_process_stats *p = syscall_process_stats.lookup(&tgid);
  if (!p) {
    u32 zero = 0;
    struct syscall_process_stats *fresh = syscall_fresh_row.lookup(&zero);
    if (fresh)
      syscall_process_stats.update(&tgid, fresh);
    p = syscall_process_stats.lookup(&tgid);
    if (p)
      bpf_get_current_comm(&p->comm, sizeof(p->comm));
    else {
      u32 others = 0;
      p = syscall_process_stats.lookup(&others);
      if (!p)
        return;
    }
  }
  syscall_account(&p->stats, duration, error, slow);
}
#endif

#ifdef SYSCALL_BY_CGROUP
static __always_inline void syscall_account_cgroup(u64 duration, bool error, bool slow) {
  u64 id = bpf_get_current_cgroup_id();
  struct syscall_stats *s = syscall_cgroup_stats.lookup(&id);
  if (!s) {
    u32 zero = 0;
    struct syscall_process_stats *fresh = syscall_fresh_row.lookup(&zero);
    if (fresh)
      syscall_cgroup_stats.update(&id, &fresh->stats);
    s = syscall_cgroup_stats.lookup(&id);
    if (!s) {
      u64 others = 0;
      s = syscall_cgroup_stats.lookup(&others);
      if (!s)
        return;
    }
  }
  syscall_account(s, duration, error, slow);
}
#endif

/* The uid, comm and cgroup filters, checked at every call: all can change
 * (setuid, exec, a move to another cgroup). No helper runs when none is set. */
static __always_inline bool syscall_uid_comm_allowed(void) {
  if (!ebpfmon_cgroup_allowed())
    return false;
#ifdef EBPFMON_FILTER_UIDS
  if (!ebpfmon_uid_allowed(ebpfmon_current_uid()))
    return false;
#endif
#ifdef EBPFMON_FILTER_COMMS
  char comm[EBPFMON_COMM_LEN];
  bpf_get_current_comm(&comm, sizeof(comm));
  if (!ebpfmon_comm_allowed(comm))
    return false;
#endif
  return true;
}

static __always_inline int syscall_enter(const struct pt_regs *regs, long nr) {
  u32 slot = syscall_slot(nr);
  struct syscall_class *cls = syscall_table.lookup(&slot);
  if (!cls || !cls->traced)
    return 0;
#ifdef SYSCALL_TASK_STORAGE
  struct syscall_start *start = syscall_starts.task_storage_get(
      bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!start) {
    ebpfmon_count_loss(EBPFMON_LOSS_KERNEL_MAP);
    return 0;
  }
  if (start->verdict == SYSCALL_TASK_UNKNOWN)
    start->verdict = ebpfmon_pid_allowed(ebpfmon_current_tgid()) ? SYSCALL_TASK_TRACED
                                                                 : SYSCALL_TASK_IGNORED;
  if (start->verdict != SYSCALL_TASK_TRACED || !syscall_uid_comm_allowed())
    return 0;
  start->nr = nr;
  start->slow_ns = cls->slow_ns;
  start->priority = cls->priority;
  start->hung = 0;
  start->adopted = 0;
#ifdef SYSCALL_READ_ARGS
  syscall_read_at_entry(regs, cls);
#endif
  start->ts = bpf_ktime_get_ns();
#else
  u64 id = bpf_get_current_pid_tgid();
  if (!ebpfmon_pid_allowed(id >> 32) || !syscall_uid_comm_allowed())
    return 0;
  struct syscall_start start = {};
  start.nr = nr;
  start.slow_ns = cls->slow_ns;
  start.priority = cls->priority;
  start.ts = bpf_ktime_get_ns();
  u32 tid = (u32)id;
  if (syscall_starts.update(&tid, &start) != 0)
    ebpfmon_count_loss(EBPFMON_LOSS_KERNEL_MAP);
#endif
  return 0;
}

/* Counted in the kernel: every traced call, written or not. */
static __always_inline void syscall_count(u32 slot, u64 duration, bool error, bool slow) {
  struct syscall_stats *stats = syscall_stats.lookup(&slot);
  if (stats)
    syscall_account(stats, duration, error, slow);
#ifdef SYSCALL_BY_PROCESS
  syscall_account_process(ebpfmon_current_tgid(), duration, error, slow);
#endif
#ifdef SYSCALL_BY_CGROUP
  syscall_account_cgroup(duration, error, slow);
#endif
}

/* Which calls become events: SYSCALL_WRITE_* from the sampling strategy and
 * the errors-only / slow-only switches. */
static __always_inline bool syscall_chosen(const struct syscall_start *call, bool error,
                                           bool slow) {
  bool write = false;
#ifdef SYSCALL_WRITE_ALL
  write = true;
#endif
#ifdef SYSCALL_WRITE_ERRORS
  write = write || error;
#endif
#ifdef SYSCALL_WRITE_SLOW
  write = write || slow;
#endif
#ifdef SYSCALL_WRITE_PRIORITY
  write = write || call->priority;
#endif
#ifdef SYSCALL_SAMPLE_RATE
  write = write || syscall_sampled();
#endif
  return write;
}

static __always_inline void syscall_fill_event(struct syscall_event *e,
                                               const struct syscall_start *call, u64 duration,
                                               long ret, u32 flags) {
  u64 pid_tgid = bpf_get_current_pid_tgid();
  e->ts_ns = call->ts;
  e->duration_ns = duration;
  e->ret = ret;
  e->pid = pid_tgid >> 32;
  e->tid = (u32)pid_tgid;
  e->nr = call->nr;
  e->cpu = bpf_get_smp_processor_id();
  e->flags = flags;
  e->cgroup_id = bpf_get_current_cgroup_id();
  e->captures = 0;
  bpf_get_current_comm(&e->comm, sizeof(e->comm));
}

static __always_inline int syscall_exit(void *ctx, const struct pt_regs *regs, long ret) {
#ifdef SYSCALL_TASK_STORAGE
  struct syscall_start *start =
      syscall_starts.task_storage_get(bpf_get_current_task_btf(), 0, 0);
  if (!start || start->ts == 0)
    return 0; /* not traced, or entered before we attached */
  u64 now = bpf_ktime_get_ns();
  struct syscall_start call = *start;
  start->ts = 0;
#else
  u32 tid = (u32)bpf_get_current_pid_tgid();
  struct syscall_start *start = syscall_starts.lookup(&tid);
  if (!start)
    return 0;
  u64 now = bpf_ktime_get_ns();
  struct syscall_start call = *start;
  syscall_starts.delete(&tid);
#endif
  u64 duration = now - call.ts;
  bool error = ret < 0 && ret >= -SYSCALL_MAX_ERRNO &&
               !(ret <= -SYSCALL_RESTART_FIRST && ret >= -SYSCALL_RESTART_LAST);
  bool slow = duration > call.slow_ns;
  /* A call adopted in flight has no known latency: neither counted nor
   * written, unless it was reported hung. */
  bool write = false;
  if (!call.adopted) {
    syscall_count(syscall_slot(call.nr), duration, error, slow);
    write = syscall_chosen(&call, error, slow);
  }
  u32 flags = (error ? SYSCALL_EV_ERROR : 0) | (slow ? SYSCALL_EV_SLOW : 0);
#ifdef SYSCALL_HUNG_NS
  if (call.hung && syscall_hung_was_reported(call.ts)) {
    write = true;
    flags |= SYSCALL_EV_HUNG | (call.adopted ? SYSCALL_EV_ADOPTED : 0);
  }
#endif
  if (!write)
    return 0;
  if (!ebpfmon_rate_allows(now))
    return 0;

#ifdef SYSCALL_READ_ARGS
  u32 zero = 0;
  struct syscall_record *r = syscall_records.lookup(&zero);
  if (!r)
    return 0;
  syscall_fill_event(&r->e, &call, duration, ret, flags);
  u32 size = sizeof(r->e) + syscall_read_args(r, regs, ret);
  ebpfmon_emit(ctx, r, size);
#else
  struct syscall_event e = {};
  syscall_fill_event(&e, &call, duration, ret, flags);
  ebpfmon_emit(ctx, &e, SYSCALL_EVENT_NO_ARGS_BYTES);
#endif
  return 0;
}

#ifdef SYSCALL_CLASSIC_TRACEPOINTS
/* No registers here: user space leaves SYSCALL_READ_ARGS out. */
TRACEPOINT_PROBE(raw_syscalls, sys_enter) {
  return syscall_enter(NULL, args->id);
}
TRACEPOINT_PROBE(raw_syscalls, sys_exit) {
  return syscall_exit(args, NULL, args->ret);
}
#else
/* args: struct pt_regs *regs, long id / long ret */
RAW_TRACEPOINT_PROBE(sys_enter) {
  return syscall_enter((const struct pt_regs *)ctx->args[0], (long)ctx->args[1]);
}
RAW_TRACEPOINT_PROBE(sys_exit) {
  return syscall_exit(ctx, (const struct pt_regs *)ctx->args[0], (long)ctx->args[1]);
}
#endif
