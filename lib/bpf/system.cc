#include "bpf/system.h"

#include <bpf/libbpf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

namespace ebpfmon {
namespace {

bool is_dir(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool mounted_as(const std::string& path, const std::string& type) {
  std::ifstream mounts("/proc/self/mounts");
  std::string dev, dir, fstype, rest;
  while (mounts >> dev >> dir >> fstype && std::getline(mounts, rest))
    if (dir == path && fstype == type) return true;
  return false;
}

Result<void> mount_if_missing(const std::string& path, const std::string& type,
                              const std::string& probe) {
  if (is_dir(path + "/" + probe) || mounted_as(path, type)) return {};
  if (mount("nodev", path.c_str(), type.c_str(), 0, nullptr) != 0 && errno != EBUSY)
    return Error::runtime("cannot mount " + type + " on " + path + ": " + std::strerror(errno),
                          "mount it by hand: mount -t " + type + " nodev " + path);
  return {};
}

// CapEff from /proc/self/status, as a bit mask.
uint64_t effective_capabilities() {
  std::ifstream status("/proc/self/status");
  std::string key, value;
  while (status >> key >> value)
    if (key == "CapEff:") return std::stoull(value, nullptr, 16);
  return 0;
}

}  // namespace

int possible_cpus() {
  const int n = libbpf_num_possible_cpus();
  return n > 0 ? n : 1;
}

Result<void> ensure_trace_filesystems() {
  if (auto r = mount_if_missing("/sys/kernel/tracing", "tracefs", "events"); !r) return r;
  if (auto r = mount_if_missing("/sys/kernel/debug", "debugfs", "tracing"); !r) return r;
  return {};
}

Result<void> check_bpf_privileges(const std::string& tool) {
  if (geteuid() == 0) return {};
  constexpr int kCapSysAdmin = 21, kCapPerfmon = 38, kCapBpf = 39;
  const uint64_t caps = effective_capabilities();
  const auto has = [caps](int cap) { return (caps >> cap) & 1U; };
  if (has(kCapSysAdmin) || (has(kCapBpf) && has(kCapPerfmon))) return {};
  return Error::runtime(tool + " needs root privileges (or CAP_BPF and CAP_PERFMON) to load BPF programs",
                        "run it with sudo");
}

std::string tracefs_events_dir() {
  for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    const std::string dir = std::string(root) + "/events";
    if (is_dir(dir)) return dir;
  }
  return {};
}

std::string tracepoint_dir(const std::string& category_and_name) {
  const auto colon = category_and_name.find(':');
  const std::string events = tracefs_events_dir();
  if (colon == std::string::npos || events.empty()) return {};
  const std::string dir =
      events + "/" + category_and_name.substr(0, colon) + "/" + category_and_name.substr(colon + 1);
  return is_dir(dir) ? dir : std::string();
}

}  // namespace ebpfmon
