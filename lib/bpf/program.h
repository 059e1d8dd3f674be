// One compiled BPF program and everything it owns: the libbcc module, its
// attachments, extra link fds and event buffers. Everything else asks it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bpf/event_buffer.h"
#include "bpf/hook.h"
#include "bpf/map.h"
#include "core/result.h"

namespace ebpf {
class BPF;
}

namespace ebpfmon {

struct ProgramSpec {
  std::string name;           // for messages: "exec"
  std::string_view source;    // embedded BPF C
  // -D NAME=VALUE pairs. Values are numbers: nothing a user typed becomes text
  // in the program.
  std::vector<std::pair<std::string, int64_t>> defines;
};

class BpfProgram {
 public:
  // Compiles with libbcc (serialised: libbcc's compile is not thread-safe)
  // and releases LLVM's memory afterwards.
  static Result<std::unique_ptr<BpfProgram>> compile(const ProgramSpec& spec);
  ~BpfProgram();
  BpfProgram(const BpfProgram&) = delete;
  BpfProgram& operator=(const BpfProgram&) = delete;

  Result<void> attach(const HookSpec& hook);
  // Detaches every hook (newest first), keeping maps and buffers so events
  // already in flight can still be drained.
  void detach_all();
  const std::vector<HookSpec>& attached() const { return attached_; }

  // Typed handles on the named map; an error names the map when the program
  // has none, or when Key's or Value's size is not the map's (bpf/map.h).
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
  double compile_seconds() const { return compile_seconds_; }

 private:
  BpfProgram() = default;
  // The map's fd, or an error naming the map when the program has none.
  Result<int> map_fd(const std::string& name) const;

  std::string name_;
  double compile_seconds_ = 0;
  std::unique_ptr<ebpf::BPF> bpf_;
  std::vector<HookSpec> attached_;
  std::vector<int> link_fds_;  // fentry links: libbcc leaves them to us
  std::vector<std::unique_ptr<EventBuffer>> buffers_;
};

}  // namespace ebpfmon
