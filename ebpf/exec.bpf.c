/* execmon: every execve/execveat, successful or not.
 *
 * sys_enter remembers the caller's argv pointer. A successful exec is
 * reported at sched_process_exec, reading argv from the new mm
 * (arg_start..arg_end): the kernel has just copied it there, so it is
 * resident, whereas the caller's strings may not be mapped in a freshly forked
 * child. A failed exec is reported at sys_exit from the caller's memory, with
 * the caller's comm. */
#include <linux/sched.h>
#include <linux/binfmts.h>
#include <linux/mm_types.h>

#include "common.bpf.h"
#include "exec.h"

struct exec_start {
  const char *filename;
  const char *const *argv;
  u8 comm_matched; /* a comm filter can match the name before the exec */
};

/* LRU: a thread killed inside exec never reaches sys_exit; its entry must not
 * occupy a slot forever. */
BPF_TABLE("lru_hash", u32, struct exec_start, exec_starts, 10240);
/* One record per CPU: too big for the stack, too big for a per-CPU map. */
BPF_ARRAY(exec_scratch, struct exec_event, EBPFMON_NR_CPUS);

static __always_inline struct exec_event *exec_scratch_event(void) {
  u32 cpu = bpf_get_smp_processor_id();
  return exec_scratch.lookup(&cpu);
}

static __always_inline void exec_fill_task(struct exec_event *e) {
  u64 id = bpf_get_current_pid_tgid();
  e->ts_ns = bpf_ktime_get_ns();
  e->pid = id >> 32;
  e->tid = (u32)id;
  e->ppid = ebpfmon_current_ppid();
  e->uid = ebpfmon_current_uid();
  bpf_get_current_comm(&e->comm, sizeof(e->comm));
}

static __always_inline int exec_enter(const char *filename, const char *const *argv) {
  u64 id = bpf_get_current_pid_tgid();
  u32 tid = (u32)id;
  if (!ebpfmon_current_allowed(id >> 32))
    return 0;
  struct exec_start start = {};
  char comm[EBPFMON_COMM_LEN];
  bpf_get_current_comm(&comm, sizeof(comm));
  start.filename = filename;
  start.argv = argv;
  start.comm_matched = ebpfmon_comm_allowed(comm);
  if (exec_starts.update(&tid, &start) != 0)
    ebpfmon_count_loss(EBPFMON_LOSS_KERNEL_MAP);
  return 0;
}

/* Packs the caller's argv as NUL-terminated strings and counts it.
 *
 * Each string read has a constant size (EXEC_ARGS_POW2) at an offset below
 * the byte limit, into an area twice that size, so the verifier can check it
 * without tracking how the offset grew; whatever lands past the limit is cut
 * off by args_size. The loop keeps its state in the record, not in
 * registers: loaded back from memory it is an unknown number again, so the
 * verifier sees every iteration alike instead of exploring each one. */
static __always_inline void exec_read_user_argv(struct exec_event *e, const char *const *argv) {
  e->argc = 0;
  e->args_size = 0;
  int i;
  for (i = 0; i < EXEC_ARGC_SCAN; i++) {
    const char *arg = NULL;
    if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) != 0) {
      e->flags |= EXEC_F_ARG_UNREADABLE | EXEC_F_TRUNCATED;
      return;
    }
    if (!arg)
      return;
    e->argc++;
    u32 off = e->args_size;
    if (i >= EXEC_MAX_ARGS || off >= EXEC_ARGS_BYTES) {
      e->flags |= EXEC_F_TRUNCATED; /* past the limits: only counted */
      continue;
    }
    off &= EXEC_ARGS_POW2 - 1;
    long n = bpf_probe_read_user_str(&e->args[off], EXEC_ARGS_POW2, arg);
    if (n <= 0) {
      /* Keep the argument's place, marked, rather than drop it silently. */
      e->flags |= EXEC_F_ARG_UNREADABLE;
      e->args[off] = 0;
      n = 1;
    }
    off += n;
    if (off > EXEC_ARGS_BYTES) {
      off = EXEC_ARGS_BYTES;
      e->flags |= EXEC_F_TRUNCATED;
    }
    e->args_size = off;
  }
  e->flags |= EXEC_F_TRUNCATED; /* still more: argc is a lower bound */
}

/* The mask changes nothing (args_size never exceeds the limit) but lets the
 * verifier see that the record stays inside the map value. */
static __always_inline u32 exec_record_size(const struct exec_event *e) {
  return offsetof(struct exec_event, args) + (e->args_size & (EXEC_ARGS_AREA - 1));
}

static __always_inline int exec_exit(void *ctx, long ret) {
  u32 tid = (u32)bpf_get_current_pid_tgid();
  struct exec_start *found = exec_starts.lookup(&tid);
  if (!found)
    return 0;
  struct exec_start start = *found;
  exec_starts.delete(&tid);
  /* A successful exec was reported at sched_process_exec. */
  if (ret >= 0 || !start.comm_matched)
    return 0;
  struct exec_event *e = exec_scratch_event();
  if (!e)
    return 0;
  exec_fill_task(e);
  e->ret = ret;
  e->flags = 0;
  if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), start.filename) < 0)
    e->filename[0] = 0;
  exec_read_user_argv(e, start.argv);
  ebpfmon_emit(ctx, e, exec_record_size(e));
  return 0;
}

TRACEPOINT_PROBE(syscalls, sys_enter_execve) {
  return exec_enter(args->filename, args->argv);
}

TRACEPOINT_PROBE(syscalls, sys_enter_execveat) {
  return exec_enter(args->filename, args->argv);
}

TRACEPOINT_PROBE(syscalls, sys_exit_execve) {
  return exec_exit(args, args->ret);
}

TRACEPOINT_PROBE(syscalls, sys_exit_execveat) {
  return exec_exit(args, args->ret);
}

/* args: struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm */
RAW_TRACEPOINT_PROBE(sched_process_exec) {
  struct task_struct *task = (struct task_struct *)ctx->args[0];
  u32 old_pid = (u32)ctx->args[1]; /* the thread that called exec */
  struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];

  u8 comm_matched = 0;
  struct exec_start *start = exec_starts.lookup(&old_pid);
  if (start) {
    comm_matched = start->comm_matched;
    exec_starts.delete(&old_pid);
  }
  if (!ebpfmon_current_allowed(ebpfmon_current_tgid()))
    return 0;
  struct exec_event *e = exec_scratch_event();
  if (!e)
    return 0;
  exec_fill_task(e);
  if (!comm_matched && !ebpfmon_comm_allowed(e->comm))
    return 0;
  e->ret = 0;
  e->flags = 0;

  const char *filename = NULL;
  int argc = 0;
  ebpfmon_read_kernel(filename, bprm, struct linux_binprm, filename);
  ebpfmon_read_kernel(argc, bprm, struct linux_binprm, argc);
  if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename) < 0)
    e->filename[0] = 0;
  e->argc = argc;

  struct mm_struct *mm = NULL;
  unsigned long arg_start = 0, arg_end = 0;
  ebpfmon_read_kernel(mm, task, struct task_struct, mm);
  ebpfmon_read_kernel(arg_start, mm, struct mm_struct, arg_start);
  ebpfmon_read_kernel(arg_end, mm, struct mm_struct, arg_end);
  u64 len = arg_end > arg_start ? arg_end - arg_start : 0;
  if (len > EXEC_ARGS_BYTES) {
    len = EXEC_ARGS_BYTES;
    e->flags |= EXEC_F_TRUNCATED;
  }
  if (len > 0 && bpf_probe_read_user(e->args, len & (EXEC_ARGS_AREA - 1), (void *)arg_start) != 0) {
    len = 0;
    e->flags |= EXEC_F_ARG_UNREADABLE | EXEC_F_TRUNCATED;
  }
  e->args_size = len;
  ebpfmon_emit(ctx, e, exec_record_size(e));
  return 0;
}
