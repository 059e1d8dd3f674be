// Context every monitor's events can carry beside their own fields: the
// cgroup (with the container and pod named in its path) and the exec id
// that pairs an exec event with the exit of the same image.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"

namespace ebpfmon {

// timestamp, time_str, comm, uid, pid, ppid: how exec and exit events
// begin (the original Python monitor's exec column order, docs/INTERFACE.md).
struct TaskFields {
  FieldOf<Timestamp> timestamp;
  FieldOf<std::string> time_str, comm;
  FieldOf<uint64_t> uid, pid, ppid;
};
TaskFields add_task_fields(Schema& schema);
struct TaskValues {
  Timestamp time;
  const char* comm;  // the kernel's char[16], NUL-terminated or not
  uint32_t uid, pid, ppid;
};
void fill_task_values(Event& event, const TaskFields& fields, const TaskValues& task);

// syscall and func add cgroup_id and container_id; exec and exit also add
// the cgroup's path and the pod's uid.
enum class CgroupColumns { IdAndContainer, Full };
struct CgroupFields {
  FieldOf<uint64_t> cgroup_id;
  std::optional<FieldOf<std::string>> cgroup;
  FieldOf<std::string> container_id;
  std::optional<FieldOf<std::string>> pod_uid;
};
CgroupFields add_cgroup_fields(Schema& schema, CgroupColumns which);
void fill_cgroup_values(Event& event, const CgroupFields& fields, uint64_t cgroup_id);

// The live table of processes, execmon's, whose rows exit shares (execmon
// --exits shows both in one table): TIME COMM PID PPID RET CONTAINER ARGS,
// ARGS taking the rest of the line, 18 columns of 80 (the uid, as
// execsnoop's -U, is in the files only). CONTAINER is the container id's
// first 12 characters (docker ps's), empty on the host; `ret` and `args`
// are the monitor's own.
std::vector<ConsoleColumn> process_table(const TaskFields& task, const CgroupFields& cgroup,
                                         ConsoleColumn ret, ConsoleColumn args);

// "<boot id>:<process start, ns since boot>:<pid>:<exec number>": unique per
// exec on this host, across pid reuse (the start time) and reboots (the boot
// id), and the same in the exec event and the exit of that image.
std::string format_exec_id(uint64_t start_boottime_ns, uint32_t pid, uint64_t exec_seq);

// /proc/sys/kernel/random/boot_id, read once.
const std::string& boot_id();

}  // namespace ebpfmon
