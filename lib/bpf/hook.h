// What a BPF function attaches to. Monitors declare their hooks as data.
#pragma once

#include <string>

namespace ebpfmon {

// TaskIterator: BPF_ITER(task), run over every thread when user space reads
// it (BpfProgram::read_iterator), not on an event.
enum class HookType { Tracepoint, RawTracepoint, Kprobe, Fentry, TaskIterator };

const char* hook_type_name(HookType type);  // "tracepoint", "raw tracepoint", ...

// The name of the function BCC declares for one hook, so that a monitor's
// hook list cannot disagree with its program: TRACEPOINT_PROBE(syscalls,
// sys_enter_execve) is tracepoint__syscalls__sys_enter_execve,
// RAW_TRACEPOINT_PROBE(sys_enter) raw_tracepoint__sys_enter, and a fentry
// program must be kfunc__<function> (libbcc finds its BTF id by that name).
// Kprobes follow BCC's kprobe__<function>; BPF_ITER(task) is bpf_iter__task.
std::string bcc_function_name(HookType type, const std::string& target);

struct HookSpec {
  // The function BCC names after the target.
  HookSpec(HookType type, std::string target);
  // One function attached to many targets (funcmon's kprobe).
  HookSpec(HookType type, std::string target, std::string function);

  HookType type;
  std::string target;    // "syscalls:sys_enter_execve", "sched_process_exec", "vfs_read"
  std::string function;  // the BPF function in the program

  std::string describe() const { return std::string(hook_type_name(type)) + " " + target; }
};

}  // namespace ebpfmon
