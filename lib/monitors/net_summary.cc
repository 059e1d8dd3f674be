#include "monitors/net_summary.h"

#include <algorithm>
#include <sstream>

namespace ebpfmon {
namespace {

Schema key_columns(const std::string& by) {
  if (by == "process") return {{{"pid", ValueType::UInt}, {"comm", ValueType::String}}};
  if (by == "container") return {{{"container", ValueType::String}}};
  return {{{"remote", ValueType::String}}};
}

std::vector<Value> keys_of(const std::string& by, const EndedConnection& c) {
  if (by == "process") return {c.pid, c.comm};
  if (by == "container") return {c.container.empty() ? std::string("host") : c.container};
  return {c.remote};
}

}  // namespace

void NetTally::add(const EndedConnection& c) {
  const std::string id = by_ == "process"     ? std::to_string(c.pid) + '\0' + c.comm
                         : by_ == "container" ? c.container
                                              : c.remote;
  for (auto* rows : {&interval_, &whole_}) {
    Row& row = (*rows)[id];
    if (row.keys.empty()) row.keys = keys_of(by_, c);
    ++row.connections;
    row.failed += c.failed;
    row.tx_bytes += c.tx_bytes;
    row.rx_bytes += c.rx_bytes;
    row.lifetime.add_call(c.lifetime_ns);
  }
}

std::vector<NetTally::Row> NetTally::take_interval() {
  std::vector<Row> rows;
  for (auto& [id, row] : interval_) rows.push_back(std::move(row));
  interval_.clear();
  return rows;
}

std::vector<NetTally::Row> NetTally::whole_run() const {
  std::vector<Row> rows;
  for (const auto& [id, row] : whole_) rows.push_back(row);
  return rows;
}

NetSummary::NetSummary(std::shared_ptr<NetTally> tally, NetSummarySettings settings)
    : PeriodicReport(settings.shown.interval),
      tally_(std::move(tally)),
      settings_(std::move(settings)) {}

Result<Report> NetSummary::take_interval() {
  return make(Report::Span::Interval, tally_->take_interval());
}

Result<Report> NetSummary::take_whole_run() {
  return make(Report::Span::WholeRun, tally_->whole_run());
}

// Busiest first: most connections, then most bytes.
Report NetSummary::make(Report::Span span, std::vector<NetTally::Row> rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.connections, a.tx_bytes + a.rx_bytes) >
           std::make_pair(b.connections, b.tx_bytes + b.rx_bytes);
  });
  uint64_t connections = 0, failed = 0;
  for (const auto& row : rows) {
    connections += row.connections;
    failed += row.failed;
  }
  Report report = clock_.take(span);
  ReportTable table = table_of("summary", TableKind::Columns, key_columns(settings_.by),
                               {{"connections", ValueType::UInt},
                                {"failed", ValueType::UInt},
                                {"tx_bytes", ValueType::UInt},
                                {"rx_bytes", ValueType::UInt},
                                {"p50_ms", ValueType::Float},
                                {"p99_ms", ValueType::Float}});
  std::ostringstream title;
  title << report_heading(report) << ": " << connections << " connections, " << failed
        << " failed (by " << settings_.by << ")";
  table.title = title.str();
  const size_t shown =
      settings_.shown.top == 0 ? rows.size() : std::min<size_t>(settings_.shown.top, rows.size());
  table.rows_omitted = rows.size() - shown;
  for (size_t i = 0; i < shown; ++i) {
    const NetTally::Row& row = rows[i];
    Event e{row.keys};
    for (uint64_t n : {row.connections, row.failed, row.tx_bytes, row.rx_bytes})
      e.values.emplace_back(n);
    for (double fraction : {0.5, 0.99})
      e.values.emplace_back(static_cast<double>(row.lifetime.percentile_ns(fraction)) / 1e6);
    table.rows.push_back(std::move(e));
  }
  report.tables.push_back(std::move(table));
  return report;
}

}  // namespace ebpfmon
