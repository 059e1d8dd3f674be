/* syscallmon: records and maps shared by syscall.bpf.c and
 * lib/monitors/syscall.cc. */
#ifndef EBPFMON_SYSCALL_H
#define EBPFMON_SYSCALL_H

#include "common.h"

/* Per-syscall slots: numbers 0..510 have their own, everything else (x32,
 * numbers newer than our table, -1) shares the last one. */
#define SYSCALL_NR_SLOTS 512
#define SYSCALL_OTHER_SLOT (SYSCALL_NR_SLOTS - 1)

/* Latency histogram: bucket 0 holds 0 ns, bucket k holds [2^(k-1), 2^k) ns;
 * the last bucket also holds everything longer (over 4.5 minutes). */
#define SYSCALL_HIST_BUCKETS 40

/* The kernel's own convention: -4095..-1 are errnos, anything else is a
 * value (mmap returns addresses that look negative as signed numbers). */
#define SYSCALL_MAX_ERRNO 4095

enum syscall_category {
  SYSCALL_CAT_FILE_IO = 0,
  SYSCALL_CAT_NETWORK = 1,
  SYSCALL_CAT_MEMORY = 2,
  SYSCALL_CAT_PROCESS = 3,
  SYSCALL_CAT_SIGNAL = 4,
  SYSCALL_CAT_TIME = 5,
  SYSCALL_CAT_OTHER = 6,
  SYSCALL_CATEGORIES = 7,
};

/* What the kernel side knows of one syscall number, set by user space. */
struct syscall_class {
  __u64 slow_ns;   /* slower than this is a slow call */
  __u8 traced;     /* category enabled and the syscall selected */
  __u8 priority;   /* in high_priority_syscalls: always written */
  __u8 category;   /* enum syscall_category */
  __u8 pad[5];
};
EBPFMON_ASSERT_OFFSET(syscall_class, traced, 8);
EBPFMON_ASSERT_OFFSET(syscall_class, category, 10);
EBPFMON_ASSERT_SIZE(syscall_class, 16);

/* Counted for every traced call, written or not. */
struct syscall_stats {
  __u64 count;
  __u64 errors;
  __u64 slow;
  __u64 total_ns;
  __u64 max_ns;
  __u64 hist[SYSCALL_HIST_BUCKETS];
};
EBPFMON_ASSERT_OFFSET(syscall_stats, hist, 40);
EBPFMON_ASSERT_SIZE(syscall_stats, 40 + 8 * SYSCALL_HIST_BUCKETS);

/* Per-process summaries (--by process). */
struct syscall_process_stats {
  char comm[EBPFMON_COMM_LEN];
  struct syscall_stats stats;
};
EBPFMON_ASSERT_OFFSET(syscall_process_stats, stats, EBPFMON_COMM_LEN);

#ifdef __cplusplus
namespace ebpfmon { /* map names: see common.h */
inline constexpr char kSyscallTableMap[] = "syscall_table";
inline constexpr char kSyscallStatsMap[] = "syscall_stats";
inline constexpr char kSyscallProcessStatsMap[] = "syscall_process_stats";
inline constexpr char kSyscallCgroupStatsMap[] = "syscall_cgroup_stats";
}  // namespace ebpfmon
#endif

#define SYSCALL_EV_ERROR 0x1
#define SYSCALL_EV_SLOW 0x2

struct syscall_event {
  __u64 ts_ns;       /* when the call entered the kernel (CLOCK_MONOTONIC) */
  __u64 cgroup_id;   /* cgroup v2 id, read only for calls that become events */
  __u64 duration_ns;
  __s64 ret;
  __u32 pid;         /* thread group id */
  __u32 tid;
  __s32 nr;
  __u32 cpu;         /* where it returned */
  __u32 flags;       /* SYSCALL_EV_* */
  __u32 pad;
  char comm[EBPFMON_COMM_LEN];
};
EBPFMON_ASSERT_OFFSET(syscall_event, ts_ns, 0);
EBPFMON_ASSERT_OFFSET(syscall_event, cgroup_id, 8);
EBPFMON_ASSERT_OFFSET(syscall_event, duration_ns, 16);
EBPFMON_ASSERT_OFFSET(syscall_event, ret, 24);
EBPFMON_ASSERT_OFFSET(syscall_event, pid, 32);
EBPFMON_ASSERT_OFFSET(syscall_event, tid, 36);
EBPFMON_ASSERT_OFFSET(syscall_event, nr, 40);
EBPFMON_ASSERT_OFFSET(syscall_event, cpu, 44);
EBPFMON_ASSERT_OFFSET(syscall_event, flags, 48);
EBPFMON_ASSERT_OFFSET(syscall_event, comm, 56);
EBPFMON_ASSERT_SIZE(syscall_event, 72);

#endif
