// Which container and pod a cgroup v2 path belongs to, read from the path
// alone: the layouts container runtimes and the kubelet create, so no
// runtime socket or API is needed.
#pragma once

#include <string>
#include <string_view>

namespace ebpfmon {

struct ContainerRef {
  std::string container_id;  // as found in the path (64 hex digits for docker & co.)
  std::string pod_uid;       // dashed form; empty outside Kubernetes
};

// Recognises, at any depth (a container's own sub-cgroups included):
//   docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope,
//   libpod-<id>.scope (systemd driver), /docker/<id> and a bare <id> of 64
//   hex digits (cgroupfs driver), kubepods[-<qos>]-pod<uid>.slice (systemd
//   driver, uid with underscores) and pod<uid> (cgroupfs driver).
// The deepest container id wins. A host path gives two empty strings.
ContainerRef parse_container_path(std::string_view cgroup_path);

// A --container value: 12 to 64 hex digits (upper case is folded), else an
// empty string.
std::string normalize_container_id(std::string_view id);

}  // namespace ebpfmon
