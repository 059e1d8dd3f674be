#include "bpf/map_access.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "bpf/system.h"

namespace ebpfmon {

Result<void> map_update(int fd, const void* key, const void* value, const std::string& map_name) {
  if (bpf_map_update_elem(fd, key, value, BPF_ANY) != 0)
    return Error::runtime("cannot update BPF map " + map_name + ": " + std::strerror(errno));
  return {};
}

Result<uint64_t> percpu_u64_sum(int fd, const void* key, const std::string& map_name) {
  // The kernel copies one 8-byte-aligned slot per possible CPU.
  std::vector<uint64_t> values(static_cast<size_t>(possible_cpus()));
  if (bpf_map_lookup_elem(fd, key, values.data()) != 0)
    return Error::runtime("cannot read BPF map " + map_name + ": " + std::strerror(errno));
  uint64_t sum = 0;
  for (uint64_t v : values) sum += v;
  return sum;
}

Result<bool> percpu_lookup(int fd, const void* key, size_t value_size, std::vector<uint8_t>& out,
                           const std::string& map_name) {
  out.resize(static_cast<size_t>(possible_cpus()) * percpu_stride(value_size));
  if (bpf_map_lookup_elem(fd, key, out.data()) == 0) return true;
  if (errno == ENOENT) return false;
  return Error::runtime("cannot read BPF map " + map_name + ": " + std::strerror(errno));
}

Result<std::vector<uint64_t>> map_integer_keys(int fd, size_t key_size, const std::string& map_name) {
  if (key_size != 4 && key_size != 8)
    return Error::runtime("BPF map " + map_name + ": keys of " + std::to_string(key_size) + " bytes");
  std::vector<uint64_t> keys;
  uint64_t key = 0;  // little-endian: a 4-byte key fills the low half
  uint64_t previous = 0;
  bool first = true;  // a null previous key asks for the first key
  while (bpf_map_get_next_key(fd, first ? nullptr : &previous, &key) == 0) {
    keys.push_back(key_size == 4 ? static_cast<uint32_t>(key) : key);
    previous = key;
    first = false;
  }
  if (errno != ENOENT)
    return Error::runtime("cannot list BPF map " + map_name + ": " + std::strerror(errno));
  return keys;
}

}  // namespace ebpfmon
