// ExecMonitor's decoding of kernel records: packed argv, limits, truncation.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "decoded_event.h"
#include "ebpf/exec.h"
#include "monitors/exec.h"

using ebpfmon::ExecMonitor;
using ebpfmon::test::boot_id;
using ebpfmon::test::ContainerCgroup;
using ebpfmon::test::fields_by_name;
using nlohmann::json;

TEST_CASE("unpack_args splits NUL-terminated strings and keeps empty ones") {
  const std::string packed("/bin/true\0a b\0\0last", 19);
  std::vector<std::string> out;
  CHECK_FALSE(ExecMonitor::unpack_args(packed.data(), packed.size(), 64, out));
  CHECK(out == std::vector<std::string>{"/bin/true", "a b", "", "last"});
}

TEST_CASE("unpack_args stops at max_args and says more was there") {
  const std::string packed("a\0b\0c\0", 6);
  std::vector<std::string> out;
  CHECK(ExecMonitor::unpack_args(packed.data(), packed.size(), 2, out));
  CHECK(out == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(ExecMonitor::unpack_args(packed.data(), packed.size(), 3, out));
  CHECK(out.size() == 3);
}

TEST_CASE("unpack_args keeps a last string cut without its NUL") {
  const std::string packed("abc\0defg", 8);
  std::vector<std::string> out;
  CHECK_FALSE(ExecMonitor::unpack_args(packed.data(), packed.size(), 64, out));
  CHECK(out == std::vector<std::string>{"abc", "defg"});
}

TEST_CASE("unpack_path reverses the kernel's names, last first") {
  CHECK(ExecMonitor::unpack_path("b\0a\0", 4, false, false) == "/a/b");
  CHECK(ExecMonitor::unpack_path("", 0, false, false) == "/");
  CHECK(ExecMonitor::unpack_path("dir with sp\xc3\xa5" "ce\0tmp\0", 19, false, false) ==
        "/tmp/dir with sp\xc3\xa5" "ce");
  // A path that did not fit keeps its deepest names and says so.
  CHECK(ExecMonitor::unpack_path("c\0b\0", 4, true, false) == ".../b/c");
  CHECK(ExecMonitor::unpack_path("gone\0tmp\0", 9, false, true) == "/tmp/gone (deleted)");
}

TEST_CASE("split_script_argv gives back the caller's argv and the interpreter") {
  using Strings = std::vector<std::string>;
  // execve("/s.sh", ["custom0", "a"]) of "#!/bin/sh -e": the kernel runs
  // ["/bin/sh", "-e", "/s.sh", "a"], argc 4.
  auto s = ExecMonitor::split_script_argv({"/bin/sh", "-e", "/s.sh", "a"}, 4, "/s.sh", false,
                                          std::string("custom0"));
  CHECK(s.complete);
  CHECK(s.argv == Strings{"custom0", "a"});
  CHECK(s.argc == 2);
  CHECK(s.interpreter == "/bin/sh -e");
  // No #! argument, no further arguments.
  s = ExecMonitor::split_script_argv({"/bin/sh", "/s.sh"}, 2, "/s.sh", false, std::string("s"));
  CHECK((s.complete && s.argv == Strings{"s"} && s.argc == 1 && s.interpreter == "/bin/sh"));
  // A script whose interpreter is a script: each interpreter in turn.
  s = ExecMonitor::split_script_argv({"/bin/sh", "-e", "/w.sh", "/n.sh", "x"}, 5, "/n.sh", false,
                                     std::string("n0"));
  CHECK((s.argv == Strings{"n0", "x"} && s.argc == 2 && s.interpreter == "/bin/sh -e /w.sh"));
  // An argument equal to the path later on is the caller's, not the split.
  s = ExecMonitor::split_script_argv({"/bin/sh", "/s.sh", "/s.sh"}, 3, "/s.sh", false,
                                     std::string("a0"));
  CHECK((s.argv == Strings{"a0", "/s.sh"} && s.argc == 2));
  // binfmt_misc with P: the caller's argv[0] stays after the path.
  s = ExecMonitor::split_script_argv({"/usr/bin/qemu", "/bin/x", "x0", "y"}, 4, "/bin/x", false,
                                     std::nullopt);
  CHECK((s.argv == Strings{"x0", "y"} && s.argc == 2 && s.interpreter == "/usr/bin/qemu"));
  // A path longer than the record's filename field: its prefix matches.
  s = ExecMonitor::split_script_argv({"/bin/sh", "/very/long/path", "z"}, 3, "/very/lo", true,
                                     std::string("l0"));
  CHECK((s.argv == Strings{"l0", "z"} && s.argc == 2));
  // The path cut off by the byte limit: argc is an upper bound, not complete.
  s = ExecMonitor::split_script_argv({"/bin/sh"}, 40, "/s.sh", false, std::string("c0"));
  CHECK_FALSE(s.complete);
  CHECK((s.argv == Strings{"c0"} && s.argc == 39 && s.interpreter == "/bin/sh"));
}

namespace {

// A record as exec.bpf.c sends it: the header, then `strings` (argv, cwd's
// names, exe's names) and no more.
std::vector<char> exec_record(const exec_event& header, const std::string& argv,
                              const std::string& cwd, const std::string& exe) {
  exec_event e = header;
  e.args_size = static_cast<uint32_t>(argv.size());
  e.cwd_size = static_cast<uint32_t>(cwd.size());
  e.exe_size = static_cast<uint32_t>(exe.size());
  std::vector<char> record(offsetof(exec_event, strings));
  std::memcpy(record.data(), &e, record.size());
  const std::string strings = argv + cwd + exe;
  record.insert(record.end(), strings.begin(), strings.end());
  return record;
}

}  // namespace

TEST_CASE("decode: a script's record gives the caller's argv and the interpreter") {
  ContainerCgroup cgroup;
  ebpfmon::ExecSettings settings;
  settings.max_args = 3;
  ExecMonitor monitor(settings);
  exec_event e{};
  e.ts_ns = 1'000'000'000;
  e.cgroup_id = cgroup.id();
  e.start_ns = 77'000;
  e.exec_seq = 2;
  e.parent_start_ns = 11'000;
  e.parent_exec_seq = 1;
  e.pid = 4242;
  e.tid = 4242;
  e.ppid = 4200;
  e.uid = 1000;
  e.argc = 5;  // the kernel's: /bin/sh -e /srv/s.sh a b
  e.flags = EXEC_F_INTERPRETER | EXEC_F_PATHS;
  e.auid = 1000;
  e.sessionid = 7;
  e.mntns = 4026531841;
  e.pidns = 4026531836;
  e.vpid = 42;
  e.ancestor_count = 2;
  e.ancestors[0].pid = 4200;
  std::strcpy(e.ancestors[0].comm, "bash");
  e.ancestors[1].pid = 1;
  std::strcpy(e.ancestors[1].comm, "systemd");
  std::strcpy(e.comm, "s.sh");
  std::strcpy(e.pcomm, "bash");
  std::strcpy(e.tty, "pts/3");
  std::strcpy(e.filename, "/srv/s.sh");
  const std::string argv("custom0\0/bin/sh\0-e\0/srv/s.sh\0a\0b\0", 32);
  const auto record = exec_record(e, argv, std::string("srv\0", 4), std::string("dash\0bin\0", 9));
  ebpfmon::Event event;
  REQUIRE(monitor.decode(record.data(), record.size(), event));
  json expected = {
      {"comm", "s.sh"},
      {"uid", 1000},
      {"pid", 4242},
      {"ppid", 4200},
      {"ret", 0},
      {"argv", {"custom0", "a", "b"}},
      {"filename", "/srv/s.sh"},
      {"argc", 3},
      {"truncated", false},
      {"pcomm", "bash"},
      {"cwd", "/srv"},
      {"exe", "/bin/dash"},
      {"path_truncated", false},
      {"auid", 1000},
      {"sessionid", 7},
      {"tty", "pts/3"},
      {"cgroup_id", cgroup.id()},
      {"cgroup", cgroup.path()},
      {"container_id", ContainerCgroup::kContainerId},
      {"pod_uid", ""},
      {"mntns", 4026531841u},
      {"pidns", 4026531836u},
      {"vpid", 42},
      {"ancestors", {{{"pid", 4200}, {"comm", "bash"}}, {{"pid", 1}, {"comm", "systemd"}}}},
      {"exec_id", boot_id() + ":77000:4242:2"},
      {"parent_exec_id", nullptr},  // the parent's exec was not seen
      {"interpreter", "/bin/sh -e"}};
  CHECK(fields_by_name(monitor, event) == expected);

  // The parent's own exec, then a binary: argv as read, no interpreter
  // (null), and the parent's exec id, now that its exec was seen.
  exec_event parent = e;
  parent.pid = parent.tid = 4200;
  parent.start_ns = 11'000;
  parent.exec_seq = 1;
  const auto parent_record = exec_record(parent, std::string("bash\0", 5), "", "");
  REQUIRE(monitor.decode(parent_record.data(), parent_record.size(), event));
  e.flags = EXEC_F_PATHS;
  e.argc = 4;
  const auto binary = exec_record(e, std::string("/bin/true\0x\0y\0z\0", 16), "", "");
  REQUIRE(monitor.decode(binary.data(), binary.size(), event));
  expected.update({{"argv", {"/bin/true", "x", "y"}},
                   {"argc", 4},
                   {"truncated", true},  // --max-args 3
                   {"cwd", "/"},         // no names: the root
                   {"exe", "/"},
                   {"parent_exec_id", boot_id() + ":11000:4200:1"},
                   {"interpreter", nullptr}});
  CHECK(fields_by_name(monitor, event) == expected);
}
