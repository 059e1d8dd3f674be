// Member offsets of kernel structs that no header BCC sees declares
// (struct mount and struct mnt_namespace live in the kernel's fs/mount.h),
// read from the running kernel's BTF. They reach BPF code as -D macros.
#pragma once

#include <cstdint>
#include <optional>

namespace ebpfmon {

// Byte offset of `member` in `struct type`, or nothing when there is no BTF
// or no such struct or member.
std::optional<int64_t> kernel_member_offset(const char* type, const char* member);

}  // namespace ebpfmon
