// What this kernel lets us do, found out by doing it: each program type is
// loaded for real as a two-instruction program (as libbpf-tools and
// bpftrace's BPFfeature do), once, and the answer cached. Only fentry is
// also attached: loading it says nothing about the trampolines.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bpf/hook.h"
#include "bpf/kernel_btf.h"
#include "core/result.h"

namespace ebpfmon {

// TaskStorage: a raw tracepoint program may keep per-thread data in task
// local storage (Linux 6.2+), the cheapest per-thread state there is.
// TaskIterator: a program run over every thread on a read (Linux 5.8+):
// syscallmon's scan for calls that hang. FallthroughLoops: the verifier
// follows a loop whose body falls through into its test (not on 5.10 or
// 6.1, where such loops are unrolled: EBPFMON_LOOP in common.bpf.h).
enum class Feature {
  Tracepoint,
  RawTracepoint,
  RingBuffer,
  Kprobe,
  Fentry,
  TaskStorage,
  TaskIterator,
  FallthroughLoops
};
constexpr int kFeatureCount = 8;

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

  // Whether the kernel has the tracepoint a hook names, looked up without
  // attaching: a tracepoint ("sock:inet_sock_set_state") in tracefs, under
  // events/<category>/<name>, where attaching reads its id; a raw tracepoint
  // in the kernel's BTF, which has a btf_trace_<name> type for each one
  // (tracefs names events, which need not be named as raw tracepoints are).
  // Other hook types are always "available" here. Cached per hook.
  const FeatureStatus& hook_target(const HookSpec& hook);
  // The first hook whose tracepoint is missing, as a runtime error naming it.
  Result<void> require_hook_targets(const std::string& monitor, const std::vector<HookSpec>& hooks);

 private:
  std::array<std::optional<FeatureStatus>, kFeatureCount> cache_;
  std::map<std::string, FeatureStatus> targets_;  // by HookSpec::describe()
  // Read on the first raw tracepoint looked up, then shared by the others.
  std::optional<KernelBtf> btf_;
};

}  // namespace ebpfmon
