#include "monitors/func_counts.h"

#include <algorithm>
#include <vector>

#include "sinks/latency_table.h"

namespace ebpfmon {

Result<void> FuncCountReport::print(bool whole_run) {
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
  write_count_table(out_, clock_.heading(whole_run) + ": " + std::to_string(total) + " calls",
                    "FUNC", rows);
  out_ << std::endl;
  if (!whole_run)
    for (const auto& c : *counts) previous_[c.function] = c.calls;
  return {};
}

}  // namespace ebpfmon
