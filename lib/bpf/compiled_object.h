// What libbcc makes of a BPF program, as data: the contract between the
// compile helper (ebpfmon-compile, the only process that links libbcc and
// LLVM) and the monitors, which load it with libbpf. It is also what the
// program cache keeps, so parse() trusts nothing it reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace ebpfmon {

struct CompiledMap {
  std::string name;
  uint32_t type = 0;  // enum bpf_map_type
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t flags = 0;
  uint32_t btf_key_type_id = 0;  // 0: no BTF for this map
  uint32_t btf_value_type_id = 0;
};

// An instruction that loads a map: a ld_imm64 whose imm must become the fd
// of maps[map] in the loading process.
struct MapReference {
  uint32_t instruction = 0;
  uint32_t map = 0;
};

struct CompiledFunction {
  std::string name;        // "tracepoint__syscalls__sys_enter_execve"
  uint32_t prog_type = 0;  // enum bpf_prog_type
  // For BPF_PROG_TYPE_TRACING: BPF_TRACE_FENTRY or BPF_TRACE_ITER, and the
  // kernel function it attaches to ("vfs_read", "bpf_iter_task"), whose BTF
  // id is looked up where it is loaded.
  uint32_t attach_type = 0;  // enum bpf_attach_type
  std::string attach_function;
  std::string instructions;  // struct bpf_insn[], 8 bytes each
  std::vector<MapReference> map_references;
};

struct CompiledObject {
  std::string license;
  uint32_t kernel_version = 0;
  std::string btf;  // raw BTF for the maps' key and value types; may be empty
  std::vector<CompiledMap> maps;
  std::vector<CompiledFunction> functions;

  std::string serialize() const;
  // Checks every count, size and reference, so that a damaged object is an
  // error here and never a wild read or a program the kernel is handed.
  static Result<CompiledObject> parse(std::string_view bytes);

  const CompiledFunction* function(const std::string& name) const;
};

// What the helper is asked to compile.
struct CompileRequest {
  std::string name;                                      // for messages: "exec"
  std::string source;                                    // BPF C
  std::vector<std::pair<std::string, int64_t>> defines;  // -DNAME=VALUE
  struct Function {
    std::string name;
    uint32_t prog_type = 0;
    uint32_t attach_type = 0;
    std::string attach_function;
  };
  std::vector<Function> functions;  // the ones to keep, each once

  std::string serialize() const;
  static Result<CompileRequest> parse(std::string_view bytes);
};

}  // namespace ebpfmon
