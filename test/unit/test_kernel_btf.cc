#include <bpf/btf.h>
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "bpf/kernel_btf.h"

using namespace ebpfmon;

// KernelBtf walks the raw BTF itself; libbpf's full parse is the reference.
TEST_CASE("KernelBtf finds what libbpf finds in this kernel's BTF") {
  btf* reference = btf__load_vmlinux_btf();
  if (reference == nullptr) {
    MESSAGE("skipped: this kernel has no BTF (/sys/kernel/btf/vmlinux)");
    return;
  }
  const KernelBtf ours;
  REQUIRE(ours.available());
  size_t members = 0, functions = 0;
  std::set<std::string> structs_seen;
  const unsigned count = btf__type_cnt(reference);
  for (unsigned id = 1; id < count; ++id) {
    const btf_type* t = btf__type_by_id(reference, id);
    const char* name = btf__name_by_offset(reference, t->name_off);
    if (name == nullptr || *name == '\0') continue;
    if (btf_is_func(t) && id % 7 == 0) {
      CHECK_MESSAGE(
          ours.function_id(name) == btf__find_by_name_kind(reference, name, BTF_KIND_FUNC), name);
      ++functions;
    }
    if (!btf_is_struct(t) || id % 5 != 0 || !structs_seen.insert(name).second) continue;
    // As libbpf's lookup: the first struct of the name.
    const int first = btf__find_by_name_kind(reference, name, BTF_KIND_STRUCT);
    const btf_type* s = btf__type_by_id(reference, static_cast<unsigned>(first));
    const btf_member* m = btf_members(s);
    std::set<std::string> member_seen;
    for (unsigned i = 0; i < btf_vlen(s); ++i, ++m) {
      const char* member = btf__name_by_offset(reference, m->name_off);
      if (member == nullptr || *member == '\0' || !member_seen.insert(member).second) continue;
      const auto offset = ours.member_offset(name, member);
      CHECK_MESSAGE((offset && *offset == btf_member_bit_offset(s, i) / 8), name << "." << member);
      ++members;
    }
  }
  CHECK(members > 1000);
  CHECK(functions > 1000);
  CHECK(ours.member_offset("task_struct", "no_such_member_ebpfmon") == std::nullopt);
  CHECK(ours.member_offset("no_such_struct_ebpfmon", "pid") == std::nullopt);
  CHECK(ours.function_id("no_such_function_ebpfmon") == 0);
  CHECK(ours.has_enumerator("bpf_func_id", "BPF_FUNC_map_lookup_elem"));
  CHECK(!ours.has_enumerator("bpf_func_id", "BPF_FUNC_no_such_helper_ebpfmon"));
  CHECK(!ours.has_enumerator("no_such_enum_ebpfmon", "BPF_FUNC_map_lookup_elem"));
  btf__free(reference);
}

TEST_CASE("KernelBtf refuses a damaged blob instead of reading past it") {
  std::ifstream in("/sys/kernel/btf/vmlinux", std::ios::binary);
  if (!in) {
    MESSAGE("skipped: this kernel has no BTF (/sys/kernel/btf/vmlinux)");
    return;
  }
  const std::string whole((std::istreambuf_iterator<char>(in)), {});
  CHECK(KernelBtf(whole).available());
  for (size_t cut : {size_t{0}, size_t{10}, size_t{24}, whole.size() / 2, whole.size() - 1})
    CHECK_MESSAGE(!KernelBtf(whole.substr(0, cut)).available(), "cut at " << cut);
  std::string bad_magic = whole;
  bad_magic[0] ^= 1;
  CHECK(!KernelBtf(bad_magic).available());
}
