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

TEST_CASE("the record header is the same size on both sides") {
  // exec.bpf.c sends offsetof(strings) + the strings' sizes; user space reads
  // the same header. A change of field order or type must show up here.
  static_assert(offsetof(exec_event, strings) == 6 * 8 + 16 * 4 + 2 * EBPFMON_COMM_LEN +
                                                     EXEC_TTY_LEN + EXEC_FILENAME_LEN +
                                                     EXEC_ANCESTORS_LIMIT * sizeof(exec_ancestor),
                "exec_event header layout changed");
  CHECK(sizeof(exec_ancestor) == 4 + EBPFMON_COMM_LEN);
  CHECK(offsetof(exec_event, comm) == 112);
}
