#include "sinks/latency_table.h"

#include <algorithm>
#include <iomanip>
#include <iterator>
#include <sstream>

namespace ebpfmon {
namespace {

std::string micros(uint64_t ns) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << static_cast<double>(ns) / 1e3;
  return s.str();
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

void write_latency_table(std::ostream& out, const LatencyTable& table) {
  std::vector<size_t> widths;
  for (const auto& heading : table.key_headings)
    widths.push_back(std::max<size_t>(heading.size(), 8));
  for (const auto& row : table.rows)
    for (size_t i = 0; i < row.keys.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], row.keys[i].size());

  out << table.title << "\n";
  for (size_t i = 0; i < widths.size(); ++i)
    out << std::left << std::setw(static_cast<int>(widths[i] + 2)) << table.key_headings[i];
  out << std::right << std::setw(10) << "COUNT" << std::setw(9) << "ERRORS" << std::setw(8)
      << "SLOW" << std::setw(14) << "TOTAL(us)" << std::setw(12) << "AVG(us)" << std::setw(12)
      << "P50(us)" << std::setw(12) << "P99(us)" << std::setw(12) << "MAX(us)"
      << "\n";
  for (const auto& row : table.rows) {
    const LatencyStats& s = row.stats;
    for (size_t i = 0; i < widths.size(); ++i)
      out << std::left << std::setw(static_cast<int>(widths[i] + 2))
          << (i < row.keys.size() ? row.keys[i] : "");
    out << std::right << std::setw(10) << s.count << std::setw(9) << s.errors << std::setw(8)
        << s.slow << std::setw(14) << micros(s.total_ns) << std::setw(12)
        << micros(s.count ? s.total_ns / s.count : 0) << std::setw(12)
        << micros(s.percentile_ns(0.5)) << std::setw(12) << micros(s.percentile_ns(0.99))
        << std::setw(12) << micros(s.max_ns) << "\n";
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
  constexpr int kBar = 52;
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
