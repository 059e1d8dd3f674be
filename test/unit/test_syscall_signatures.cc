// Syscall argument names and types: parsed from tracefs formats, with the
// generated built-in table as the fallback and checked against the kernel it
// was generated from.
#include <doctest/doctest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "monitors/syscall_signatures.h"
#include "monitors/syscall_table.h"

using namespace ebpfmon;
namespace fs = std::filesystem;

namespace {

const char kCommonFields[] =
    "format:\n"
    "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
    "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
    "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
    "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
    "\n"
    "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n";

// A sys_enter format with these argument lines ("field:int fd;") after the common fields.
std::string format(const std::string& tracepoint, const std::string& arg_fields) {
  return "name: sys_enter_" + tracepoint + "\nID: 2230\n" + kCommonFields + arg_fields +
         "\nprint fmt: \"\"\n";
}

std::string field(const std::string& declaration, int index) {
  return "\tfield:" + declaration + ";\toffset:" + std::to_string(16 + 8 * index) +
         ";\tsize:8;\tsigned:0;\n";
}

// "int dfd, const char * filename": the whole signature in one comparable line.
std::string describe(const SyscallSignature* signature) {
  if (signature == nullptr) return "(none)";
  std::string text;
  for (const SyscallArg& arg : signature->args)
    text += (text.empty() ? "" : ", ") + arg.type + " " + arg.name;
  return text;
}

void write_format(const fs::path& events, const std::string& tracepoint, const std::string& text) {
  const fs::path dir = events / "syscalls" / ("sys_enter_" + tracepoint);
  fs::create_directories(dir);
  std::ofstream(dir / "format") << text;
}

// Where the running kernel's syscall formats can be read: "" when tracefs is not
// mounted there or the formats are root's.
std::string events_dir() {
  const char* events = "/sys/kernel/tracing/events";
  return access((std::string(events) + "/syscalls/sys_enter_openat/format").c_str(), R_OK) == 0
             ? events
             : "";
}

}  // namespace

TEST_CASE("parse_format: the fields after __syscall_nr, types as the kernel prints them") {
  const auto connect = SyscallSignatures::parse_format(
      "connect", format("connect", field("int fd", 0) + field("struct sockaddr * uservaddr", 1) +
                                       field("int addrlen", 2)));
  REQUIRE(connect);
  CHECK(connect->name == "connect");
  CHECK(describe(&*connect) == "int fd, struct sockaddr * uservaddr, int addrlen");
  CHECK(connect->args[1].type == "struct sockaddr *");
  CHECK(connect->args[1].name == "uservaddr");

  const auto getppid = SyscallSignatures::parse_format("getppid", format("getppid", ""));
  REQUIRE(getppid);
  CHECK(getppid->args.empty());

  std::string mmap_fields;
  int index = 0;
  for (const char* name : {"addr", "len", "prot", "flags", "fd", "off"})
    mmap_fields += field(std::string("unsigned long ") + name, index++);
  const auto mmap = SyscallSignatures::parse_format("mmap", format("mmap", mmap_fields));
  REQUIRE(mmap);
  REQUIRE(mmap->args.size() == 6);
  CHECK(mmap->args[5].type == "unsigned long");
  CHECK(mmap->args[5].name == "off");

  const auto pointers = SyscallSignatures::parse_format(
      "execve", format("execve", field("const char *const * argv", 0) +
                                     field("struct robust_list_head * * head_ptr", 1)));
  REQUIRE(pointers);
  CHECK(describe(&*pointers) == "const char *const * argv, struct robust_list_head * * head_ptr");
}

TEST_CASE("parse_format: copies of user strings are not arguments") {
  const auto openat = SyscallSignatures::parse_format(
      "openat", format("openat", field("const char * filename", 0) +
                                     "\tfield:__data_loc char[] __filename_val;\toffset:24;\t"
                                     "size:4;\tsigned:0;\n"));
  REQUIRE(openat);
  CHECK(describe(&*openat) == "const char * filename");
}

TEST_CASE("parse_format: what is not a syscall's entry format") {
  CHECK_FALSE(SyscallSignatures::parse_format("x", ""));
  CHECK_FALSE(SyscallSignatures::parse_format(
      "x", "name: sched_switch\nID: 1\n" + std::string(kCommonFields)));
  // The exit event has __syscall_nr too, and its field is the return value.
  CHECK_FALSE(SyscallSignatures::parse_format(
      "read", "name: sys_exit_read\nID: 1\n" + std::string(kCommonFields) + field("long ret", 0)));
  CHECK_FALSE(SyscallSignatures::parse_format("x", "name: sys_enter_x\nID: 1\nformat:\n"));
  CHECK_FALSE(SyscallSignatures::parse_format("x", format("x", "\tfield:nospace;\n")));
  std::string seven;
  for (int i = 0; i < 7; ++i) seven += field("int a" + std::to_string(i), i);
  CHECK_FALSE(SyscallSignatures::parse_format("x", format("x", seven)));
}

TEST_CASE("load(\"\"): the built-in table, under <asm/unistd.h> names") {
  const auto signatures = SyscallSignatures::load("");
  CHECK(signatures.from_tracefs() == 0);
  CHECK(signatures.from_builtin() > 300);
  const SyscallSignature* openat = signatures.find(*syscall_number("openat"));
  CHECK(describe(openat) == "int dfd, const char * filename, int flags, umode_t mode");
  REQUIRE(openat != nullptr);
  CHECK(openat->name == "openat");
  CHECK(signatures.source(*syscall_number("openat")) == SignatureSource::BuiltIn);
  // Its tracepoint is sys_enter_sendfile64.
  const SyscallSignature* sendfile = signatures.find(*syscall_number("sendfile"));
  CHECK(describe(sendfile) == "int out_fd, int in_fd, loff_t * offset, size_t count");
  REQUIRE(sendfile != nullptr);
  CHECK(sendfile->name == "sendfile");
  CHECK(signatures.find(-1) == nullptr);
  CHECK(signatures.find(100000) == nullptr);
}

TEST_CASE("load: each syscall from its format where there is one, else built in") {
  const fs::path events =
      fs::temp_directory_path() / ("ebpfmon-signatures-" + std::to_string(getpid()));
  // A kernel that renamed openat's first argument, and a format under an alias.
  write_format(events, "openat", format("openat", field("int dirfd", 0)));
  write_format(events, "sendfile64", format("sendfile64", field("int out", 0)));
  write_format(events, "read", "not a format");
  const auto signatures = SyscallSignatures::load(events.string());
  fs::remove_all(events);

  const int openat = *syscall_number("openat"), sendfile = *syscall_number("sendfile");
  CHECK(signatures.from_tracefs() == 2);
  CHECK(signatures.from_builtin() == SyscallSignatures::load("").from_builtin() - 2);
  CHECK(signatures.source(openat) == SignatureSource::Tracefs);
  CHECK(describe(signatures.find(openat)) == "int dirfd");
  CHECK(signatures.source(sendfile) == SignatureSource::Tracefs);
  CHECK(describe(signatures.find(sendfile)) == "int out");
  REQUIRE(signatures.find(sendfile) != nullptr);
  CHECK(signatures.find(sendfile)->name == "sendfile");
  const int read = *syscall_number("read");
  CHECK(signatures.source(read) == SignatureSource::BuiltIn);
  CHECK(describe(signatures.find(read)) == "unsigned int fd, char * buf, size_t count");

  const auto missing = SyscallSignatures::load("/nonexistent");
  CHECK(missing.from_tracefs() == 0);
  CHECK(missing.source(openat) == SignatureSource::BuiltIn);
}

TEST_CASE("load(tracefs) is the built-in table on the kernel it was generated from") {
  const std::string events = events_dir();
  if (events.empty()) {
    MESSAGE(
        "skipped: /sys/kernel/tracing/events/syscalls/sys_enter_openat/format cannot be read "
        "(tracefs not mounted there, or not root)");
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  const auto tracefs = SyscallSignatures::load(events);
  const auto took = std::chrono::steady_clock::now() - started;
  MESSAGE("load(" << events << "): " << tracefs.from_tracefs() << " from tracefs, "
                  << tracefs.from_builtin() << " built in, in "
                  << std::chrono::duration_cast<std::chrono::microseconds>(took).count() << " us");
  CHECK(tracefs.from_tracefs() > 300);

  utsname host{};
  REQUIRE(uname(&host) == 0);
  if (std::string(host.release) != SyscallSignatures::built_in_kernel_release()) {
    MESSAGE("built-in table not compared: it is from Linux "
            << SyscallSignatures::built_in_kernel_release() << ", this is " << host.release);
    return;
  }
  const auto built_in = SyscallSignatures::load("");
  for (size_t i = 0; i < kSyscallNameCount; ++i) {
    const int nr = kSyscallNames[i].nr;
    const SyscallSignature* from_kernel = tracefs.find(nr);
    const SyscallSignature* from_table = built_in.find(nr);
    INFO("syscall " << std::string(kSyscallNames[i].name));
    // Without a format here, the table generated here has no row either.
    if (from_kernel == nullptr || tracefs.source(nr) == SignatureSource::BuiltIn) {
      CHECK(from_table == nullptr);
      continue;
    }
    CHECK(describe(from_table) == describe(from_kernel));
  }
}
