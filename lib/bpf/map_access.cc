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

Result<uint64_t> percpu_u64_sum(int fd, uint32_t index, const std::string& map_name) {
  // The kernel copies one 8-byte-aligned slot per possible CPU.
  std::vector<uint64_t> values(static_cast<size_t>(possible_cpus()));
  if (bpf_map_lookup_elem(fd, &index, values.data()) != 0)
    return Error::runtime("cannot read BPF map " + map_name + ": " + std::strerror(errno));
  uint64_t sum = 0;
  for (uint64_t v : values) sum += v;
  return sum;
}

}  // namespace ebpfmon
