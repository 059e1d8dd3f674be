#include "core/container_path.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/text.h"

namespace ebpfmon {
namespace {

constexpr size_t kMinIdDigits = 12;
constexpr size_t kFullIdDigits = 64;
constexpr size_t kUidLength = 36;  // 8-4-4-4-12

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// The id in one path component, or empty.
std::string_view container_id_in(std::string_view part) {
  // The runtimes' monitor processes (crio-conmon-<id>, libpod-conmon-<id>)
  // fail the hex test below: they are not the container.
  static constexpr std::string_view kScopePrefixes[] = {"docker-", "cri-containerd-", "crio-",
                                                        "libpod-"};
  if (ends_with(part, ".scope")) {
    const std::string_view name = part.substr(0, part.size() - 6);
    for (std::string_view prefix : kScopePrefixes) {
      if (!starts_with(name, prefix)) continue;
      const std::string_view id = name.substr(prefix.size());
      if (id.size() >= kMinIdDigits && is_hex(id)) return id;
    }
    return {};
  }
  if (part.size() == kFullIdDigits && is_hex(part)) return part;
  return {};
}

// "pod<uid>" in cgroupfs, "kubepods-besteffort-pod<uid_with_underscores>.slice"
// with systemd; the uid comes back dashed.
std::string pod_uid_in(std::string_view part) {
  if (ends_with(part, ".slice")) {
    part.remove_suffix(6);
    const size_t at = part.rfind("-pod");
    if (!starts_with(part, "kubepods") || at == std::string_view::npos) return {};
    part = part.substr(at + 1);
  }
  if (!starts_with(part, "pod") || part.size() != 3 + kUidLength) return {};
  std::string uid(part.substr(3));
  for (size_t i = 0; i < uid.size(); ++i) {
    const bool dash_place = i == 8 || i == 13 || i == 18 || i == 23;
    char& c = uid[i];
    if (dash_place && (c == '_' || c == '-'))
      c = '-';
    else if (dash_place || !std::isxdigit(static_cast<unsigned char>(c)))
      return {};
  }
  return uid;
}

}  // namespace

ContainerRef parse_container_path(std::string_view cgroup_path) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= cgroup_path.size()) {
    const size_t slash = std::min(cgroup_path.find('/', pos), cgroup_path.size());
    if (slash > pos) parts.push_back(cgroup_path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  ContainerRef ref;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (ref.container_id.empty()) ref.container_id = std::string(container_id_in(*it));
    if (ref.pod_uid.empty()) ref.pod_uid = pod_uid_in(*it);
  }
  return ref;
}

std::string normalize_container_id(std::string_view id) {
  if (id.size() < kMinIdDigits || id.size() > kFullIdDigits || !is_hex(id)) return {};
  std::string out(id);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace ebpfmon
