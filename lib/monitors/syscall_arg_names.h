// The names of syscall argument values, strace-style ("O_WRONLY|O_CREAT",
// "AT_FDCWD", "SIGKILL"), for syscallmon's args column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ebpfmon {

// Named value sets that syscall arguments take.
enum class ArgNames : uint8_t {
  // O_WRONLY|O_CREAT|O_CLOEXEC: the access mode (the low 2 bits) always
  // first, O_RDONLY when 0.
  OpenFlags,
  // mode_t/umode_t in octal with a leading 0 (0644), after the file type by
  // name when one is set (mknod's S_IFREG|0644).
  FileMode,
  // AT_SYMLINK_NOFOLLOW|AT_REMOVEDIR|AT_EMPTY_PATH|AT_SYMLINK_FOLLOW|
  // AT_NO_AUTOMOUNT|AT_STATX_*|...; 0 -> "0".
  AtFlags,
  DirFd,         // -100 -> "AT_FDCWD", otherwise the number in decimal
  RenameFlags,   // RENAME_NOREPLACE|RENAME_EXCHANGE|RENAME_WHITEOUT
  MmapProt,      // PROT_READ|PROT_WRITE|PROT_EXEC, 0 -> "PROT_NONE"
  MmapFlags,     // MAP_SHARED/MAP_PRIVATE/MAP_SHARED_VALIDATE (type) | MAP_ANONYMOUS|MAP_FIXED|...
  MremapFlags,   // MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP
  SocketDomain,  // AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_PACKET, ... (enum)
  SocketType,    // SOCK_STREAM/SOCK_DGRAM/SOCK_RAW/... (type) | SOCK_NONBLOCK|SOCK_CLOEXEC
  MsgFlags,      // MSG_PEEK|MSG_DONTWAIT|MSG_NOSIGNAL|MSG_WAITALL|..., 0 -> "0"
  CloneFlags,    // CLONE_VM|CLONE_FS|...|SIGCHLD: the low byte, the exit signal, by name
  Signal,        // SIGKILL, SIGTERM, ..., SIGRTMIN+n (enum); 0 -> "0"
  AccessMode,    // F_OK when 0, else R_OK|W_OK|X_OK
  Whence,        // SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE
  FcntlCmd,      // F_DUPFD, F_GETFL, F_SETLKW, F_OFD_*, F_ADD_SEALS, ...; unknown -> hex
  IoctlCmd,      // the common ones: TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO, ...; unknown -> hex
  Shutdown,      // SHUT_RD, SHUT_WR, SHUT_RDWR
  EpollCtlOp,    // EPOLL_CTL_ADD/DEL/MOD
  WaitOptions,   // WNOHANG|WUNTRACED|WCONTINUED|__WALL|__WCLONE|...
  SocketLevel,   // setsockopt/getsockopt's level: SOL_SOCKET, IPPROTO_TCP, ... (enum)
  EventfdFlags,  // EFD_CLOEXEC|EFD_NONBLOCK|EFD_SEMAPHORE
  // faccessat2's flags: AT_EACCESS|AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH. A set of
  // its own because AT_EACCESS is 0x200, which AtFlags names AT_REMOVEDIR.
  AccessAtFlags,
  FlockOps,  // LOCK_SH, LOCK_EX, LOCK_UN | LOCK_NB
};

// The set an argument of a syscall takes, by the syscall's name and the argument's
// name as the running kernel's tracepoint formats spell it (events/syscalls/sys_enter_<name>/format
// under /sys/kernel/tracing: e.g. openat's args are dfd, filename, flags, mode; connect's fd,
// uservaddr, addrlen; mmap's addr, len, prot, flags, fd, off). nullopt: not a named set.
std::optional<ArgNames> arg_names_for(std::string_view syscall, std::string_view arg);

// The value as text: flag sets as NAME|NAME with any unknown bits appended as hex
// ("O_RDONLY|O_CLOEXEC|0x40000000"), never dropped; enums by name, an unknown enum value in decimal
// (ioctl/fcntl commands unknown in hex). `value` is the raw 64-bit register; sets of 32-bit C types
// look at the low 32 bits only (the kernel does too), signals too.
std::string name_arg(ArgNames names, uint64_t value);

// The table arg_names_for reads, one row per argument: the tests hold it
// against the kernel's tracepoint formats.
struct SyscallArgNames {
  const char* syscall;
  const char* arg;
  ArgNames names;
};
extern const SyscallArgNames kSyscallArgNames[];
extern const size_t kSyscallArgNamesCount;

}  // namespace ebpfmon
