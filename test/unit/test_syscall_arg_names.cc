// The names of syscall argument values, held against the system headers'
// constants and, where tracefs is mounted, the running kernel's argument names.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "monitors/syscall_arg_names.h"

using namespace ebpfmon;

TEST_CASE("open flags: the access mode first, O_RDONLY when 0, unknown bits in hex") {
  CHECK(name_arg(ArgNames::OpenFlags, O_WRONLY | O_CREAT | O_TRUNC) == "O_WRONLY|O_CREAT|O_TRUNC");
  CHECK(name_arg(ArgNames::OpenFlags, 0) == "O_RDONLY");
  CHECK(name_arg(ArgNames::OpenFlags, O_RDONLY | O_CLOEXEC | 0x40000000) ==
        "O_RDONLY|O_CLOEXEC|0x40000000");
  CHECK(name_arg(ArgNames::OpenFlags, O_RDWR | O_SYNC) == "O_RDWR|O_SYNC");
  CHECK(name_arg(ArgNames::OpenFlags, O_RDWR | O_TMPFILE) == "O_RDWR|O_TMPFILE");
  CHECK(name_arg(ArgNames::OpenFlags, O_RDONLY | O_DIRECTORY) == "O_RDONLY|O_DIRECTORY");
  // An int argument: the register's upper half is not the caller's.
  CHECK(name_arg(ArgNames::OpenFlags, 0xffffffff00000000ull | O_WRONLY) == "O_WRONLY");
}

TEST_CASE("file modes in octal, with the type by name") {
  CHECK(name_arg(ArgNames::FileMode, 0644) == "0644");
  CHECK(name_arg(ArgNames::FileMode, 0) == "000");
  CHECK(name_arg(ArgNames::FileMode, S_IFREG | 0600) == "S_IFREG|0600");
  CHECK(name_arg(ArgNames::FileMode, S_IFIFO | 04755) == "S_IFIFO|04755");
  CHECK(name_arg(ArgNames::FileMode, 0x10000 | 0755) == "0755|0x10000");
}

TEST_CASE("at flags and directory fds") {
  CHECK(name_arg(ArgNames::DirFd, static_cast<uint32_t>(AT_FDCWD)) == "AT_FDCWD");
  CHECK(name_arg(ArgNames::DirFd, static_cast<uint64_t>(AT_FDCWD)) == "AT_FDCWD");
  CHECK(name_arg(ArgNames::DirFd, 3) == "3");
  CHECK(name_arg(ArgNames::AtFlags, 0) == "0");
  CHECK(name_arg(ArgNames::AtFlags, AT_REMOVEDIR) == "AT_REMOVEDIR");
  CHECK(name_arg(ArgNames::AtFlags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) ==
        "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
  CHECK(name_arg(ArgNames::AtFlags, AT_STATX_DONT_SYNC) == "AT_STATX_DONT_SYNC");
  CHECK(name_arg(ArgNames::AccessAtFlags, AT_EACCESS) == "AT_EACCESS");
  CHECK(name_arg(ArgNames::RenameFlags, RENAME_NOREPLACE) == "RENAME_NOREPLACE");
  CHECK(name_arg(ArgNames::AccessMode, F_OK) == "F_OK");
  CHECK(name_arg(ArgNames::AccessMode, R_OK | W_OK) == "R_OK|W_OK");
}

TEST_CASE("mmap protection and flags") {
  CHECK(name_arg(ArgNames::MmapProt, PROT_NONE) == "PROT_NONE");
  CHECK(name_arg(ArgNames::MmapProt, PROT_READ | PROT_WRITE) == "PROT_READ|PROT_WRITE");
  CHECK(name_arg(ArgNames::MmapFlags, MAP_PRIVATE | MAP_ANONYMOUS) == "MAP_PRIVATE|MAP_ANONYMOUS");
  CHECK(name_arg(ArgNames::MmapFlags, MAP_SHARED_VALIDATE | MAP_SYNC) ==
        "MAP_SHARED_VALIDATE|MAP_SYNC");
  CHECK(name_arg(ArgNames::MmapFlags, MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE) ==
        "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE");
  // Unsigned long arguments: every bit counts.
  CHECK(name_arg(ArgNames::MmapFlags, MAP_SHARED | (1ull << 40)) == "MAP_SHARED|0x10000000000");
  CHECK(name_arg(ArgNames::MremapFlags, MREMAP_MAYMOVE) == "MREMAP_MAYMOVE");
}

TEST_CASE("sockets") {
  CHECK(name_arg(ArgNames::SocketDomain, AF_INET6) == "AF_INET6");
  CHECK(name_arg(ArgNames::SocketDomain, AF_NETLINK) == "AF_NETLINK");
  CHECK(name_arg(ArgNames::SocketDomain, 200) == "200");
  CHECK(name_arg(ArgNames::SocketType, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK) ==
        "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC");
  CHECK(name_arg(ArgNames::SocketType, SOCK_CLOEXEC) == "SOCK_CLOEXEC");
  CHECK(name_arg(ArgNames::SocketType, 0) == "0");
  CHECK(name_arg(ArgNames::MsgFlags, 0) == "0");
  CHECK(name_arg(ArgNames::MsgFlags, MSG_DONTWAIT | MSG_NOSIGNAL) == "MSG_DONTWAIT|MSG_NOSIGNAL");
  CHECK(name_arg(ArgNames::SocketLevel, SOL_SOCKET) == "SOL_SOCKET");
  CHECK(name_arg(ArgNames::SocketLevel, IPPROTO_TCP) == "IPPROTO_TCP");
  CHECK(name_arg(ArgNames::Shutdown, SHUT_RDWR) == "SHUT_RDWR");
}

TEST_CASE("signals and clone's exit signal") {
  CHECK(name_arg(ArgNames::Signal, SIGKILL) == "SIGKILL");
  CHECK(name_arg(ArgNames::Signal, 0) == "0");
  CHECK(name_arg(ArgNames::Signal, 32) == "SIGRTMIN");
  CHECK(name_arg(ArgNames::Signal, 35) == "SIGRTMIN+3");
  CHECK(name_arg(ArgNames::Signal, 65) == "65");
  CHECK(name_arg(ArgNames::CloneFlags, CLONE_VM | CLONE_VFORK | SIGCHLD) ==
        "CLONE_VM|CLONE_VFORK|SIGCHLD");
  CHECK(name_arg(ArgNames::CloneFlags, CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD) ==
        "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
  CHECK(name_arg(ArgNames::CloneFlags, CLONE_THREAD) == "CLONE_THREAD");
  CHECK(name_arg(ArgNames::CloneFlags, 0) == "0");
}

TEST_CASE("commands: known ones by name, unknown ones in hex") {
  CHECK(name_arg(ArgNames::FcntlCmd, F_SETFD) == "F_SETFD");
  CHECK(name_arg(ArgNames::FcntlCmd, F_DUPFD_CLOEXEC) == "F_DUPFD_CLOEXEC");
  CHECK(name_arg(ArgNames::FcntlCmd, 0x7777) == "0x7777");
  CHECK(name_arg(ArgNames::IoctlCmd, TCGETS) == "TCGETS");
  CHECK(name_arg(ArgNames::IoctlCmd, TIOCGWINSZ) == "TIOCGWINSZ");
  CHECK(name_arg(ArgNames::IoctlCmd, FIONREAD) == "FIONREAD");
  CHECK(name_arg(ArgNames::IoctlCmd, 0xdead) == "0xdead");
  CHECK(name_arg(ArgNames::Whence, SEEK_END) == "SEEK_END");
  CHECK(name_arg(ArgNames::WaitOptions, WNOHANG | __WALL) == "WNOHANG|__WALL");
}

TEST_CASE("flock's operation: LOCK_EX|LOCK_NB") {
  CHECK(name_arg(ArgNames::FlockOps, LOCK_EX) == "LOCK_EX");
  CHECK(name_arg(ArgNames::FlockOps, LOCK_EX | LOCK_NB) == "LOCK_EX|LOCK_NB");
  CHECK(name_arg(ArgNames::FlockOps, LOCK_UN) == "LOCK_UN");
  CHECK(arg_names_for("flock", "cmd") == ArgNames::FlockOps);
}

TEST_CASE("lookup by the kernel's argument names") {
  CHECK(arg_names_for("openat", "flags") == ArgNames::OpenFlags);
  CHECK(arg_names_for("openat", "dfd") == ArgNames::DirFd);
  CHECK(arg_names_for("unlinkat", "flag") == ArgNames::AtFlags);
  CHECK(arg_names_for("socket", "family") == ArgNames::SocketDomain);
  CHECK(arg_names_for("clone", "clone_flags") == ArgNames::CloneFlags);
  CHECK_FALSE(arg_names_for("openat", "filename").has_value());
  CHECK_FALSE(arg_names_for("read", "fd").has_value());
}

namespace {

// The argument names a sys_enter_<syscall>/format declares, e.g. "dfd".
std::set<std::string> format_args(const std::string& path) {
  std::set<std::string> args;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto field = line.find("field:");
    auto end = line.find(';');
    if (field == std::string::npos || end == std::string::npos) continue;
    std::string decl = line.substr(field, end - field);
    args.insert(decl.substr(decl.find_last_of(" *") + 1));
  }
  return args;
}

}  // namespace

TEST_CASE("every named argument is one the running kernel has") {
  const std::string events = "/sys/kernel/tracing/events/syscalls/";
  if (!std::ifstream(events + "sys_enter_openat/format")) {
    std::string skipped = "no " + events + ": tracefs not mounted or not readable; skipped";
    MESSAGE(skipped);
    return;
  }
  for (size_t i = 0; i < kSyscallArgNamesCount; ++i) {
    const SyscallArgNames& row = kSyscallArgNames[i];
    std::string path = events + "sys_enter_" + row.syscall + "/format";
    if (!std::ifstream(path)) {
      // A newer syscall than this kernel, or a misspelt one.
      std::string absent = "this kernel has no " + path;
      MESSAGE(absent);
      continue;
    }
    std::string what = std::string(row.syscall) + " " + row.arg;
    INFO(what);
    CHECK(format_args(path).count(row.arg) == 1);
    CHECK(arg_names_for(row.syscall, row.arg) == row.names);
  }
}
