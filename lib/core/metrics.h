// Metrics as data: what a monitor or the runner counts, named and labelled
// the Prometheus way, with no knowledge of how it is served.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ebpfmon {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

struct MetricSample {
  MetricLabels labels;
  double value = 0;
};

// Cumulative counts per upper bound, as Prometheus histograms are: each
// bucket counts every observation <= its bound; +Inf is `count`.
struct HistogramSample {
  MetricLabels labels;
  std::vector<std::pair<double, uint64_t>> buckets;
  double sum = 0;
  uint64_t count = 0;
};

struct MetricFamily {
  enum class Type { Counter, Gauge, Histogram };
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total
  std::string help;
  Type type = Type::Counter;
  std::vector<MetricSample> samples;        // counters and gauges
  std::vector<HistogramSample> histograms;  // histograms
};

using Metrics = std::vector<MetricFamily>;

}  // namespace ebpfmon
