// Container and pod context from cgroup v2 paths, and the cgroup table that
// resolves ids made after start (real cgroups, as root).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/cgroups.h"
#include "core/container_path.h"
#include "core/filters.h"

namespace fs = std::filesystem;
using namespace ebpfmon;

namespace {

const std::string kId = "3f2a9c1e0b7d" + std::string(52, 'a');
const std::string kUid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

std::string underscored(std::string uid) {
  for (char& c : uid)
    if (c == '-') c = '_';
  return uid;
}

}  // namespace

TEST_CASE("container ids of the common runtimes' cgroup layouts") {
  const struct {
    std::string path, id, pod;
  } cases[] = {
      {"/system.slice/docker-" + kId + ".scope", kId, ""},
      {"/docker/" + kId, kId, ""},
      {"/system.slice/cri-containerd-" + kId + ".scope", kId, ""},
      {"/machine.slice/libpod-" + kId + ".scope", kId, ""},
      {"/system.slice/crio-" + kId + ".scope", kId, ""},
      {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + underscored(kUid) +
           ".slice/cri-containerd-" + kId + ".scope",
       kId, kUid},
      {"/kubepods.slice/kubepods-pod" + underscored(kUid) + ".slice/crio-" + kId + ".scope", kId,
       kUid},
      {"/kubepods/burstable/pod" + kUid + "/" + kId, kId, kUid},
      // A container's own sub-cgroups (systemd inside it) keep its id.
      {"/system.slice/docker-" + kId + ".scope/init.scope", kId, ""},
      // The pod's own cgroup, with no container yet.
      {"/kubepods/besteffort/pod" + kUid, "", kUid},
  };
  for (const auto& c : cases) {
    const ContainerRef ref = parse_container_path(c.path);
    CHECK_MESSAGE(ref.container_id == c.id, c.path);
    CHECK_MESSAGE(ref.pod_uid == c.pod, c.path);
  }
}

TEST_CASE("host cgroups and look-alikes are no container") {
  for (const std::string& path : std::initializer_list<std::string>{
           "/", "/user.slice/user-0.slice/session-3.scope", "/system.slice/docker.service",
           "/system.slice/crio-conmon-" + kId + ".scope", "/system.slice/docker-xyz.scope",
           "/abcdef", "/kubepods.slice/kubepods-podnot-a-uid.slice"}) {
    const ContainerRef ref = parse_container_path(path);
    CHECK_MESSAGE(ref.container_id.empty(), path);
    CHECK_MESSAGE(ref.pod_uid.empty(), path);
  }
}

TEST_CASE("--container takes 12 to 64 hex digits") {
  CHECK(*parse_container_id("3F2A9C1E0B7D", "--container") == "3f2a9c1e0b7d");
  CHECK(*parse_container_id(kId, "--container") == kId);
  for (const char* bad : {"", "3f2a9c1e0b7", "xyz", "3f2a9c1e0b7g", "3f2a9c1e 0b7d"}) {
    auto r = parse_container_id(bad, "--container");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == Error::Kind::Usage);
    CHECK(r.error().message.rfind("--container: ", 0) == 0);
  }
  CHECK_FALSE(parse_container_id(kId + "a", "--container"));
}

TEST_CASE("cgroups made after start are resolved from their id" * doctest::skip(geteuid() != 0)) {
  auto mount = find_cgroup_v2();
  if (!mount) {
    MESSAGE("no cgroup v2 here: " << mount.error().message);
    return;
  }
  CgroupNames& names = CgroupNames::shared();
  CHECK(names.lookup(1).path == "/");
  const fs::path scope = mount->path / "ebpfmon-unit.slice" / ("docker-" + kId + ".scope");
  fs::create_directories(scope);
  struct stat st {};
  REQUIRE(stat(scope.c_str(), &st) == 0);
  const CgroupInfo& info = names.lookup(st.st_ino);
  CHECK(info.path == "/ebpfmon-unit.slice/docker-" + kId + ".scope");
  CHECK(info.container.container_id == kId);

  // The --cgroup forms: from the root, relative, under the mount.
  for (const std::string& given :
       {std::string("/ebpfmon-unit.slice"), std::string("ebpfmon-unit.slice/"),
        (mount->path / "ebpfmon-unit.slice").string()}) {
    auto path = resolve_cgroup_path(given, "--cgroup");
    CHECK_MESSAGE(path, given);
    if (path) CHECK(*path == "/ebpfmon-unit.slice");
  }
  for (const char* bad : {"/ebpfmon-unit.slice/none", "/ebpfmon-unit.slice/../x", ""}) {
    auto path = resolve_cgroup_path(bad, "--cgroup");
    REQUIRE_FALSE(path);
    CHECK(path.error().kind == Error::Kind::Usage);
  }
  fs::remove(scope);
  fs::remove(scope.parent_path());
  // Gone: the id no longer resolves (and is not mistaken for another).
  CHECK(names.lookup(st.st_ino + 1000000).path.empty());
}
