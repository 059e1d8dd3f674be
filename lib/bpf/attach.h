// Attaching a loaded BPF program to a hook, as libbpf does underneath its
// object API: each attachment is one fd (a perf event or a BPF link), so
// closing it detaches, and a process killed with -9 leaves nothing behind.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace ebpfmon {

// "category:name", through a perf event on the tracepoint's id.
Result<UniqueFd> attach_tracepoint(int prog_fd, const std::string& category_and_name);
Result<UniqueFd> attach_raw_tracepoint(int prog_fd, const std::string& name);
// Entry of a kernel function, through the kprobe PMU (no tracefs kprobe_events
// entry that a killed process would leave behind).
Result<UniqueFd> attach_kprobe(int prog_fd, const std::string& function);
// A tracing program loaded with its target's BTF id; the link is the trampoline.
Result<UniqueFd> attach_fentry(int prog_fd);

// A BPF iterator (BPF_TRACE_ITER); each read_iterator() of the link runs it
// over every object once.
Result<UniqueFd> attach_iterator(int prog_fd);
// What one run of the iterator wrote (bpf_seq_write), to its end.
Result<std::string> read_iterator(int link_fd);

// The tracepoint's perf event id, from tracefs.
Result<unsigned long long> tracepoint_id(const std::string& category_and_name);

// The kprobe PMU's perf event type, or 0 when the kernel has no kprobes.
unsigned kprobe_pmu_type();

}  // namespace ebpfmon
