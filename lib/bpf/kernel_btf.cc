#include "bpf/kernel_btf.h"

#include <bpf/btf.h>

#include <cstring>

namespace ebpfmon {

KernelBtf::KernelBtf() : types_(btf__load_vmlinux_btf(), btf__free) {}

std::optional<int64_t> KernelBtf::member_offset(const char* type, const char* member) const {
  if (!types_) return std::nullopt;
  const int id = btf__find_by_name_kind(types_.get(), type, BTF_KIND_STRUCT);
  if (id <= 0) return std::nullopt;
  const btf_type* t = btf__type_by_id(types_.get(), static_cast<unsigned>(id));
  const btf_member* m = btf_members(t);
  for (unsigned i = 0; i < btf_vlen(t); ++i, ++m) {
    const char* name = btf__name_by_offset(types_.get(), m->name_off);
    if (name != nullptr && std::strcmp(name, member) == 0)
      return static_cast<int64_t>(btf_member_bit_offset(t, i) / 8);
  }
  return std::nullopt;
}

int KernelBtf::function_id(const char* name) const {
  if (!types_) return 0;
  const int id = btf__find_by_name_kind(types_.get(), name, BTF_KIND_FUNC);
  return id > 0 ? id : 0;
}

}  // namespace ebpfmon
