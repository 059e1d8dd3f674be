#include "app/event_loop.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/timer_fd.h"

namespace ebpfmon {
namespace {

Error sys_error(const char* what) {
  return Error::runtime(std::string(what) + " failed: " + std::strerror(errno));
}

// A timerfd (expirations) and an eventfd (posts) both read as one u64.
void consume_count(int fd) {
  uint64_t count;
  [[maybe_unused]] ssize_t n = read(fd, &count, sizeof count);
}

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  loop->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (loop->epoll_fd_ < 0) return sys_error("epoll_create1");
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGHUP);  // a stop, or "reopen your files" when on_hangup is set
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return sys_error("sigprocmask");
  loop->signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (loop->signal_fd_ < 0) return sys_error("signalfd");
  EventLoop* raw = loop.get();
  auto added = loop->add(loop->signal_fd_, false, [raw] {
    signalfd_siginfo info{};
    while (read(raw->signal_fd_, &info, sizeof info) == sizeof info) {
      if (info.ssi_signo == SIGHUP && raw->on_hangup_) {
        raw->on_hangup_();
        continue;
      }
      raw->last_signal_ = static_cast<int>(info.ssi_signo);
      raw->stop_ = true;
    }
  });
  if (!added) return added.error();
  loop->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (loop->wake_fd_ < 0) return sys_error("eventfd");
  if (auto r = loop->add(loop->wake_fd_, true, [raw] { raw->run_posted(); }); !r) return r.error();
  return loop;
}

void EventLoop::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    posted_.push_back(std::move(task));
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

void EventLoop::run_posted() {
  consume_count(wake_fd_);
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) task();
}

EventLoop::~EventLoop() {
  for (auto& w : watches_)
    if (w->owned) close(w->fd);
  if (signal_fd_ >= 0) close(signal_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

Result<void> EventLoop::add(int fd, bool owned, std::function<void()> on_ready) {
  watches_.push_back(std::make_unique<Watch>(Watch{fd, owned, std::move(on_ready)}));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = watches_.back().get();
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    if (owned) close(fd);
    watches_.pop_back();
    return sys_error("epoll_ctl");
  }
  return {};
}

Result<void> EventLoop::watch(int fd, std::function<void()> on_ready) {
  return add(fd, false, std::move(on_ready));
}

Result<void> EventLoop::every(std::chrono::milliseconds period, std::function<void()> tick) {
  const int fd = make_timer_fd(period, true);
  if (fd < 0) return sys_error("timerfd_create");
  return add(fd, true, [fd, tick = std::move(tick)] {
    consume_count(fd);
    tick();
  });
}

EventLoop::StopReason EventLoop::run() {
  if (duration_.count() > 0) {
    const int fd = make_timer_fd(duration_, false);
    if (fd < 0 || !add(fd, true, [this, fd] {
          consume_count(fd);
          stop_ = true;
          last_signal_ = 0;
        }))
      return StopReason::Error;
  }
  epoll_event events[16];
  while (!stop_ && !failed_) {
    const int n = epoll_wait(epoll_fd_, events, 16, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return StopReason::Error;
    }
    for (int i = 0; i < n; ++i) static_cast<Watch*>(events[i].data.ptr)->on_ready();
  }
  if (failed_) return StopReason::Error;
  return last_signal_ != 0 ? StopReason::Signal : StopReason::Duration;
}

}  // namespace ebpfmon
