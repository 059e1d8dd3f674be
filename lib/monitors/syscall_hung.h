// Calls that hang (--hung): which calls in flight past the threshold are
// hangs rather than waits, and what /proc says of a thread blocked in one.
// The kernel side (ebpf/syscall_hung.bpf.h) only finds the calls; all of
// this runs for those few, never per call.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/metrics.h"
#include "core/result.h"
#include "ebpf/syscall.h"
#include "monitors/syscall_args.h"

namespace ebpfmon {

// Calls that wait by design are not hangs (INTERFACE.md lists them), nor a
// read of a socket, a pipe, a FIFO, a terminal or an event fd; a call in
// uninterruptible sleep (D) always is. --hung-syscalls adds syscalls, or
// every one with "all". exit and exit_group never return: never hung.
class HungPolicy {
 public:
  // `also`: syscall names or numbers, or "all"; checked by the settings.
  explicit HungPolicy(const std::vector<std::string>& also);
  // waits_on_fd: the call's first argument is an fd that a read waits on
  // (FdTarget::waits()).
  bool is_hang(int nr, char state, bool waits_on_fd) const;

 private:
  bool all_ = false;
  std::array<bool, SYSCALL_NR_SLOTS> also_{};
};

// ps's letter for task_struct's state bits (R, S, D, I, T, t), '?' for
// SYSCALL_STATE_UNKNOWN.
char task_state_letter(uint32_t state);

// The syscalls that wait by design, and those that wait when their fd is a
// socket, pipe, FIFO, terminal or event fd: for INTERFACE.md and --help.
std::string waiting_syscalls_text();

// What /proc says now of a thread in a call.
struct BlockedThread {
  char state = '?';          // R, S, D, ... (/proc/<tid>/stat)
  std::string wchan;         // where it sleeps; empty when the kernel does not say
  std::string kernel_stack;  // frames, innermost first, joined by "; "; empty when unreadable
  // /proc/<tid>/syscall names the call the kernel reported (a thread on a
  // CPU, or in another call by now, has no registers to read).
  bool registers = false;
  std::array<uint64_t, SYSCALL_ARGS> args{};
};

// Nothing when the thread is gone.
std::optional<BlockedThread> read_blocked_thread(uint32_t pid, uint32_t tid, int nr);

// The syscall a thread is in now (/proc/<pid>/task/<tid>/syscall): -1 when
// on a CPU or in none; nothing when the thread is gone.
std::optional<long> current_syscall(uint32_t pid, uint32_t tid);

// The calls reported hung and not yet returned, for /metrics: added when
// reported, removed at their return, or at a scan that finds their thread
// gone or in another call (a return the rate limit did not write).
class HungCalls {
 public:
  // `event`: the call as it was reported.
  void add(uint32_t pid, uint32_t tid, int nr, uint64_t entered_ns, Event event);
  void returned(uint32_t tid) { calls_.erase(tid); }
  void prune();
  // ebpfmon_syscall_hung (by syscall and category; 0 for those that hung
  // before) and ebpfmon_syscall_oldest_in_flight_seconds (0: none).
  Metrics metrics(uint64_t now_ns, const std::vector<std::string>& category_by_nr) const;

  struct Call {
    uint32_t pid;
    int nr;
    uint64_t entered_ns;
    Event event;
  };
  const std::map<uint32_t, Call>& calls() const { return calls_; }

 private:
  std::map<uint32_t, Call> calls_;  // by tid
  std::set<int> ever_;              // syscalls that have hung: their series stay, at 0
};

// What the fd points to, as its readlink in /proc/<pid>/fd names it
// ("/var/lib/app.lock", "socket:[123]", "pipe:[456]"), and its S_IFMT bits.
struct FdTarget {
  std::string name;
  mode_t type = 0;
  // A socket, pipe, FIFO, terminal or other character device, or an event
  // fd (anon_inode:[eventfd], timerfd, signalfd, inotify): a read waits.
  bool waits() const;
};
std::optional<FdTarget> read_fd_target(uint32_t pid, uint64_t fd);

// The captures the kernel would have read behind a blocked call's arguments
// (strings and addresses from its memory, fd targets from /proc), packed as
// SyscallArgTable::render() takes them.
std::string captures_from_proc(uint32_t pid, const SyscallArgSpecs& specs,
                               const std::array<uint64_t, SYSCALL_ARGS>& args,
                               uint32_t string_bytes, uint8_t* count);

}  // namespace ebpfmon
