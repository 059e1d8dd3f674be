#include "sinks/report_text.h"

#include <algorithm>
#include <cctype>
#include <iomanip>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "sinks/formats.h"

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

uint64_t number(const Value& v) {
  const uint64_t* n = std::get_if<uint64_t>(&v);
  return n ? *n : 0;
}

// A key as a cell: a missing one (the row of what found a table full) as "-".
std::string key_text(const Value& v) {
  return std::holds_alternative<NoValue>(v) ? "-" : value_to_text(v);
}

std::vector<std::string> keys_of(const ReportTable& table, const Event& row) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < table.keys && i < row.values.size(); ++i)
    keys.push_back(key_text(row.values[i]));
  return keys;
}

std::string heading(const Field& column) {
  std::string text = column.name;
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// COUNT ERRORS SLOW TOTAL(ms) P50(us) P99(us) MAX(us) take 57 columns; the
// keys (at most 13 each, one space after) the rest of 80.
void write_latency_table(std::ostream& out, const ReportTable& table) {
  std::vector<size_t> widths;
  for (size_t i = 0; i < table.keys; ++i) widths.push_back(heading(table.columns.fields[i]).size());
  std::vector<std::vector<std::string>> keys;
  for (const Event& row : table.rows) {
    keys.push_back(keys_of(table, row));
    for (size_t i = 0; i < keys.back().size(); ++i)
      widths[i] = std::max(widths[i], std::min(keys.back()[i].size(), kMaxKeyWidth));
  }
  const auto key_cell = [&](size_t i, const std::string& text) {
    // Pad by bytes, plus the two bytes "…" takes beyond its one column.
    const std::string shown = fitted_key(text);
    const size_t extra = shown != text ? 2 : 0;
    out << std::left << std::setw(static_cast<int>(widths[i] + 1 + extra)) << shown;
  };
  out << table.title << "\n";
  for (size_t i = 0; i < widths.size(); ++i) key_cell(i, heading(table.columns.fields[i]));
  out << std::right << std::setw(8) << "COUNT" << std::setw(7) << "ERRORS" << std::setw(6) << "SLOW"
      << std::setw(10) << "TOTAL(ms)" << std::setw(8) << "P50(us)" << std::setw(9) << "P99(us)"
      << std::setw(9) << "MAX(us)"
      << "\n";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    for (size_t i = 0; i < widths.size(); ++i) key_cell(i, i < keys[r].size() ? keys[r][i] : "");
    // The values of latency_fields(), in its order, after the keys.
    const auto stat = [&](size_t i) {
      const size_t at = table.keys + i;
      return at < table.rows[r].values.size() ? number(table.rows[r].values[at]) : 0;
    };
    out << std::right << std::setw(8) << stat(0) << std::setw(7) << stat(1) << std::setw(6)
        << stat(2) << std::setw(10) << in_units(stat(3), 1e6) << std::setw(8)
        << in_units(stat(4), 1e3) << std::setw(9) << in_units(stat(5), 1e3) << std::setw(9)
        << in_units(stat(6), 1e3) << "\n";
  }
  // Below the table, so the title stays within 80 columns.
  if (table.rows_omitted > 0)
    out << "(top " << table.rows.size() << " of " << table.rows.size() + table.rows_omitted
        << " rows; --top 0 shows all)\n";
}

// Name and count per row, in the table's order, under its title.
void write_count_table(std::ostream& out, const ReportTable& table) {
  const std::string name_heading = heading(table.columns.fields[0]);
  std::vector<std::pair<std::string, uint64_t>> rows;
  for (const Event& row : table.rows)
    rows.emplace_back(key_text(row.values.at(0)), number(row.values.at(1)));
  size_t width = std::max<size_t>(name_heading.size(), 8);
  for (const auto& row : rows) width = std::max(width, row.first.size());
  out << table.title << "\n"
      << std::left << std::setw(static_cast<int>(width + 2)) << name_heading << std::right
      << std::setw(12) << "COUNT"
      << "\n";
  for (const auto& [name, count] : rows)
    out << std::left << std::setw(static_cast<int>(width + 2)) << name << std::right
        << std::setw(12) << count << "\n";
}

// "[256, 512)" style histogram of each key's consecutive rows, after an
// empty line and "<keys> <title>:".
void write_histograms(std::ostream& out, const ReportTable& table) {
  constexpr int kBar = 40;  // with the label and count: 73 columns
  const size_t low = table.keys, high = table.keys + 1, count = table.keys + 2;
  for (size_t first = 0, end; first < table.rows.size(); first = end) {
    const std::vector<std::string> keys = keys_of(table, table.rows[first]);
    uint64_t peak = 0;
    for (end = first; end < table.rows.size() && keys_of(table, table.rows[end]) == keys; ++end)
      peak = std::max(peak, number(table.rows[end].values.at(count)));
    std::string name;
    for (const auto& k : keys) name += (name.empty() ? "" : " ") + k;
    out << "\n" << name << " " << table.title << ":\n";
    for (size_t r = first; r < end; ++r) {
      const auto& v = table.rows[r].values;
      const uint64_t from = number(v.at(low)), n = number(v.at(count));
      const std::string label =
          from == 0 ? "[0]"
          : std::holds_alternative<NoValue>(v.at(high))
              ? "[" + power_label(from) + ", ...)"
              : "[" + power_label(from) + ", " + power_label(number(v.at(high))) + ")";
      const int bar = peak == 0 ? 0 : static_cast<int>(n * kBar / peak);
      out << std::left << std::setw(20) << label << std::right << std::setw(10) << n << " |"
          << std::string(static_cast<size_t>(bar), '@')
          << std::string(static_cast<size_t>(kBar - bar), ' ') << "|\n";
    }
  }
}

}  // namespace

void write_report_text(std::ostream& out, const Report& report) {
  for (const ReportTable& table : report.tables) {
    switch (table.kind) {
      case TableKind::Latency:
        write_latency_table(out, table);
        break;
      case TableKind::Counts:
        write_count_table(out, table);
        break;
      case TableKind::Histogram:
        write_histograms(out, table);
        break;
    }
  }
  out << std::endl;
}

Result<void> ReportConsoleSink::write_report(const Report& report) {
  write_report_text(out_, report);
  return {};
}

}  // namespace ebpfmon
