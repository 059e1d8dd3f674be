// One loaded BPF program and everything it owns: its maps, its functions'
// program fds, its attachments and event buffers. Everything else asks it.
// It is made from a CompiledObject with libbpf's low-level calls; libbcc
// never runs in this process (bpf/compile_helper.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bpf/compiled_object.h"
#include "bpf/event_buffer.h"
#include "bpf/hook.h"
#include "bpf/map.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace ebpfmon {

struct ProgramSpec {
  std::string name;           // for messages: "exec"
  std::string source;         // BPF C, embedded in the tools
  // -D NAME=VALUE pairs. Values are numbers: nothing a user typed becomes text
  // in the program.
  std::vector<std::pair<std::string, int64_t>> defines;
  std::vector<HookSpec> hooks;  // their functions are the ones compiled

  CompileRequest request() const;
};

class BpfProgram {
 public:
  // Creates the maps and loads every function (the verifier runs here).
  static Result<std::unique_ptr<BpfProgram>> load(const std::string& name,
                                                  const CompiledObject& object);
  ~BpfProgram();
  BpfProgram(const BpfProgram&) = delete;
  BpfProgram& operator=(const BpfProgram&) = delete;

  Result<void> attach(const HookSpec& hook);
  // Detaches every hook (newest first), keeping maps and buffers so events
  // already in flight can still be drained.
  void detach_all();
  // One run of an attached iterator: what it wrote.
  Result<std::string> read_iterator(const HookSpec& hook) const;
  const std::vector<HookSpec>& attached() const { return attached_; }

  // Typed handles on the named map; an error names the map when the program
  // has none, or when Key's or Value's size is not the map's (bpf/map.h).
  // Whether the program has the named map: a switch compiled in or out.
  bool has_map(const std::string& name) const { return map_fd(name).ok(); }
  template <class Key, class Value>
  Result<Map<Key, Value>> map(const std::string& name) const {
    auto fd = map_fd(name);
    if (!fd) return fd.error();
    return Map<Key, Value>::open(*fd, name);
  }
  template <class Key, class Value>
  Result<PerCpuMap<Key, Value>> percpu_map(const std::string& name) const {
    auto fd = map_fd(name);
    if (!fd) return fd.error();
    return PerCpuMap<Key, Value>::open(*fd, name);
  }

  // Opens the program's events map (kEventsMap) as a ring buffer or perf
  // buffer, whichever the program was compiled with. The buffer belongs to
  // this program and is freed before the maps.
  Result<EventBuffer*> open_events(EventBuffer::Handler handler, size_t perf_pages_per_cpu);

  const std::string& name() const { return name_; }

 private:
  BpfProgram() = default;
  Result<void> create_maps(const CompiledObject& object);
  // One BPF_PROG_LOAD: a function's code with the map fds patched in.
  struct KernelLoad {
    const CompiledFunction* function;
    std::vector<uint8_t> instructions;
    int attach_btf_id;
    UniqueFd fd;  // set when loaded
    Error error;  // why not, otherwise
  };
  std::vector<uint8_t> patched(const CompiledObject& object, const CompiledFunction& f) const;
  Result<void> load_in_parallel(const CompiledObject& object, std::vector<KernelLoad>& loads) const;
  void load_in_kernel(const CompiledObject& object, KernelLoad& load) const;
  // The map's fd, or an error naming the map when the program has none.
  Result<int> map_fd(const std::string& name) const;

  std::string name_;
  UniqueFd btf_;
  std::map<std::string, UniqueFd> maps_;
  // Functions whose instructions come out the same (libbcc makes one per
  // TRACEPOINT_PROBE, though execve and execveat share their code) are
  // loaded once: the verifier's time is most of a cached start.
  std::vector<UniqueFd> loaded_;
  std::map<std::string, int> functions_;  // program fds by function name
  std::vector<HookSpec> attached_;
  std::vector<UniqueFd> links_;  // one per attached hook
  std::vector<std::unique_ptr<EventBuffer>> buffers_;
};

}  // namespace ebpfmon
