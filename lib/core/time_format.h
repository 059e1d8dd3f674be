// The two time columns of every event file.
#pragma once

#include <string>

#include "core/event.h"

namespace ebpfmon {

// "1726123845.123456": Unix seconds with 6 decimals.
std::string format_unix_seconds(Timestamp t);
// "[2025-09-12 14:30:45.123]": local time, milliseconds.
std::string format_time_str(Timestamp t);
// "14:30:45.123": the live table's default time.
std::string format_clock_time(Timestamp t);

// The wall clock now.
Timestamp wall_clock_now();

// Converts CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns) to wall-clock time,
// using the offset between the two clocks measured once at construction.
class MonotonicClock {
 public:
  MonotonicClock();
  Timestamp to_wall(uint64_t monotonic_ns) const { return {offset_ns_ + static_cast<int64_t>(monotonic_ns)}; }

 private:
  int64_t offset_ns_;
};

}  // namespace ebpfmon
