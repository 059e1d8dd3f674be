// A monitor's summary as data (syscallmon --summary, funcmon --count): tables
// of typed values, taken every interval and at exit. Monitors build reports;
// sinks render them (the console's text tables, the summary file's JSON
// lines, the daemon's status) without knowing where they came from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/latency_stats.h"

namespace ebpfmon {

// What a table's value columns hold, after its key columns; each sink lays
// out each kind its own way.
enum class TableKind {
  Counts,     // count
  Latency,    // latency_fields(): count, errors, slow, total_ns, p50_ns, p99_ns, max_ns
  Columns,    // the table's own value columns, laid out from their names and types
  Histogram,  // histogram_fields(): low_ns, high_ns (none for the open last bucket), count;
              // the bounds are powers of two in µs (core/latency_stats.h)
};

struct ReportTable {
  std::string name;   // "summary", "histogram", "counts": the rows' "table" in JSON
  std::string title;  // a caption for people: the line above the table on the console
  TableKind kind = TableKind::Counts;
  size_t keys = 0;  // the first `keys` columns name the row (syscall, category)
  Schema columns;   // keys, then the kind's value columns
  std::vector<Event> rows;
  uint64_t rows_omitted = 0;  // rows a limit (--top) left out
};

struct Report {
  enum class Span { Interval, WholeRun };
  Span span = Span::Interval;  // the calls since the previous report, or since the start
  Timestamp time;              // when it was taken
  double seconds = 0;          // how long the span lasted
  std::vector<ReportTable> tables;
};

const char* span_name(Report::Span span);  // "interval", "whole_run"

// An empty table: `keys` columns, then `values`.
ReportTable table_of(std::string name, TableKind kind, const Schema& keys,
                     const std::vector<Field>& values);

// The value columns of a Latency table, and one row's values of them.
std::vector<Field> latency_fields();
void append_latency_values(std::vector<Value>& values, const LatencyStats& stats);

// The value columns of a Histogram table, and the rows of one key's log2
// histogram: its buckets from the first to the last that received calls.
std::vector<Field> histogram_fields();
void append_histogram_rows(ReportTable& table, const std::vector<Value>& keys,
                           const LatencyStats& stats);

}  // namespace ebpfmon
