#include "monitors/syscall_table.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

#include "core/text.h"
#include "ebpf/syscall.h"

namespace ebpfmon {
namespace {

const char* const kCategoryNames[SYSCALL_CATEGORIES] = {"file_io", "network", "memory", "process",
                                                        "signal",  "time",    "other"};

// This project's classification, documented in docs/USER_GUIDE.md. A name
// the build's headers lack is simply never looked up; anything not listed
// is "other".
const std::map<std::string_view, int>& category_table() {
  static const std::map<std::string_view, int> table = [] {
    std::map<std::string_view, int> t;
    auto add = [&t](int category, std::initializer_list<std::string_view> names) {
      for (auto n : names) t.emplace(n, category);
    };
    // clang-format off
    add(SYSCALL_CAT_FILE_IO,
        {"read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "pread64",
         "pwrite64", "readv", "writev", "access", "pipe", "select", "dup", "dup2", "fcntl", "flock",
         "fsync", "fdatasync", "truncate", "ftruncate", "getdents", "getdents64", "getcwd", "chdir",
         "fchdir", "rename", "mkdir", "rmdir", "creat", "link", "unlink", "symlink", "readlink",
         "chmod", "fchmod", "chown", "fchown", "lchown", "umask", "mknod", "statfs", "fstatfs",
         "sync", "syncfs", "pipe2", "dup3", "preadv", "pwritev", "preadv2", "pwritev2", "openat",
         "openat2", "mkdirat", "mknodat", "fchownat", "futimesat", "newfstatat", "unlinkat",
         "renameat", "renameat2", "linkat", "symlinkat", "readlinkat", "fchmodat", "fchmodat2",
         "faccessat", "faccessat2", "pselect6", "ppoll", "splice", "tee", "vmsplice",
         "sync_file_range", "utimensat", "utime", "utimes", "epoll_create", "epoll_create1",
         "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
         "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
         "fanotify_init", "fanotify_mark", "name_to_handle_at", "open_by_handle_at",
         "copy_file_range", "sendfile", "statx", "fallocate", "fadvise64", "readahead",
         "close_range", "io_setup", "io_destroy", "io_getevents", "io_pgetevents", "io_submit",
         "io_cancel", "io_uring_setup", "io_uring_enter", "io_uring_register", "getxattr",
         "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr", "listxattr",
         "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr", "ioctl",
         "cachestat"});
    add(SYSCALL_CAT_NETWORK,
        {"socket", "connect", "accept", "accept4", "sendto", "recvfrom", "sendmsg", "recvmsg",
         "sendmmsg", "recvmmsg", "shutdown", "bind", "listen", "getsockname", "getpeername",
         "socketpair", "setsockopt", "getsockopt"});
    add(SYSCALL_CAT_MEMORY,
        {"brk", "mmap", "munmap", "mprotect", "mremap", "msync", "mincore", "madvise", "mlock",
         "mlock2", "munlock", "mlockall", "munlockall", "remap_file_pages", "mbind",
         "set_mempolicy", "get_mempolicy", "set_mempolicy_home_node", "migrate_pages",
         "move_pages", "memfd_create", "memfd_secret", "pkey_mprotect", "pkey_alloc", "pkey_free",
         "process_madvise", "process_mrelease", "process_vm_readv", "process_vm_writev",
         "userfaultfd", "membarrier", "shmget", "shmat", "shmctl", "shmdt"});
    add(SYSCALL_CAT_PROCESS,
        {"clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4",
         "waitid", "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid",
         "setuid", "setgid", "setreuid", "setregid", "setresuid", "getresuid", "setresgid",
         "getresgid", "getgroups", "setgroups", "setpgid", "getpgid", "getpgrp", "setsid", "getsid",
         "setfsuid", "setfsgid", "capget", "capset", "prctl", "arch_prctl", "sched_yield",
         "sched_setaffinity", "sched_getaffinity", "sched_setparam", "sched_getparam",
         "sched_setscheduler", "sched_getscheduler", "sched_get_priority_max",
         "sched_get_priority_min", "sched_rr_get_interval", "sched_setattr", "sched_getattr",
         "getpriority", "setpriority", "getrlimit", "setrlimit", "prlimit64", "getrusage",
         "ptrace", "personality", "unshare", "setns", "set_tid_address", "pidfd_open",
         "pidfd_getfd", "seccomp", "chroot", "kcmp", "futex", "futex_waitv", "set_robust_list",
         "get_robust_list", "ioprio_set", "ioprio_get", "rseq"});
    add(SYSCALL_CAT_SIGNAL,
        {"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait",
         "rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigsuspend", "sigaltstack", "kill", "tkill",
         "tgkill", "signalfd", "signalfd4", "pause", "pidfd_send_signal"});
    add(SYSCALL_CAT_TIME,
        {"nanosleep", "clock_nanosleep", "getitimer", "setitimer", "alarm", "gettimeofday",
         "settimeofday", "time", "times", "clock_gettime", "clock_settime", "clock_getres",
         "clock_adjtime", "adjtimex", "timer_create", "timer_settime", "timer_gettime",
         "timer_getoverrun", "timer_delete", "timerfd_create", "timerfd_settime",
         "timerfd_gettime"});
    // clang-format on
    return t;
  }();
  return table;
}

const SyscallName* find_by_number(int64_t nr) {
  const SyscallName* end = kSyscallNames + kSyscallNameCount;
  const SyscallName* it = std::lower_bound(
      kSyscallNames, end, nr, [](const SyscallName& s, int64_t n) { return s.nr < n; });
  return it != end && it->nr == nr ? it : nullptr;
}

}  // namespace

std::string syscall_name(int64_t nr) {
  if (const SyscallName* s = find_by_number(nr)) return s->name;
  return "syscall_" + std::to_string(nr);
}

std::optional<int> syscall_number(std::string_view text) {
  if (!text.empty() &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (text.size() > 9) return std::numeric_limits<int>::max();  // out of any range
    return std::stoi(std::string(text));
  }
  if (text.rfind("syscall_", 0) == 0) return syscall_number(text.substr(8));
  for (size_t i = 0; i < kSyscallNameCount; ++i)
    if (text == kSyscallNames[i].name) return kSyscallNames[i].nr;
  return std::nullopt;
}

const char* category_name(int category) {
  return category >= 0 && category < SYSCALL_CATEGORIES ? kCategoryNames[category] : "other";
}

std::optional<int> category_from_name(std::string_view name) {
  for (int i = 0; i < SYSCALL_CATEGORIES; ++i)
    if (name == kCategoryNames[i]) return i;
  return std::nullopt;
}

int category_of_syscall(std::string_view name) {
  const auto& table = category_table();
  auto it = table.find(name);
  return it == table.end() ? SYSCALL_CAT_OTHER : it->second;
}

std::string errno_name(int64_t ret) {
  if (ret >= 0 || ret < -SYSCALL_MAX_ERRNO) return "SUCCESS";
  const int err = static_cast<int>(-ret);
  // The kernel's own restart codes (include/linux/errno.h), which no C
  // library names: a call a signal interrupted.
  static const char* const kRestartNames[] = {"ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND",
                                              "ENOIOCTLCMD", "ERESTART_RESTARTBLOCK"};
  if (err >= SYSCALL_RESTART_FIRST && err <= SYSCALL_RESTART_LAST)
    return kRestartNames[err - SYSCALL_RESTART_FIRST];
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : "E" + std::to_string(err);
}

bool returns_address(int64_t nr) {
  static const std::vector<int> numbers = [] {
    std::vector<int> found;
    for (const char* name : {"mmap", "mremap", "brk", "shmat"})
      if (auto n = syscall_number(name)) found.push_back(*n);
    return found;
  }();
  return std::find(numbers.begin(), numbers.end(), nr) != numbers.end();
}

Result<std::vector<int>> resolve_syscalls(const std::vector<std::string>& items,
                                          const std::string& what) {
  std::vector<int> numbers;
  for (const std::string& item : items) {
    auto nr = syscall_number(item);
    if (nr && *nr >= 0 && *nr < SYSCALL_OTHER_SLOT) {
      numbers.push_back(*nr);
      continue;
    }
    std::string message = what + ": unknown syscall " + quote_for_message(item);
    if (nr) {
      message = what + ": syscall number " + item + " is out of range (0.." +
                std::to_string(SYSCALL_OTHER_SLOT - 1) + ")";
    } else {
      std::vector<std::string> names;
      for (size_t i = 0; i < kSyscallNameCount; ++i) names.emplace_back(kSyscallNames[i].name);
      if (auto i = closest_match(item, names)) message += " (did you mean '" + names[*i] + "'?)";
    }
    return Error::usage(message);
  }
  return numbers;
}

}  // namespace ebpfmon
