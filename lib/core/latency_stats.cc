#include "core/latency_stats.h"

#include <algorithm>

namespace ebpfmon {

void LatencyStats::add(const LatencyStats& other) {
  count += other.count;
  errors += other.errors;
  slow += other.slow;
  total_ns += other.total_ns;
  max_ns = std::max(max_ns, other.max_ns);
  for (size_t i = 0; i < hist.size(); ++i) hist[i] += other.hist[i];
}

size_t LatencyStats::bucket_of(uint64_t ns) {
  size_t bucket = 0;
  for (uint64_t v = ns * 128 / 125; v != 0 && bucket + 1 < kLatencyBuckets; v >>= 1) ++bucket;
  return bucket;
}

void LatencyStats::add_call(uint64_t ns) {
  ++count;
  total_ns += ns;
  max_ns = std::max(max_ns, ns);
  ++hist[bucket_of(ns)];
}

LatencyStats LatencyStats::since(const LatencyStats& earlier) const {
  LatencyStats d;
  d.count = count - earlier.count;
  d.errors = errors - earlier.errors;
  d.slow = slow - earlier.slow;
  d.total_ns = total_ns - earlier.total_ns;
  for (size_t i = 0; i < hist.size(); ++i) d.hist[i] = hist[i] - earlier.hist[i];
  if (max_ns > earlier.max_ns) {
    d.max_ns = max_ns;
  } else {
    for (size_t i = hist.size(); i-- > 0;) {
      if (d.hist[i] != 0) {
        const auto high_ns = static_cast<uint64_t>(std::ceil(bucket_high_us(i) * 1e3));
        d.max_ns = std::min({max_ns, high_ns - 1, d.total_ns});
        break;
      }
    }
  }
  return d;
}

uint64_t LatencyStats::percentile_ns(double fraction) const {
  uint64_t in_hist = 0;
  for (uint64_t n : hist) in_hist += n;
  if (in_hist == 0) return 0;
  const double rank = fraction * static_cast<double>(in_hist);
  uint64_t below = 0;
  for (size_t i = 0; i < hist.size(); ++i) {
    if (hist[i] == 0) continue;
    if (static_cast<double>(below + hist[i]) >= rank) {
      const double within = (rank - static_cast<double>(below)) / static_cast<double>(hist[i]);
      const double low = bucket_low_us(i) * 1e3;
      const double high = bucket_high_us(i) * 1e3;
      const auto estimate = static_cast<uint64_t>(low + within * (high - low));
      return std::min(estimate, max_ns);
    }
    below += hist[i];
  }
  return max_ns;
}

}  // namespace ebpfmon
