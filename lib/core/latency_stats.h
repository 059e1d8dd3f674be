// Counts and a log2 latency histogram of a set of calls, as the kernel keeps
// them per CPU and user space sums them. Bucket 0 holds 0 ns, bucket k holds
// [2^(k-1), 2^k) ns, the last bucket everything longer.
#pragma once

#include <array>
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

  static uint64_t bucket_low(size_t bucket) {
    return bucket == 0 ? 0 : uint64_t{1} << (bucket - 1);
  }
  static uint64_t bucket_high(size_t bucket) { return uint64_t{1} << bucket; }  // exclusive
};

}  // namespace ebpfmon
