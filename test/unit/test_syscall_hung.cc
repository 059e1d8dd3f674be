// Calls that hang: which calls in flight are hangs rather than waits, and
// what /proc says of a real child this test blocks in a known call.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include "monitors/syscall_hung.h"
#include "monitors/syscall_table.h"

using namespace ebpfmon;

namespace {

// A child that calls `blocking` and never returns from it until killed.
class BlockedChild {
 public:
  template <class F>
  explicit BlockedChild(F blocking) {
    pid_ = fork();
    if (pid_ == 0) {
      blocking();
      _exit(0);
    }
  }
  ~BlockedChild() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  // Waits until the child sleeps inside syscall nr.
  bool wait_in(long nr) const {
    for (int i = 0; i < 500; ++i) {
      std::ifstream in("/proc/" + std::to_string(pid_) + "/syscall");
      long got = -1;
      if (in >> got && got == nr) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("waiting is not hanging; uninterruptible sleep always is; exits never") {
  const HungPolicy defaults({});
  CHECK(defaults.is_hang(SYS_flock, 'S', false));
  CHECK(defaults.is_hang(SYS_write, 'S', true));  // a full pipe
  CHECK_FALSE(defaults.is_hang(SYS_epoll_wait, 'S', false));
  CHECK_FALSE(defaults.is_hang(SYS_futex, 'S', false));
  CHECK_FALSE(defaults.is_hang(SYS_read, 'S', true));  // a pipe, a socket, a terminal
  CHECK(defaults.is_hang(SYS_read, 'S', false));       // a file
  CHECK(defaults.is_hang(SYS_epoll_wait, 'D', false));
  CHECK_FALSE(defaults.is_hang(SYS_exit_group, 'D', false));
  CHECK_FALSE(defaults.is_hang(SYS_flock, 'Z', false));

  const HungPolicy reads({"read", "232"});  // 232: epoll_wait by number
  CHECK(reads.is_hang(SYS_read, 'S', true));
  CHECK(reads.is_hang(SYS_epoll_wait, 'S', false));
  CHECK_FALSE(reads.is_hang(SYS_poll, 'S', false));

  const HungPolicy all({"all"});
  CHECK(all.is_hang(SYS_poll, 'S', false));
  CHECK_FALSE(all.is_hang(SYS_exit, 'S', false));
}

TEST_CASE("INTERFACE.md lists the calls that wait, as the policy has them") {
  std::ifstream in(std::string(EBPFMON_SOURCE_DIR) + "/docs/INTERFACE.md");
  const std::string doc{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // The paragraph, its line breaks made spaces.
  const size_t at = doc.find("- Waiting is not hanging:");
  REQUIRE(at != std::string::npos);
  std::string paragraph = doc.substr(at, doc.find("\n- ", at + 1) - at);
  for (char& c : paragraph)
    if (c == '\n') c = ' ';
  std::string words = waiting_syscalls_text();
  for (char& c : words)
    if (c == ',' || c == ';' || c == ':') c = ' ';
  std::istringstream names(words);
  for (std::string name; names >> name;) {
    if (name.find('_') == std::string::npos && !resolve_syscalls({name}, "test"))
      continue;  // prose
    INFO(name);
    CHECK(paragraph.find(name) != std::string::npos);
    CHECK(resolve_syscalls({name}, "test"));
  }
}

TEST_CASE("a thread blocked reading a pipe, as /proc shows it" * doctest::skip(geteuid() != 0)) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  BlockedChild reader([&] {
    char c;
    [[maybe_unused]] ssize_t n = read(fds[0], &c, 1);
  });
  REQUIRE(reader.wait_in(SYS_read));
  const auto t = read_blocked_thread(reader.pid(), reader.pid(), SYS_read);
  REQUIRE(t);
  CHECK(t->state == 'S');
  CHECK(t->registers);
  CHECK(t->args[0] == static_cast<uint64_t>(fds[0]));
  CHECK(t->args[2] == 1);
  CHECK_FALSE(t->wchan.empty());
  CHECK(t->kernel_stack.find("read") != std::string::npos);
  CHECK(t->kernel_stack.find("entry_SYSCALL") != std::string::npos);
  const auto target = read_fd_target(reader.pid(), t->args[0]);
  REQUIRE(target);
  CHECK(target->name.rfind("pipe:[", 0) == 0);
  CHECK(S_ISFIFO(target->type));
  CHECK(target->waits());
  // Asked about another call, /proc has no registers for it.
  CHECK_FALSE(read_blocked_thread(reader.pid(), reader.pid(), SYS_write)->registers);
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("a blocked open's path is read from the thread's memory, its dirfd from /proc") {
  char dir[] = "/tmp/ebpfmon-hung-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string fifo = std::string(dir) + "/no writer \xc3\xbc";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  const int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
  REQUIRE(dirfd >= 0);
  BlockedChild opener([&] { open(fifo.c_str(), O_RDONLY); });  // a FIFO's open waits for a writer
  REQUIRE(opener.wait_in(SYS_openat));
  const auto t = read_blocked_thread(opener.pid(), opener.pid(), SYS_openat);
  REQUIRE(t);
  REQUIRE(t->registers);

  const SyscallArgTable table{SyscallSignatures::load("")};
  const SyscallArgSpecs* specs = table.find(SYS_openat);
  REQUIRE(specs != nullptr);
  syscall_event e{};
  e.nr = SYS_openat;
  std::copy(t->args.begin(), t->args.end(), e.args);
  const std::string captures = captures_from_proc(opener.pid(), *specs, t->args, 256, &e.captures);
  CHECK(e.captures == 1);  // the path; AT_FDCWD points nowhere
  const auto shown = table.render(e, captures);
  REQUIRE(shown);
  CHECK(shown->args.text == "AT_FDCWD, \"" + fifo + "\", O_RDONLY, 000");

  // Cut at --string-bytes, counted.
  const std::string cut = captures_from_proc(opener.pid(), *specs, t->args, 8, &e.captures);
  const auto short_shown = table.render(e, cut);
  REQUIRE(short_shown);
  CHECK(short_shown->truncated == 1);
  CHECK(short_shown->args.text == "AT_FDCWD, \"/tmp/ebp\"..., O_RDONLY, 000");

  // An fd argument: its target as /proc names it.
  std::array<uint64_t, SYSCALL_ARGS> with_dirfd = t->args;
  with_dirfd[0] = static_cast<uint64_t>(dirfd);
  e.args[0] = with_dirfd[0];
  const std::string both = captures_from_proc(getpid(), *specs, with_dirfd, 256, &e.captures);
  CHECK(e.captures == 2);
  const auto dir_shown = table.render(e, both);
  REQUIRE(dir_shown);
  CHECK(dir_shown->args.text.rfind(std::to_string(dirfd) + "<" + dir + ">, ", 0) == 0);
  close(dirfd);
  unlink(fifo.c_str());
  rmdir(dir);
}

TEST_CASE("hung calls as gauges: by syscall, 0 once returned; the oldest in flight") {
  HungCalls calls;
  const std::vector<std::string> categories(SYSCALL_NR_SLOTS, "file_io");
  const auto value = [](const Metrics& m, const std::string& name, const std::string& syscall) {
    for (const MetricFamily& f : m)
      for (const MetricSample& s : f.samples)
        if (f.name == name && (syscall.empty() || s.labels.front().second == syscall))
          return s.value;
    return -1.0;
  };
  Metrics none = calls.metrics(5'000'000'000, categories);
  CHECK(value(none, "ebpfmon_syscall_oldest_in_flight_seconds", "") == 0);
  CHECK(none.front().samples.empty());

  calls.add(10, 11, SYS_flock, 1'000'000'000, Event{});
  calls.add(10, 12, SYS_flock, 3'000'000'000, Event{});
  calls.add(20, 21, SYS_read, 2'000'000'000, Event{});
  Metrics three = calls.metrics(5'000'000'000, categories);
  CHECK(value(three, "ebpfmon_syscall_hung", "flock") == 2);
  CHECK(value(three, "ebpfmon_syscall_hung", "read") == 1);
  CHECK(value(three, "ebpfmon_syscall_oldest_in_flight_seconds", "") == doctest::Approx(4.0));

  calls.returned(11);
  calls.returned(21);
  Metrics one = calls.metrics(5'000'000'000, categories);
  CHECK(value(one, "ebpfmon_syscall_hung", "flock") == 1);
  CHECK(value(one, "ebpfmon_syscall_hung", "read") == 0);  // a series that was there stays, at 0
  CHECK(value(one, "ebpfmon_syscall_oldest_in_flight_seconds", "") == doctest::Approx(2.0));

  calls.prune();  // no thread 12 in process 10 here: forgotten
  CHECK(value(calls.metrics(5'000'000'000, categories), "ebpfmon_syscall_hung", "flock") == 0);
}
