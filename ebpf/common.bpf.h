/* BPF-side helpers every monitor shares: filters, event output, loss counts.
 *
 * Filters are switched on by -D macros whose values are map capacities
 * (numbers validated in user space); the sets themselves live in maps that
 * user space fills after compiling, so no user text reaches the source. */
#ifndef EBPFMON_COMMON_BPF_H
#define EBPFMON_COMMON_BPF_H

#include <linux/sched.h>

#include "common.h"

/* Reads a kernel struct member. The address is computed with offsetof, not
 * &ptr->member: libbcc's rewriter gets the latter wrong for members of
 * anonymous structs (measured: &mm->arg_start read mm->arg_end). A member
 * whose size on this kernel is not dst's stops the compile: a read of the
 * wrong size would give a wrong value. */
#define ebpfmon_read_kernel(dst, ptr, type, member)                             \
  ({                                                                            \
    _Static_assert(sizeof(((type *)0)->member) == sizeof(dst),                  \
                   #type "." #member " differs in size from " #dst " here");    \
    bpf_probe_read_kernel(&(dst), sizeof(dst),                                  \
                          (const char *)(ptr) + offsetof(type, member));        \
  })

/* Before a loop that walks kernel structures. Verifiers before Linux 6.4
 * or so (5.10 and 6.1 tested) refuse a loop whose body falls through into
 * its test ("back-edge from insn"), which is how clang lays out a loop it
 * enters at the test; there (EBPFMON_UNROLL_LOOPS, user space's probe of
 * the verifier) such loops are unrolled. */
#ifdef EBPFMON_UNROLL_LOOPS
#define EBPFMON_LOOP _Pragma("unroll")
#else
#define EBPFMON_LOOP
#endif

BPF_PERCPU_ARRAY(ebpfmon_losses, u64, EBPFMON_LOSS_STAGES);

static __always_inline void ebpfmon_count_loss(int stage) {
  u64 *n = ebpfmon_losses.lookup(&stage);
  if (n)
    *n += 1; /* per-CPU slot: no atomic needed */
}

/* libbcc rewrites map calls only outside macros, hence a function. */
#ifdef EBPFMON_RINGBUF_PAGES
BPF_RINGBUF_OUTPUT(events, EBPFMON_RINGBUF_PAGES);
/* The reader is woken per batch, not per record (a wake-up costs the
 * writer more than its record: an irq_work, an IPI, on a VM an exit). A
 * record wakes it only when none did for EBPFMON_WAKE_AFTER_NS (so a lone
 * record is read at once) or EBPFMON_WAKE_BYTES went in since the last
 * wake-up (so a storm cannot fill the ring while the reader sleeps); the
 * reader takes the rest on a timer of its own (ARCHITECTURE.md,
 * "Delivery"). CPUs racing here cost at most an extra wake-up. */
struct ebpfmon_wake {
  u64 last_ns; /* of the last wake-up */
  u64 bytes;   /* written since */
};
BPF_ARRAY(ebpfmon_wake, struct ebpfmon_wake, 1);
static __always_inline void ebpfmon_emit(void *ctx, void *data, u32 size) {
  u32 zero = 0;
  u64 flags = 0;
  struct ebpfmon_wake *w = ebpfmon_wake.lookup(&zero);
  if (w) {
    u64 now = bpf_ktime_get_ns();
    w->bytes += size;
    flags = BPF_RB_NO_WAKEUP;
    if (now - w->last_ns >= EBPFMON_WAKE_AFTER_NS || w->bytes >= EBPFMON_WAKE_BYTES) {
      flags = BPF_RB_FORCE_WAKEUP;
      w->last_ns = now;
      w->bytes = 0;
    }
  }
  if (events.ringbuf_output(data, size, flags) != 0)
    ebpfmon_count_loss(EBPFMON_LOSS_KERNEL_BUFFER);
}
#else
/* The perf buffer reports its own losses to user space (lost callback);
 * counting the failed submit here as well would count them twice. */
BPF_PERF_OUTPUT(events);
static __always_inline void ebpfmon_emit(void *ctx, void *data, u32 size) {
  events.perf_submit(ctx, data, size);
}
#endif

/* max_events_per_second: one window per wall second for all CPUs, counted
 * with an atomic add only when an event is about to be written. Two CPUs
 * crossing into a new second together may both reset it, or pass the test
 * together at the limit, letting a handful more through. A drop is counted
 * as a rate-limit loss. */
#ifdef EBPFMON_MAX_RATE
struct ebpfmon_rate_window {
  u64 second;
  u64 count;
};
BPF_ARRAY(ebpfmon_rate, struct ebpfmon_rate_window, 1);
#endif

static __always_inline bool ebpfmon_rate_allows(u64 now_ns) {
#ifdef EBPFMON_MAX_RATE
  u32 zero = 0;
  struct ebpfmon_rate_window *w = ebpfmon_rate.lookup(&zero);
  if (!w)
    return true;
  u64 second = now_ns / 1000000000ull;
  if (w->second != second) {
    w->second = second;
    w->count = 0;
  }
  if (w->count >= EBPFMON_MAX_RATE) {
    ebpfmon_count_loss(EBPFMON_LOSS_RATE_LIMIT);
    return false;
  }
  /* Its value unused: a plain atomic add, which kernels before 5.12 have
   * (a fetching add is "BPF_STX uses reserved fields" there). */
  __sync_fetch_and_add(&w->count, 1);
#endif
  return true;
}

#ifdef EBPFMON_FILTER_PIDS
BPF_HASH(ebpfmon_filter_pids, u32, u8, EBPFMON_FILTER_PIDS);
#endif
#ifdef EBPFMON_FILTER_UIDS
BPF_HASH(ebpfmon_filter_uids, u32, u8, EBPFMON_FILTER_UIDS);
#endif
#ifdef EBPFMON_FILTER_COMMS
BPF_HASH(ebpfmon_filter_comms, struct ebpfmon_comm, u8, EBPFMON_FILTER_COMMS);
#endif

/* Our own tgid, set by user space: a map, not a macro, so that the program
 * is the same from one run to the next and its cached build can be reused.
 * The verifier inlines an array lookup: a few instructions per event. */
BPF_ARRAY(ebpfmon_self, u32, 1);

static __always_inline bool ebpfmon_pid_allowed(u32 tgid) {
  u32 zero = 0;
  u32 *self = ebpfmon_self.lookup(&zero);
  if (self && *self == tgid)
    return false;
#ifdef EBPFMON_FILTER_PIDS
  return ebpfmon_filter_pids.lookup(&tgid) != NULL;
#else
  return true;
#endif
}

static __always_inline bool ebpfmon_uid_allowed(u32 uid) {
#ifdef EBPFMON_FILTER_UIDS
  return ebpfmon_filter_uids.lookup(&uid) != NULL;
#else
  return true;
#endif
}

static __always_inline bool ebpfmon_comm_allowed(const char *comm) {
#ifdef EBPFMON_FILTER_COMMS
  struct ebpfmon_comm key = {};
  __builtin_memcpy(key.name, comm, EBPFMON_COMM_LEN);
  return ebpfmon_filter_comms.lookup(&key) != NULL;
#else
  return true;
#endif
}

/* --cgroup: the kernel decides membership of the subtree itself. */
#ifdef EBPFMON_FILTER_CGROUP
BPF_CGROUP_ARRAY(ebpfmon_filter_cgroup, 1);
#endif

/* --container: the task's cgroup, or one of its ancestors, is named after
 * the container (docker-<id>.scope, /docker/<id>, ...). Names are compared
 * once per cgroup id; the verdict is kept (a cgroup keeps its name, and ids
 * are not reused), so a container made after start is matched at its first
 * event and every later one costs a hash lookup. */
#ifdef EBPFMON_FILTER_CONTAINER
#include <linux/sched.h>
#include <linux/cgroup.h>
#include <linux/kernfs.h>

#define EBPFMON_CGROUP_NAME_BYTES 128
#define EBPFMON_CONTAINER_DEPTH 8
#define EBPFMON_VERDICT_IN 1
#define EBPFMON_VERDICT_OUT 2
BPF_ARRAY(ebpfmon_filter_container, struct ebpfmon_container_filter, 1);
BPF_TABLE("lru_hash", u64, u8, ebpfmon_container_verdicts, 8192);

static __always_inline bool ebpfmon_has_prefix(const char *s, const char *prefix, int len) {
#pragma unroll
  for (int i = 0; i < len; i++)
    if (s[i] != prefix[i])
      return false;
  return true;
}

/* Where the id starts in a cgroup's name: after a runtime's scope prefix,
 * or at 0 for the cgroupfs layouts' bare id. */
static __always_inline u32 ebpfmon_container_id_offset(const char *name) {
  if (ebpfmon_has_prefix(name, "docker-", 7) || ebpfmon_has_prefix(name, "libpod-", 7))
    return 7;
  if (ebpfmon_has_prefix(name, "crio-", 5))
    return 5;
  if (ebpfmon_has_prefix(name, "cri-containerd-", 15))
    return 15;
  return 0;
}

static __always_inline bool ebpfmon_name_matches(const char *name,
                                                 const struct ebpfmon_container_filter *f) {
  u32 off = ebpfmon_container_id_offset(name);
  for (u32 i = 0; i < EBPFMON_CONTAINER_ID_MAX; i++) {
    if (i >= f->len)
      return true;
    if (name[(off + i) & (EBPFMON_CGROUP_NAME_BYTES - 1)] != f->id[i])
      return false;
  }
  return true;
}

static __always_inline bool ebpfmon_in_container(void) {
  u32 zero = 0;
  struct ebpfmon_container_filter *f = ebpfmon_filter_container.lookup(&zero);
  if (!f)
    return false;
  const void *task = (const void *)bpf_get_current_task();
  struct css_set *cset = NULL;
  struct cgroup *cgrp = NULL;
  ebpfmon_read_kernel(cset, task, struct task_struct, cgroups);
  ebpfmon_read_kernel(cgrp, cset, struct css_set, dfl_cgrp);
  char name[EBPFMON_CGROUP_NAME_BYTES];
  for (int level = 0; level < EBPFMON_CONTAINER_DEPTH && cgrp; level++) {
    struct kernfs_node *kn = NULL;
    const char *text = NULL;
    ebpfmon_read_kernel(kn, cgrp, struct cgroup, kn);
    ebpfmon_read_kernel(text, kn, struct kernfs_node, name);
    __builtin_memset(name, 0, sizeof(name));
    if (bpf_probe_read_kernel_str(name, sizeof(name), text) > 0 && ebpfmon_name_matches(name, f))
      return true;
    struct cgroup_subsys_state *parent = NULL;
    bpf_probe_read_kernel(&parent, sizeof(parent),
                          (const char *)cgrp + offsetof(struct cgroup, self) +
                              offsetof(struct cgroup_subsys_state, parent));
    cgrp = NULL;
    if (parent)
      ebpfmon_read_kernel(cgrp, parent, struct cgroup_subsys_state, cgroup);
  }
  return false;
}
#endif

static __always_inline bool ebpfmon_cgroup_allowed(void) {
#ifdef EBPFMON_FILTER_CGROUP
  if (ebpfmon_filter_cgroup.check_current_task(0) != 1)
    return false;
#endif
#ifdef EBPFMON_FILTER_CONTAINER
  u64 id = bpf_get_current_cgroup_id();
  u8 *known = ebpfmon_container_verdicts.lookup(&id);
  if (known)
    return *known == EBPFMON_VERDICT_IN;
  u8 verdict = ebpfmon_in_container() ? EBPFMON_VERDICT_IN : EBPFMON_VERDICT_OUT;
  ebpfmon_container_verdicts.update(&id, &verdict);
  return verdict == EBPFMON_VERDICT_IN;
#endif
  return true;
}

/* The pid, uid and cgroup filters for the current task; no helper call for a
 * filter that is not set (this runs on every syscall for syscallmon), and
 * none after the first filter that refuses. The comm filter is the caller's:
 * exec judges the comm before and after the exec, others put it in the event. */
static __always_inline bool ebpfmon_current_allowed(u32 tgid) {
  if (!ebpfmon_pid_allowed(tgid))
    return false;
#ifdef EBPFMON_FILTER_UIDS
  if (!ebpfmon_uid_allowed((u32)bpf_get_current_uid_gid()))
    return false;
#endif
  return ebpfmon_cgroup_allowed();
}

/* A hook where current is not the task an event is about (a TCP close in
 * softirq) judges a struct ebpfmon_task recorded earlier, while that task was
 * current (at connect or accept). */
static __always_inline void ebpfmon_task_record(struct ebpfmon_task *t) {
  t->tgid = bpf_get_current_pid_tgid() >> 32;
  t->uid = (u32)bpf_get_current_uid_gid();
  bpf_get_current_comm(&t->comm, sizeof(t->comm));
  t->in_cgroup = ebpfmon_cgroup_allowed();
}

/* Every filter, comm included, on a recorded task. */
static __always_inline bool ebpfmon_task_allowed(const struct ebpfmon_task *t) {
  return t->in_cgroup && ebpfmon_pid_allowed(t->tgid) && ebpfmon_uid_allowed(t->uid) &&
         ebpfmon_comm_allowed(t->comm);
}

/* The thread group id and uid of the current task. */
static __always_inline u32 ebpfmon_current_tgid(void) {
  return bpf_get_current_pid_tgid() >> 32;
}
static __always_inline u32 ebpfmon_current_uid(void) {
  return (u32)bpf_get_current_uid_gid();
}

/* A task's exec id parts (exec.h): its group leader's start time and count
 * of execs. User space adds the pid and the boot id.
 *
 * A task is held as an untyped address (its members are read with
 * ebpfmon_read_kernel(..., struct task_struct, ...)), not as a struct
 * task_struct * (only the task iterator's, which bpf_task_pt_regs needs
 * typed, on 5.15+): against Linux 5.10's types, libbcc 0.26 compiled an
 * address taken from such a parameter 16 bytes off (every read through it
 * got another member) and lost reads through such locals in a loop
 * (ancestors' comm); a const void * is compiled as it is. */
static __always_inline void ebpfmon_task_exec_id(const void *task, u64 *start_ns,
                                                 u64 *exec_seq) {
  const void *leader = NULL;
  ebpfmon_read_kernel(leader, task, struct task_struct, group_leader);
  ebpfmon_read_kernel(*start_ns, leader, struct task_struct, start_boottime);
  ebpfmon_read_kernel(*exec_seq, leader, struct task_struct, self_exec_id);
}

/* tgid of the real parent: the ppid that ps shows. */
static __always_inline u32 ebpfmon_current_ppid(void) {
  const void *task = (const void *)bpf_get_current_task();
  const void *parent = NULL;
  u32 ppid = 0;
  ebpfmon_read_kernel(parent, task, struct task_struct, real_parent);
  ebpfmon_read_kernel(ppid, parent, struct task_struct, tgid);
  return ppid;
}

#endif
