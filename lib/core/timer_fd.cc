#include "core/timer_fd.h"

#include <sys/timerfd.h>
#include <unistd.h>

namespace ebpfmon {

int make_timer_fd(std::chrono::milliseconds period, bool repeat) {
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return -1;
  itimerspec spec{};
  spec.it_value.tv_sec = period.count() / 1000;
  spec.it_value.tv_nsec = (period.count() % 1000) * 1000000;
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  if (repeat) spec.it_interval = spec.it_value;
  if (timerfd_settime(fd, 0, &spec, nullptr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace ebpfmon
