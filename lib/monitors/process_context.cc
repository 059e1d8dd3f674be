#include "monitors/process_context.h"

#include <cstring>
#include <fstream>

#include "core/cgroups.h"
#include "core/time_format.h"
#include "ebpf/common.h"

namespace ebpfmon {
namespace {

constexpr size_t kCommBytes = EBPFMON_COMM_LEN;

}  // namespace

void append_task_fields(std::vector<Field>& fields) {
  fields.insert(fields.end(), {{"timestamp", ValueType::Time},
                               {"time_str", ValueType::String},
                               {"comm", ValueType::String},
                               {"uid", ValueType::UInt},
                               {"pid", ValueType::UInt},
                               {"ppid", ValueType::UInt}});
}

void fill_task_values(Event& event, const TaskValues& task) {
  event.values[0] = task.time;
  event.values[1] = format_time_str(task.time);
  event.values[2] = std::string(task.comm, strnlen(task.comm, kCommBytes));
  event.values[3] = uint64_t{task.uid};
  event.values[4] = uint64_t{task.pid};
  event.values[5] = uint64_t{task.ppid};
}

void append_cgroup_fields(std::vector<Field>& fields, CgroupColumns which) {
  fields.push_back({"cgroup_id", ValueType::UInt});
  if (which == CgroupColumns::Full) fields.push_back({"cgroup", ValueType::String});
  fields.push_back({"container_id", ValueType::String});
  if (which == CgroupColumns::Full) fields.push_back({"pod_uid", ValueType::String});
}

void fill_cgroup_values(Event& event, size_t first, uint64_t cgroup_id, CgroupColumns which) {
  const CgroupInfo& info = CgroupNames::shared().lookup(cgroup_id);
  size_t i = first;
  event.values[i++] = cgroup_id;
  if (which == CgroupColumns::Full) event.values[i++] = info.path;
  event.values[i++] = info.container.container_id;
  if (which == CgroupColumns::Full) event.values[i++] = info.container.pod_uid;
}

const std::string& boot_id() {
  static const std::string id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string text;
    std::getline(in, text);
    return text.empty() ? std::string("unknown-boot") : text;
  }();
  return id;
}

std::string format_exec_id(uint64_t start_boottime_ns, uint32_t pid, uint64_t exec_seq) {
  return boot_id() + ":" + std::to_string(start_boottime_ns) + ":" + std::to_string(pid) + ":" +
         std::to_string(exec_seq);
}

}  // namespace ebpfmon
