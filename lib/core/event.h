// A format-neutral event: the values of one record, in the order of its
// monitor's schema. Monitors build events; sinks render them (CSV, JSON
// lines, console) without knowing where they came from.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace ebpfmon {

// Wall-clock time of an event, nanoseconds since the Unix epoch.
struct Timestamp {
  int64_t ns = 0;
};

// No value: an empty CSV field and JSON null (a killed process's exit_code).
struct NoValue {};

// One process of a chain, such as exec's ancestors.
struct ProcessRef {
  uint64_t pid = 0;
  std::string comm;
};
using ProcessChain = std::vector<ProcessRef>;

using Value = std::variant<int64_t, uint64_t, double, bool, std::string,
                           std::vector<std::string>, Timestamp, NoValue, ProcessChain>;

// A field of any type may hold NoValue.
enum class ValueType { Int, UInt, Float, Bool, String, StringList, Time, ProcessChain };

struct Field {
  std::string name;
  ValueType type;
};

// The columns of a monitor's event files, in order.
struct Schema {
  std::vector<Field> fields;
};

struct Event {
  std::vector<Value> values;  // one per schema field
};

// How event files are written.
enum class FileFormat { Csv, Jsonl };

// A live console table: which fields to show, under which heading and width.
struct ConsoleColumn {
  std::string heading;
  size_t field;   // index into the schema
  int width;      // 0 = rest of the line
};

}  // namespace ebpfmon
