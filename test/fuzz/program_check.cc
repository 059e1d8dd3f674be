#include <linux/bpf.h>

#include <cstring>
#include <string>
#include <string_view>

#include "bpf/compiled_object.h"
#include "bpf/program_cache.h"
#include "checks.h"

namespace ebpfmon::fuzz {
namespace {

// What the loader relies on, checked apart from parse(): every reference is
// in range and on the first half of a map-loading ld_imm64.
std::string check_object(const CompiledObject& object) {
  for (const CompiledFunction& f : object.functions) {
    if (f.instructions.size() % sizeof(bpf_insn) != 0) return f.name + ": partial instruction";
    const size_t count = f.instructions.size() / sizeof(bpf_insn);
    for (const MapReference& ref : f.map_references) {
      if (ref.map >= object.maps.size()) return f.name + ": map reference out of range";
      if (ref.instruction + 1 >= count) return f.name + ": reference past the end";
      bpf_insn insn;
      std::memcpy(&insn, f.instructions.data() + ref.instruction * sizeof insn, sizeof insn);
      if (insn.code != (BPF_LD | BPF_DW | BPF_IMM) || insn.src_reg != BPF_PSEUDO_MAP_FD)
        return f.name + ": reference on an instruction that loads no map";
    }
  }
  return {};
}

}  // namespace

std::string check_program(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // As an object, as a cache entry and as a compile request: an accepted
  // one is sound and serialises back to exactly its bytes.
  if (auto object = CompiledObject::parse(bytes)) {
    if (auto broken = check_object(*object); !broken.empty()) return broken;
    if (object->serialize() != bytes) return "an accepted object does not serialise back";
  }
  if (auto entry = parse_cache_entry(bytes)) {
    if (auto broken = check_object(*entry); !broken.empty()) return broken;
    if (make_cache_entry(*entry) != bytes) return "an accepted cache entry does not serialise back";
  }
  if (auto request = CompileRequest::parse(bytes))
    if (request->serialize() != bytes) return "an accepted request does not serialise back";
  return {};
}

}  // namespace ebpfmon::fuzz
