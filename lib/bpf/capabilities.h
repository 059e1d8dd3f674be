// What this kernel lets us do, found out by doing it: each program type is
// loaded for real as a two-instruction program (as libbpf-tools and
// bpftrace's BPFfeature do), once, and the answer cached. Only fentry is
// also attached: loading it says nothing about the trampolines.
#pragma once

#include <array>
#include <optional>
#include <string>

namespace ebpfmon {

// TaskStorage: a raw tracepoint program may keep per-thread data in task
// local storage (Linux 6.2+), the cheapest per-thread state there is.
enum class Feature { Tracepoint, RawTracepoint, RingBuffer, Kprobe, Fentry, TaskStorage };
constexpr int kFeatureCount = 6;

const char* feature_name(Feature f);  // "tracepoint", "raw tracepoint", ...

struct FeatureStatus {
  bool available = false;
  std::string detail;  // why not, in one sentence, with what would enable it
};

class Capabilities {
 public:
  // EBPFMON_DISABLE_FEATURES=ringbuf,fentry,... forces answers to "no" so
  // the fallbacks can be exercised on a kernel that has everything.
  Capabilities();
  const FeatureStatus& status(Feature f);
  bool has(Feature f) { return status(f).available; }

 private:
  std::array<std::optional<FeatureStatus>, kFeatureCount> cache_;
};

}  // namespace ebpfmon
