/* Shared by every BPF program and libebpfmon: loss stages and limits. */
#ifndef EBPFMON_COMMON_H
#define EBPFMON_COMMON_H

#ifndef __BPF__
#include <linux/types.h> /* user space; BPF programs get these from the kernel */
#endif

/* Indexes of the per-CPU "ebpfmon_losses" array: each place in the kernel
 * where an event can be dropped has its own counter. */
enum ebpfmon_loss_stage {
  EBPFMON_LOSS_KERNEL_BUFFER = 0, /* ring buffer full: reserve/output failed */
  EBPFMON_LOSS_KERNEL_MAP = 1,    /* a map tracking in-flight calls was full */
  EBPFMON_LOSS_RATE_LIMIT = 2,    /* max_events_per_second exceeded */
  EBPFMON_LOSS_STAGES = 3,
};

#define EBPFMON_COMM_LEN 16

/* Paths read from dentries (path.bpf.h): at most this many names and mount
 * points crossed, each name at most NAME_MAX + 1 bytes. */
#define EBPFMON_PATH_DEPTH 40
#define EBPFMON_NAME_BYTES 256

/* A record's size and field offsets, asserted in its header: BCC compiles
 * it as C and libebpfmon as C++, so a change that moves a field on either
 * side (a type, an order, padding) stops both builds. __builtin_offsetof,
 * because not every kernel tree BCC compiles against defines offsetof
 * before our headers. */
#ifdef __cplusplus
#define EBPFMON_ASSERT(cond, what) static_assert(cond, what)
#else
#define EBPFMON_ASSERT(cond, what) _Static_assert(cond, what)
#endif
#define EBPFMON_ASSERT_OFFSET(type, member, offset) \
  EBPFMON_ASSERT(__builtin_offsetof(struct type, member) == (offset), #type "." #member " moved")
#define EBPFMON_ASSERT_SIZE(type, size) \
  EBPFMON_ASSERT(sizeof(struct type) == (size), "struct " #type " changed size")

/* Key of the comm filter map: the kernel's comm is exactly 16 bytes. */
struct ebpfmon_comm {
  char name[EBPFMON_COMM_LEN];
};

/* A task as the filters see it (common.bpf.h: ebpfmon_task_record,
 * ebpfmon_task_allowed). The cgroup filters are kept as their verdict: the
 * kernel answers "is it under this cgroup" for the current task only. */
struct ebpfmon_task {
  __u32 tgid;
  __u32 uid;
  char comm[EBPFMON_COMM_LEN];
  __u8 in_cgroup; /* --cgroup and --container; 1 when neither is set */
  __u8 pad[3];
};

/* --container: the id, or a prefix of it, matched against the names of the
 * task's cgroup and its ancestors. */
#define EBPFMON_CONTAINER_ID_MAX 64
struct ebpfmon_container_filter {
  __u32 len; /* 12..64 */
  char id[EBPFMON_CONTAINER_ID_MAX];
};

#ifdef __cplusplus
/* The names of the maps user space opens. libbcc rewrites a map call only
 * where the map's own identifier is written (through a macro it refuses
 * the call), so the BPF code spells them out and test_kernel_headers.cc
 * checks that each of these names a map of its program. */
namespace ebpfmon {
inline constexpr char kEventsMap[] = "events";
inline constexpr char kLossesMap[] = "ebpfmon_losses";
inline constexpr char kSelfMap[] = "ebpfmon_self";
inline constexpr char kFilterPidsMap[] = "ebpfmon_filter_pids";
inline constexpr char kFilterUidsMap[] = "ebpfmon_filter_uids";
inline constexpr char kFilterCommsMap[] = "ebpfmon_filter_comms";
inline constexpr char kFilterCgroupMap[] = "ebpfmon_filter_cgroup";
inline constexpr char kFilterContainerMap[] = "ebpfmon_filter_container";
}  // namespace ebpfmon

/* A BPF function's name as a string: unlike a map, a function may be
 * declared through a macro, so its header names it once (func.h). */
#define EBPFMON_STRINGIFY(x) #x
#define EBPFMON_NAME(x) EBPFMON_STRINGIFY(x)
#endif

#endif
