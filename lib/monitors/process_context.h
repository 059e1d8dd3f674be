// Context every monitor's events can carry beside their own fields: the
// cgroup (with the container and pod named in its path) and the exec id
// that pairs an exec event with the exit of the same image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/event.h"

namespace ebpfmon {

// timestamp, time_str, comm, uid, pid, ppid: how exec and exit events
// begin (the original Python monitor's exec column order, docs/INTERFACE.md),
// filled by fill_task_values at 0..5.
void append_task_fields(std::vector<Field>& fields);
struct TaskValues {
  Timestamp time;
  const char* comm;  // the kernel's char[16], NUL-terminated or not
  uint32_t uid, pid, ppid;
};
void fill_task_values(Event& event, const TaskValues& task);

// syscall and func add cgroup_id and container_id; exec and exit also add
// the cgroup's path and the pod's uid.
enum class CgroupColumns { IdAndContainer, Full };

void append_cgroup_fields(std::vector<Field>& fields, CgroupColumns which);
// Fills the columns append_cgroup_fields added, from `first` on.
void fill_cgroup_values(Event& event, size_t first, uint64_t cgroup_id, CgroupColumns which);

// "<boot id>:<process start, ns since boot>:<pid>:<exec number>": unique per
// exec on this host, across pid reuse (the start time) and reboots (the boot
// id), and the same in the exec event and the exit of that image.
std::string format_exec_id(uint64_t start_boottime_ns, uint32_t pid, uint64_t exec_seq);

// /proc/sys/kernel/random/boot_id, read once.
const std::string& boot_id();

}  // namespace ebpfmon
