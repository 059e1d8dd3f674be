/* execmon: every execve/execveat, successful or not.
 *
 * sys_enter remembers the caller's argv pointer and argv[0]. A successful
 * exec is reported at sched_process_exec, reading argv from the new mm
 * (arg_start..arg_end): the kernel has just copied it there, so it is
 * resident, whereas the caller's strings may not be mapped in a freshly forked
 * child. For a script the kernel has by then replaced argv[0] with the
 * interpreter, its #! argument and the script's path; the caller's argv[0],
 * kept from sys_enter, goes in front and user space takes the two apart. A
 * failed exec is reported at sys_exit from the caller's memory, with the
 * caller's comm.
 *
 * The context (parent chain, cwd, exe, login, terminal, namespaces, cgroup)
 * is read here from the task, at exec time: a parent that exits a moment
 * later is still in the record. */
#include <linux/sched.h>
#include <linux/binfmts.h>
#include <linux/mm_types.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/dcache.h>
#include <linux/mount.h>
#include <linux/tty.h>
#include <linux/pid.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/ns_common.h>

#include "common.bpf.h"
#include "exec.h"
#include "path.bpf.h"

struct exec_start {
  const char *filename;
  const char *const *argv;
  u32 argv0_size;  /* bytes of argv0 with its NUL; 0 when unreadable */
  u8 comm_matched; /* a comm filter can match the name before the exec */
  u8 argv0_cut;
  char argv0[EXEC_ARGV0_LEN];
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
  e->cgroup_id = bpf_get_current_cgroup_id();
  bpf_get_current_comm(&e->comm, sizeof(e->comm));
}

#define exec_read_comm(dst, task) \
  bpf_probe_read_kernel_str((dst), EBPFMON_COMM_LEN, \
                            (const char *)(task) + offsetof(struct task_struct, comm))

/* The process (its group leader) that `leader` was forked from, and up to
 * EXEC_ANCESTORS of its own parents, by real_parent, nearest first. */
static __always_inline void exec_fill_parents(struct exec_event *e, const void *leader) {
  const void *parent = NULL, *pleader = NULL;
  ebpfmon_read_kernel(parent, leader, struct task_struct, real_parent);
  ebpfmon_read_kernel(pleader, parent, struct task_struct, group_leader);
  ebpfmon_read_kernel(e->parent_start_ns, pleader, struct task_struct, start_boottime);
  ebpfmon_read_kernel(e->parent_exec_seq, pleader, struct task_struct, self_exec_id);
  exec_read_comm(e->pcomm, pleader);
  e->ancestor_count = 0;
  const void *t = leader;
  for (int i = 0; i < EXEC_ANCESTORS && i < EXEC_ANCESTORS_LIMIT; i++) {
    const void *p = NULL, *pl = NULL;
    u32 tgid = 0;
    ebpfmon_read_kernel(p, t, struct task_struct, real_parent);
    ebpfmon_read_kernel(pl, p, struct task_struct, group_leader);
    ebpfmon_read_kernel(tgid, pl, struct task_struct, tgid);
    if (!pl || tgid == 0 || pl == t)
      break; /* past init: the idle task is pid 0 */
    e->ancestors[i].pid = tgid;
    exec_read_comm(e->ancestors[i].comm, pl);
    e->ancestor_count = i + 1;
    t = pl;
  }
}

/* Login, terminal and namespaces of `leader`. */
static __always_inline void exec_fill_session(struct exec_event *e, const void *leader) {
  e->auid = 4294967295u;
  e->sessionid = 4294967295u;
#ifdef EXEC_HAVE_AUDIT
  ebpfmon_read_kernel(e->auid, leader, struct task_struct, loginuid);
  ebpfmon_read_kernel(e->sessionid, leader, struct task_struct, sessionid);
#endif
  struct signal_struct *signal = NULL;
  struct tty_struct *tty = NULL;
  e->tty[0] = 0;
  ebpfmon_read_kernel(signal, leader, struct task_struct, signal);
  ebpfmon_read_kernel(tty, signal, struct signal_struct, tty);
  if (tty)
    bpf_probe_read_kernel_str(e->tty, sizeof(e->tty),
                              (const char *)tty + offsetof(struct tty_struct, name));

  /* pid namespace and vpid: the last level of the process's struct pid. */
  struct pid *pid = NULL;
  unsigned int level = 0;
  struct pid_namespace *ns = NULL;
  ebpfmon_read_kernel(pid, leader, struct task_struct, thread_pid);
  ebpfmon_read_kernel(level, pid, struct pid, level);
  const char *upid = (const char *)pid + offsetof(struct pid, numbers) +
                     (level & 31) * sizeof(struct upid);
  bpf_probe_read_kernel(&e->vpid, sizeof(e->vpid), upid + offsetof(struct upid, nr));
  bpf_probe_read_kernel(&ns, sizeof(ns), upid + offsetof(struct upid, ns));
  bpf_probe_read_kernel(&e->pidns, sizeof(e->pidns),
                        (const char *)ns + offsetof(struct pid_namespace, ns) +
                            offsetof(struct ns_common, inum));
  e->mntns = 0;
#ifdef EXEC_MNT_NS_NS
  struct nsproxy *nsproxy = NULL;
  const char *mnt_ns = NULL;
  ebpfmon_read_kernel(nsproxy, leader, struct task_struct, nsproxy);
  ebpfmon_read_kernel(mnt_ns, nsproxy, struct nsproxy, mnt_ns);
  bpf_probe_read_kernel(&e->mntns, sizeof(e->mntns),
                        mnt_ns + EXEC_MNT_NS_NS + offsetof(struct ns_common, inum));
#endif
}

#ifdef EXEC_PATHS
/* cwd from fs->pwd, exe from the mm's exe_file: for a successful exec the
 * new image (a script's interpreter), for a failed one the caller's. */
static __always_inline void exec_fill_paths(struct exec_event *e, const void *task) {
  struct fs_struct *fs = NULL;
  struct mm_struct *mm = NULL;
  struct file *exe = NULL;
  ebpfmon_read_kernel(fs, task, struct task_struct, fs);
  ebpfmon_read_kernel(mm, task, struct task_struct, mm);
  ebpfmon_read_kernel(exe, mm, struct mm_struct, exe_file);
  const char *root = (const char *)fs + offsetof(struct fs_struct, root);
  e->flags |= EXEC_F_PATHS;
  u32 found = ebpfmon_read_path(e->strings, EXEC_STRINGS_POW2 - 1, e->args_size, EXEC_PATH_BYTES,
                                &e->cwd_size,
                                (const char *)fs + offsetof(struct fs_struct, pwd), root);
  e->flags |= (found & EBPFMON_PATH_CUT ? EXEC_F_CWD_TRUNCATED : 0) |
              (found & EBPFMON_PATH_DELETED ? EXEC_F_CWD_DELETED : 0);
  if (!exe) {
    e->exe_size = 0;
    e->flags |= EXEC_F_EXE_TRUNCATED;
    return;
  }
  found = ebpfmon_read_path(e->strings, EXEC_STRINGS_POW2 - 1, e->args_size + e->cwd_size,
                            EXEC_PATH_BYTES, &e->exe_size,
                            (const char *)exe + offsetof(struct file, f_path), root);
  e->flags |= (found & EBPFMON_PATH_CUT ? EXEC_F_EXE_TRUNCATED : 0) |
              (found & EBPFMON_PATH_DELETED ? EXEC_F_EXE_DELETED : 0);
}
#endif

static __always_inline void exec_fill_context(struct exec_event *e, const void *task) {
  const void *leader = NULL;
  ebpfmon_read_kernel(leader, task, struct task_struct, group_leader);
  ebpfmon_read_kernel(e->start_ns, leader, struct task_struct, start_boottime);
  ebpfmon_read_kernel(e->exec_seq, leader, struct task_struct, self_exec_id);
  exec_fill_parents(e, leader);
  exec_fill_session(e, leader);
  e->cwd_size = 0;
  e->exe_size = 0;
#ifdef EXEC_PATHS
  exec_fill_paths(e, task);
#endif
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
  const char *arg0 = NULL;
  if (bpf_probe_read_user(&arg0, sizeof(arg0), argv) == 0 && arg0) {
    long n = bpf_probe_read_user_str(start.argv0, sizeof(start.argv0), arg0);
    if (n > 0) {
      start.argv0_size = n;
      start.argv0_cut = n == sizeof(start.argv0);
    }
  }
  if (exec_starts.update(&tid, &start) != 0)
    ebpfmon_count_loss(EBPFMON_LOSS_KERNEL_MAP);
  return 0;
}

/* Counts the rest of a failed exec's argv, from argv[i] on, where i >=
 * EXEC_ARGV_BLOCK - 1 and argv[0..i-1] are all set.
 *
 * Read one pointer per loop iteration, the count cost the verifier, which
 * walks a bounded loop iteration by iteration, half its time on this
 * program. Here 16 pointers come in one read of the 128-byte-aligned block
 * holding argv[i]: aligned, a block never crosses a page, so it is readable
 * whenever argv[i] is. The pointers before argv[i] in the first block are
 * argv[i-15..i-1] at the earliest, all set: the first NULL is the end. */
static __always_inline void exec_count_user_argv(struct exec_event *e, const char *const *argv,
                                                 u32 i) {
  u64 addr = (u64)&argv[i];
  if (addr & 7) { /* misaligned: the block's slots would not be argv's */
    e->flags |= EXEC_F_TRUNCATED;
    return;
  }
  u32 skip = (addr & (EXEC_ARGV_BLOCK * 8 - 1)) >> 3;
  const u64 *block = (const u64 *)(addr - skip * 8);
  u32 first = i - skip; /* the argv index of the block's first slot */
  u64 slots[EXEC_ARGV_BLOCK];
  for (int b = 0; b < EXEC_ARGC_SCAN / EXEC_ARGV_BLOCK; b++) {
    if (bpf_probe_read_user(slots, sizeof(slots), block) != 0) {
      e->flags |= EXEC_F_ARG_UNREADABLE | EXEC_F_TRUNCATED;
      return;
    }
#pragma unroll
    for (int j = 0; j < EXEC_ARGV_BLOCK; j++) {
      if (!slots[j]) {
        e->argc = first + j;
        return;
      }
    }
    first += EXEC_ARGV_BLOCK;
    e->argc = first;
    block += EXEC_ARGV_BLOCK;
  }
  e->flags |= EXEC_F_TRUNCATED; /* still more: argc is a lower bound */
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
  for (i = 0; i < EXEC_ARGV_WALK; i++) {
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
    long n = bpf_probe_read_user_str(&e->strings[off], EXEC_ARGS_POW2, arg);
    if (n <= 0) {
      /* Keep the argument's place, marked, rather than drop it silently. */
      e->flags |= EXEC_F_ARG_UNREADABLE;
      e->strings[off] = 0;
      n = 1;
    }
    off += n;
    if (off > EXEC_ARGS_BYTES) {
      off = EXEC_ARGS_BYTES;
      e->flags |= EXEC_F_TRUNCATED;
    }
    e->args_size = off;
  }
  exec_count_user_argv(e, argv, EXEC_ARGV_WALK);
}

/* The mask changes nothing (the sizes never exceed their limits) but lets
 * the verifier see that the record stays inside the map value. */
static __always_inline u32 exec_record_size(const struct exec_event *e) {
  u32 used = e->args_size + e->cwd_size + e->exe_size;
  return offsetof(struct exec_event, strings) + (used & (EXEC_STRINGS_AREA - 1));
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
  exec_fill_context(e, (const void *)bpf_get_current_task());
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

/* BINPRM_FLAGS_PRESERVE_ARGV0 (5.12 on; the bit was unused before): a macro,
 * which BTF does not carry. */
#define EXEC_BINPRM_PRESERVE_ARGV0 (1 << 3)

/* A script's argv as the caller passed it, in front of the kernel's: the
 * caller's argv[0] from sys_enter, then whatever follows (*size counts it).
 * Without it (sys_enter missed, or argv[0] unreadable) the flag alone says
 * that the first string is not argv[0]. */
static __always_inline void exec_put_caller_argv0(struct exec_event *e,
                                                  const struct exec_start *start, u32 *size) {
  e->flags |= EXEC_F_INTERPRETER;
  if (!start || start->argv0_size == 0) {
    e->flags |= EXEC_F_ARG_UNREADABLE;
    e->strings[0] = 0;
    *size = 1;
    return;
  }
  if (start->argv0_cut)
    e->flags |= EXEC_F_ARGV0_CUT;
  bpf_probe_read_kernel(e->strings, EXEC_ARGV0_LEN, start->argv0);
  *size = start->argv0_size & (EXEC_ARGV0_LEN * 2 - 1);
}

/* The new image's exec, with the caller's argv for a script. */
static __always_inline void exec_report_new_image(void *ctx, const void *task,
                                                  struct linux_binprm *bprm,
                                                  const struct exec_start *start) {
#ifdef EXEC_FAILS_ONLY
  return; /* a successful exec: --fails wants only the others */
#endif
  if (!ebpfmon_current_allowed(ebpfmon_current_tgid()))
    return;
  struct exec_event *e = exec_scratch_event();
  if (!e)
    return;
  exec_fill_task(e);
  if (!(start && start->comm_matched) && !ebpfmon_comm_allowed(e->comm))
    return;
  e->ret = 0;
  e->flags = 0;

  const char *filename = NULL, *interp = NULL;
  int argc = 0;
  ebpfmon_read_kernel(filename, bprm, struct linux_binprm, filename);
  ebpfmon_read_kernel(interp, bprm, struct linux_binprm, interp);
  ebpfmon_read_kernel(argc, bprm, struct linux_binprm, argc);
  if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename) < 0)
    e->filename[0] = 0;
  e->argc = argc;

  /* interp is filename until an interpreter's loader (binfmt_script,
   * binfmt_misc) names the program it runs instead. */
  u32 front = 0;
  if (interp != filename) {
    unsigned int interp_flags = 0;
    ebpfmon_read_kernel(interp_flags, bprm, struct linux_binprm, interp_flags);
    if (interp_flags & EXEC_BINPRM_PRESERVE_ARGV0)
      e->flags |= EXEC_F_INTERPRETER | EXEC_F_ARGV0_KEPT;
    else
      exec_put_caller_argv0(e, start, &front);
  }

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
  if (len > 0 && bpf_probe_read_user(&e->strings[front], len & (EXEC_STRINGS_POW2 - 1),
                                     (void *)arg_start) != 0) {
    len = 0;
    e->flags |= EXEC_F_ARG_UNREADABLE | EXEC_F_TRUNCATED;
  }
  e->args_size = front + len;
  exec_fill_context(e, task);
  ebpfmon_emit(ctx, e, exec_record_size(e));
}

/* args: struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm */
RAW_TRACEPOINT_PROBE(sched_process_exec) {
  const void *task = (const void *)ctx->args[0];
  u32 old_pid = (u32)ctx->args[1]; /* the thread that called exec */
  struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
  struct exec_start *start = exec_starts.lookup(&old_pid);
  exec_report_new_image(ctx, task, bprm, start);
  if (start)
    exec_starts.delete(&old_pid);
  return 0;
}
