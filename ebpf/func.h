/* funcmon: the record shared by func.bpf.c and lib/monitors/func.cc. */
#ifndef EBPFMON_FUNC_H
#define EBPFMON_FUNC_H

#include "common.h"

/* The kprobe program, attached once per function. */
#define FUNC_KPROBE_FN func_kprobe

#ifdef __cplusplus
namespace ebpfmon { /* map names: see common.h */
inline constexpr char kFuncCountsMap[] = "func_counts";
}  // namespace ebpfmon
#endif

struct func_event {
  __u64 ts_ns;  /* CLOCK_MONOTONIC */
  __u64 ip;     /* the function's address (bpf_get_func_ip); named in user space */
  __u64 cgroup_id;
  __u32 pid;    /* thread group id */
  __u32 tid;
  __u32 ppid;
  __u32 uid;
  char comm[EBPFMON_COMM_LEN];
};
EBPFMON_ASSERT_OFFSET(func_event, ts_ns, 0);
EBPFMON_ASSERT_OFFSET(func_event, ip, 8);
EBPFMON_ASSERT_OFFSET(func_event, cgroup_id, 16);
EBPFMON_ASSERT_OFFSET(func_event, pid, 24);
EBPFMON_ASSERT_OFFSET(func_event, tid, 28);
EBPFMON_ASSERT_OFFSET(func_event, ppid, 32);
EBPFMON_ASSERT_OFFSET(func_event, uid, 36);
EBPFMON_ASSERT_OFFSET(func_event, comm, 40);
EBPFMON_ASSERT_SIZE(func_event, 56);

#endif
