#include "core/cgroups.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/text.h"

namespace ebpfmon {
namespace fs = std::filesystem;
namespace {

// Enough for a busy node's cgroups; past it the table starts again.
constexpr size_t kMaxKnownCgroups = 16384;
// The kernfs file handle type (include/linux/exportfs.h): its payload is
// the 64-bit cgroup id.
constexpr int kFileIdKernfs = 0xfe;

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_path(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && s.size() - i > 3) {
      const std::string oct = s.substr(i + 1, 3);
      if (oct.size() == 3 && oct.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(oct, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

Result<CgroupV2Mount> find_cgroup_v2() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in)
    return Error::runtime("cannot read /proc/self/mountinfo: " + std::string(strerror(errno)));
  std::vector<fs::path> v2;
  bool v1 = false;
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mountpoint options [optional...] - fstype source super
    std::istringstream fields(line);
    std::string id, parent, dev, root, point, word;
    fields >> id >> parent >> dev >> root >> point;
    while (fields >> word && word != "-") {
    }
    std::string type;
    fields >> type;
    if (type == "cgroup2") v2.push_back(unescape_mount_path(point));
    if (type == "cgroup") v1 = true;
  }
  if (v2.empty())
    return Error::runtime(v1 ? "only cgroup v1 is mounted (no cgroup2 file system)"
                             : "no cgroup2 file system is mounted",
                          "mount one: mount -t cgroup2 none /sys/fs/cgroup");
  for (const fs::path& p : v2)
    if (p == "/sys/fs/cgroup") return CgroupV2Mount{p, v1};
  for (const fs::path& p : v2)
    if (p == "/sys/fs/cgroup/unified") return CgroupV2Mount{p, v1};
  return CgroupV2Mount{v2.front(), v1};
}

std::optional<uint64_t> cgroup_id_of_process(uint32_t pid) {
  auto mount = find_cgroup_v2();
  if (!mount) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("0::", 0) != 0) continue;  // the v2 hierarchy's line
    struct stat st {};
    if (stat((mount->path / line.substr(4)).c_str(), &st) != 0) return std::nullopt;
    return static_cast<uint64_t>(st.st_ino);
  }
  return std::nullopt;
}

Result<std::string> resolve_cgroup_path(std::string_view text, std::string_view where) {
  const std::string prefix = where.empty() ? "" : std::string(where) + ": ";
  auto mount = find_cgroup_v2();
  if (!mount) return Error::usage(prefix + "cannot filter by cgroup: " + mount.error().message);
  std::string given(text);
  if (given.empty() || given.find('\0') != std::string::npos)
    return Error::usage(prefix + "expected a cgroup v2 path");
  const std::string root = mount->path.string();
  std::string relative = given;
  if (given.rfind(root + "/", 0) == 0 || given == root) relative = given.substr(root.size());
  // No ".." or "." parts: the path names one cgroup as the user wrote it.
  std::string normal;
  std::istringstream parts(relative);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    if (part == "." || part == "..")
      return Error::usage(prefix +
                          "a cgroup path may not contain '.' or '..': " + quote_for_message(given));
    normal += "/" + part;
  }
  if (normal.empty()) normal = "/";
  const fs::path dir = mount->path / normal.substr(1);
  std::error_code ec;
  if (!fs::is_directory(dir, ec) || !fs::exists(dir / "cgroup.procs", ec))
    return Error::usage(prefix + "no cgroup " + quote_for_message(normal) + " (looked for " +
                        dir.string() + ")");
  return normal;
}

CgroupNames& CgroupNames::shared() {
  static CgroupNames names;
  return names;
}

CgroupNames::CgroupNames() : mount_(find_cgroup_v2()) {
  if (mount_) mount_fd_ = UniqueFd(open(mount_->path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

const CgroupInfo& CgroupNames::lookup(uint64_t id) {
  auto it = known_.find(id);
  if (it != known_.end()) return it->second;
  if (known_.size() >= kMaxKnownCgroups) known_.clear();
  return known_.emplace(id, resolve(id)).first->second;
}

CgroupInfo CgroupNames::resolve(uint64_t id) const {
  CgroupInfo info;
  if (id == 0 || !mount_fd_) return info;
  alignas(file_handle) unsigned char buffer[sizeof(file_handle) + sizeof id] = {};
  auto* handle = reinterpret_cast<file_handle*>(buffer);
  handle->handle_bytes = sizeof id;
  handle->handle_type = kFileIdKernfs;
  std::memcpy(buffer + sizeof(file_handle), &id, sizeof id);
  const UniqueFd fd(open_by_handle_at(mount_fd_.get(), handle, O_RDONLY | O_CLOEXEC));
  if (!fd) return info;  // gone already, or not a cgroup of this hierarchy
  char target[4096];
  const std::string link = "/proc/self/fd/" + std::to_string(fd.get());
  const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
  if (n <= 0) return info;
  std::string path(target, static_cast<size_t>(n));
  const std::string root = mount_->path.string();
  if (path.rfind(root, 0) != 0) return info;
  path = path.substr(root.size());
  info.path = path.empty() ? "/" : path;
  info.container = parse_container_path(info.path);
  return info;
}

}  // namespace ebpfmon
