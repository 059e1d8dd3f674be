/* execmon: the event record shared by exec.bpf.c and lib/monitors/exec.cc. */
#ifndef EBPFMON_EXEC_H
#define EBPFMON_EXEC_H

#include "common.h"

/* Limits; user space passes the configured values with -D. */
#ifndef EXEC_MAX_ARGS
#define EXEC_MAX_ARGS 64
#endif
#ifndef EXEC_ARGS_BYTES
#define EXEC_ARGS_BYTES 8192
#endif
/* Smallest power of two >= EXEC_ARGS_BYTES: the size of each argument read,
 * at an offset below the limit, so the verifier can prove it stays inside
 * the strings area (below) without tracking how the offset grew. */
#ifndef EXEC_ARGS_POW2
#define EXEC_ARGS_POW2 8192
#endif
/* Bounds accepted from the config; the same numbers check user input. */
#define EXEC_MAX_ARGS_LIMIT 1024
#define EXEC_ARGS_BYTES_MIN 256
#define EXEC_ARGS_BYTES_LIMIT 32768
/* A failed exec's argv: its first EXEC_ARGV_WALK pointers are read one at a
 * time (the strings of the first EXEC_MAX_ARGS kept), then up to
 * EXEC_ARGC_SCAN more are counted, EXEC_ARGV_BLOCK at a time. */
#define EXEC_ARGV_BLOCK 16
#if EXEC_MAX_ARGS < EXEC_ARGV_BLOCK
#define EXEC_ARGV_WALK EXEC_ARGV_BLOCK
#else
#define EXEC_ARGV_WALK EXEC_MAX_ARGS
#endif
#define EXEC_ARGC_SCAN 1024
#define EXEC_FILENAME_LEN 512
/* The caller's argv[0], read at sys_enter: for a script the kernel replaces
 * it (binfmt_script) before any later hook can read it. */
#define EXEC_ARGV0_LEN 256

/* cwd and exe: each at most EXEC_PATH_BYTES of names and EBPFMON_PATH_DEPTH
 * names plus mount points crossed; a longer path is marked truncated. */
#define EXEC_PATH_BYTES 1024
#define EXEC_TTY_LEN 64
#define EXEC_ANCESTORS_LIMIT 16
#ifndef EXEC_ANCESTORS
#define EXEC_ANCESTORS 4
#endif

/* The strings area holds argv (for a script, after the caller's argv[0]),
 * then cwd's names, then exe's. Smallest power of two >= EXEC_ARGS_BYTES +
 * EXEC_ARGV0_LEN + 2 * EXEC_PATH_BYTES; the area is twice that, so that a
 * read of at most EXEC_ARGS_POW2 (or EBPFMON_NAME_BYTES) at any offset below it
 * stays inside the record. */
#ifndef EXEC_STRINGS_POW2
#define EXEC_STRINGS_POW2 16384
#endif
#define EXEC_STRINGS_AREA (2 * EXEC_STRINGS_POW2)

#define EXEC_F_TRUNCATED 0x1      /* argv did not fit the limits */
#define EXEC_F_ARG_UNREADABLE 0x2 /* an argument's memory could not be read */
#define EXEC_F_PATHS 0x4          /* cwd and exe were read */
#define EXEC_F_CWD_TRUNCATED 0x8
#define EXEC_F_EXE_TRUNCATED 0x10
#define EXEC_F_CWD_DELETED 0x20
#define EXEC_F_EXE_DELETED 0x40
/* The kernel ran an interpreter for a script: argv in strings is the caller's
 * argv[0], then the argv the kernel built for the interpreter (the
 * interpreter, its #! argument, the script's path, the caller's argv[1..]),
 * and argc is the kernel's count. User space takes the two apart. */
#define EXEC_F_INTERPRETER 0x80
#define EXEC_F_ARGV0_CUT 0x100 /* argv[0] was longer than EXEC_ARGV0_LEN - 1 */
/* With EXEC_F_INTERPRETER: a binfmt_misc handler with the P flag kept the
 * caller's argv[0] after the script's path, so none is put in front. */
#define EXEC_F_ARGV0_KEPT 0x200

struct exec_ancestor {
  __u32 pid;
  char comm[EBPFMON_COMM_LEN];
};
EBPFMON_ASSERT_OFFSET(exec_ancestor, comm, 4);
EBPFMON_ASSERT_SIZE(exec_ancestor, 20);

struct exec_event {
  __u64 ts_ns; /* CLOCK_MONOTONIC */
  __u64 cgroup_id;
  /* The exec id: the process's start (CLOCK_BOOTTIME), pid and exec count
   * (task_struct.self_exec_id); the parent's likewise. */
  __u64 start_ns;
  __u64 exec_seq;
  __u64 parent_start_ns;
  __u64 parent_exec_seq;
  __u32 pid; /* thread group id */
  __u32 tid;
  __u32 ppid;
  __u32 uid;
  __s32 ret;       /* 0 or -errno */
  __u32 argc;      /* real argument count */
  __u32 args_size; /* bytes of argv in strings: NUL-terminated */
  __u32 flags;     /* EXEC_F_* */
  __u32 auid;      /* audit login uid; 4294967295 unset */
  __u32 sessionid;
  __u32 mntns; /* namespace inode numbers */
  __u32 pidns;
  __u32 vpid; /* pid in its own pid namespace */
  /* Bytes of names after argv, each NUL-terminated, the last one first:
   * /a/b is "b\0a\0". */
  __u32 cwd_size;
  __u32 exe_size;
  __u32 ancestor_count;
  char comm[EBPFMON_COMM_LEN];
  char pcomm[EBPFMON_COMM_LEN];
  char tty[EXEC_TTY_LEN];
  char filename[EXEC_FILENAME_LEN];
  struct exec_ancestor ancestors[EXEC_ANCESTORS_LIMIT]; /* nearest first */
  char strings[EXEC_STRINGS_AREA]; /* only args_size + cwd_size + exe_size bytes are sent */
};
/* The header (what precedes strings) is what user space reads whole. */
EBPFMON_ASSERT_OFFSET(exec_event, ts_ns, 0);
EBPFMON_ASSERT_OFFSET(exec_event, cgroup_id, 8);
EBPFMON_ASSERT_OFFSET(exec_event, start_ns, 16);
EBPFMON_ASSERT_OFFSET(exec_event, exec_seq, 24);
EBPFMON_ASSERT_OFFSET(exec_event, parent_start_ns, 32);
EBPFMON_ASSERT_OFFSET(exec_event, parent_exec_seq, 40);
EBPFMON_ASSERT_OFFSET(exec_event, pid, 48);
EBPFMON_ASSERT_OFFSET(exec_event, tid, 52);
EBPFMON_ASSERT_OFFSET(exec_event, ppid, 56);
EBPFMON_ASSERT_OFFSET(exec_event, uid, 60);
EBPFMON_ASSERT_OFFSET(exec_event, ret, 64);
EBPFMON_ASSERT_OFFSET(exec_event, argc, 68);
EBPFMON_ASSERT_OFFSET(exec_event, args_size, 72);
EBPFMON_ASSERT_OFFSET(exec_event, flags, 76);
EBPFMON_ASSERT_OFFSET(exec_event, auid, 80);
EBPFMON_ASSERT_OFFSET(exec_event, sessionid, 84);
EBPFMON_ASSERT_OFFSET(exec_event, mntns, 88);
EBPFMON_ASSERT_OFFSET(exec_event, pidns, 92);
EBPFMON_ASSERT_OFFSET(exec_event, vpid, 96);
EBPFMON_ASSERT_OFFSET(exec_event, cwd_size, 100);
EBPFMON_ASSERT_OFFSET(exec_event, exe_size, 104);
EBPFMON_ASSERT_OFFSET(exec_event, ancestor_count, 108);
EBPFMON_ASSERT_OFFSET(exec_event, comm, 112);
EBPFMON_ASSERT_OFFSET(exec_event, pcomm, 128);
EBPFMON_ASSERT_OFFSET(exec_event, tty, 144);
EBPFMON_ASSERT_OFFSET(exec_event, filename, 208);
EBPFMON_ASSERT_OFFSET(exec_event, ancestors, 720);
EBPFMON_ASSERT_OFFSET(exec_event, strings, 1040);

#endif
