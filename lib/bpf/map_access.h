// Map reads and writes by fd, through libbpf (kept apart from libbcc's
// headers, which clash with libbpf's).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace ebpfmon {

Result<void> map_update(int fd, const void* key, const void* value, const std::string& map_name);

// Sum over CPUs of a per-CPU map's u64 value at `key` (an array index or a
// hash key).
Result<uint64_t> percpu_u64_sum(int fd, const void* key, const std::string& map_name);

// Reads every CPU's copy of a per-CPU map's value at `key` into `out`
// (possible_cpus() slots of `value_size` rounded up to 8 bytes). False when
// the key is absent.
Result<bool> percpu_lookup(int fd, const void* key, size_t value_size, std::vector<uint8_t>& out,
                           const std::string& map_name);

// The keys of a hash map whose keys are 4- or 8-byte integers.
Result<std::vector<uint64_t>> map_integer_keys(int fd, size_t key_size, const std::string& map_name);

// Bytes per CPU in a per-CPU map's value as the kernel copies it out.
constexpr size_t percpu_stride(size_t value_size) { return (value_size + 7) & ~size_t{7}; }

}  // namespace ebpfmon
