// The one event loop of a run: event buffers, signals and timers, all on a
// single epoll fd in one thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.h"

namespace ebpfmon {

class EventLoop {
 public:
  enum class StopReason { Signal, Duration, Error };

  // Blocks SIGINT, SIGTERM and SIGHUP (they arrive through a signalfd
  // instead). SIGINT and SIGTERM stop the loop; so does SIGHUP, unless
  // on_hangup was given a handler, which it then calls.
  static Result<std::unique_ptr<EventLoop>> create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // `on_ready` runs when fd is readable.
  Result<void> watch(int fd, std::function<void()> on_ready);
  // `tick` runs every `period` while the loop runs.
  Result<void> every(std::chrono::milliseconds period, std::function<void()> tick);
  // Stops the loop this long after run() starts; 0 = never.
  void stop_after(std::chrono::milliseconds duration) { duration_ = duration; }
  void on_hangup(std::function<void()> handler) { on_hangup_ = std::move(handler); }
  // Runs `task` on the loop's thread at its next turn; callable from any
  // thread (the metrics server asks for a rendering this way, so monitors
  // and sinks are only ever touched by the loop's thread). Tasks posted
  // after run() returns never run.
  void post(std::function<void()> task);
  // Makes run() return StopReason::Error at its next turn.
  void fail() { failed_ = true; }
  // Makes run() return at its next turn, as on SIGTERM (a control command).
  void request_stop() { stop_ = true; }

  StopReason run();

 private:
  EventLoop() = default;
  struct Watch {
    int fd;
    bool owned;
    std::function<void()> on_ready;
  };
  Result<void> add(int fd, bool owned, std::function<void()> on_ready);

  void run_posted();

  int epoll_fd_ = -1;
  int signal_fd_ = -1;
  int wake_fd_ = -1;  // eventfd, written by post()
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  std::vector<std::unique_ptr<Watch>> watches_;
  std::chrono::milliseconds duration_{0};
  bool stop_ = false;
  bool failed_ = false;
  int last_signal_ = 0;
  std::function<void()> on_hangup_;
};

}  // namespace ebpfmon
