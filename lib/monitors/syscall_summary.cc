#include "monitors/syscall_summary.h"

#include <algorithm>
#include <functional>
#include <map>
#include <sstream>

#include "monitors/syscall_table.h"

namespace ebpfmon {
namespace {

struct Row {
  std::vector<Value> keys;  // one per key column: {"openat", "file_io"}
  LatencyStats stats;
};

Schema key_columns(const std::string& by) {
  if (by == "process") return {{{"pid", ValueType::UInt}, {"comm", ValueType::String}}};
  if (by == "container") return {{{"container", ValueType::String}}};
  if (by == "category") return {{{"category", ValueType::String}}};
  return {{{"syscall", ValueType::String}, {"category", ValueType::String}}};
}

// --sort: what a row is ranked by, largest first.
std::function<uint64_t(const LatencyStats&)> sort_key(const std::string& sort) {
  if (sort == "count") return [](const LatencyStats& s) { return s.count; };
  if (sort == "errors") return [](const LatencyStats& s) { return s.errors; };
  if (sort == "slow") return [](const LatencyStats& s) { return s.slow; };
  if (sort == "p99") return [](const LatencyStats& s) { return s.percentile_ns(0.99); };
  if (sort == "max") return [](const LatencyStats& s) { return s.max_ns; };
  return [](const LatencyStats& s) { return s.total_ns; };
}

}  // namespace

SyscallSummary::SyscallSummary(const SyscallMonitor& monitor, SyscallSummarySettings settings)
    : PeriodicReport(settings.shown.interval), monitor_(monitor), settings_(std::move(settings)) {}

Result<Report> SyscallSummary::take(Report::Span span) {
  const bool whole_run = span == Report::Span::WholeRun;
  auto now = std::make_unique<SyscallMonitor::Totals>();
  if (auto r = monitor_.read_totals(*now); !r) return r.error();
  const SyscallMonitor::Totals* before = whole_run ? nullptr : previous_.get();

  auto delta = [&](const LatencyStats& current, const LatencyStats* earlier) {
    return earlier ? current.since(*earlier) : current;
  };
  std::vector<Row> rows;
  if (settings_.by == "process") {
    std::map<uint32_t, const LatencyStats*> earlier;
    if (before)
      for (const auto& p : before->by_process) earlier[p.pid] = &p.stats;
    for (const auto& p : now->by_process) {
      auto it = earlier.find(p.pid);
      // pid 0 gathers the processes that found the kernel's table full.
      rows.push_back({{p.pid == 0 ? Value{NoValue{}} : Value{uint64_t{p.pid}},
                       p.pid == 0 ? "(table full)" : p.comm},
                      delta(p.stats, it == earlier.end() ? nullptr : it->second)});
    }
  } else if (settings_.by == "container") {
    // Containers by the first 12 digits of their id, as docker ps shows them.
    const auto earlier = before ? SyscallMonitor::by_container(*before)
                                : std::map<std::string, LatencyStats>{};
    for (const auto& [key, stats] : SyscallMonitor::by_container(*now)) {
      auto it = earlier.find(key);
      const std::string shown = key == "other" ? "(table full)" : key.substr(0, 12);
      rows.push_back({{shown}, delta(stats, it == earlier.end() ? nullptr : &it->second)});
    }
  } else {
    std::map<int, Row> by_category;
    for (int nr = 0; nr < SYSCALL_NR_SLOTS; ++nr) {
      if (!monitor_.traced(nr)) continue;
      const size_t i = static_cast<size_t>(nr);
      LatencyStats s = delta(now->by_nr[i], before ? &before->by_nr[i] : nullptr);
      const std::string category = category_name(monitor_.category_of(nr));
      if (settings_.by == "syscall") {
        rows.push_back(
            {{nr == SYSCALL_OTHER_SLOT ? "(other numbers)" : syscall_name(nr), category}, s});
      } else {
        Row& row = by_category[monitor_.category_of(nr)];
        row.keys = {category};
        row.stats.add(s);
      }
    }
    for (auto& [category, row] : by_category) rows.push_back(std::move(row));
  }

  LatencyStats all;
  for (const auto& row : rows) all.add(row.stats);
  rows.erase(
      std::remove_if(rows.begin(), rows.end(), [](const Row& r) { return r.stats.count == 0; }),
      rows.end());
  const auto key = sort_key(settings_.sort);
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    const uint64_t ka = key(a.stats), kb = key(b.stats);
    return ka != kb ? ka > kb : a.stats.count > b.stats.count;
  });
  const size_t shown_rows =
      settings_.shown.top == 0 ? rows.size() : std::min<size_t>(settings_.shown.top, rows.size());

  Report report = clock_.take(span);
  const Schema keys = key_columns(settings_.by);
  ReportTable summary = table_of("summary", TableKind::Latency, keys, latency_fields());
  std::ostringstream title;
  // Within 80 columns for a day's run of a busy host; the rows' key is the
  // table's first heading.
  title << report_heading(report) << ": " << all.count << " calls, " << all.errors << " errors, "
        << all.slow << " slow (by " << settings_.sort << ")";
  summary.title = title.str();
  summary.rows_omitted = rows.size() - shown_rows;
  rows.resize(shown_rows);
  for (const Row& row : rows) {
    Event values{row.keys};
    append_latency_values(values.values, row.stats);
    summary.rows.push_back(std::move(values));
  }
  report.tables.push_back(std::move(summary));
  if (settings_.histogram) {
    ReportTable histogram = table_of("histogram", TableKind::Histogram, keys, histogram_fields());
    histogram.title = "latency (us)";
    for (const Row& row : rows) append_histogram_rows(histogram, row.keys, row.stats);
    report.tables.push_back(std::move(histogram));
  }
  if (!whole_run) previous_ = std::move(now);
  return report;
}

}  // namespace ebpfmon
