#include "monitors/syscall_hung.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "monitors/syscall_table.h"

namespace ebpfmon {
namespace {

// Waiting is what they are for.
constexpr const char* kWaitByDesign[] = {
    "epoll_wait",     "epoll_pwait",     "epoll_pwait2",    "poll",
    "ppoll",          "select",          "pselect6",        "accept",
    "accept4",        "wait4",           "waitid",          "pause",
    "rt_sigsuspend",  "rt_sigtimedwait", "nanosleep",       "clock_nanosleep",
    "futex",          "futex_waitv",     "io_getevents",    "io_pgetevents",
    "io_uring_enter", "msgrcv",          "mq_timedreceive", "semop",
    "semtimedop",
};
// Never return: a thread that called them is gone or a zombie.
constexpr const char* kNeverReturn[] = {"exit", "exit_group"};
// Waiting when their fd is a stream: a socket, a pipe, a terminal, an event fd.
constexpr const char* kWaitOnStreams[] = {"read", "readv", "recvfrom", "recvmsg", "recvmmsg"};

template <size_t N>
bool named_in(const char* const (&names)[N], int nr) {
  const std::string name = syscall_name(nr);
  return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return name == n; });
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// "[<0>] hrtimer_nanosleep+0xb5/0x130" lines, innermost first.
std::string stack_text(const std::string& proc_stack) {
  std::istringstream in(proc_stack);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    const size_t frame = line.find("] ");
    if (frame == std::string::npos) continue;
    out += (out.empty() ? "" : "; ") + line.substr(frame + 2);
  }
  return out;
}

// A NUL-terminated string at addr in pid's memory, cut at limit bytes;
// nothing when unreadable.
std::optional<std::string> read_user_string(uint32_t pid, uint64_t addr, uint32_t limit,
                                            bool* cut) {
  std::string out;
  char page[4096];
  while (out.size() <= limit) {
    // Never across a page boundary: the next page may not be mapped.
    const size_t room = sizeof page - (addr + out.size()) % sizeof page;
    iovec local{page, room};
    iovec remote{reinterpret_cast<void*>(addr + out.size()), room};
    const ssize_t n = process_vm_readv(static_cast<pid_t>(pid), &local, 1, &remote, 1, 0);
    if (n <= 0) return out.empty() ? std::nullopt : std::optional<std::string>(out);
    const char* end = static_cast<const char*>(std::memchr(page, '\0', static_cast<size_t>(n)));
    out.append(page, end ? static_cast<size_t>(end - page) : static_cast<size_t>(n));
    if (end) break;
  }
  *cut = out.size() > limit;
  if (*cut) out.resize(limit);
  return out;
}

std::optional<std::string> read_user_bytes(uint32_t pid, uint64_t addr, size_t len) {
  std::string out(len, '\0');
  iovec local{out.data(), len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  if (process_vm_readv(static_cast<pid_t>(pid), &local, 1, &remote, 1, 0) !=
      static_cast<ssize_t>(len))
    return std::nullopt;
  return out;
}

}  // namespace

HungPolicy::HungPolicy(const std::vector<std::string>& also) {
  for (const std::string& item : also) {
    if (item == "all") all_ = true;
    auto nrs = resolve_syscalls({item}, "hung_syscalls");
    if (!nrs) continue;
    for (int nr : *nrs)
      if (nr >= 0 && nr < SYSCALL_NR_SLOTS) also_[static_cast<size_t>(nr)] = true;
  }
}

bool HungPolicy::is_hang(int nr, char state, bool waits_on_fd) const {
  if (state == 'Z' || state == 'X' || named_in(kNeverReturn, nr)) return false;
  if (all_ || state == 'D') return true;
  if (nr >= 0 && nr < SYSCALL_NR_SLOTS && also_[static_cast<size_t>(nr)]) return true;
  if (named_in(kWaitByDesign, nr)) return false;
  return !(waits_on_fd && named_in(kWaitOnStreams, nr));
}

std::string waiting_syscalls_text() {
  std::string out;
  for (const char* name : kWaitByDesign) out += (out.empty() ? "" : ", ") + std::string(name);
  out += "; and on a socket, pipe, FIFO, terminal or event fd: ";
  std::string streams;
  for (const char* name : kWaitOnStreams)
    streams += (streams.empty() ? "" : ", ") + std::string(name);
  return out + streams;
}

char task_state_letter(uint32_t state) {
  constexpr uint32_t kInterruptible = 0x1, kUninterruptible = 0x2, kStopped = 0x4, kTraced = 0x8,
                     kNoLoad = 0x400;
  if (state == SYSCALL_STATE_UNKNOWN) return '?';
  if (state == 0) return 'R';
  if ((state & kUninterruptible) && (state & kNoLoad)) return 'I';
  if (state & kUninterruptible) return 'D';
  if (state & kInterruptible) return 'S';
  if (state & kStopped) return 'T';
  if (state & kTraced) return 't';
  return '?';
}

bool FdTarget::waits() const {
  return S_ISSOCK(type) || S_ISFIFO(type) || S_ISCHR(type) || starts_with(name, "anon_inode:");
}

std::optional<BlockedThread> read_blocked_thread(uint32_t pid, uint32_t tid, int nr) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/";
  const std::string stat = read_text(dir + "stat");
  // "tid (comm) S ...": the comm may hold spaces and parentheses.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return std::nullopt;
  BlockedThread t;
  t.state = stat[close + 2];
  t.wchan = read_text(dir + "wchan");
  if (t.wchan == "0") t.wchan.clear();
  t.kernel_stack = stack_text(read_text(dir + "stack"));
  // "nr arg0 ... arg5 sp pc" in hex after the number; "running" on a CPU.
  std::istringstream regs(read_text(dir + "syscall"));
  long got = -1;
  if (regs >> got && got == nr) {
    bool all = true;
    for (uint64_t& a : t.args) {
      std::string word;
      all = all && static_cast<bool>(regs >> word);
      if (all) a = std::strtoull(word.c_str(), nullptr, 16);
    }
    t.registers = all;
  }
  return t;
}

std::optional<long> current_syscall(uint32_t pid, uint32_t tid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/syscall");
  if (!in) return std::nullopt;
  long nr = -1;
  return in >> nr ? nr : -1;
}

void HungCalls::add(uint32_t pid, uint32_t tid, int nr, uint64_t entered_ns, Event event) {
  calls_[tid] = {pid, nr, entered_ns, std::move(event)};
  ever_.insert(nr);
}

void HungCalls::prune() {
  for (auto it = calls_.begin(); it != calls_.end();) {
    const std::optional<long> now = current_syscall(it->second.pid, it->first);
    const bool moved_on = !now || (*now >= 0 && *now != it->second.nr);
    it = moved_on ? calls_.erase(it) : std::next(it);
  }
}

Metrics HungCalls::metrics(uint64_t now_ns, const std::vector<std::string>& category_by_nr) const {
  MetricFamily hung{"ebpfmon_syscall_hung",
                    "System calls in flight past --hung now, by syscall",
                    MetricFamily::Type::Gauge,
                    {},
                    {}};
  std::map<int, double> count;
  for (int nr : ever_) count[nr] = 0;
  uint64_t oldest = now_ns;
  for (const auto& [tid, call] : calls_) {
    count[call.nr] += 1;
    oldest = std::min(oldest, call.entered_ns);
  }
  for (const auto& [nr, n] : count) {
    const auto at = static_cast<size_t>(nr);
    hung.samples.push_back(
        {{{"syscall", syscall_name(nr)},
          {"category", at < category_by_nr.size() ? category_by_nr[at] : "other"}},
         n});
  }
  MetricFamily oldest_family{"ebpfmon_syscall_oldest_in_flight_seconds",
                             "How long the oldest call in flight past --hung has been (0: none)",
                             MetricFamily::Type::Gauge,
                             {{{}, static_cast<double>(now_ns - oldest) * 1e-9}},
                             {}};
  return {std::move(hung), std::move(oldest_family)};
}

std::optional<FdTarget> read_fd_target(uint32_t pid, uint64_t fd) {
  if (static_cast<int>(fd) < 0) return std::nullopt;
  const std::string path =
      "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(static_cast<int>(fd));
  char link[4096];
  const ssize_t n = readlink(path.c_str(), link, sizeof link);
  if (n <= 0) return std::nullopt;
  FdTarget target{std::string(link, static_cast<size_t>(n)), 0};
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) target.type = st.st_mode & S_IFMT;
  return target;
}

std::string captures_from_proc(uint32_t pid, const SyscallArgSpecs& specs,
                               const std::array<uint64_t, SYSCALL_ARGS>& args,
                               uint32_t string_bytes, uint8_t* count) {
  std::string out;
  *count = 0;
  for (size_t i = 0; i < specs.args.size() && i < SYSCALL_ARGS && *count < SYSCALL_CAPTURES; ++i) {
    syscall_capture c{};
    c.arg = static_cast<uint8_t>(i);
    std::optional<std::string> data;
    switch (specs.args[i].show) {
      case ArgShow::String: {
        bool cut = false;
        data = read_user_string(pid, args[i], string_bytes, &cut);
        c.found = SYSCALL_FOUND_STRING;
        if (cut) c.flags = SYSCALL_CAPTURE_CUT;
        break;
      }
      case ArgShow::Sockaddr:
        // Its length is the next argument, as the kernel reads it.
        if (i + 1 < SYSCALL_ARGS && static_cast<int>(args[i + 1]) > 0)
          data = read_user_bytes(pid, args[i],
                                 std::min<size_t>(static_cast<uint32_t>(args[i + 1]), 128));
        c.found = SYSCALL_FOUND_BYTES;
        break;
      case ArgShow::Fd:
      case ArgShow::DirFd:
        if (auto target = read_fd_target(pid, args[i])) data = target->name;
        c.found = SYSCALL_FOUND_TEXT;
        break;
      default:
        break;
    }
    if (!data) continue;
    append_capture(out, c, *data);
    ++*count;
  }
  return out;
}

}  // namespace ebpfmon
