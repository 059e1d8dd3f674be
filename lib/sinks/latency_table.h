// Renders call counts and latency summaries as a text table, optionally with
// bpftrace-style log2 histograms. Knows nothing of where the numbers came from.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/latency_stats.h"

namespace ebpfmon {

struct LatencyRow {
  std::vector<std::string> keys;  // one per key column: {"openat", "file_io"}
  LatencyStats stats;
};

struct LatencyTable {
  std::string title;                      // first line
  std::vector<std::string> key_headings;  // {"SYSCALL", "CATEGORY"}
  std::vector<LatencyRow> rows;           // shown in this order
};

void write_latency_table(std::ostream& out, const LatencyTable& table);

// Name and count per row, as given (callers sort), under `title`.
void write_count_table(std::ostream& out, const std::string& title, const std::string& heading,
                       const std::vector<std::pair<std::string, uint64_t>>& rows);

// "[256, 512)" style histogram of one row, from its first to its last
// non-empty bucket; nothing when the row has no calls.
void write_log2_histogram(std::ostream& out, const std::string& title, const LatencyStats& stats);

}  // namespace ebpfmon
