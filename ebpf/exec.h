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
/* Smallest power of two >= EXEC_ARGS_BYTES. The args area is twice that, so
 * the verifier can prove that a string read at any offset below the limit,
 * of at most the room left, stays inside the record. */
#ifndef EXEC_ARGS_POW2
#define EXEC_ARGS_POW2 8192
#endif
#define EXEC_ARGS_AREA (2 * EXEC_ARGS_POW2)
/* Bounds accepted from the config; the same numbers check user input. */
#define EXEC_MAX_ARGS_LIMIT 1024
#define EXEC_ARGS_BYTES_MIN 256
#define EXEC_ARGS_BYTES_LIMIT 32768
/* A failed exec's argc is counted by walking argv up to this many pointers. */
#define EXEC_ARGC_SCAN 1024
#define EXEC_FILENAME_LEN 512

#define EXEC_F_TRUNCATED 0x1      /* argv did not fit the limits */
#define EXEC_F_ARG_UNREADABLE 0x2 /* an argument's memory could not be read */

struct exec_event {
  __u64 ts_ns; /* CLOCK_MONOTONIC */
  __u32 pid;   /* thread group id */
  __u32 tid;
  __u32 ppid;
  __u32 uid;
  __s32 ret;       /* 0 or -errno */
  __u32 argc;      /* real argument count */
  __u32 args_size; /* bytes used in args: NUL-terminated strings */
  __u32 flags;     /* EXEC_F_* */
  char comm[EBPFMON_COMM_LEN];
  char filename[EXEC_FILENAME_LEN];
  char args[EXEC_ARGS_AREA]; /* only args_size bytes are sent */
};

#endif
