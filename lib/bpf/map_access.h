// Map reads and writes by fd, through libbpf (kept apart from libbcc's
// headers, which clash with libbpf's). The typed handles in bpf/map.h are
// the way in; these are their untyped half.
#pragma once

#include <cstddef>
#include <string>

#include "core/result.h"

namespace ebpfmon {

// Whether the map was created with keys and values of these sizes, and is a
// per-CPU map exactly when `per_cpu` says so: the kernel copies as many
// bytes as the map says, whatever the buffer it is given.
Result<void> map_check(int fd, const std::string& map_name, size_t key_size, size_t value_size,
                       bool per_cpu);

Result<void> map_update(int fd, const void* key, const void* value, const std::string& map_name);

// False when the key is absent.
Result<bool> map_lookup(int fd, const void* key, void* value, const std::string& map_name);

// The key after `key` (the first key when `key` is null); false after the last.
Result<bool> map_next_key(int fd, const void* key, void* next, const std::string& map_name);

// Bytes per CPU in a per-CPU map's value as the kernel copies it.
constexpr size_t percpu_stride(size_t value_size) { return (value_size + 7) & ~size_t{7}; }

}  // namespace ebpfmon
