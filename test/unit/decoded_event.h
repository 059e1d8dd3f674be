// What decode tests share: a decoded event's fields by their names in the
// monitor's field table, and a real cgroup for the cgroup columns.
#pragma once

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/cgroups.h"
#include "core/event.h"
#include "monitors/monitor.h"
#include "sinks/formats.h"

namespace ebpfmon::test {

// Every field of the event, keyed by its schema name, as its JSON line has
// it; the timestamps are compared apart (they depend on the boot time).
inline nlohmann::json fields_by_name(const Monitor& monitor, const Event& event) {
  std::string line;
  append_jsonl_record(line, monitor.schema(), event);
  nlohmann::json fields = nlohmann::json::parse(line);
  fields.erase("timestamp");
  fields.erase("time_str");
  return fields;
}

// This boot's id, the first part of every exec id.
inline std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// A cgroup made for the test, named as docker names a container's, so the
// decoder's lookup finds its path and container id; removed at the end.
class ContainerCgroup {
 public:
  static constexpr char kContainerId[] =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  ContainerCgroup() {
    auto mount = find_cgroup_v2();
    REQUIRE(mount);
    parent_ = mount->path / ("ebpfmon-decode-test-" + std::to_string(getpid()));
    dir_ = parent_ / (std::string("docker-") + kContainerId + ".scope");
    REQUIRE(mkdir(parent_.c_str(), 0755) == 0);
    REQUIRE(mkdir(dir_.c_str(), 0755) == 0);
    struct stat st {};
    REQUIRE(stat(dir_.c_str(), &st) == 0);
    id_ = st.st_ino;
    path_ = "/" + dir_.lexically_relative(mount->path).string();
  }
  ~ContainerCgroup() {
    rmdir(dir_.c_str());
    rmdir(parent_.c_str());
  }
  uint64_t id() const { return id_; }
  const std::string& path() const { return path_; }  // from the v2 root

 private:
  std::filesystem::path parent_, dir_;
  uint64_t id_ = 0;
  std::string path_;
};

}  // namespace ebpfmon::test
