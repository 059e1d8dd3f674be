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

// A duration in microseconds, the one unit of every latency table: one
// decimal below a millisecond, whole microseconds from there on.
std::string in_us(double ns) {
  const double us = ns / 1e3;
  std::ostringstream s;
  s << std::fixed << std::setprecision(us < 1e3 ? 1 : 0) << us;
  return s.str();
}

// Keys longer than this are cut with "…", so a table fits 80 columns.
constexpr size_t kMaxKeyWidth = 13;

std::string fitted_key(const std::string& key) {
  if (key.size() <= kMaxKeyWidth) return key;
  return key.substr(0, kMaxKeyWidth - 1) + "\xe2\x80\xa6";
}

// A bucket's bound in µs: 1024-based suffixes from 1 µs, as bpftrace labels
// its buckets ("512", "1K"); below, three significant digits ("0.25").
std::string bound_label(double ns) {
  const double us = ns / 1e3;
  if (us < 1) {
    std::ostringstream s;
    s << std::setprecision(3) << us;
    return s.str();
  }
  static const char* const kSuffix[] = {"", "K", "M", "G", "T"};
  auto v = static_cast<uint64_t>(us);
  size_t i = 0;
  while (v >= 1024 && v % 1024 == 0 && i + 1 < std::size(kSuffix)) {
    v /= 1024;
    ++i;
  }
  return std::to_string(v) + kSuffix[i];
}

double float_number(const Value& v) {
  const double* n = std::get_if<double>(&v);
  return n ? *n : 0;
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

// Below the table, so the title stays within 80 columns.
void write_rows_omitted(std::ostream& out, const ReportTable& table) {
  if (table.rows_omitted > 0)
    out << "(top " << table.rows.size() << " of " << table.rows.size() + table.rows_omitted
        << " rows; --top 0 shows all)\n";
}

// The keys (at most 13 each, one space after), then COUNT ERRORS SLOW
// TOTAL(us) P50(us) P99(us) MAX(us): 80 columns for a name and a category
// unless a value needs more (a total past 10^9 µs); a column widens to its
// widest value, so none runs into the next.
void write_latency_table(std::ostream& out, const ReportTable& table) {
  std::vector<size_t> widths;
  for (size_t i = 0; i < table.keys; ++i) widths.push_back(heading(table.columns.fields[i]).size());
  std::vector<std::vector<std::string>> keys;
  // The values of latency_fields(), in its order, after the keys.
  const std::vector<std::string> headings = {"COUNT",   "ERRORS",  "SLOW",   "TOTAL(us)",
                                             "P50(us)", "P99(us)", "MAX(us)"};
  std::vector<size_t> value_widths = {8, 7, 6, 10, 8, 9, 9};
  std::vector<std::vector<std::string>> values;
  for (const Event& row : table.rows) {
    keys.push_back(keys_of(table, row));
    for (size_t i = 0; i < keys.back().size(); ++i)
      widths[i] = std::max(widths[i], std::min(keys.back()[i].size(), kMaxKeyWidth));
    std::vector<std::string>& cells = values.emplace_back();
    for (size_t i = 0; i < headings.size(); ++i) {
      const size_t at = table.keys + i;
      const uint64_t v = at < row.values.size() ? number(row.values[at]) : 0;
      cells.push_back(i < 3 ? std::to_string(v) : in_us(static_cast<double>(v)));
      value_widths[i] = std::max(value_widths[i], cells.back().size() + 1);
    }
  }
  const auto key_cell = [&](size_t i, const std::string& text) {
    // Pad by bytes, plus the two bytes "…" takes beyond its one column.
    const std::string shown = fitted_key(text);
    const size_t extra = shown != text ? 2 : 0;
    out << std::left << std::setw(static_cast<int>(widths[i] + 1 + extra)) << shown;
  };
  const auto value_cells = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i)
      out << std::right << std::setw(static_cast<int>(value_widths[i])) << cells[i];
    out << "\n";
  };
  out << table.title << "\n";
  for (size_t i = 0; i < widths.size(); ++i) key_cell(i, heading(table.columns.fields[i]));
  value_cells(headings);
  for (size_t r = 0; r < table.rows.size(); ++r) {
    for (size_t i = 0; i < widths.size(); ++i) key_cell(i, i < keys[r].size() ? keys[r][i] : "");
    value_cells(values[r]);
  }
  write_rows_omitted(out, table);
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

// Keys left, values right, each column as wide as its widest cell; numbers
// with decimals get one. Keys are cut with "…" where the line would pass 80
// columns, but never below kMaxKeyWidth.
void write_columns_table(std::ostream& out, const ReportTable& table) {
  const size_t n = table.columns.fields.size();
  std::vector<std::vector<std::string>> cells(table.rows.size() + 1);
  for (size_t c = 0; c < n; ++c) cells[0].push_back(heading(table.columns.fields[c]));
  for (size_t r = 0; r < table.rows.size(); ++r)
    for (size_t c = 0; c < n; ++c) {
      const Value& v = c < table.rows[r].values.size() ? table.rows[r].values[c] : Value{NoValue{}};
      if (const double* d = std::get_if<double>(&v)) {
        std::ostringstream text;
        text << std::fixed << std::setprecision(1) << *d;
        cells[r + 1].push_back(text.str());
      } else {
        cells[r + 1].push_back(key_text(v));
      }
    }
  std::vector<size_t> widths(n, 0);
  for (const auto& row : cells)
    for (size_t c = 0; c < n; ++c) widths[c] = std::max(widths[c], row[c].size());
  size_t values_width = 0;
  for (size_t c = table.keys; c < n; ++c) values_width += widths[c] + 1;
  const size_t key_room =
      80 > values_width ? (80 - values_width) / std::max<size_t>(table.keys, 1) : 0;
  const size_t key_max = std::max(kMaxKeyWidth, key_room > 0 ? key_room - 1 : 0);
  for (size_t c = 0; c < table.keys; ++c) widths[c] = std::min(widths[c], key_max);
  out << table.title << "\n";
  for (const auto& row : cells) {
    for (size_t c = 0; c < n; ++c) {
      if (c < table.keys) {
        std::string text = row[c];
        size_t extra = 0;  // "…" is three bytes in one column
        if (text.size() > widths[c]) {
          text = text.substr(0, widths[c] - 1) + "\xe2\x80\xa6";
          extra = 2;
        }
        out << std::left << std::setw(static_cast<int>(widths[c] + 1 + extra)) << text;
      } else {
        out << std::right << std::setw(static_cast<int>(widths[c] + (c > table.keys ? 1 : 0)))
            << row[c];
      }
    }
    out << "\n";
  }
  write_rows_omitted(out, table);
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
      const double from = float_number(v.at(low));
      const uint64_t n = number(v.at(count));
      const std::string label =
          std::holds_alternative<NoValue>(v.at(high))
              ? "[" + bound_label(from) + ", ...)"
              : "[" + bound_label(from) + ", " + bound_label(float_number(v.at(high))) + ")";
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
      case TableKind::Columns:
        write_columns_table(out, table);
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
