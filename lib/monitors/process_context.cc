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

TaskFields add_task_fields(Schema& schema) {
  TaskFields f;
  f.timestamp = schema.add<Timestamp>("timestamp", "Unix time, seconds with 6 decimals");
  f.time_str = schema.add<std::string>("time_str", "local time, `[YYYY-mm-dd HH:MM:SS.mmm]`");
  f.comm = schema.add<std::string>("comm",
                                   "process name (exec: the new program's after a successful exec, "
                                   "the caller's after a failed one)");
  f.uid = schema.add<uint64_t>("uid", "real user id of the process");
  f.pid = schema.add<uint64_t>("pid", "process id (thread group id)");
  f.ppid = schema.add<uint64_t>("ppid", "the real parent's process id");
  return f;
}

std::vector<ConsoleColumn> process_table(const TaskFields& task, const CgroupFields& cgroup,
                                         ConsoleColumn ret, ConsoleColumn args) {
  constexpr int kShortContainerId = 12;
  ConsoleColumn container{"CONTAINER", cgroup.container_id, kShortContainerId,
                          [id = cgroup.container_id](const Event& e) {
                            const auto* text = std::get_if<std::string>(&e.values.at(id.index));
                            return text ? text->substr(0, kShortContainerId) : std::string();
                          }};
  return {{"TIME", task.timestamp, 12},
          {"COMM", task.comm, 15},
          {"PID", task.pid, 7},
          {"PPID", task.ppid, 7},
          std::move(ret),
          std::move(container),
          std::move(args)};
}

void fill_task_values(Event& event, const TaskFields& fields, const TaskValues& task) {
  event.set(fields.timestamp, task.time);
  event.set(fields.time_str, format_time_str(task.time));
  event.set(fields.comm, std::string(task.comm, strnlen(task.comm, kCommBytes)));
  event.set(fields.uid, task.uid);
  event.set(fields.pid, task.pid);
  event.set(fields.ppid, task.ppid);
}

CgroupFields add_cgroup_fields(Schema& schema, CgroupColumns which) {
  const bool full = which == CgroupColumns::Full;
  CgroupFields f;
  f.cgroup_id = schema.add<uint64_t>("cgroup_id", "the cgroup v2 id of the process");
  if (full)
    f.cgroup = schema.add<std::string>(
        "cgroup", "its path from the cgroup v2 root, such as `/system.slice/docker-<id>.scope`");
  f.container_id = schema.add<std::string>(
      "container_id",
      "the container's id as found in the path (docker, containerd, CRI-O, podman, Kubernetes; "
      "see \"Containers\"); empty for host processes");
  if (full)
    f.pod_uid =
        schema.add<std::string>("pod_uid", "the Kubernetes pod's uid, dashed; empty outside a pod");
  return f;
}

void fill_cgroup_values(Event& event, const CgroupFields& fields, uint64_t cgroup_id) {
  const CgroupInfo& info = CgroupNames::shared().lookup(cgroup_id);
  event.set(fields.cgroup_id, cgroup_id);
  if (fields.cgroup) event.set(*fields.cgroup, info.path);
  event.set(fields.container_id, info.container.container_id);
  if (fields.pod_uid) event.set(*fields.pod_uid, info.container.pod_uid);
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
