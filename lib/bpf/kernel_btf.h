// The running kernel's BTF (/sys/kernel/btf/vmlinux), parsed for one use and
// freed with the object: a few MB a long run need not keep. It answers what
// no header BCC sees can: member offsets of the kernel's private structs
// (struct mount and struct mnt_namespace live in its fs/mount.h), which reach
// BPF code as -D numbers, and which functions the kernel has.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

struct btf;

namespace ebpfmon {

class KernelBtf {
 public:
  KernelBtf();  // empty when the kernel has no BTF
  bool available() const { return types_ != nullptr; }
  // Byte offset of `member` in `struct type`; nothing without BTF, struct or member.
  std::optional<int64_t> member_offset(const char* type, const char* member) const;
  // The function's BTF id, or 0 when it has none (or there is no BTF).
  int function_id(const char* name) const;

 private:
  std::unique_ptr<btf, void (*)(btf*)> types_;
};

}  // namespace ebpfmon
