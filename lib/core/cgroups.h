// The cgroup v2 hierarchy as user space sees it: where it is mounted, which
// cgroup an id names, and container context from its path. BPF programs
// report only the 64-bit cgroup id (bpf_get_current_cgroup_id); everything
// readable is made here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/container_path.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace ebpfmon {

struct CgroupV2Mount {
  std::filesystem::path path;  // /sys/fs/cgroup, or /sys/fs/cgroup/unified
  bool hybrid = false;         // v1 controllers mounted beside it
};

// From /proc/self/mountinfo: the cgroup2 mount, /sys/fs/cgroup preferred.
// The error says why there is none (then the cgroup fields stay empty).
Result<CgroupV2Mount> find_cgroup_v2();

// The cgroup v2 id of a process now (its directory's inode, as
// bpf_get_current_cgroup_id gives it); nothing when it is gone or unknown.
std::optional<uint64_t> cgroup_id_of_process(uint32_t pid);

// A --cgroup value: "/system.slice/x.scope", "system.slice/x.scope" or the
// same under the mount ("/sys/fs/cgroup/unified/system.slice/x.scope").
// Returns the path from the v2 root ("/system.slice/x.scope"); a usage error
// names `where` when there is no such cgroup.
Result<std::string> resolve_cgroup_path(std::string_view text, std::string_view where);

struct CgroupInfo {
  std::string path;  // from the v2 root: "/system.slice/docker-<id>.scope"
  ContainerRef container;
};

// id -> path and container, for the decoders. A new id is resolved through
// the kernel's file handle for it (open_by_handle_at), so cgroups made after
// start are found at once; results are kept (bounded), including "gone".
class CgroupNames {
 public:
  // One table for every monitor of the process.
  static CgroupNames& shared();

  // Empty fields when the id is 0, gone or there is no cgroup v2.
  const CgroupInfo& lookup(uint64_t id);

 private:
  CgroupNames();
  CgroupInfo resolve(uint64_t id) const;

  Result<CgroupV2Mount> mount_;
  UniqueFd mount_fd_;  // kept open for the process's life
  std::unordered_map<uint64_t, CgroupInfo> known_;
};

}  // namespace ebpfmon
