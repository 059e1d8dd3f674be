#include "core/report.h"

#include <algorithm>

namespace ebpfmon {

const char* span_name(Report::Span span) {
  return span == Report::Span::WholeRun ? "whole_run" : "interval";
}

ReportTable table_of(std::string name, TableKind kind, const Schema& keys,
                     const std::vector<Field>& values) {
  ReportTable table;
  table.name = std::move(name);
  table.kind = kind;
  table.keys = keys.fields.size();
  table.columns = keys;
  table.columns.fields.insert(table.columns.fields.end(), values.begin(), values.end());
  return table;
}

std::vector<Field> latency_fields() {
  return {{"count", ValueType::UInt},    {"errors", ValueType::UInt}, {"slow", ValueType::UInt},
          {"total_ns", ValueType::UInt}, {"p50_ns", ValueType::UInt}, {"p99_ns", ValueType::UInt},
          {"max_ns", ValueType::UInt}};
}

void append_latency_values(std::vector<Value>& values, const LatencyStats& stats) {
  for (uint64_t v : {stats.count, stats.errors, stats.slow, stats.total_ns,
                     stats.percentile_ns(0.5), stats.percentile_ns(0.99), stats.max_ns})
    values.emplace_back(v);
}

std::vector<Field> histogram_fields() {
  return {{"low_ns", ValueType::Float}, {"high_ns", ValueType::Float}, {"count", ValueType::UInt}};
}

void append_histogram_rows(ReportTable& table, const std::vector<Value>& keys,
                           const LatencyStats& stats) {
  const auto& h = stats.hist;
  size_t first = h.size(), last = 0;
  for (size_t i = 0; i < h.size(); ++i)
    if (h[i] != 0) {
      first = std::min(first, i);
      last = i;
    }
  for (size_t i = first; i <= last && i < h.size(); ++i) {
    Event row{keys};
    row.values.emplace_back(LatencyStats::bucket_low_us(i) * 1e3);
    if (i + 1 == h.size())
      row.values.emplace_back(NoValue{});  // the last bucket has no upper bound
    else
      row.values.emplace_back(LatencyStats::bucket_high_us(i) * 1e3);
    row.values.emplace_back(h[i]);
    table.rows.push_back(std::move(row));
  }
}

}  // namespace ebpfmon
