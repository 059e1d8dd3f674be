// The running kernel's BTF (/sys/kernel/btf/vmlinux), read for one use and
// freed with the object: a few MB a long run need not keep. It answers what
// no header BCC sees can: member offsets of the kernel's private structs
// (struct mount and struct mnt_namespace live in its fs/mount.h), which reach
// BPF code as -D numbers, and which functions the kernel has.
//
// It maps the file and walks the raw type section itself instead of calling
// libbpf's btf__load_vmlinux_btf, which reads it a page per system call and
// validates and indexes every type.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/file_bytes.h"

namespace ebpfmon {

class KernelBtf {
 public:
  KernelBtf();  // empty when the kernel has no BTF, or BTF it cannot read
  // The same over a BTF blob (tests).
  explicit KernelBtf(std::string raw);
  bool available() const { return !types_.empty(); }
  // Byte offset of `member` in `struct type`; nothing without BTF, struct or member.
  std::optional<int64_t> member_offset(const char* type, const char* member) const;
  // The function's BTF id, or 0 when it has none (or there is no BTF).
  int function_id(const char* name) const;
  // Whether `enum type` has the enumerator `value` (BPF_FUNC_get_func_ip in
  // bpf_func_id: whether the kernel has that helper).
  bool has_enumerator(const char* type, const char* value) const;
  // Whether a typedef of that name exists: btf_trace_<name> for each raw
  // tracepoint of the kernel.
  bool has_typedef(const char* name) const;

 private:
  struct Type {
    uint32_t at;  // offset of its btf_type in raw_
    uint32_t info;
  };
  bool index(FileBytes raw);
  std::string_view name(uint32_t offset) const;
  // The first type of `kind` named `type`, as libbpf's
  // btf__find_by_name_kind finds it; null when there is none.
  const Type* find(uint32_t kind, const char* type) const;
  // Where the entries of `t` (btf_members, btf_enums) start: after its header.
  const char* entries(const Type& t) const;

  FileBytes raw_;
  const char* strings_ = nullptr;
  uint32_t strings_len_ = 0;
  std::vector<Type> types_;                                      // by id - 1
  mutable std::unordered_map<std::string_view, int> functions_;  // filled on first use
};

}  // namespace ebpfmon
