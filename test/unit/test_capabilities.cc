// Each hook type tried for real on this kernel, and the override that forces
// fallbacks.
#include <doctest/doctest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpf/capabilities.h"
#include "bpf/system.h"

using namespace ebpfmon;

TEST_CASE("every feature gets an answer with a reason" * doctest::skip(geteuid() != 0)) {
  REQUIRE(ensure_trace_filesystems());
  Capabilities caps;
  for (int i = 0; i < kFeatureCount; ++i) {
    const auto f = static_cast<Feature>(i);
    const FeatureStatus& st = caps.status(f);
    const std::string answer =
        std::string(feature_name(f)) + ": " + (st.available ? "yes" : "no") + " - " + st.detail;
    MESSAGE(answer);
    CHECK_FALSE(st.detail.empty());
  }
  // execmon needs these; every kernel the project supports has them.
  CHECK(caps.has(Feature::Tracepoint));
  CHECK(caps.has(Feature::RawTracepoint));
  CHECK(caps.has(Feature::RingBuffer));
  // syscallmon's per-thread start times: since Linux 6.2.
  struct utsname u;
  unsigned major = 0, minor = 0;
  if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
      (major > 6 || (major == 6 && minor >= 2)))
    CHECK(caps.has(Feature::TaskStorage));
  // Without kprobes the answer names the missing kernel option.
  if (!caps.has(Feature::Kprobe) && access("/sys/bus/event_source/devices/kprobe", F_OK) != 0)
    CHECK(caps.status(Feature::Kprobe).detail.find("CONFIG_KPROBES") != std::string::npos);
}

TEST_CASE("EBPFMON_DISABLE_FEATURES forces an answer of no") {
  setenv("EBPFMON_DISABLE_FEATURES", "ringbuf,fentry", 1);
  Capabilities caps;
  unsetenv("EBPFMON_DISABLE_FEATURES");
  CHECK_FALSE(caps.has(Feature::RingBuffer));
  CHECK_FALSE(caps.has(Feature::Fentry));
  CHECK(caps.status(Feature::RingBuffer).detail.find("EBPFMON_DISABLE_FEATURES") != std::string::npos);
}

TEST_CASE("a hook's tracepoint is looked up in tracefs or BTF, and a missing one is named" *
          doctest::skip(geteuid() != 0)) {
  REQUIRE(ensure_trace_filesystems());
  Capabilities caps;
  const HookSpec tracepoint(HookType::Tracepoint, "sock:inet_sock_set_state");
  const HookSpec raw(HookType::RawTracepoint, "inet_sock_set_state");
  const HookSpec no_tracepoint(HookType::Tracepoint, "sock:inet_sock_set_no_state");
  const HookSpec no_raw(HookType::RawTracepoint, "inet_sock_set_no_state");
  CHECK_MESSAGE(caps.hook_target(tracepoint).available, caps.hook_target(tracepoint).detail);
  CHECK_MESSAGE(caps.hook_target(raw).available, caps.hook_target(raw).detail);
  CHECK_FALSE(caps.hook_target(no_tracepoint).available);
  CHECK(caps.hook_target(no_tracepoint).detail.find("no such tracepoint") != std::string::npos);
  CHECK_FALSE(caps.hook_target(no_raw).available);
  CHECK(caps.hook_target(no_raw).detail ==
        "the kernel has no such raw tracepoint (no "
        "btf_trace_inet_sock_set_no_state in its BTF)");
  // A tracepoint that only tracefs lists (no btf_trace_ type for syscalls).
  CHECK(caps.hook_target({HookType::Tracepoint, "syscalls:sys_enter_execve"}).available);

  CHECK(caps.require_hook_targets("net", {tracepoint, raw}));
  const auto missing = caps.require_hook_targets("net", {tracepoint, no_raw, no_tracepoint});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().exit_code() == 1);
  CHECK(missing.error().message.rfind(
            "net: cannot attach to raw tracepoint inet_sock_set_no_state: ", 0) == 0);
}
