// Counts and a log2 latency histogram of a set of calls, as the kernel keeps
// them per CPU and user space sums them. The buckets' bounds are powers of
// two in microseconds, the unit every table and /metrics shows: bucket 0
// holds calls under 2^-10 µs (under 1 ns), bucket k [2^(k-11), 2^(k-10)) µs,
// the last (from 2^28 µs, 268 s) everything longer.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace ebpfmon {

constexpr size_t kLatencyBuckets = 40;  // SYSCALL_HIST_BUCKETS

struct LatencyStats {
  uint64_t count = 0;
  uint64_t errors = 0;
  uint64_t slow = 0;
  uint64_t total_ns = 0;
  uint64_t max_ns = 0;
  std::array<uint64_t, kLatencyBuckets> hist{};

  void add(const LatencyStats& other);
  // What happened after `earlier` (a snapshot of the same counters). A max
  // cannot be subtracted: it is exact when it grew since `earlier`, else the
  // top of the highest bucket that received calls, capped by the old max.
  LatencyStats since(const LatencyStats& earlier) const;
  // Estimated from the histogram, linear within a bucket, capped at max_ns.
  uint64_t percentile_ns(double fraction) const;

  // One call of `ns` (user space's own counts, such as a connection's
  // lifetime), bucketed as the kernel's syscall_bucket() does.
  void add_call(uint64_t ns);
  static size_t bucket_of(uint64_t ns);

  static double bucket_low_us(size_t bucket) {
    return bucket == 0 ? 0 : std::ldexp(1.0, static_cast<int>(bucket) - 11);
  }
  static double bucket_high_us(size_t bucket) {  // exclusive
    return std::ldexp(1.0, static_cast<int>(bucket) - 10);
  }
};

}  // namespace ebpfmon
