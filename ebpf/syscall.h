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
/* -512..-516 (ERESTARTSYS...): a call interrupted by a signal, which the
 * kernel restarts or turns into EINTR; not an error of the call. */
#define SYSCALL_RESTART_FIRST 512
#define SYSCALL_RESTART_LAST 516

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

/* Arguments: the six registers, and at most SYSCALL_CAPTURES things read
 * behind them (strings, socket addresses, fd targets) for each event. */
#define SYSCALL_ARGS 6
#define SYSCALL_CAPTURES 4
#define SYSCALL_ARG_RET SYSCALL_ARGS /* a capture of the returned value */

/* What a capture reads behind its argument (syscall_class.capture_kind). */
enum syscall_capture_kind {
  SYSCALL_CAPTURE_NONE = 0,
  SYSCALL_CAPTURE_STRING = 1,   /* a NUL-terminated string in user memory */
  SYSCALL_CAPTURE_SOCKADDR = 2, /* a struct sockaddr, its length in the next argument */
  SYSCALL_CAPTURE_FD = 3,       /* what the fd points to in the task's fd table */
  SYSCALL_CAPTURE_FD_AT_ENTER = 4, /* the same, read at entry: the call closes it (close) */
};

/* What user space knows of one syscall number, for the kernel side. */
struct syscall_class {
  __u64 slow_ns;   /* slower than this is a slow call */
  __u8 traced;     /* category enabled and the syscall selected */
  __u8 priority;   /* in high_priority_syscalls: always written */
  __u8 category;   /* enum syscall_category */
  __u8 replaces_image; /* execve: a success leaves the caller's registers and memory behind */
  /* Read behind the arguments when the call becomes an event, in order:
   * argument index (or SYSCALL_ARG_RET) and enum syscall_capture_kind. */
  __u8 capture_arg[SYSCALL_CAPTURES];
  __u8 capture_kind[SYSCALL_CAPTURES];
  __u8 pad2[4];
};
EBPFMON_ASSERT_OFFSET(syscall_class, traced, 8);
EBPFMON_ASSERT_OFFSET(syscall_class, category, 10);
EBPFMON_ASSERT_OFFSET(syscall_class, capture_arg, 12);
EBPFMON_ASSERT_OFFSET(syscall_class, capture_kind, 16);
EBPFMON_ASSERT_SIZE(syscall_class, 24);

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
inline constexpr char kSyscallRecordsMap[] = "syscall_records";  // with SYSCALL_READ_ARGS
inline constexpr char kSyscallHungReportedMap[] = "syscall_hung_reported";  // with SYSCALL_HUNG_NS
}  // namespace ebpfmon
#endif

#define SYSCALL_EV_ERROR 0x1
#define SYSCALL_EV_SLOW 0x2
#define SYSCALL_EV_HUNG 0x4    /* reported while in flight (syscall_hung_reported) */
#define SYSCALL_EV_ADOPTED 0x8 /* in flight before the monitor started: its entry time estimated */

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
  __u64 args[SYSCALL_ARGS]; /* the registers (all 0 without SYSCALL_READ_ARGS) */
  __u8 captures;            /* how many syscall_capture records follow */
  __u8 pad2[7];
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
/* Without SYSCALL_READ_ARGS a record ends before args: user space reads the
 * rest as zeros. */
#define SYSCALL_EVENT_NO_ARGS_BYTES 72
EBPFMON_ASSERT_OFFSET(syscall_event, args, SYSCALL_EVENT_NO_ARGS_BYTES);
EBPFMON_ASSERT_OFFSET(syscall_event, captures, 120);
EBPFMON_ASSERT_SIZE(syscall_event, 128);

/* What the task iterator writes for a traced call in flight longer than
 * SYSCALL_HUNG_NS that it has not written before (one per call). */
struct syscall_hung_candidate {
  __u64 ts_ns;      /* when the call entered (CLOCK_MONOTONIC) */
  __u64 elapsed_ns; /* in flight so far */
  __u32 pid;
  __u32 tid;
  __s32 nr;
  __u32 flags;      /* SYSCALL_EV_ADOPTED */
  char comm[EBPFMON_COMM_LEN];
  __u32 state;      /* task_struct's state bits, SYSCALL_STATE_UNKNOWN without its layout */
  __u32 pad;
};
EBPFMON_ASSERT_OFFSET(syscall_hung_candidate, pid, 16);
EBPFMON_ASSERT_OFFSET(syscall_hung_candidate, comm, 32);
EBPFMON_ASSERT_OFFSET(syscall_hung_candidate, state, 48);
EBPFMON_ASSERT_SIZE(syscall_hung_candidate, 56);
#define SYSCALL_STATE_UNKNOWN 0xffffffffu

/* What a capture found (syscall_capture.found). */
enum syscall_found {
  SYSCALL_FOUND_NOTHING = 0, /* unreadable memory, a closed fd, no layout */
  SYSCALL_FOUND_STRING = 1,  /* data: the string, without its NUL */
  SYSCALL_FOUND_BYTES = 2,   /* data: the bytes (a sockaddr) */
  SYSCALL_FOUND_PATH = 3,    /* data: a file's names, last first, each with its NUL */
  SYSCALL_FOUND_SOCKET = 4,  /* family..daddr; data: a unix socket's sun_path */
  SYSCALL_FOUND_PSEUDO = 5,  /* a file of no mount (pipe, anon inode): magic, ino; data: its name */
  SYSCALL_FOUND_TEXT = 6,    /* user space only: data is the target as /proc names it */
};
#define SYSCALL_CAPTURE_CUT 0x1     /* longer than --string-bytes */
#define SYSCALL_CAPTURE_DELETED 0x2 /* the file is unlinked */
#define SYSCALL_CAPTURE_AT_ENTRY 0x4 /* kernel side only: read at entry, not yet taken */

/* Filesystems (s_magic) whose files have no path (<linux/magic.h>). */
#define SYSCALL_PIPEFS_MAGIC 0x50495045
#define SYSCALL_SOCKFS_MAGIC 0x534F434B

/* After the event, `captures` of these, each followed by its `len` bytes of
 * data padded to 8 (SYSCALL_CAPTURE_BYTES in all). A capture that found
 * nothing is left out. */
struct syscall_capture {
  __u8 arg;       /* 0..5, or SYSCALL_ARG_RET */
  __u8 found;     /* enum syscall_found */
  __u16 flags;    /* SYSCALL_CAPTURE_* */
  __u32 len;      /* bytes of data */
  __u64 ino;      /* files: the inode number */
  __u32 magic;    /* files: the filesystem's s_magic */
  __u16 family;   /* sockets: AF_* */
  __u16 type;     /* sockets: SOCK_* */
  __u16 protocol; /* sockets: IPPROTO_* */
  __u16 sport;    /* sockets: local port, host order */
  __u16 dport;    /* sockets: remote port, host order */
  __u16 pad;
  __u8 saddr[16]; /* sockets: local address (4 bytes for AF_INET) */
  __u8 daddr[16]; /* sockets: remote address */
};
EBPFMON_ASSERT_OFFSET(syscall_capture, ino, 8);
EBPFMON_ASSERT_OFFSET(syscall_capture, magic, 16);
EBPFMON_ASSERT_OFFSET(syscall_capture, sport, 26);
EBPFMON_ASSERT_OFFSET(syscall_capture, saddr, 32);
EBPFMON_ASSERT_SIZE(syscall_capture, 64);
#define SYSCALL_CAPTURE_BYTES(len) (sizeof(struct syscall_capture) + (((len) + 7) & ~7u))

/* --string-bytes: 1..SYSCALL_STRING_BYTES_LIMIT, default 256. */
#define SYSCALL_STRING_BYTES_LIMIT 4096

#endif
