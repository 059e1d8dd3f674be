#include "bpf/kernel_layout.h"

#include <bpf/btf.h>

#include <cstring>
#include <memory>

namespace ebpfmon {
namespace {

// Parsed once: a few MB, read only when a monitor asks.
const btf* vmlinux_btf() {
  static const std::unique_ptr<btf, void (*)(btf*)> types(btf__load_vmlinux_btf(), btf__free);
  return types.get();
}

}  // namespace

std::optional<int64_t> kernel_member_offset(const char* type, const char* member) {
  const btf* types = vmlinux_btf();
  if (types == nullptr) return std::nullopt;
  const int id = btf__find_by_name_kind(types, type, BTF_KIND_STRUCT);
  if (id <= 0) return std::nullopt;
  const btf_type* t = btf__type_by_id(types, static_cast<unsigned>(id));
  const btf_member* m = btf_members(t);
  for (unsigned i = 0; i < btf_vlen(t); ++i, ++m) {
    const char* name = btf__name_by_offset(types, m->name_off);
    if (name != nullptr && std::strcmp(name, member) == 0)
      return static_cast<int64_t>(btf_member_bit_offset(t, i) / 8);
  }
  return std::nullopt;
}

}  // namespace ebpfmon
