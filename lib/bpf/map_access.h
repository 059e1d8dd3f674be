// Map reads and writes by fd, through libbpf (kept apart from libbcc's
// headers, which clash with libbpf's).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace ebpfmon {

Result<void> map_update(int fd, const void* key, const void* value, const std::string& map_name);

// Sum over CPUs of a per-CPU array of u64 at `index`.
Result<uint64_t> percpu_u64_sum(int fd, uint32_t index, const std::string& map_name);

}  // namespace ebpfmon
