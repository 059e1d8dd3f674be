#include "bpf/kernel_btf.h"

#include <linux/btf.h>

#include <cstring>

namespace ebpfmon {
namespace {

// Bytes that follow a btf_type of this kind (linux/btf.h), or -1 for a kind
// newer than this code, whose size it cannot know.
int64_t trailing_bytes(uint32_t info) {
  const uint32_t vlen = BTF_INFO_VLEN(info);
  switch (BTF_INFO_KIND(info)) {
    case BTF_KIND_INT:
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG:
      return 4;
    case BTF_KIND_PTR:
    case BTF_KIND_FWD:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG:
      return 0;
    case BTF_KIND_ARRAY:
      return sizeof(btf_array);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return int64_t{vlen} * sizeof(btf_member);
    case BTF_KIND_ENUM:
      return int64_t{vlen} * sizeof(btf_enum);
    case BTF_KIND_FUNC_PROTO:
      return int64_t{vlen} * sizeof(btf_param);
    case BTF_KIND_DATASEC:
      return int64_t{vlen} * sizeof(btf_var_secinfo);
    case BTF_KIND_ENUM64:
      return int64_t{vlen} * sizeof(btf_enum64);
    default:
      return -1;
  }
}

// Entry i of a type's btf_members or btf_enums, which need not be aligned.
template <class Entry>
Entry entry(const char* entries, uint32_t i) {
  Entry e;
  std::memcpy(&e, entries + i * sizeof e, sizeof e);
  return e;
}

}  // namespace

KernelBtf::KernelBtf() {
  if (auto bytes = FileBytes::open("/sys/kernel/btf/vmlinux")) index(std::move(*bytes));
}

KernelBtf::KernelBtf(std::string raw) {
  index(FileBytes(std::move(raw)));
}

bool KernelBtf::index(FileBytes raw) {
  raw_ = std::move(raw);
  btf_header h;
  if (raw_.size() < sizeof h) return false;
  std::memcpy(&h, raw_.data(), sizeof h);
  const uint64_t size = raw_.size();
  const uint64_t types_at = uint64_t{h.hdr_len} + h.type_off;
  const uint64_t strings_at = uint64_t{h.hdr_len} + h.str_off;
  if (h.magic != BTF_MAGIC || h.hdr_len < sizeof h || types_at + h.type_len > size ||
      strings_at + h.str_len > size || h.str_len == 0 ||
      raw_.data()[strings_at + h.str_len - 1] != '\0')
    return false;
  strings_ = raw_.data() + strings_at;
  strings_len_ = h.str_len;
  std::vector<Type> types;
  uint64_t at = types_at;
  const uint64_t end = types_at + h.type_len;
  while (at < end) {
    btf_type t;
    if (end - at < sizeof t) return false;
    std::memcpy(&t, raw_.data() + at, sizeof t);
    const int64_t more = trailing_bytes(t.info);
    if (more < 0 || end - at - sizeof t < static_cast<uint64_t>(more)) return false;
    types.push_back({static_cast<uint32_t>(at), t.info});
    at += sizeof t + static_cast<uint64_t>(more);
  }
  types_ = std::move(types);
  return true;
}

std::string_view KernelBtf::name(uint32_t offset) const {
  if (offset >= strings_len_) return {};
  return strings_ + offset;  // the section ends with a NUL (checked)
}

const KernelBtf::Type* KernelBtf::find(uint32_t kind, const char* type) const {
  for (const Type& t : types_) {
    if (BTF_INFO_KIND(t.info) != kind) continue;
    btf_type head;
    std::memcpy(&head, raw_.data() + t.at, sizeof head);
    if (name(head.name_off) == type) return &t;
  }
  return nullptr;
}

const char* KernelBtf::entries(const Type& t) const {
  return raw_.data() + t.at + sizeof(btf_type);
}

std::optional<int64_t> KernelBtf::member_offset(const char* type, const char* member) const {
  const Type* t = find(BTF_KIND_STRUCT, type);
  if (t == nullptr) return std::nullopt;
  for (uint32_t i = 0; i < BTF_INFO_VLEN(t->info); ++i) {
    const auto m = entry<btf_member>(entries(*t), i);
    if (name(m.name_off) != member) continue;
    const uint32_t bits = BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(m.offset) : m.offset;
    return static_cast<int64_t>(bits / 8);
  }
  return std::nullopt;
}

bool KernelBtf::has_enumerator(const char* type, const char* value) const {
  const Type* t = find(BTF_KIND_ENUM, type);
  if (t == nullptr) return false;
  for (uint32_t i = 0; i < BTF_INFO_VLEN(t->info); ++i)
    if (name(entry<btf_enum>(entries(*t), i).name_off) == value) return true;
  return false;
}

bool KernelBtf::has_typedef(const char* type) const {
  return find(BTF_KIND_TYPEDEF, type) != nullptr;
}

int KernelBtf::function_id(const char* name_text) const {
  if (functions_.empty()) {
    for (size_t i = 0; i < types_.size(); ++i) {
      if (BTF_INFO_KIND(types_[i].info) != BTF_KIND_FUNC) continue;
      btf_type head;
      std::memcpy(&head, raw_.data() + types_[i].at, sizeof head);
      functions_.emplace(name(head.name_off), static_cast<int>(i + 1));  // the first wins
    }
  }
  const auto it = functions_.find(name_text);
  return it == functions_.end() ? 0 : it->second;
}

}  // namespace ebpfmon
