#include "bpf/map_access.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>

namespace ebpfmon {
namespace {

bool is_percpu(__u32 type) {
  return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

std::string bytes(size_t n) {
  return std::to_string(n) + "-byte";
}

}  // namespace

Result<void> map_check(int fd, const std::string& map_name, size_t key_size, size_t value_size,
                       bool per_cpu) {
  bpf_map_info info{};
  __u32 info_len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &info_len) != 0)
    return Error::runtime("cannot inspect BPF map " + map_name + ": " + std::strerror(errno));
  if (info.key_size != key_size || info.value_size != value_size)
    return Error::runtime("BPF map " + map_name + " has " + bytes(info.key_size) + " keys and " +
                          bytes(info.value_size) + " values, but is read with " + bytes(key_size) +
                          " keys and " + bytes(value_size) + " values");
  if (is_percpu(info.type) != per_cpu)
    return Error::runtime("BPF map " + map_name + (per_cpu ? " is not" : " is") +
                          " a per-CPU map, but is read as " +
                          (per_cpu ? "one value per CPU" : "one value"));
  return {};
}

Result<void> map_update(int fd, const void* key, const void* value, const std::string& map_name) {
  if (bpf_map_update_elem(fd, key, value, BPF_ANY) != 0)
    return Error::runtime("cannot update BPF map " + map_name + ": " + std::strerror(errno));
  return {};
}

Result<bool> map_lookup(int fd, const void* key, void* value, const std::string& map_name) {
  if (bpf_map_lookup_elem(fd, key, value) == 0) return true;
  if (errno == ENOENT) return false;
  return Error::runtime("cannot read BPF map " + map_name + ": " + std::strerror(errno));
}

Result<bool> map_next_key(int fd, const void* key, void* next, const std::string& map_name) {
  if (bpf_map_get_next_key(fd, key, next) == 0) return true;
  if (errno == ENOENT) return false;
  return Error::runtime("cannot list BPF map " + map_name + ": " + std::strerror(errno));
}

}  // namespace ebpfmon
