// ExecMonitor's decoding of kernel records: packed argv, limits, truncation.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ebpf/exec.h"
#include "monitors/exec.h"

using ebpfmon::ExecMonitor;

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

const ebpfmon::Value& field(const ExecMonitor& m, const ebpfmon::Event& event,
                            const std::string& name) {
  const auto& fields = m.schema().fields;
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name) return event.values.at(i);
  FAIL("no field " << name);
  return event.values.at(0);
}

}  // namespace

TEST_CASE("decode: a script's record gives the caller's argv and the interpreter") {
  ebpfmon::ExecSettings settings;
  settings.max_args = 3;
  ExecMonitor monitor(settings);
  exec_event e{};
  e.pid = 4242;
  e.argc = 5;  // the kernel's: /bin/sh -e /srv/s.sh a b
  e.flags = EXEC_F_INTERPRETER | EXEC_F_PATHS;
  std::strcpy(e.comm, "s.sh");
  std::strcpy(e.filename, "/srv/s.sh");
  const std::string argv("custom0\0/bin/sh\0-e\0/srv/s.sh\0a\0b\0", 32);
  const auto record = exec_record(e, argv, std::string("srv\0", 4), std::string("dash\0bin\0", 9));
  ebpfmon::Event event;
  REQUIRE(monitor.decode(record.data(), record.size(), event));
  using Strings = std::vector<std::string>;
  CHECK(std::get<Strings>(field(monitor, event, "argv")) == Strings{"custom0", "a", "b"});
  CHECK(std::get<uint64_t>(field(monitor, event, "argc")) == 3);
  CHECK(std::get<bool>(field(monitor, event, "truncated")) == false);
  CHECK(std::get<std::string>(field(monitor, event, "interpreter")) == "/bin/sh -e");
  CHECK(std::get<std::string>(field(monitor, event, "filename")) == "/srv/s.sh");
  CHECK(std::get<std::string>(field(monitor, event, "cwd")) == "/srv");
  CHECK(std::get<std::string>(field(monitor, event, "exe")) == "/bin/dash");
  CHECK(std::get<uint64_t>(field(monitor, event, "pid")) == 4242);

  // A binary: argv as read, no interpreter (null).
  e.flags = EXEC_F_PATHS;
  e.argc = 4;
  const auto binary = exec_record(e, std::string("/bin/true\0x\0y\0z\0", 16), "", "");
  REQUIRE(monitor.decode(binary.data(), binary.size(), event));
  CHECK(std::get<Strings>(field(monitor, event, "argv")) == Strings{"/bin/true", "x", "y"});
  CHECK(std::get<uint64_t>(field(monitor, event, "argc")) == 4);
  CHECK(std::get<bool>(field(monitor, event, "truncated")) == true);  // --max-args 3
  CHECK(std::holds_alternative<ebpfmon::NoValue>(field(monitor, event, "interpreter")));
}
