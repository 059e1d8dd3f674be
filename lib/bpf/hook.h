// What a BPF function attaches to. Monitors declare their hooks as data.
#pragma once

#include <string>

namespace ebpfmon {

enum class HookType { Tracepoint, RawTracepoint, Kprobe, Fentry };

const char* hook_type_name(HookType type);  // "tracepoint", "raw tracepoint", ...

struct HookSpec {
  HookType type;
  std::string target;    // "syscalls:sys_enter_execve", "sched_process_exec", "vfs_read"
  std::string function;  // the BPF function in the program

  std::string describe() const { return std::string(hook_type_name(type)) + " " + target; }
};

}  // namespace ebpfmon
