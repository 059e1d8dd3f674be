// Syscall numbers and names (generated from the system's <asm/unistd.h> at
// build time), this project's categories, and errno names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ebpfmon {

struct SyscallName {
  int nr;
  const char* name;
};
extern const SyscallName kSyscallNames[];  // sorted by number
extern const size_t kSyscallNameCount;

// "openat", or "syscall_451" for a number the build's headers do not know.
std::string syscall_name(int64_t nr);
// A name or a decimal number; nullopt for a name the headers do not know.
std::optional<int> syscall_number(std::string_view name_or_number);

// enum syscall_category (ebpf/syscall.h) <-> "file_io", ...
const char* category_name(int category);
std::optional<int> category_from_name(std::string_view name);
// The category this project gives a syscall; SYSCALL_CAT_OTHER by default.
int category_of_syscall(std::string_view name);

// "SUCCESS" for a value that is not an error, else "ENOENT" (or "E<n>").
std::string errno_name(int64_t ret);
// Whether the syscall returns an address when it succeeds (mmap, mremap,
// brk, shmat): shown in hex.
bool returns_address(int64_t nr);

// Resolves config items (names or numbers); the error names `what` and
// suggests the closest name for a misspelling.
Result<std::vector<int>> resolve_syscalls(const std::vector<std::string>& items,
                                          const std::string& what);

}  // namespace ebpfmon
