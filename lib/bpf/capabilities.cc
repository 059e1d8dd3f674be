#include "bpf/capabilities.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>

#include "bpf/attach.h"
#include "bpf/system.h"
#include "core/unique_fd.h"

namespace ebpfmon {
namespace {

// r0 = 0; exit
const bpf_insn kReturnZero[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
};

// Loads a probe's program (GPL: the helpers probed may require it).
template <size_t N>
int load_program(bpf_prog_type type, const bpf_insn (&program)[N],
                 const bpf_prog_load_opts* opts = nullptr) {
  return bpf_prog_load(type, nullptr, "GPL", program, N, opts);
}

int load_trivial(bpf_prog_type type, const bpf_prog_load_opts* opts = nullptr) {
  return load_program(type, kReturnZero, opts);
}

std::string errno_text(int err) { return std::strerror(err); }

// A trivial tracing program of `type` (fentry, iterator) for the kernel
// function with BTF id `btf_id`.
int load_trivial_tracing(bpf_attach_type type, int btf_id) {
  bpf_prog_load_opts opts{};
  opts.sz = sizeof opts;
  opts.expected_attach_type = type;
  opts.attach_btf_id = static_cast<__u32>(btf_id);
  return load_trivial(BPF_PROG_TYPE_TRACING, &opts);
}

// Loads a two-instruction program of `type`: what a kernel refuses is the
// program type (no CONFIG_BPF_EVENTS, a lockdown). It is not attached. A
// probe's perf event, closed, holds the kernel's event_mutex for an RCU
// grace period, and the monitor's own first tracepoint attach waited 18 ms
// for it; an attach that fails later says why in its own error.
// `missing`, when not empty, says that the hook to attach to is not there.
FeatureStatus try_load(bpf_prog_type type, const std::string& what,
                       const std::string& missing = {}) {
  UniqueFd prog(load_trivial(type));
  if (!prog) return {false, "loading a " + what + " program failed: " + errno_text(errno)};
  if (!missing.empty()) return {false, missing};
  return {true, what + " program loaded"};
}

FeatureStatus probe_tracepoint() {
  auto id = tracepoint_id("sched:sched_process_exec");
  return try_load(BPF_PROG_TYPE_TRACEPOINT, "tracepoint", id ? "" : id.error().message);
}

FeatureStatus probe_raw_tracepoint() {
  return try_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "raw tracepoint");
}

FeatureStatus probe_ring_buffer() {
  UniqueFd map(bpf_map_create(BPF_MAP_TYPE_RINGBUF, nullptr, 0, 0, 4096, nullptr));
  if (!map)
    return {false, "creating a ring buffer map failed (" + errno_text(errno) +
                       "); needs Linux 5.8 or later, the perf buffer is used instead"};
  return {true, "ring buffer map created"};
}

FeatureStatus probe_kprobe() {
  if (kprobe_pmu_type() == 0)
    return {false, "this kernel was built without kprobes (CONFIG_KPROBES is off: no kprobe "
                   "PMU in /sys/bus/event_source/devices); a kernel with CONFIG_KPROBES=y enables it"};
  return try_load(BPF_PROG_TYPE_KPROBE, "kprobe");
}

FeatureStatus probe_fentry() {
  const KernelBtf btf;
  if (!btf.available())
    return {false, "fentry needs kernel BTF (/sys/kernel/btf/vmlinux), which is missing"};
  const int id = btf.function_id("vfs_read");
  if (id == 0) return {false, "vfs_read is not in the kernel's BTF"};
  UniqueFd prog(load_trivial_tracing(BPF_TRACE_FENTRY, id));
  if (!prog) {
    const int err = errno;
    if (err == EPERM || err == EOPNOTSUPP || err == 524 /* ENOTSUPP */)
      return {false, "the kernel refused an fentry program (" + errno_text(err) +
                         "): BPF trampolines need ftrace function tracing "
                         "(CONFIG_FUNCTION_TRACER and CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS), "
                         "which this kernel does not allow"};
    return {false, "loading an fentry program failed: " + errno_text(err)};
  }
  auto link = attach_fentry(prog.get());
  if (!link)
    return {false,
            "attaching an fentry program to vfs_read failed (" + link.error().message +
                "): BPF trampolines need ftrace function tracing, which this kernel refuses"};
  return {true, "fentry on vfs_read attached"};
}

// Loads a raw tracepoint program that calls bpf_task_storage_get on the
// current task: the map type alone is older (5.11) than its use from
// tracing programs (6.2).
FeatureStatus probe_task_storage() {
  std::unique_ptr<btf, void (*)(btf*)> types(btf__new_empty(), btf__free);
  if (!types) return {false, "cannot build BTF for a task storage map"};
  const int int_id = btf__add_int(types.get(), "int", 4, BTF_INT_SIGNED);
  const int long_id = btf__add_int(types.get(), "long", 8, BTF_INT_SIGNED);
  if (int_id < 0 || long_id < 0 || btf__load_into_kernel(types.get()) != 0)
    return {false, "loading BTF into the kernel failed: " + errno_text(errno)};
  bpf_map_create_opts map_opts{};
  map_opts.sz = sizeof map_opts;
  map_opts.btf_fd = static_cast<__u32>(btf__fd(types.get()));
  map_opts.btf_key_type_id = static_cast<__u32>(int_id);
  map_opts.btf_value_type_id = static_cast<__u32>(long_id);
  map_opts.map_flags = BPF_F_NO_PREALLOC;
  UniqueFd map(bpf_map_create(BPF_MAP_TYPE_TASK_STORAGE, nullptr, 4, 8, 0, &map_opts));
  if (!map) return {false, "creating a task storage map failed: " + errno_text(errno)};
  const bpf_insn program[] = {
      {BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_task_btf},
      {BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_0, 0, 0},
      {BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map.get()},
      {0, 0, 0, 0, 0},
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 0},
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0},
      {BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_task_storage_get},
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  UniqueFd prog(load_program(BPF_PROG_TYPE_RAW_TRACEPOINT, program));
  if (!prog)
    return {false, "a raw tracepoint program may not use task storage here (" +
                       errno_text(errno) + "; needs Linux 6.2 or later)"};
  return {true, "task storage used from a raw tracepoint program"};
}

// Loads an empty task iterator and reads it once: one pass over every thread.
FeatureStatus probe_task_iterator() {
  const KernelBtf btf;
  if (!btf.available())
    return {false, "a task iterator needs kernel BTF (/sys/kernel/btf/vmlinux), which is missing"};
  const int id = btf.function_id("bpf_iter_task");
  if (id == 0) return {false, "the kernel has no task iterator (bpf_iter_task, Linux 5.8+)"};
  UniqueFd prog(load_trivial_tracing(BPF_TRACE_ITER, id));
  if (!prog) return {false, "loading a task iterator program failed: " + errno_text(errno)};
  auto link = attach_iterator(prog.get());
  if (!link) return {false, link.error().message};
  auto read = read_iterator(link->get());
  if (!read) return {false, read.error().message};
  return {true, "task iterator loaded and read"};
}

// A loop entered at its test, whose body falls through into it, as clang
// lays out some loops: verifiers before Linux 6.4 or so take that
// fall-through for a back-edge they refuse (loop_ok in check_cfg).
FeatureStatus probe_fallthrough_loops() {
  const bpf_insn program[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 0},
      {BPF_JMP | BPF_JA, 0, 0, 1, 0},                     // to the test
      {BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, 1},  // the body
      {BPF_JMP | BPF_JLT | BPF_K, BPF_REG_1, 0, -2, 4},   // the test
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  UniqueFd prog(load_program(BPF_PROG_TYPE_SOCKET_FILTER, program));
  if (!prog)
    return {false, "the verifier refuses a loop that falls through into its test (" +
                       errno_text(errno) + "): loops over kernel structures are unrolled"};
  return {true, "the verifier follows a loop that falls through into its test"};
}

// tracefs may be unmounted (the runner and the doctor mount it first).
FeatureStatus find_tracepoint(const std::string& category_and_name) {
  const std::string events = tracefs_events_dir();
  if (events.empty())
    return {false,
            "tracefs, which lists the tracepoints, is not mounted at /sys/kernel/tracing "
            "(mount -t tracefs nodev /sys/kernel/tracing)"};
  if (tracepoint_dir(category_and_name).empty())
    return {false, "the kernel has no such tracepoint (not in " + events + ")"};
  return {true, "in " + events};
}

FeatureStatus find_raw_tracepoint(const KernelBtf& btf, const std::string& name) {
  if (!btf.available())
    return {true,
            "not looked up: the kernel has no BTF to list raw tracepoints; attaching will tell"};
  if (btf.has_typedef(("btf_trace_" + name).c_str())) return {true, "in BTF: btf_trace_" + name};
  return {false, "the kernel has no such raw tracepoint (no btf_trace_" + name + " in its BTF)"};
}

}  // namespace

const char* feature_name(Feature f) {
  switch (f) {
    case Feature::Tracepoint: return "tracepoint";
    case Feature::RawTracepoint: return "raw tracepoint";
    case Feature::RingBuffer: return "ring buffer";
    case Feature::Kprobe: return "kprobe";
    case Feature::Fentry: return "fentry";
    case Feature::TaskStorage: return "task storage";
    case Feature::TaskIterator:
      return "task iterator";
    case Feature::FallthroughLoops:
      return "fallthrough loops";
  }
  return "?";
}

Capabilities::Capabilities() {
  const char* disabled = std::getenv("EBPFMON_DISABLE_FEATURES");
  if (disabled == nullptr) return;
  std::istringstream in(disabled);
  std::string item;
  while (std::getline(in, item, ',')) {
    for (int i = 0; i < kFeatureCount; ++i) {
      std::string name = feature_name(static_cast<Feature>(i));
      for (auto& c : name)
        if (c == ' ') c = '_';
      if (item == name || (item == "ringbuf" && static_cast<Feature>(i) == Feature::RingBuffer))
        cache_[i] = FeatureStatus{false, "disabled by EBPFMON_DISABLE_FEATURES"};
    }
  }
}

const FeatureStatus& Capabilities::status(Feature f) {
  auto& slot = cache_[static_cast<int>(f)];
  if (!slot) {
    switch (f) {
      case Feature::Tracepoint: slot = probe_tracepoint(); break;
      case Feature::RawTracepoint: slot = probe_raw_tracepoint(); break;
      case Feature::RingBuffer: slot = probe_ring_buffer(); break;
      case Feature::Kprobe: slot = probe_kprobe(); break;
      case Feature::Fentry: slot = probe_fentry(); break;
      case Feature::TaskStorage: slot = probe_task_storage(); break;
      case Feature::TaskIterator:
        slot = probe_task_iterator();
        break;
      case Feature::FallthroughLoops:
        slot = probe_fallthrough_loops();
        break;
    }
  }
  return *slot;
}

const FeatureStatus& Capabilities::hook_target(const HookSpec& hook) {
  auto [it, added] = targets_.try_emplace(hook.describe());
  if (added) {
    switch (hook.type) {
      case HookType::Tracepoint:
        it->second = find_tracepoint(hook.target);
        break;
      case HookType::RawTracepoint:
        if (!btf_) btf_.emplace();
        it->second = find_raw_tracepoint(*btf_, hook.target);
        break;
      case HookType::Kprobe:
      case HookType::Fentry:
      case HookType::TaskIterator:
        it->second = {true, "not looked up"};
        break;
    }
  }
  return it->second;
}

Result<void> Capabilities::require_hook_targets(const std::string& monitor,
                                                const std::vector<HookSpec>& hooks) {
  for (const HookSpec& hook : hooks)
    if (const FeatureStatus& st = hook_target(hook); !st.available)
      return Error::runtime(monitor + ": cannot attach to " + hook.describe() + ": " + st.detail);
  return {};
}

}  // namespace ebpfmon
