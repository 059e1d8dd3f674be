// The filters judge a task's recorded values (struct ebpfmon_task), as a hook
// whose current task is someone else must: in the kernel, on values the test
// chose, and on the values ebpfmon_task_record took from the current task.
#include <doctest/doctest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bpf/kernel_headers.h"
#include "bpf/system.h"
#include "ebpf/common.h"
#include "load_program.h"
#include "monitors/registry.h"

using namespace ebpfmon;

namespace {

// Slot 0: the current task, recorded; the others: tasks the test wrote.
// Each slot's verdict: 1 allowed, 2 refused.
constexpr char kJudge[] = R"(
BPF_ARRAY(task_cases, struct ebpfmon_task, 8);
BPF_ARRAY(task_verdicts, u8, 8);
RAW_TRACEPOINT_PROBE(sys_enter) {
  if (ebpfmon_current_tgid() != TEST_TGID || ctx->args[1] != TEST_NR)
    return 0;
  u32 zero = 0;
  struct ebpfmon_task *recorded = task_cases.lookup(&zero);
  if (recorded)
    ebpfmon_task_record(recorded);
  for (u32 i = 0; i < 8; i++) {
    u32 k = i;
    struct ebpfmon_task *t = task_cases.lookup(&k);
    u8 *verdict = task_verdicts.lookup(&k);
    if (t && verdict)
      *verdict = ebpfmon_task_allowed(t) ? 1 : 2;
  }
  return 0;
}
)";

ebpfmon_task task(uint32_t tgid, uint32_t uid, const char* comm, bool in_cgroup) {
  ebpfmon_task t{};
  t.tgid = tgid;
  t.uid = uid;
  std::snprintf(t.comm, sizeof t.comm, "%s", comm);
  t.in_cgroup = in_cgroup;
  return t;
}

}  // namespace

TEST_CASE("the filters judge a recorded task, and record the current one" *
          doctest::skip(geteuid() != 0)) {
  char tmpl[] = "/tmp/ebpfmon-cache-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  REQUIRE(locate_kernel_headers(tmpl));
  // The shared helpers as a monitor's program has them, with pid, uid and
  // comm filters compiled in.
  Config config;
  config.filters.pids = {4242};
  config.filters.uids = {0};
  config.filters.comms = {"sshd"};
  Capabilities caps;
  auto spec = find_monitor("exit")->create(config)->program_spec(config, caps);
  REQUIRE(spec);
  spec->source += kJudge;
  spec->defines.emplace_back("TEST_TGID", getpid());
  spec->defines.emplace_back("TEST_NR", SYS_getppid);
  spec->hooks = {{HookType::RawTracepoint, "sys_enter"}};
  auto program = load_uncached(*spec);
  REQUIRE_MESSAGE(program, (program ? "" : program.error().to_string()));
  BpfProgram& p = **program;
  REQUIRE(p.map<uint32_t, uint8_t>(kFilterPidsMap)->update(4242, 1));
  REQUIRE(p.map<uint32_t, uint8_t>(kFilterUidsMap)->update(0, 1));
  ebpfmon_comm sshd{};
  std::snprintf(sshd.name, sizeof sshd.name, "sshd");
  REQUIRE(p.map<ebpfmon_comm, uint8_t>(kFilterCommsMap)->update(sshd, 1));
  const ebpfmon_task cases[] = {
      task(4242, 0, "sshd", true),     // 1: every filter passes
      task(4242, 0, "bash", true),     // 2: another comm
      task(4243, 0, "sshd", true),     // 3: another process
      task(4242, 1000, "sshd", true),  // 4: another user
      task(4242, 0, "sshd", false),    // 5: outside the cgroup
  };
  auto written = p.map<uint32_t, ebpfmon_task>("task_cases");
  REQUIRE(written);
  for (uint32_t i = 0; i < 5; ++i) REQUIRE(written->update(i + 1, cases[i]));

  REQUIRE(p.attach(spec->hooks[0]));
  syscall(SYS_getppid);
  p.detach_all();

  auto verdicts = p.map<uint32_t, uint8_t>("task_verdicts");
  REQUIRE(verdicts);
  const auto verdict = [&](uint32_t slot) { return verdicts->lookup(slot).value().value_or(0); };
  CHECK(verdict(0) == 2);  // the test process: not pid 4242
  CHECK(verdict(1) == 1);
  for (uint32_t slot = 2; slot <= 5; ++slot) CHECK_MESSAGE(verdict(slot) == 2, "slot " << slot);

  const auto recorded = written->lookup(0).value();
  REQUIRE(recorded);
  CHECK(recorded->tgid == static_cast<uint32_t>(getpid()));
  CHECK(recorded->uid == getuid());
  std::string comm;
  std::getline(std::ifstream("/proc/self/comm"), comm);
  CHECK(std::string(recorded->comm) == comm);
  CHECK(recorded->in_cgroup == 1);
  std::filesystem::remove_all(tmpl);
}
