/* exit: one event per process, when its last thread ends.
 *
 * sched_process_exit fires for every thread; the one that takes the
 * process's live count to zero is the last, whichever thread it is (the
 * leader may have gone first). Its exit_code is the process's: a group exit
 * or a fatal signal hands every thread the same code. */
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "common.bpf.h"
#include "exit.h"

/* args: struct task_struct *p (and, since 6.16, bool group_dead) */
RAW_TRACEPOINT_PROBE(sched_process_exit) {
  const void *task = (const void *)ctx->args[0];
  struct signal_struct *signal = NULL;
  int live = 1;
  ebpfmon_read_kernel(signal, task, struct task_struct, signal);
  bpf_probe_read_kernel(&live, sizeof(live),
                        (const char *)signal + offsetof(struct signal_struct, live));
  if (live != 0)
    return 0;
  u32 tgid = ebpfmon_current_tgid();
  if (!ebpfmon_current_allowed(tgid))
    return 0;
  struct exit_event e = {};
  bpf_get_current_comm(&e.comm, sizeof(e.comm));
  if (!ebpfmon_comm_allowed(e.comm))
    return 0;
  int status = 0;
  ebpfmon_read_kernel(status, task, struct task_struct, exit_code);
#ifdef EXIT_FAILED_ONLY
  if (status == 0)
    return 0;
#endif
  ebpfmon_task_exec_id(task, &e.start_ns, &e.exec_seq);
  e.ts_ns = bpf_ktime_get_ns();
  e.lifetime_ns = bpf_ktime_get_boot_ns() - e.start_ns;
  e.cgroup_id = bpf_get_current_cgroup_id();
  e.pid = tgid;
  e.ppid = ebpfmon_current_ppid();
  e.uid = ebpfmon_current_uid();
  e.status = (u32)status;
  ebpfmon_emit(ctx, &e, sizeof(e));
  return 0;
}
