#include "bpf/compiled_object.h"

#include <linux/bpf.h>

#include <cstring>

namespace ebpfmon {
namespace {

constexpr char kObjectMagic[8] = {'E', 'B', 'P', 'F', 'M', 'O', 'B', '2'};
constexpr char kRequestMagic[8] = {'E', 'B', 'P', 'F', 'M', 'R', 'Q', '2'};
// Far above any program of ours, far below what would exhaust memory.
constexpr uint32_t kMaxItems = 1u << 16;
constexpr uint32_t kMaxBytes = 64u << 20;

class Writer {
 public:
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_ += static_cast<char>(v >> (8 * i));
  }
  void i64(int64_t v) {
    const auto u = static_cast<uint64_t>(v);
    u32(static_cast<uint32_t>(u));
    u32(static_cast<uint32_t>(u >> 32));
  }
  void bytes(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void raw(const char* p, size_t n) { out_.append(p, n); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Every read is bounds-checked; the first failure sticks.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return ok_ && pos_ == in_.size(); }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(in_[pos_ + i])} << (8 * i);
    pos_ += 4;
    return v;
  }
  int64_t i64() {
    const uint64_t low = u32();
    const uint64_t high = u32();
    return static_cast<int64_t>(low | high << 32);
  }
  uint32_t count() {
    const uint32_t n = u32();
    if (n > kMaxItems) ok_ = false;
    return ok_ ? n : 0;
  }
  std::string bytes() {
    const uint32_t n = u32();
    if (n > kMaxBytes) ok_ = false;
    if (!need(n)) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool magic(const char (&expected)[8]) {
    if (!need(8) || std::memcmp(in_.data() + pos_, expected, 8) != 0) return ok_ = false;
    pos_ += 8;
    return true;
  }

 private:
  bool need(size_t n) {
    if (ok_ && in_.size() - pos_ >= n) return true;
    ok_ = false;
    return false;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

Error damaged(const std::string& what) {
  return Error::runtime("damaged compiled BPF program: " + what);
}

// Each reference must point at the first half of a ld_imm64 that loads a
// map by fd, as libbcc emits them.
Result<void> check_function(const CompiledFunction& f, size_t maps) {
  if (f.name.empty()) return damaged("a function without a name");
  if (f.instructions.empty() || f.instructions.size() % sizeof(bpf_insn) != 0)
    return damaged(f.name + " has " + std::to_string(f.instructions.size()) +
                   " bytes of instructions");
  const size_t count = f.instructions.size() / sizeof(bpf_insn);
  for (const MapReference& ref : f.map_references) {
    if (ref.map >= maps) return damaged(f.name + " refers to map " + std::to_string(ref.map));
    if (ref.instruction + 1 >= count) return damaged(f.name + " has a map reference past its end");
    bpf_insn insn;
    std::memcpy(&insn, f.instructions.data() + ref.instruction * sizeof insn, sizeof insn);
    if (insn.code != (BPF_LD | BPF_DW | BPF_IMM) || insn.src_reg != BPF_PSEUDO_MAP_FD)
      return damaged(f.name + " has a map reference on an instruction that loads no map");
  }
  return {};
}

}  // namespace

std::string CompiledObject::serialize() const {
  Writer w;
  w.raw(kObjectMagic, sizeof kObjectMagic);
  w.bytes(license);
  w.u32(kernel_version);
  w.bytes(btf);
  w.u32(static_cast<uint32_t>(maps.size()));
  for (const CompiledMap& m : maps) {
    w.bytes(m.name);
    for (uint32_t v : {m.type, m.key_size, m.value_size, m.max_entries, m.flags, m.btf_key_type_id,
                       m.btf_value_type_id})
      w.u32(v);
  }
  w.u32(static_cast<uint32_t>(functions.size()));
  for (const CompiledFunction& f : functions) {
    w.bytes(f.name);
    w.u32(f.prog_type);
    w.u32(f.attach_type);
    w.bytes(f.attach_function);
    w.bytes(f.instructions);
    w.u32(static_cast<uint32_t>(f.map_references.size()));
    for (const MapReference& ref : f.map_references) {
      w.u32(ref.instruction);
      w.u32(ref.map);
    }
  }
  return w.take();
}

Result<CompiledObject> CompiledObject::parse(std::string_view bytes) {
  Reader r(bytes);
  if (!r.magic(kObjectMagic)) return damaged("not an ebpfmon program object");
  CompiledObject object;
  object.license = r.bytes();
  object.kernel_version = r.u32();
  object.btf = r.bytes();
  object.maps.resize(r.count());
  for (CompiledMap& m : object.maps) {
    m.name = r.bytes();
    for (uint32_t* v : {&m.type, &m.key_size, &m.value_size, &m.max_entries, &m.flags,
                        &m.btf_key_type_id, &m.btf_value_type_id})
      *v = r.u32();
  }
  object.functions.resize(r.count());
  for (CompiledFunction& f : object.functions) {
    f.name = r.bytes();
    f.prog_type = r.u32();
    f.attach_type = r.u32();
    f.attach_function = r.bytes();
    f.instructions = r.bytes();
    f.map_references.resize(r.count());
    for (MapReference& ref : f.map_references) {
      ref.instruction = r.u32();
      ref.map = r.u32();
    }
  }
  if (!r.at_end()) return damaged(r.ok() ? "bytes after its end" : "truncated");
  if (object.license.empty()) return damaged("no license");
  for (const CompiledMap& m : object.maps)
    if (m.name.empty()) return damaged("a map without a name");
  for (const CompiledFunction& f : object.functions)
    if (auto ok = check_function(f, object.maps.size()); !ok) return ok.error();
  return object;
}

const CompiledFunction* CompiledObject::function(const std::string& name) const {
  for (const CompiledFunction& f : functions)
    if (f.name == name) return &f;
  return nullptr;
}

std::string CompileRequest::serialize() const {
  Writer w;
  w.raw(kRequestMagic, sizeof kRequestMagic);
  w.bytes(name);
  w.bytes(source);
  w.u32(static_cast<uint32_t>(defines.size()));
  for (const auto& [define, value] : defines) {
    w.bytes(define);
    w.i64(value);
  }
  w.u32(static_cast<uint32_t>(functions.size()));
  for (const Function& f : functions) {
    w.bytes(f.name);
    w.u32(f.prog_type);
    w.u32(f.attach_type);
    w.bytes(f.attach_function);
  }
  return w.take();
}

Result<CompileRequest> CompileRequest::parse(std::string_view bytes) {
  Reader r(bytes);
  if (!r.magic(kRequestMagic)) return Error::usage("not an ebpfmon compile request");
  CompileRequest request;
  request.name = r.bytes();
  request.source = r.bytes();
  request.defines.resize(r.count());
  for (auto& [define, value] : request.defines) {
    define = r.bytes();
    value = r.i64();
  }
  request.functions.resize(r.count());
  for (Function& f : request.functions) {
    f.name = r.bytes();
    f.prog_type = r.u32();
    f.attach_type = r.u32();
    f.attach_function = r.bytes();
  }
  if (!r.at_end()) return Error::usage("truncated ebpfmon compile request");
  return request;
}

}  // namespace ebpfmon
