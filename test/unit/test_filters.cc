#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/filters.h"

using namespace ebpfmon;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct BadInput {
  const char* text;
  const char* message;  // the whole message: `where` is part of the contract
};

}  // namespace

TEST_CASE("parse_comm_list accepts names and trims, dedupes, keeps order") {
  struct Row {
    const char* text;
    std::vector<std::string> expected;
  };
  const Row rows[] = {
      {"bash", {"bash"}},
      {"bash,sshd", {"bash", "sshd"}},
      {" bash , sshd ", {"bash", "sshd"}},
      {"sshd,bash,sshd,bash", {"sshd", "bash"}},
      {"Web Content", {"Web Content"}},
      {"123456789012345", {"123456789012345"}},   // 15 bytes: the most a comm holds
      {"systemd-journald", {"systemd-journal"}},  // the kernel's first 15 bytes, with a warning
      {"kworker/0:1H", {"kworker/0:1H"}},
      {"\xc3\xa9t\xc3\xa9", {"\xc3\xa9t\xc3\xa9"}},  // UTF-8 bytes are fine
  };
  for (const Row& row : rows) {
    const std::string text = row.text;
    CAPTURE(text);
    auto r = parse_comm_list(row.text, "--comm");
    REQUIRE(r.ok());
    CHECK(r.value() == row.expected);
  }
}

TEST_CASE("parse_comm_list rejects bad names with the flag in the message") {
  const BadInput rows[] = {
      {"a,,b", "--comm: empty name in 'a,,b'"},
      {"", "--comm: empty name in ''"},
      {"bash,", "--comm: empty name in 'bash,'"},
      {" , ", "--comm: empty name in ' , '"},
      {"a\x01"
       "b",
       "--comm: 'a\\x01b' contains a control character; a process name cannot"},
  };
  for (const BadInput& row : rows) {
    const std::string text = row.text;
    CAPTURE(text);
    auto r = parse_comm_list(row.text, "--comm");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == Error::Kind::Usage);
    CHECK(r.error().message == row.message);
  }
}

TEST_CASE("parse_comm single item") {
  CHECK(parse_comm("bash", "x").value() == "bash");
  CHECK(parse_comm("  bash ", "x").value() == "bash");
  CHECK_FALSE(parse_comm("", "x").ok());
  CHECK(contains(parse_comm(std::string("a\0b", 3), "x").error().message, "control character"));
  CHECK(parse_comm("abcdefghijklmnop", "x").value() == "abcdefghijklmno");
}

TEST_CASE("parse_user_list resolves names and numbers") {
  struct Row {
    const char* text;
    std::vector<uint32_t> expected;
  };
  const Row rows[] = {
      {"root", {0}},
      {"0", {0}},
      {"1000", {1000}},
      {"root, 1000 ,0", {0, 1000}},
      {"4294967294", {4294967294u}},
      {"65534,root,65534", {65534, 0}},
  };
  for (const Row& row : rows) {
    const std::string text = row.text;
    CAPTURE(text);
    auto r = parse_user_list(row.text, "--user");
    REQUIRE(r.ok());
    CHECK(r.value() == row.expected);
  }
  CHECK(parse_user("nobody", "--user").ok());
}

TEST_CASE("parse_user_list rejects unknown users and bad uids") {
  const BadInput rows[] = {
      {"bob_no_such_user_xyz", "--user: unknown user 'bob_no_such_user_xyz'"},
      {"root,,0", "--user: empty user name in 'root,,0'"},
      {"4294967295", "--user: uid '4294967295' is out of range (0..4294967294)"},
      {"99999999999999999999999", "--user: uid '99999999999999999999999' is out of range"},
  };
  for (const BadInput& row : rows) {
    const std::string text = row.text;
    CAPTURE(text);
    auto r = parse_user_list(row.text, "--user");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == Error::Kind::Usage);
    CHECK(contains(r.error().message, row.message));
  }
  // A sign makes it a name, which does not exist.
  CHECK(contains(parse_user("-1", "--user").error().message, "unknown user '-1'"));
}

TEST_CASE("parse_pid_list accepts 1..4194304") {
  struct Row {
    const char* text;
    std::vector<uint32_t> expected;
  };
  const Row rows[] = {
      {"1", {1}},
      {"4194304", {4194304}},
      {"12, 34,12", {12, 34}},
      {"007", {7}},
  };
  for (const Row& row : rows) {
    const std::string text = row.text;
    CAPTURE(text);
    auto r = parse_pid_list(row.text, "--pid");
    REQUIRE(r.ok());
    CHECK(r.value() == row.expected);
  }
}

TEST_CASE("parse_pid_list rejects non-numbers and out-of-range ids") {
  const BadInput rows[] = {
      {"12x", "--pid: '12x' is not a process id"},
      {"-5", "--pid: '-5' is not a process id"},
      {"+5", "--pid: '+5' is not a process id"},
      {"0x10", "--pid: '0x10' is not a process id"},
      {"1 2", "--pid: '1 2' is not a process id"},
      {"0", "--pid: process id '0' is out of range (1..4194304)"},
      {"4194305", "--pid: process id '4194305' is out of range (1..4194304)"},
      {"99999999999999999999999",
       "--pid: process id '99999999999999999999999' is out of range (1..4194304)"},
      {"1,,2", "--pid: empty process id in '1,,2'"},
  };
  for (const BadInput& row : rows) {
    const std::string text = row.text;
    CAPTURE(text);
    auto r = parse_pid_list(row.text, "--pid");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == Error::Kind::Usage);
    CHECK(r.error().message == row.message);
  }
}

TEST_CASE("filter errors start with `where`") {
  auto r = parse_pid("abc", "cfg.yaml:3:5: filters.pid");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "cfg.yaml:3:5: filters.pid: 'abc' is not a process id");
}

TEST_CASE("Filters::empty") {
  Filters f;
  CHECK(f.empty());
  f.pids.push_back(1);
  CHECK_FALSE(f.empty());
}
