#include "core/time_format.h"

#include <time.h>

#include <charconv>
#include <limits>

namespace ebpfmon {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr int64_t kNsPerMilli = 1'000'000;
constexpr uint64_t kNsPerMicro = 1'000;

// Writes `value` zero-padded to exactly `digits` characters; value < 10^digits.
char* write_padded(char* out, uint64_t value, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + digits;
}

int64_t read_clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSecond + ts.tv_nsec;
}

// Floor division, so that times before the epoch still get 0..999 ms.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

std::string format_unix_seconds(Timestamp t) {
  // Integer math: a double has too few bits for nanoseconds since 1970, and
  // the microseconds are truncated, never rounded up into the next second.
  // The magnitude is unsigned so that INT64_MIN cannot overflow.
  const bool negative = t.ns < 0;
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(t.ns) : static_cast<uint64_t>(t.ns);
  const uint64_t seconds = magnitude / kNsPerSecond;
  const uint64_t micros = magnitude % kNsPerSecond / kNsPerMicro;

  char buf[32];
  char* p = buf;
  if (negative && (seconds != 0 || micros != 0)) *p++ = '-';
  p = std::to_chars(p, buf + sizeof buf, seconds).ptr;
  *p++ = '.';
  p = write_padded(p, micros, 6);
  return std::string(buf, p);
}

// "[2025-09-12 14:30:45.123]" or, brief, "14:30:45.123".
static std::string local_time_text(Timestamp t, bool brief) {
  const int64_t seconds = floor_div(t.ns, kNsPerSecond);
  const int64_t millis = (t.ns - seconds * kNsPerSecond) / kNsPerMilli;

  const time_t as_time_t = static_cast<time_t>(seconds);
  tm local{};
  char buf[64];
  if (localtime_r(&as_time_t, &local) == nullptr ||
      strftime(buf, sizeof buf, brief ? "%H:%M:%S" : "[%Y-%m-%d %H:%M:%S", &local) == 0) {
    // Out of the range the C library can convert: still say what it was.
    return "[" + format_unix_seconds(t) + "]";
  }
  std::string text(buf);
  char ms[5] = {'.'};
  write_padded(ms + 1, static_cast<uint64_t>(millis), 3);
  text.append(ms, 4);
  if (!brief) text.push_back(']');
  return text;
}

std::string format_time_str(Timestamp t) {
  return local_time_text(t, false);
}

std::string format_clock_time(Timestamp t) {
  return local_time_text(t, true);
}

Timestamp wall_clock_now() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return {static_cast<int64_t>(now.tv_sec) * kNsPerSecond + now.tv_nsec};
}

MonotonicClock::MonotonicClock() : offset_ns_(0) {
  // The monotonic reading is bracketed by two realtime readings and compared
  // with their midpoint; of a few tries, the tightest bracket wins, since a
  // preemption between the reads would skew the offset by its length.
  int64_t best_gap = std::numeric_limits<int64_t>::max();
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int64_t before = read_clock_ns(CLOCK_REALTIME);
    const int64_t monotonic = read_clock_ns(CLOCK_MONOTONIC);
    const int64_t after = read_clock_ns(CLOCK_REALTIME);
    const int64_t gap = after - before;
    if (gap < 0 || gap >= best_gap) continue;  // negative: the wall clock was stepped
    best_gap = gap;
    offset_ns_ = before + gap / 2 - monotonic;
  }
  if (best_gap == std::numeric_limits<int64_t>::max())
    offset_ns_ = read_clock_ns(CLOCK_REALTIME) - read_clock_ns(CLOCK_MONOTONIC);
}

}  // namespace ebpfmon
