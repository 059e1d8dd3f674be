// Hook function names are BCC's: a wrong one fails only at attach time, and
// the fentry one only in the VM test.
#include <doctest/doctest.h>

#include "bpf/hook.h"

using namespace ebpfmon;

TEST_CASE("a hook's function is the one BCC's macro declares for its target") {
  CHECK(HookSpec(HookType::Tracepoint, "syscalls:sys_enter_execve").function ==
        "tracepoint__syscalls__sys_enter_execve");
  CHECK(HookSpec(HookType::RawTracepoint, "sched_process_exec").function ==
        "raw_tracepoint__sched_process_exec");
  CHECK(HookSpec(HookType::Fentry, "vfs_read").function == "kfunc__vfs_read");
  CHECK(HookSpec(HookType::Kprobe, "vfs_read").function == "kprobe__vfs_read");
}

TEST_CASE("one function for many targets is named explicitly") {
  const HookSpec hook(HookType::Kprobe, "vfs_read", "func_kprobe");
  CHECK(hook.function == "func_kprobe");
  CHECK(hook.describe() == "kprobe vfs_read");
}
