/* funcmon: calls of kernel functions, through kprobes (one program attached
 * to every function) or fentry (one small program per function, each a
 * kfunc__<name> stub appended by user space, calling func_hit). The
 * function is identified by an address inside it (a kprobe's saved
 * instruction pointer, fentry's bpf_get_func_ip) and named in user space.
 *
 * Every call that passes the filters is counted per CPU by function address
 * (funcmon --count, /metrics); FUNC_COUNT_ONLY: no events besides. */
#include <linux/sched.h>

#include "common.bpf.h"
#include "func.h"

BPF_PERCPU_HASH(func_counts, u64, u64, FUNC_COUNT_SLOTS);

static __always_inline void func_count(u64 ip) {
  u64 *n = func_counts.lookup(&ip);
  if (n) {
    *n += 1; /* per-CPU value: no atomic needed */
    return;
  }
  u64 one = 1;
  if (func_counts.update(&ip, &one) != 0)
    ebpfmon_count_loss(EBPFMON_LOSS_KERNEL_MAP);
}

static __always_inline int func_hit(void *ctx) {
  u64 id = bpf_get_current_pid_tgid();
  if (!ebpfmon_current_allowed(id >> 32))
    return 0;
#if defined(EBPFMON_FILTER_COMMS) || !defined(FUNC_COUNT_ONLY)
  char comm[EBPFMON_COMM_LEN];
  bpf_get_current_comm(&comm, sizeof(comm));
  if (!ebpfmon_comm_allowed(comm))
    return 0;
#endif
#ifdef FUNC_KPROBE
  /* The instruction pointer the kprobe saved, just past the probed address:
   * inside the function, which user space names (bpf_get_func_ip, 5.15+,
   * gives the probed address itself; this works on every kernel). */
  u64 ip = PT_REGS_IP((struct pt_regs *)ctx);
#else
  u64 ip = bpf_get_func_ip(ctx);
#endif
  func_count(ip);
#ifdef FUNC_COUNT_ONLY
  return 0;
#else
  u64 now = bpf_ktime_get_ns();
  if (!ebpfmon_rate_allows(now))
    return 0;
  struct func_event e = {};
  e.ts_ns = now;
  e.ip = ip;
  e.pid = id >> 32;
  e.tid = (u32)id;
  e.ppid = ebpfmon_current_ppid();
  e.uid = ebpfmon_current_uid();
  e.cgroup_id = bpf_get_current_cgroup_id();
  __builtin_memcpy(e.comm, comm, sizeof(e.comm));
  ebpfmon_emit(ctx, &e, sizeof(e));
  return 0;
#endif
}

#ifdef FUNC_KPROBE
int FUNC_KPROBE_FN(struct pt_regs *ctx) {
  return func_hit(ctx);
}
#endif
/* fentry stubs follow, one per traced function, when FUNC_FENTRY is set. */
