#include "sinks/latency_table.h"

#include <algorithm>
#include <iomanip>
#include <iterator>
#include <sstream>

namespace ebpfmon {
namespace {

// A duration in `unit_ns` units: one decimal, none from 10^6 units on, so a
// column stays narrow whatever the latency.
std::string in_units(uint64_t ns, double unit_ns) {
  const double v = static_cast<double>(ns) / unit_ns;
  std::ostringstream s;
  s << std::fixed << std::setprecision(v < 1e6 ? 1 : 0) << v;
  return s.str();
}

// Keys longer than this are cut with "…", so a table fits 80 columns.
constexpr size_t kMaxKeyWidth = 13;

std::string fitted_key(const std::string& key) {
  if (key.size() <= kMaxKeyWidth) return key;
  return key.substr(0, kMaxKeyWidth - 1) + "\xe2\x80\xa6";
}

// 1024-based suffixes, as bpftrace labels its buckets.
std::string power_label(uint64_t v) {
  static const char* const kSuffix[] = {"", "K", "M", "G", "T"};
  size_t i = 0;
  while (v >= 1024 && v % 1024 == 0 && i + 1 < std::size(kSuffix)) {
    v /= 1024;
    ++i;
  }
  return std::to_string(v) + kSuffix[i];
}

}  // namespace

// COUNT ERRORS SLOW TOTAL(ms) P50(us) P99(us) MAX(us) take 57 columns; the
// keys (at most 13 each, one space after) the rest of 80.
void write_latency_table(std::ostream& out, const LatencyTable& table) {
  std::vector<size_t> widths;
  for (const auto& heading : table.key_headings) widths.push_back(heading.size());
  for (const auto& row : table.rows)
    for (size_t i = 0; i < row.keys.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], std::min(row.keys[i].size(), kMaxKeyWidth));

  const auto key_cell = [&](size_t i, const std::string& text) {
    // Pad by bytes, plus the two bytes "…" takes beyond its one column.
    const std::string shown = fitted_key(text);
    const size_t extra = shown != text ? 2 : 0;
    out << std::left << std::setw(static_cast<int>(widths[i] + 1 + extra)) << shown;
  };
  out << table.title << "\n";
  for (size_t i = 0; i < widths.size(); ++i) key_cell(i, table.key_headings[i]);
  out << std::right << std::setw(8) << "COUNT" << std::setw(7) << "ERRORS" << std::setw(6)
      << "SLOW" << std::setw(10) << "TOTAL(ms)" << std::setw(8) << "P50(us)" << std::setw(9)
      << "P99(us)" << std::setw(9) << "MAX(us)"
      << "\n";
  for (const auto& row : table.rows) {
    const LatencyStats& s = row.stats;
    for (size_t i = 0; i < widths.size(); ++i) key_cell(i, i < row.keys.size() ? row.keys[i] : "");
    out << std::right << std::setw(8) << s.count << std::setw(7) << s.errors << std::setw(6)
        << s.slow << std::setw(10) << in_units(s.total_ns, 1e6) << std::setw(8)
        << in_units(s.percentile_ns(0.5), 1e3) << std::setw(9)
        << in_units(s.percentile_ns(0.99), 1e3) << std::setw(9) << in_units(s.max_ns, 1e3)
        << "\n";
  }
}

void write_count_table(std::ostream& out, const std::string& title, const std::string& heading,
                       const std::vector<std::pair<std::string, uint64_t>>& rows) {
  size_t width = std::max<size_t>(heading.size(), 8);
  for (const auto& row : rows) width = std::max(width, row.first.size());
  out << title << "\n"
      << std::left << std::setw(static_cast<int>(width + 2)) << heading << std::right
      << std::setw(12) << "COUNT" << "\n";
  for (const auto& [name, count] : rows)
    out << std::left << std::setw(static_cast<int>(width + 2)) << name << std::right
        << std::setw(12) << count << "\n";
}

void write_log2_histogram(std::ostream& out, const std::string& title, const LatencyStats& stats) {
  const auto& h = stats.hist;
  size_t first = h.size(), last = 0;
  uint64_t peak = 0;
  for (size_t i = 0; i < h.size(); ++i) {
    if (h[i] == 0) continue;
    first = std::min(first, i);
    last = i;
    peak = std::max(peak, h[i]);
  }
  if (peak == 0) return;
  constexpr int kBar = 40;  // with the label and count: 73 columns
  out << title << "\n";
  for (size_t i = first; i <= last; ++i) {
    const std::string label = i == 0 ? "[0]"
                              : i + 1 == h.size()
                                  ? "[" + power_label(LatencyStats::bucket_low(i)) + ", ...)"
                                  : "[" + power_label(LatencyStats::bucket_low(i)) + ", " +
                                        power_label(LatencyStats::bucket_high(i)) + ")";
    const int bar = static_cast<int>(h[i] * kBar / peak);
    out << std::left << std::setw(20) << label << std::right << std::setw(10) << h[i] << " |"
        << std::string(static_cast<size_t>(bar), '@')
        << std::string(static_cast<size_t>(kBar - bar), ' ') << "|\n";
  }
}

}  // namespace ebpfmon
