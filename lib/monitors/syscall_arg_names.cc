#include "monitors/syscall_arg_names.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <initializer_list>
#include <iterator>
#include <map>
#include <utility>
#include <vector>

#include "core/text.h"

// Linux x86_64 values newer than (or missing from) the build's glibc headers.
#ifndef AT_EXECVE_CHECK
#define AT_EXECVE_CHECK 0x10000  // Linux 6.14
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08  // Linux 6.11: a mapping type, like MAP_PRIVATE
#endif
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif
#ifndef F_CANCELLK
#define F_CANCELLK 1029
#endif
#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027  // Linux 6.10
#endif
#ifndef F_CREATED_QUERY
#define F_CREATED_QUERY 1028  // Linux 6.12
#endif
#ifndef __SIGRTMIN
#define __SIGRTMIN 32
#endif
#ifndef __SIGRTMAX
#define __SIGRTMAX 64
#endif

namespace ebpfmon {
namespace {

struct Name {
  uint64_t value;
  const char* name;
};
using Names = std::vector<Name>;

// A row named by its own macro, so the name is written once.
#define NAMED(constant) \
  { static_cast<uint64_t>(constant), #constant }

// Rows of several bits (O_SYNC) come before the rows whose bits they
// include (O_DSYNC), so that the wider name is the one printed. glibc's
// O_LARGEFILE is 0 on 64-bit targets, where the kernel implies it; 32-bit
// callers pass the kernel's bit.
const Names kOpenFlags = {
    NAMED(O_CREAT),
    NAMED(O_EXCL),
    NAMED(O_NOCTTY),
    NAMED(O_TRUNC),
    NAMED(O_APPEND),
    NAMED(O_NONBLOCK),
    NAMED(O_SYNC),
    NAMED(O_DSYNC),
    NAMED(O_ASYNC),
    NAMED(O_DIRECT),
    {0100000, "O_LARGEFILE"},
    NAMED(O_TMPFILE),
    NAMED(O_DIRECTORY),
    NAMED(O_NOFOLLOW),
    NAMED(O_NOATIME),
    NAMED(O_CLOEXEC),
    NAMED(O_PATH),
};
// 3 asks for neither read nor write: the ioctl-only open some drivers use.
const Names kAccessModes = {NAMED(O_RDONLY), NAMED(O_WRONLY), NAMED(O_RDWR), NAMED(O_ACCMODE)};
const Names kFileTypes = {NAMED(S_IFSOCK), NAMED(S_IFLNK), NAMED(S_IFREG), NAMED(S_IFBLK),
                          NAMED(S_IFDIR),  NAMED(S_IFCHR), NAMED(S_IFIFO)};
// 0x200 is AT_REMOVEDIR here (unlinkat); faccessat2 reads it as AT_EACCESS.
const Names kAtFlags = {
    NAMED(AT_SYMLINK_NOFOLLOW), NAMED(AT_REMOVEDIR),  NAMED(AT_SYMLINK_FOLLOW),
    NAMED(AT_NO_AUTOMOUNT),     NAMED(AT_EMPTY_PATH), NAMED(AT_STATX_FORCE_SYNC),
    NAMED(AT_STATX_DONT_SYNC),  NAMED(AT_RECURSIVE),  NAMED(AT_EXECVE_CHECK),
};
const Names kAccessAtFlags = {NAMED(AT_SYMLINK_NOFOLLOW), NAMED(AT_EACCESS), NAMED(AT_EMPTY_PATH)};
const Names kRenameFlags = {NAMED(RENAME_NOREPLACE), NAMED(RENAME_EXCHANGE),
                            NAMED(RENAME_WHITEOUT)};
const Names kMmapProt = {NAMED(PROT_READ), NAMED(PROT_WRITE),     NAMED(PROT_EXEC),
                         NAMED(PROT_SEM),  NAMED(PROT_GROWSDOWN), NAMED(PROT_GROWSUP)};
const Names kMmapTypes = {NAMED(MAP_SHARED), NAMED(MAP_PRIVATE), NAMED(MAP_SHARED_VALIDATE),
                          NAMED(MAP_DROPPABLE)};
// MAP_HUGETLB's page size (bits 26-31) is a number, left in hex.
const Names kMmapFlags = {
    NAMED(MAP_FIXED),     NAMED(MAP_ANONYMOUS),       NAMED(MAP_32BIT),  NAMED(MAP_GROWSDOWN),
    NAMED(MAP_DENYWRITE), NAMED(MAP_EXECUTABLE),      NAMED(MAP_LOCKED), NAMED(MAP_NORESERVE),
    NAMED(MAP_POPULATE),  NAMED(MAP_NONBLOCK),        NAMED(MAP_STACK),  NAMED(MAP_HUGETLB),
    NAMED(MAP_SYNC),      NAMED(MAP_FIXED_NOREPLACE),
};
const Names kMremapFlags = {NAMED(MREMAP_MAYMOVE), NAMED(MREMAP_FIXED), NAMED(MREMAP_DONTUNMAP)};
const Names kSocketDomains = {
    NAMED(AF_UNSPEC),     NAMED(AF_UNIX),      NAMED(AF_INET),     NAMED(AF_AX25),
    NAMED(AF_IPX),        NAMED(AF_APPLETALK), NAMED(AF_NETROM),   NAMED(AF_BRIDGE),
    NAMED(AF_ATMPVC),     NAMED(AF_X25),       NAMED(AF_INET6),    NAMED(AF_ROSE),
    NAMED(AF_DECnet),     NAMED(AF_NETBEUI),   NAMED(AF_SECURITY), NAMED(AF_KEY),
    NAMED(AF_NETLINK),    NAMED(AF_PACKET),    NAMED(AF_ASH),      NAMED(AF_ECONET),
    NAMED(AF_ATMSVC),     NAMED(AF_RDS),       NAMED(AF_SNA),      NAMED(AF_IRDA),
    NAMED(AF_PPPOX),      NAMED(AF_WANPIPE),   NAMED(AF_LLC),      NAMED(AF_IB),
    NAMED(AF_MPLS),       NAMED(AF_CAN),       NAMED(AF_TIPC),     NAMED(AF_BLUETOOTH),
    NAMED(AF_IUCV),       NAMED(AF_RXRPC),     NAMED(AF_ISDN),     NAMED(AF_PHONET),
    NAMED(AF_IEEE802154), NAMED(AF_CAIF),      NAMED(AF_ALG),      NAMED(AF_NFC),
    NAMED(AF_VSOCK),      NAMED(AF_KCM),       NAMED(AF_QIPCRTR),  NAMED(AF_SMC),
    NAMED(AF_XDP),        NAMED(AF_MCTP),
};
// The kernel's SOCK_TYPE_MASK, which glibc does not export.
constexpr uint64_t kSocketTypeMask = 0xf;
const Names kSocketTypes = {NAMED(SOCK_STREAM), NAMED(SOCK_DGRAM),     NAMED(SOCK_RAW),
                            NAMED(SOCK_RDM),    NAMED(SOCK_SEQPACKET), NAMED(SOCK_DCCP),
                            NAMED(SOCK_PACKET)};
const Names kSocketFlags = {NAMED(SOCK_NONBLOCK), NAMED(SOCK_CLOEXEC)};
const Names kMsgFlags = {
    NAMED(MSG_OOB),          NAMED(MSG_PEEK),     NAMED(MSG_DONTROUTE), NAMED(MSG_CTRUNC),
    NAMED(MSG_PROXY),        NAMED(MSG_TRUNC),    NAMED(MSG_DONTWAIT),  NAMED(MSG_EOR),
    NAMED(MSG_WAITALL),      NAMED(MSG_FIN),      NAMED(MSG_SYN),       NAMED(MSG_CONFIRM),
    NAMED(MSG_RST),          NAMED(MSG_ERRQUEUE), NAMED(MSG_NOSIGNAL),  NAMED(MSG_MORE),
    NAMED(MSG_WAITFORONE),   NAMED(MSG_BATCH),    NAMED(MSG_ZEROCOPY),  NAMED(MSG_FASTOPEN),
    NAMED(MSG_CMSG_CLOEXEC),
};
// CLONE_NEWTIME (0x80) is left out: in clone's flags that bit belongs to the
// exit signal; only clone3 and unshare take it.
const Names kCloneFlags = {
    NAMED(CLONE_VM),
    NAMED(CLONE_FS),
    NAMED(CLONE_FILES),
    NAMED(CLONE_SIGHAND),
    NAMED(CLONE_PIDFD),
    NAMED(CLONE_PTRACE),
    NAMED(CLONE_VFORK),
    NAMED(CLONE_PARENT),
    NAMED(CLONE_THREAD),
    NAMED(CLONE_NEWNS),
    NAMED(CLONE_SYSVSEM),
    NAMED(CLONE_SETTLS),
    NAMED(CLONE_PARENT_SETTID),
    NAMED(CLONE_CHILD_CLEARTID),
    NAMED(CLONE_DETACHED),
    NAMED(CLONE_UNTRACED),
    NAMED(CLONE_CHILD_SETTID),
    NAMED(CLONE_NEWCGROUP),
    NAMED(CLONE_NEWUTS),
    NAMED(CLONE_NEWIPC),
    NAMED(CLONE_NEWUSER),
    NAMED(CLONE_NEWPID),
    NAMED(CLONE_NEWNET),
    NAMED(CLONE_IO),
};
const Names kSignals = {
    NAMED(SIGHUP),    NAMED(SIGINT),  NAMED(SIGQUIT),  NAMED(SIGILL),  NAMED(SIGTRAP),
    NAMED(SIGABRT),   NAMED(SIGBUS),  NAMED(SIGFPE),   NAMED(SIGKILL), NAMED(SIGUSR1),
    NAMED(SIGSEGV),   NAMED(SIGUSR2), NAMED(SIGPIPE),  NAMED(SIGALRM), NAMED(SIGTERM),
    NAMED(SIGSTKFLT), NAMED(SIGCHLD), NAMED(SIGCONT),  NAMED(SIGSTOP), NAMED(SIGTSTP),
    NAMED(SIGTTIN),   NAMED(SIGTTOU), NAMED(SIGURG),   NAMED(SIGXCPU), NAMED(SIGXFSZ),
    NAMED(SIGVTALRM), NAMED(SIGPROF), NAMED(SIGWINCH), NAMED(SIGIO),   NAMED(SIGPWR),
    NAMED(SIGSYS),
};
const Names kAccessMode = {NAMED(R_OK), NAMED(W_OK), NAMED(X_OK)};
const Names kWhence = {NAMED(SEEK_SET), NAMED(SEEK_CUR), NAMED(SEEK_END), NAMED(SEEK_DATA),
                       NAMED(SEEK_HOLE)};
const Names kFcntlCmds = {
    NAMED(F_DUPFD),
    NAMED(F_GETFD),
    NAMED(F_SETFD),
    NAMED(F_GETFL),
    NAMED(F_SETFL),
    NAMED(F_GETLK),
    NAMED(F_SETLK),
    NAMED(F_SETLKW),
    NAMED(F_SETOWN),
    NAMED(F_GETOWN),
    NAMED(F_SETSIG),
    NAMED(F_GETSIG),
    NAMED(F_SETOWN_EX),
    NAMED(F_GETOWN_EX),
    NAMED(F_OFD_GETLK),
    NAMED(F_OFD_SETLK),
    NAMED(F_OFD_SETLKW),
    NAMED(F_SETLEASE),
    NAMED(F_GETLEASE),
    NAMED(F_NOTIFY),
    NAMED(F_DUPFD_QUERY),
    NAMED(F_CREATED_QUERY),
    NAMED(F_CANCELLK),
    NAMED(F_DUPFD_CLOEXEC),
    NAMED(F_SETPIPE_SZ),
    NAMED(F_GETPIPE_SZ),
    NAMED(F_ADD_SEALS),
    NAMED(F_GET_SEALS),
    NAMED(F_GET_RW_HINT),
    NAMED(F_SET_RW_HINT),
    NAMED(F_GET_FILE_RW_HINT),
    NAMED(F_SET_FILE_RW_HINT),
};
const Names kIoctlCmds = {
    NAMED(TCGETS),          NAMED(TCSETS),        NAMED(TCSETSW),       NAMED(TCSETSF),
    NAMED(TCGETA),          NAMED(TCSETA),        NAMED(TCSETAW),       NAMED(TCSETAF),
    NAMED(TCSBRK),          NAMED(TCXONC),        NAMED(TCFLSH),        NAMED(TIOCEXCL),
    NAMED(TIOCNXCL),        NAMED(TIOCSCTTY),     NAMED(TIOCGPGRP),     NAMED(TIOCSPGRP),
    NAMED(TIOCOUTQ),        NAMED(TIOCSTI),       NAMED(TIOCGWINSZ),    NAMED(TIOCSWINSZ),
    NAMED(TIOCMGET),        NAMED(TIOCMSET),      NAMED(FIONREAD),      NAMED(TIOCLINUX),
    NAMED(FIONBIO),         NAMED(TIOCNOTTY),     NAMED(TIOCSETD),      NAMED(TIOCGETD),
    NAMED(TIOCGSID),        NAMED(TIOCGPTN),      NAMED(TIOCSPTLCK),    NAMED(TIOCGPTPEER),
    NAMED(FIONCLEX),        NAMED(FIOCLEX),       NAMED(FIOASYNC),      NAMED(FIOQSIZE),
    NAMED(SIOCGIFCONF),     NAMED(SIOCGIFFLAGS),  NAMED(SIOCSIFFLAGS),  NAMED(SIOCGIFADDR),
    NAMED(SIOCGIFINDEX),    NAMED(SIOCGIFHWADDR), NAMED(SIOCGIFMTU),    NAMED(SIOCGIFNAME),
    NAMED(FIBMAP),          NAMED(FIGETBSZ),      NAMED(FIFREEZE),      NAMED(FITHAW),
    NAMED(FICLONE),         NAMED(FICLONERANGE),  NAMED(FIDEDUPERANGE), NAMED(FS_IOC_GETFLAGS),
    NAMED(FS_IOC_SETFLAGS), NAMED(BLKGETSIZE64),  NAMED(BLKSSZGET),     NAMED(BLKFLSBUF),
};
const Names kShutdown = {NAMED(SHUT_RD), NAMED(SHUT_WR), NAMED(SHUT_RDWR)};
const Names kEpollCtlOps = {NAMED(EPOLL_CTL_ADD), NAMED(EPOLL_CTL_DEL), NAMED(EPOLL_CTL_MOD)};
// WSTOPPED, waitid's name for WUNTRACED's bit, is the same value.
const Names kWaitOptions = {NAMED(WNOHANG), NAMED(WUNTRACED),   NAMED(WEXITED), NAMED(WCONTINUED),
                            NAMED(WNOWAIT), NAMED(__WNOTHREAD), NAMED(__WALL),  NAMED(__WCLONE)};
// Levels, not protocols: 1 is SOL_SOCKET (never IPPROTO_ICMP), 255 SOL_RAW.
const Names kSocketLevels = {
    NAMED(IPPROTO_IP),   NAMED(SOL_SOCKET),     NAMED(IPPROTO_TCP),   NAMED(IPPROTO_UDP),
    NAMED(IPPROTO_IPV6), NAMED(IPPROTO_ICMPV6), NAMED(IPPROTO_SCTP),  NAMED(IPPROTO_UDPLITE),
    NAMED(SOL_RAW),      NAMED(SOL_PACKET),     NAMED(SOL_ATM),       NAMED(SOL_IRDA),
    NAMED(SOL_NETLINK),  NAMED(SOL_TIPC),       NAMED(SOL_BLUETOOTH), NAMED(SOL_ALG),
    NAMED(SOL_NFC),      NAMED(SOL_KCM),        NAMED(SOL_TLS),       NAMED(SOL_XDP),
    NAMED(SOL_MPTCP),
};
const Names kEventfdFlags = {NAMED(EFD_SEMAPHORE), NAMED(EFD_NONBLOCK), NAMED(EFD_CLOEXEC)};
const Names kFlockOps = {NAMED(LOCK_SH), NAMED(LOCK_EX), NAMED(LOCK_UN), NAMED(LOCK_NB)};

#undef NAMED

uint64_t low32(uint64_t value) {
  return static_cast<uint32_t>(value);
}
// An int argument's value, sign and all.
int32_t as_int(uint64_t value) {
  return static_cast<int32_t>(value);
}

// Bits no name covers: kept, in hex, so a value is never shown as less than it is.
std::string unknown_bits(uint64_t bits) {
  return bits ? hex_text(bits) : "";
}

// "A|B" from the parts that are not empty.
std::string join(std::initializer_list<std::string> parts) {
  std::string text;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    if (!text.empty()) text += '|';
    text += part;
  }
  return text;
}

std::string or_zero(std::string text, const char* zero) {
  return text.empty() ? zero : text;
}

const char* find_name(const Names& names, uint64_t value) {
  for (const Name& n : names)
    if (n.value == value) return n.name;
  return nullptr;
}

std::string named_or(const Names& names, uint64_t value, std::string otherwise) {
  const char* name = find_name(names, value);
  return name ? name : otherwise;
}

// The names of the rows whose bits are all in `bits`, which loses them.
std::string take_names(const Names& names, uint64_t& bits) {
  std::string text;
  for (const Name& n : names) {
    if ((bits & n.value) != n.value) continue;
    text = join({text, n.name});
    bits &= ~n.value;
  }
  return text;
}

// Flag names with any unknown bits after them; `zero` when no bit is set.
std::string flags(const Names& names, uint64_t bits, const char* zero = "0") {
  std::string known = take_names(names, bits);
  return or_zero(join({known, unknown_bits(bits)}), zero);
}

// A value whose `mask` bits are a number named by `kinds` (open's access
// mode, mmap's and socket's type) and whose other bits are flags.
std::string kind_and_flags(const Names& kinds, uint64_t mask, const Names& flag_names,
                           uint64_t bits) {
  uint64_t kind = bits & mask;
  uint64_t rest = bits & ~mask;
  const char* name = find_name(kinds, kind);
  std::string known = take_names(flag_names, rest);
  return or_zero(join({name ? name : unknown_bits(kind), known, unknown_bits(rest)}), "0");
}

std::string decimal(uint64_t value) {
  return std::to_string(as_int(value));
}

std::string open_flags(uint64_t value) {
  return kind_and_flags(kAccessModes, O_ACCMODE, kOpenFlags, low32(value));
}

// umode_t: the file type by name (mknod's), the permissions in octal.
std::string file_mode(uint64_t value) {
  constexpr uint64_t kPermissions = 07777;
  uint64_t bits = low32(value);
  char octal[16];
  snprintf(octal, sizeof octal, "%#03o", static_cast<unsigned>(bits & kPermissions));
  uint64_t type = bits & S_IFMT;
  return join({type ? named_or(kFileTypes, type, hex_text(type)) : "", octal,
               unknown_bits(bits & ~(S_IFMT | kPermissions))});
}

std::string at_flags(uint64_t value) {
  return flags(kAtFlags, low32(value));
}

std::string access_at_flags(uint64_t value) {
  return flags(kAccessAtFlags, low32(value));
}

std::string dir_fd(uint64_t value) {
  return as_int(value) == AT_FDCWD ? "AT_FDCWD" : decimal(value);
}

std::string rename_flags(uint64_t value) {
  return flags(kRenameFlags, low32(value));
}

// mmap's, mprotect's and mremap's flag arguments are unsigned long, all of
// whose bits the kernel checks.
std::string mmap_prot(uint64_t value) {
  return flags(kMmapProt, value, "PROT_NONE");
}

std::string mmap_flags(uint64_t value) {
  return kind_and_flags(kMmapTypes, MAP_TYPE, kMmapFlags, value);
}

std::string mremap_flags(uint64_t value) {
  return flags(kMremapFlags, value);
}

std::string socket_domain(uint64_t value) {
  return named_or(kSocketDomains, low32(value), decimal(value));
}

std::string socket_type(uint64_t value) {
  return kind_and_flags(kSocketTypes, kSocketTypeMask, kSocketFlags, low32(value));
}

std::string msg_flags(uint64_t value) {
  return flags(kMsgFlags, low32(value));
}

// The kernel's signals, not glibc's SIGRTMIN (34: glibc keeps two for itself).
std::string signal_name(uint64_t value) {
  int32_t sig = as_int(value);
  if (const char* name = find_name(kSignals, low32(value))) return name;
  if (sig == __SIGRTMIN) return "SIGRTMIN";
  if (sig > __SIGRTMIN && sig <= __SIGRTMAX) return "SIGRTMIN+" + std::to_string(sig - __SIGRTMIN);
  return std::to_string(sig);
}

// clone's flags are unsigned long, but the kernel reads their low 32 bits
// (kernel/fork.c: lower_32_bits), the low byte being the exit signal.
std::string clone_flags(uint64_t value) {
  uint64_t bits = low32(value) & ~static_cast<uint64_t>(CSIGNAL);
  uint64_t exit_signal = value & CSIGNAL;
  std::string known = take_names(kCloneFlags, bits);
  return or_zero(join({known, exit_signal ? signal_name(exit_signal) : "", unknown_bits(bits)}),
                 "0");
}

std::string access_mode(uint64_t value) {
  return flags(kAccessMode, low32(value), "F_OK");
}

std::string whence(uint64_t value) {
  return named_or(kWhence, low32(value), std::to_string(low32(value)));
}

std::string fcntl_cmd(uint64_t value) {
  return named_or(kFcntlCmds, low32(value), hex_text(low32(value)));
}

std::string ioctl_cmd(uint64_t value) {
  return named_or(kIoctlCmds, low32(value), hex_text(low32(value)));
}

std::string shutdown_how(uint64_t value) {
  return named_or(kShutdown, low32(value), decimal(value));
}

std::string epoll_ctl_op(uint64_t value) {
  return named_or(kEpollCtlOps, low32(value), decimal(value));
}

std::string wait_options(uint64_t value) {
  return flags(kWaitOptions, low32(value));
}

std::string socket_level(uint64_t value) {
  return named_or(kSocketLevels, low32(value), decimal(value));
}

std::string eventfd_flags(uint64_t value) {
  return flags(kEventfdFlags, low32(value));
}

std::string flock_ops(uint64_t value) {
  return flags(kFlockOps, low32(value));
}

struct ArgNamesInfo {
  ArgNames names;
  std::string (*text)(uint64_t value);
};

// In the enum's order, which the static_assert below holds it to.
constexpr ArgNamesInfo kArgNamesInfo[] = {
    {ArgNames::OpenFlags, open_flags},
    {ArgNames::FileMode, file_mode},
    {ArgNames::AtFlags, at_flags},
    {ArgNames::DirFd, dir_fd},
    {ArgNames::RenameFlags, rename_flags},
    {ArgNames::MmapProt, mmap_prot},
    {ArgNames::MmapFlags, mmap_flags},
    {ArgNames::MremapFlags, mremap_flags},
    {ArgNames::SocketDomain, socket_domain},
    {ArgNames::SocketType, socket_type},
    {ArgNames::MsgFlags, msg_flags},
    {ArgNames::CloneFlags, clone_flags},
    {ArgNames::Signal, signal_name},
    {ArgNames::AccessMode, access_mode},
    {ArgNames::Whence, whence},
    {ArgNames::FcntlCmd, fcntl_cmd},
    {ArgNames::IoctlCmd, ioctl_cmd},
    {ArgNames::Shutdown, shutdown_how},
    {ArgNames::EpollCtlOp, epoll_ctl_op},
    {ArgNames::WaitOptions, wait_options},
    {ArgNames::SocketLevel, socket_level},
    {ArgNames::EventfdFlags, eventfd_flags},
    {ArgNames::AccessAtFlags, access_at_flags},
    {ArgNames::FlockOps, flock_ops},
};

constexpr bool in_enum_order() {
  for (size_t i = 0; i < std::size(kArgNamesInfo); ++i)
    if (static_cast<size_t>(kArgNamesInfo[i].names) != i) return false;
  return true;
}
static_assert(in_enum_order() &&
                  std::size(kArgNamesInfo) == static_cast<size_t>(ArgNames::FlockOps) + 1,
              "kArgNamesInfo has one row per ArgNames, in order");

const ArgNamesInfo& info(ArgNames names) {
  return kArgNamesInfo[static_cast<size_t>(names)];
}

}  // namespace

// Argument names as the kernel's tracepoint formats spell them: socket's
// domain is `family`, clone's flags `clone_flags`, unlinkat's `flag`.
// clang-format off
const SyscallArgNames kSyscallArgNames[] = {
    {"open", "flags", ArgNames::OpenFlags},
    {"open", "mode", ArgNames::FileMode},
    {"openat", "dfd", ArgNames::DirFd},
    {"openat", "flags", ArgNames::OpenFlags},
    {"openat", "mode", ArgNames::FileMode},
    {"openat2", "dfd", ArgNames::DirFd},
    {"creat", "mode", ArgNames::FileMode},
    {"open_by_handle_at", "mountdirfd", ArgNames::DirFd},
    {"open_by_handle_at", "flags", ArgNames::OpenFlags},
    {"mkdir", "mode", ArgNames::FileMode},
    {"mkdirat", "dfd", ArgNames::DirFd},
    {"mkdirat", "mode", ArgNames::FileMode},
    {"mknod", "mode", ArgNames::FileMode},
    {"mknodat", "dfd", ArgNames::DirFd},
    {"mknodat", "mode", ArgNames::FileMode},
    {"chmod", "mode", ArgNames::FileMode},
    {"fchmod", "mode", ArgNames::FileMode},
    {"fchmodat", "dfd", ArgNames::DirFd},
    {"fchmodat", "mode", ArgNames::FileMode},
    {"fchmodat2", "dfd", ArgNames::DirFd},
    {"fchmodat2", "mode", ArgNames::FileMode},
    {"fchmodat2", "flags", ArgNames::AtFlags},
    {"umask", "mask", ArgNames::FileMode},
    {"access", "mode", ArgNames::AccessMode},
    {"faccessat", "dfd", ArgNames::DirFd},
    {"faccessat", "mode", ArgNames::AccessMode},
    {"faccessat2", "dfd", ArgNames::DirFd},
    {"faccessat2", "mode", ArgNames::AccessMode},
    {"faccessat2", "flags", ArgNames::AccessAtFlags},
    {"unlinkat", "dfd", ArgNames::DirFd},
    {"unlinkat", "flag", ArgNames::AtFlags},
    {"fchownat", "dfd", ArgNames::DirFd},
    {"fchownat", "flag", ArgNames::AtFlags},
    {"newfstatat", "dfd", ArgNames::DirFd},
    {"newfstatat", "flag", ArgNames::AtFlags},
    {"statx", "dfd", ArgNames::DirFd},
    {"statx", "flags", ArgNames::AtFlags},
    {"linkat", "olddfd", ArgNames::DirFd},
    {"linkat", "newdfd", ArgNames::DirFd},
    {"linkat", "flags", ArgNames::AtFlags},
    {"renameat", "olddfd", ArgNames::DirFd},
    {"renameat", "newdfd", ArgNames::DirFd},
    {"renameat2", "olddfd", ArgNames::DirFd},
    {"renameat2", "newdfd", ArgNames::DirFd},
    {"renameat2", "flags", ArgNames::RenameFlags},
    {"symlinkat", "newdfd", ArgNames::DirFd},
    {"readlinkat", "dfd", ArgNames::DirFd},
    {"utimensat", "dfd", ArgNames::DirFd},
    {"utimensat", "flags", ArgNames::AtFlags},
    {"futimesat", "dfd", ArgNames::DirFd},
    {"execveat", "fd", ArgNames::DirFd},
    {"execveat", "flags", ArgNames::AtFlags},
    // name_to_handle_at's flag is left out: its 0x200 is AT_HANDLE_FID.
    {"name_to_handle_at", "dfd", ArgNames::DirFd},
    {"open_tree", "dfd", ArgNames::DirFd},
    {"open_tree_attr", "dfd", ArgNames::DirFd},
    {"move_mount", "from_dfd", ArgNames::DirFd},
    {"move_mount", "to_dfd", ArgNames::DirFd},
    {"mount_setattr", "dfd", ArgNames::DirFd},
    {"fspick", "dfd", ArgNames::DirFd},
    {"fanotify_mark", "dfd", ArgNames::DirFd},
    {"getxattrat", "dfd", ArgNames::DirFd},
    {"getxattrat", "at_flags", ArgNames::AtFlags},
    {"setxattrat", "dfd", ArgNames::DirFd},
    {"setxattrat", "at_flags", ArgNames::AtFlags},
    {"listxattrat", "dfd", ArgNames::DirFd},
    {"listxattrat", "at_flags", ArgNames::AtFlags},
    {"removexattrat", "dfd", ArgNames::DirFd},
    {"removexattrat", "at_flags", ArgNames::AtFlags},
    {"file_getattr", "dfd", ArgNames::DirFd},
    {"file_getattr", "at_flags", ArgNames::AtFlags},
    {"file_setattr", "dfd", ArgNames::DirFd},
    {"file_setattr", "at_flags", ArgNames::AtFlags},
    {"pipe2", "flags", ArgNames::OpenFlags},
    {"dup3", "flags", ArgNames::OpenFlags},
    {"mmap", "prot", ArgNames::MmapProt},
    {"mmap", "flags", ArgNames::MmapFlags},
    {"mprotect", "prot", ArgNames::MmapProt},
    {"pkey_mprotect", "prot", ArgNames::MmapProt},
    {"mremap", "flags", ArgNames::MremapFlags},
    {"socket", "family", ArgNames::SocketDomain},
    {"socket", "type", ArgNames::SocketType},
    {"socketpair", "family", ArgNames::SocketDomain},
    {"socketpair", "type", ArgNames::SocketType},
    {"accept4", "flags", ArgNames::SocketType},
    {"sendto", "flags", ArgNames::MsgFlags},
    {"recvfrom", "flags", ArgNames::MsgFlags},
    {"sendmsg", "flags", ArgNames::MsgFlags},
    {"recvmsg", "flags", ArgNames::MsgFlags},
    {"sendmmsg", "flags", ArgNames::MsgFlags},
    {"recvmmsg", "flags", ArgNames::MsgFlags},
    {"setsockopt", "level", ArgNames::SocketLevel},
    {"getsockopt", "level", ArgNames::SocketLevel},
    {"shutdown", "how", ArgNames::Shutdown},
    {"clone", "clone_flags", ArgNames::CloneFlags},
    {"wait4", "options", ArgNames::WaitOptions},
    {"waitid", "options", ArgNames::WaitOptions},
    {"kill", "sig", ArgNames::Signal},
    {"tkill", "sig", ArgNames::Signal},
    {"tgkill", "sig", ArgNames::Signal},
    {"rt_sigqueueinfo", "sig", ArgNames::Signal},
    {"rt_tgsigqueueinfo", "sig", ArgNames::Signal},
    {"pidfd_send_signal", "sig", ArgNames::Signal},
    {"rt_sigaction", "sig", ArgNames::Signal},
    {"lseek", "whence", ArgNames::Whence},
    {"fcntl", "cmd", ArgNames::FcntlCmd},
    {"ioctl", "cmd", ArgNames::IoctlCmd},
    {"epoll_ctl", "op", ArgNames::EpollCtlOp},
    {"eventfd2", "flags", ArgNames::EventfdFlags},
    {"flock", "cmd", ArgNames::FlockOps},
};
// clang-format on
const size_t kSyscallArgNamesCount = std::size(kSyscallArgNames);

std::optional<ArgNames> arg_names_for(std::string_view syscall, std::string_view arg) {
  using Key = std::pair<std::string_view, std::string_view>;
  static const std::map<Key, ArgNames> by_key = [] {
    std::map<Key, ArgNames> m;
    for (const SyscallArgNames& row : kSyscallArgNames)
      m.emplace(Key(row.syscall, row.arg), row.names);
    return m;
  }();
  auto it = by_key.find(Key(syscall, arg));
  if (it == by_key.end()) return std::nullopt;
  return it->second;
}

std::string name_arg(ArgNames names, uint64_t value) {
  return info(names).text(value);
}

}  // namespace ebpfmon
