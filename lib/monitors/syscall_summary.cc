#include "monitors/syscall_summary.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "monitors/syscall_table.h"
#include "sinks/latency_table.h"

namespace ebpfmon {

SyscallSummary::SyscallSummary(const SyscallMonitor& monitor, SyscallSummarySettings settings,
                               std::ostream& out)
    : PeriodicReport(settings.interval), monitor_(monitor), settings_(std::move(settings)),
      out_(out) {}

Result<void> SyscallSummary::print_interval() {
  return print(false);
}
Result<void> SyscallSummary::print_totals() {
  return print(true);
}

Result<void> SyscallSummary::print(bool whole_run) {
  auto now = std::make_unique<SyscallMonitor::Totals>();
  if (auto r = monitor_.read_totals(*now); !r) return r;
  const SyscallMonitor::Totals* before = whole_run ? nullptr : previous_.get();

  auto delta = [&](const LatencyStats& current, const LatencyStats* earlier) {
    return earlier ? current.since(*earlier) : current;
  };
  LatencyTable table;
  if (settings_.by == "process") {
    table.key_headings = {"PID", "COMM"};
    std::map<uint32_t, const LatencyStats*> earlier;
    if (before)
      for (const auto& p : before->by_process) earlier[p.pid] = &p.stats;
    for (const auto& p : now->by_process) {
      auto it = earlier.find(p.pid);
      LatencyRow row{
          {p.pid == 0 ? "-" : std::to_string(p.pid), p.pid == 0 ? "(table full)" : p.comm},
          delta(p.stats, it == earlier.end() ? nullptr : it->second)};
      table.rows.push_back(std::move(row));
    }
  } else if (settings_.by == "container") {
    // Containers by the first 12 digits of their id, as docker ps shows them.
    table.key_headings = {"CONTAINER"};
    const auto earlier = before ? SyscallMonitor::by_container(*before)
                                : std::map<std::string, LatencyStats>{};
    for (const auto& [key, stats] : SyscallMonitor::by_container(*now)) {
      auto it = earlier.find(key);
      const std::string shown = key == "other" ? "(table full)" : key.substr(0, 12);
      table.rows.push_back({{shown}, delta(stats, it == earlier.end() ? nullptr : &it->second)});
    }
  } else {
    std::map<int, LatencyRow> by_category;
    for (int nr = 0; nr < SYSCALL_NR_SLOTS; ++nr) {
      if (!monitor_.traced(nr)) continue;
      const size_t i = static_cast<size_t>(nr);
      LatencyStats s = delta(now->by_nr[i], before ? &before->by_nr[i] : nullptr);
      const std::string category = category_name(monitor_.category_of(nr));
      if (settings_.by == "syscall") {
        table.rows.push_back(
            {{nr == SYSCALL_OTHER_SLOT ? "(other numbers)" : syscall_name(nr), category}, s});
      } else {
        LatencyRow& row = by_category[monitor_.category_of(nr)];
        row.keys = {category};
        row.stats.add(s);
      }
    }
    for (auto& [category, row] : by_category) table.rows.push_back(std::move(row));
    table.key_headings = settings_.by == "syscall"
                             ? std::vector<std::string>{"SYSCALL", "CATEGORY"}
                             : std::vector<std::string>{"CATEGORY"};
  }

  LatencyStats all;
  for (const auto& row : table.rows) all.add(row.stats);
  table.rows.erase(std::remove_if(table.rows.begin(), table.rows.end(),
                                  [](const LatencyRow& r) { return r.stats.count == 0; }),
                   table.rows.end());
  std::stable_sort(
      table.rows.begin(), table.rows.end(),
      [](const LatencyRow& a, const LatencyRow& b) { return a.stats.count > b.stats.count; });
  const size_t shown_rows =
      settings_.top == 0 ? table.rows.size() : std::min<size_t>(settings_.top, table.rows.size());
  std::ostringstream title;
  title << clock_.heading(whole_run) << ", by " << settings_.by << ": " << all.count
        << " calls, "
        << all.errors << " errors, " << all.slow << " slow";
  table.title = title.str();
  const size_t all_rows = table.rows.size();
  table.rows.resize(shown_rows);
  write_latency_table(out_, table);
  // Below the table, so the title stays within 80 columns.
  if (shown_rows < all_rows)
    out_ << "(top " << shown_rows << " of " << all_rows << " rows; --top 0 shows all)\n";
  if (settings_.histogram) {
    for (const auto& row : table.rows) {
      std::string name;
      for (const auto& k : row.keys) name += (name.empty() ? "" : " ") + k;
      out_ << "\n";
      write_log2_histogram(out_, name + " latency (ns):", row.stats);
    }
  }
  out_ << std::endl;

  if (!whole_run) previous_ = std::move(now);
  return {};
}

}  // namespace ebpfmon
