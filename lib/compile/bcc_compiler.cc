#include "compile/bcc_compiler.h"

#include <bcc/bpf_module.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "compile/output_capture.h"
#include "core/unique_fd.h"

namespace ebpfmon {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Clang's first error and the lines after it. The warnings before it (every
// compile has some, about libbcc's own helper headers) belong to the debug
// log only, never to an error message.
std::string first_error(const std::string& text, size_t n) {
  const auto lines = lines_of(text);
  size_t start = 0;
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find(" error: ") != std::string::npos) {  // also "fatal error: "
      start = i;
      break;
    }
  std::string out;
  for (size_t i = start; i < lines.size() && i < start + n; ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

// libbcc created the maps in this process; their BTF (key and value types)
// is read back from the kernel, the only place libbcc's API shows it.
void describe_map_btf(int map_fd, CompiledMap& map, std::string& btf) {
  bpf_map_info info{};
  __u32 len = sizeof info;
  if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0 || info.btf_id == 0) return;
  map.btf_key_type_id = info.btf_key_type_id;
  map.btf_value_type_id = info.btf_value_type_id;
  if (!btf.empty()) return;  // one module, one BTF object
  UniqueFd btf_fd(bpf_btf_get_fd_by_id(info.btf_id));
  if (!btf_fd) return;
  bpf_btf_info btf_info{};
  len = sizeof btf_info;
  if (bpf_obj_get_info_by_fd(btf_fd.get(), &btf_info, &len) != 0 || btf_info.btf_size == 0) return;
  std::string blob(btf_info.btf_size, '\0');
  const __u32 size = btf_info.btf_size;
  btf_info = {};
  btf_info.btf = reinterpret_cast<uintptr_t>(blob.data());
  btf_info.btf_size = size;
  len = sizeof btf_info;
  if (bpf_obj_get_info_by_fd(btf_fd.get(), &btf_info, &len) == 0) btf = std::move(blob);
}

Result<CompiledFunction> describe_function(ebpf::BPFModule& module,
                                           const CompileRequest::Function& wanted,
                                           const std::map<int, uint32_t>& map_of_fd) {
  const uint8_t* start = module.function_start(wanted.name);
  const size_t size = module.function_size(wanted.name);
  if (start == nullptr || size == 0)
    return Error::runtime("the BPF program has no function " + wanted.name);
  CompiledFunction f{wanted.name,
                     wanted.prog_type,
                     wanted.attach_type,
                     wanted.attach_function,
                     std::string(reinterpret_cast<const char*>(start), size),
                     {}};
  const auto* insns = reinterpret_cast<const bpf_insn*>(start);
  const size_t count = size / sizeof(bpf_insn);
  for (size_t i = 0; i + 1 < count; ++i) {
    if (insns[i].code != (BPF_LD | BPF_DW | BPF_IMM)) continue;
    if (insns[i].src_reg == BPF_PSEUDO_MAP_FD) {
      const auto map = map_of_fd.find(insns[i].imm);
      if (map == map_of_fd.end())
        return Error::runtime(wanted.name + " loads fd " + std::to_string(insns[i].imm) +
                              ", which is none of the program's maps");
      f.map_references.push_back({static_cast<uint32_t>(i), map->second});
    } else if (insns[i].src_reg != 0) {
      return Error::runtime(wanted.name + " loads a map value or BTF object (src_reg " +
                            std::to_string(insns[i].src_reg) + "), which ebpfmon cannot relocate");
    }
    ++i;  // the second half of the ld_imm64
  }
  return f;
}

}  // namespace

Result<CompiledObject> compile_with_bcc(const CompileRequest& request, std::string& diagnostics) {
  std::vector<std::string> flags;
  for (const auto& [name, value] : request.defines)
    flags.push_back("-D" + name + "=" + std::to_string(value));
  std::vector<const char*> cflags;
  for (const auto& flag : flags) cflags.push_back(flag.c_str());

  // The table reader/writer engine only serves bcc's Python bindings.
  ebpf::BPFModule module(0, nullptr, false);
  OutputCapture capture;
  const int rc = module.load_string(request.source, cflags.data(), static_cast<int>(cflags.size()));
  diagnostics = capture.finish();
  if (rc != 0)
    return Error::runtime("cannot compile the " + request.name + " BPF program: " +
                              (diagnostics.empty() ? "libbcc failed" : first_error(diagnostics, 3)),
                          "run with --verbose for the compiler's full output; "
                          "ebpfmon --doctor shows which kernel headers are in use");

  CompiledObject object;
  object.license = module.license() != nullptr ? module.license() : "";
  if (object.license.empty()) object.license = "GPL";
  object.kernel_version = module.kern_version();
  std::map<int, uint32_t> map_of_fd;
  for (size_t id = 0; id < module.num_tables(); ++id) {
    const int fd = module.table_fd(id);
    if (fd < 0) continue;
    CompiledMap map{module.table_name(id),
                    static_cast<uint32_t>(module.table_type(id)),
                    static_cast<uint32_t>(module.table_key_size(id)),
                    static_cast<uint32_t>(module.table_leaf_size(id)),
                    static_cast<uint32_t>(module.table_max_entries(id)),
                    static_cast<uint32_t>(module.table_flags(id)),
                    0,
                    0};
    describe_map_btf(fd, map, object.btf);
    map_of_fd[fd] = static_cast<uint32_t>(object.maps.size());
    object.maps.push_back(std::move(map));
  }
  for (const auto& wanted : request.functions) {
    auto f = describe_function(module, wanted, map_of_fd);
    if (!f) return f.error();
    object.functions.push_back(std::move(*f));
  }
  return object;
}

}  // namespace ebpfmon
