/* exit: the record shared by exit.bpf.c and lib/monitors/exit.cc. */
#ifndef EBPFMON_EXIT_H
#define EBPFMON_EXIT_H

#include "common.h"

struct exit_event {
  __u64 ts_ns;       /* CLOCK_MONOTONIC */
  __u64 lifetime_ns; /* since the process started */
  /* The exec id of the image that ended: as exec.h's. */
  __u64 start_ns;
  __u64 exec_seq;
  __u64 cgroup_id;
  __u32 pid; /* thread group id */
  __u32 ppid;
  __u32 uid;
  __u32 status; /* as wait(2) sees it: exit status << 8, or signal | 0x80 if core */
  char comm[EBPFMON_COMM_LEN];
};
EBPFMON_ASSERT_OFFSET(exit_event, ts_ns, 0);
EBPFMON_ASSERT_OFFSET(exit_event, lifetime_ns, 8);
EBPFMON_ASSERT_OFFSET(exit_event, start_ns, 16);
EBPFMON_ASSERT_OFFSET(exit_event, exec_seq, 24);
EBPFMON_ASSERT_OFFSET(exit_event, cgroup_id, 32);
EBPFMON_ASSERT_OFFSET(exit_event, pid, 40);
EBPFMON_ASSERT_OFFSET(exit_event, ppid, 44);
EBPFMON_ASSERT_OFFSET(exit_event, uid, 48);
EBPFMON_ASSERT_OFFSET(exit_event, status, 52);
EBPFMON_ASSERT_OFFSET(exit_event, comm, 56);
EBPFMON_ASSERT_SIZE(exit_event, 72);

#endif
