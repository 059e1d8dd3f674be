#include "monitors/func_counts.h"

#include <algorithm>
#include <vector>

namespace ebpfmon {

Result<Report> FuncCountReport::take(Report::Span span) {
  const bool whole_run = span == Report::Span::WholeRun;
  auto counts = monitor_.read_counts();
  if (!counts) return counts.error();
  std::vector<std::pair<std::string, uint64_t>> rows;
  uint64_t total = 0;
  for (const auto& c : *counts) {
    const uint64_t before = whole_run ? 0 : previous_[c.function];
    if (c.calls > before) rows.emplace_back(c.function, c.calls - before);
    total += c.calls - before;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  Report report = clock_.take(span);
  ReportTable table;
  table.name = "counts";
  table.title = report_heading(report) + ": " + std::to_string(total) + " calls";
  table.kind = TableKind::Counts;
  table.keys = 1;
  table.columns = {{{"func", ValueType::String}, {"count", ValueType::UInt}}};
  for (auto& [function, calls] : rows) table.rows.push_back({{std::move(function), calls}});
  report.tables.push_back(std::move(table));
  if (!whole_run)
    for (const auto& c : *counts) previous_[c.function] = c.calls;
  return report;
}

}  // namespace ebpfmon
