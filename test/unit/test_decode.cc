// exit, syscall and func decoding: records laid out as their BPF programs
// send them (the structs of ebpf/*.h), every decoded field compared by its
// name in the monitor's field table. exec's are in test_exec_decode.cc.
#include <doctest/doctest.h>
#include <sys/syscall.h>

#include <csignal>
#include <cstring>
#include <string>

#include "core/time_format.h"
#include "decoded_event.h"
#include "ebpf/exit.h"
#include "ebpf/func.h"
#include "ebpf/syscall.h"
#include "monitors/exit.h"
#include "monitors/func.h"
#include "monitors/syscall.h"

using namespace ebpfmon;
using ebpfmon::test::boot_id;
using ebpfmon::test::ContainerCgroup;
using ebpfmon::test::fields_by_name;
using nlohmann::json;

namespace {

// The two timestamps of a decoded event agree, and are `ns` after `earlier`'s.
void check_times(const Event& event, const Event& earlier, int64_t ns, const Monitor& monitor) {
  const Timestamp t = std::get<Timestamp>(event.values.at(0));
  CHECK(monitor.schema().fields.at(0).name == "timestamp");
  CHECK(monitor.schema().fields.at(1).name == "time_str");
  CHECK(std::get<std::string>(event.values.at(1)) == format_time_str(t));
  CHECK(t.ns - std::get<Timestamp>(earlier.values.at(0)).ns == ns);
}

}  // namespace

TEST_CASE("decode: exit records, a normal exit and a kill with a core dump") {
  ContainerCgroup cgroup;
  ExitMonitor monitor{ExitSettings{}};
  exit_event e{};
  e.ts_ns = 1'000'000'000;
  e.lifetime_ns = 1'500'000;
  e.start_ns = 77'000;
  e.exec_seq = 3;
  e.cgroup_id = cgroup.id();
  e.pid = 4242;
  e.ppid = 1;
  e.uid = 1000;
  e.status = 3 << 8;
  std::strcpy(e.comm, "worker");
  Event exited;
  REQUIRE(monitor.decode(&e, sizeof e, exited));
  const json common = {{"comm", "worker"},
                       {"uid", 1000},
                       {"pid", 4242},
                       {"ppid", 1},
                       {"lifetime_ms", 1.5},
                       {"exec_id", boot_id() + ":77000:4242:3"},
                       {"cgroup_id", cgroup.id()},
                       {"cgroup", cgroup.path()},
                       {"container_id", ContainerCgroup::kContainerId},
                       {"pod_uid", ""}};
  json expected = common;
  expected.update({{"exit_code", 3}, {"signal", ""}, {"core_dumped", false}});
  CHECK(fields_by_name(monitor, exited) == expected);

  e.ts_ns += 2'500'000'000;
  e.status = SIGKILL | 0x80;
  Event killed;
  REQUIRE(monitor.decode(&e, sizeof e, killed));
  expected = common;
  expected.update({{"exit_code", nullptr}, {"signal", "SIGKILL"}, {"core_dumped", true}});
  CHECK(fields_by_name(monitor, killed) == expected);
  check_times(killed, exited, 2'500'000'000, monitor);
  CHECK_FALSE(monitor.decode(&e, sizeof e - 1, killed));
}

TEST_CASE("decode: a syscall record, a failed openat") {
  ContainerCgroup cgroup;
  SyscallMonitor monitor{SyscallSettings{}};
  syscall_event e{};
  e.ts_ns = 5'000'000'000;
  e.cgroup_id = cgroup.id();
  e.duration_ns = 2'500;
  e.ret = -ENOENT;
  e.pid = 300;
  e.tid = 301;
  e.nr = SYS_openat;
  e.cpu = 1;
  e.flags = SYSCALL_EV_ERROR;
  std::strcpy(e.comm, "cat");
  Event first;
  REQUIRE(monitor.decode(&e, sizeof e, first));
  const json expected = {{"monitor_type", "syscall"},
                         {"pid", 300},
                         {"tid", 301},
                         {"cpu", 1},
                         {"comm", "cat"},
                         {"syscall_nr", SYS_openat},
                         {"syscall_name", "openat"},
                         {"category", "file_io"},
                         {"ret_val", -ENOENT},
                         {"error_name", "ENOENT"},
                         {"duration_ns", 2500},
                         {"duration_us", 2.5},
                         {"duration_ms", 0.0025},
                         {"is_error", true},
                         {"is_slow_call", false},
                         {"cgroup_id", cgroup.id()},
                         {"container_id", ContainerCgroup::kContainerId},
                         // configure() reads the argument table: not run here
                         {"args", nullptr},
                         {"args_truncated", nullptr},
                         {"ret_target", nullptr},
                         {"hung", false},
                         {"in_flight_at_start", nullptr},
                         {"task_state", nullptr},
                         {"wchan", nullptr},
                         {"kernel_stack", nullptr}};
  CHECK(fields_by_name(monitor, first) == expected);

  e.ts_ns += 1'000;
  e.flags = SYSCALL_EV_SLOW;
  e.ret = 0;
  Event slow;
  REQUIRE(monitor.decode(&e, sizeof e, slow));
  json success = expected;
  success.update(
      {{"ret_val", 0}, {"error_name", "SUCCESS"}, {"is_error", false}, {"is_slow_call", true}});
  CHECK(fields_by_name(monitor, slow) == success);
  check_times(slow, first, 1'000, monitor);
  // Without arguments the kernel's record ends where they would start.
  Event short_record;
  REQUIRE(monitor.decode(&e, SYSCALL_EVENT_NO_ARGS_BYTES, short_record));
  CHECK(fields_by_name(monitor, short_record) == success);
  CHECK_FALSE(monitor.decode(&e, SYSCALL_EVENT_NO_ARGS_BYTES - 1, slow));

  // The return of a call reported while it hung, one in flight at the start.
  e.flags = SYSCALL_EV_SLOW | SYSCALL_EV_HUNG | SYSCALL_EV_ADOPTED;
  Event hung;
  REQUIRE(monitor.decode(&e, sizeof e, hung));
  json returned = success;
  returned.update({{"hung", true}, {"in_flight_at_start", true}});
  CHECK(fields_by_name(monitor, hung) == returned);
}

TEST_CASE("decode: a func record; an address no symbol table names is shown in hex") {
  ContainerCgroup cgroup;
  FuncMonitor monitor{FuncSettings{}};  // not started: no kernel symbols
  func_event e{};
  e.ts_ns = 9'000'000'000;
  e.ip = 0xffffffff81000010;
  e.cgroup_id = cgroup.id();
  e.pid = 55;
  e.tid = 56;
  e.ppid = 2;
  e.uid = 0;
  std::strcpy(e.comm, "kworker/0:1");
  Event first;
  REQUIRE(monitor.decode(&e, sizeof e, first));
  const json expected = {{"pid", 55},
                         {"ppid", 2},
                         {"uid", 0},
                         {"comm", "kworker/0:1"},
                         {"func_name", "0xffffffff81000010"},
                         {"cgroup_id", cgroup.id()},
                         {"container_id", ContainerCgroup::kContainerId}};
  CHECK(fields_by_name(monitor, first) == expected);
  e.ts_ns += 7;
  Event later;
  REQUIRE(monitor.decode(&e, sizeof e, later));
  check_times(later, first, 7, monitor);
  CHECK_FALSE(monitor.decode(&e, sizeof e - 1, later));
}
