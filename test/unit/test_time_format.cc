#include <doctest/doctest.h>
#include <time.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "core/time_format.h"

using namespace ebpfmon;

namespace {

// Sets TZ for one test and restores the previous setting afterwards.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* zone) {
    if (const char* previous = std::getenv("TZ")) previous_ = previous;
    setenv("TZ", zone, 1);
    tzset();
  }
  ~ScopedTimeZone() {
    if (previous_)
      setenv("TZ", previous_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }
  ScopedTimeZone(const ScopedTimeZone&) = delete;
  ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;

 private:
  std::optional<std::string> previous_;
};

constexpr int64_t kSeptember12 = 1757687445;  // 2025-09-12 14:30:45 UTC

int64_t now_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

TEST_CASE("format_unix_seconds: seconds with exactly six decimals") {
  CHECK(format_unix_seconds({0}) == "0.000000");
  CHECK(format_unix_seconds({1'000'000'000}) == "1.000000");
  CHECK(format_unix_seconds({1726123845'123456789}) == "1726123845.123456");
  CHECK(format_unix_seconds({kSeptember12 * 1'000'000'000 + 5'000}) == "1757687445.000005");
  CHECK(format_unix_seconds({1'000}) == "0.000001");
  CHECK(format_unix_seconds({INT64_MAX}) == "9223372036.854775");
}

TEST_CASE("format_unix_seconds truncates the microseconds, never rounds up") {
  CHECK(format_unix_seconds({1'999'999'900}) == "1.999999");
  CHECK(format_unix_seconds({999}) == "0.000000");
  CHECK(format_unix_seconds({1726123845'999999999}) == "1726123845.999999");
}

TEST_CASE("format_unix_seconds before the epoch keeps a sign") {
  CHECK(format_unix_seconds({-1'500'000'000}) == "-1.500000");
  CHECK(format_unix_seconds({-999}) == "0.000000");
  CHECK(format_unix_seconds({INT64_MIN}) == "-9223372036.854775");
}

TEST_CASE("format_time_str: local time with milliseconds in brackets") {
  ScopedTimeZone utc("UTC");
  CHECK(format_time_str({kSeptember12 * 1'000'000'000 + 123'456'789}) ==
        "[2025-09-12 14:30:45.123]");
  CHECK(format_time_str({kSeptember12 * 1'000'000'000}) == "[2025-09-12 14:30:45.000]");
  CHECK(format_time_str({kSeptember12 * 1'000'000'000 + 999'999'999}) ==
        "[2025-09-12 14:30:45.999]");
  CHECK(format_time_str({0}) == "[1970-01-01 00:00:00.000]");
}

TEST_CASE("format_time_str uses the local time zone") {
  ScopedTimeZone two_hours_east("XYZ-02");
  CHECK(format_time_str({kSeptember12 * 1'000'000'000 + 7'000'000}) == "[2025-09-12 16:30:45.007]");
}

TEST_CASE("format_time_str before the epoch counts milliseconds forward") {
  ScopedTimeZone utc("UTC");
  CHECK(format_time_str({-1'000'000}) == "[1969-12-31 23:59:59.999]");
}

TEST_CASE("MonotonicClock maps monotonic time onto the wall clock") {
  const MonotonicClock clock;
  const int64_t wall_before = now_ns(CLOCK_REALTIME);
  const Timestamp converted = clock.to_wall(static_cast<uint64_t>(now_ns(CLOCK_MONOTONIC)));
  const int64_t wall_after = now_ns(CLOCK_REALTIME);
  // Generous bounds: only a wall-clock step during the test could exceed them.
  constexpr int64_t kSlackNs = 50'000'000;
  CHECK(converted.ns >= wall_before - kSlackNs);
  CHECK(converted.ns <= wall_after + kSlackNs);
}

TEST_CASE("MonotonicClock keeps the spacing of monotonic readings") {
  const MonotonicClock clock;
  CHECK(clock.to_wall(2'000'000'000).ns - clock.to_wall(500'000'000).ns == 1'500'000'000);
}
