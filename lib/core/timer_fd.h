// A timerfd that fires after `period` and, with `repeat`, every period
// after: the event loop's timers and a monitor's periodic work (BpfMonitor).
#pragma once

#include <chrono>

namespace ebpfmon {

// A non-blocking, close-on-exec timerfd, or -1 (errno set). Each expiry
// makes it readable; reading takes the count (a uint64_t).
int make_timer_fd(std::chrono::milliseconds period, bool repeat);

}  // namespace ebpfmon
