// A format-neutral event: the values of one record, in the order of its
// monitor's schema. Monitors build events; sinks render them (CSV, JSON
// lines, console) without knowing where they came from.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace ebpfmon {

// Wall-clock time of an event, nanoseconds since the Unix epoch.
struct Timestamp {
  int64_t ns = 0;
};

// No value: an empty CSV field and JSON null (a killed process's exit_code).
struct NoValue {};

struct Value;

// Values in a row, such as exec's ancestors (a list of records). A struct
// rather than an alias, so that Value can hold it before Value is complete
// (a std::vector of an incomplete type is allowed as a member since C++17).
struct ValueList {
  std::vector<Value> items;
};

// Named values in order, such as one ancestor: {pid, comm}. Nested records
// and lists need no new kind of value.
struct ValueRecord {
  std::vector<std::pair<std::string, Value>> fields;
  // How it reads on one line (CSV, console) when the values joined by ':'
  // would not do: syscall arguments read as strace writes them.
  std::string text = {};
};

// A number that reads as hex in text (CSV, console) and is a number in
// JSON: an address a syscall returned (mmap). It stands in an Int field.
struct Address {
  uint64_t value = 0;
};

using ValueVariant =
    std::variant<int64_t, uint64_t, double, bool, std::string, std::vector<std::string>, Timestamp,
                 NoValue, ValueRecord, ValueList, Address>;

// A struct, not an alias, so that ValueList and ValueRecord can name it
// before it is defined; std::visit, std::get and std::holds_alternative take
// it as the variant it is.
struct Value : ValueVariant {
  using ValueVariant::ValueVariant;
  using ValueVariant::operator=;
};

// A field of any type may hold NoValue.
enum class ValueType { Int, UInt, Float, Bool, String, StringList, Time, Record, List };
// How many there are: the fuzz checker draws one from the input.
inline constexpr size_t kValueTypes = static_cast<size_t>(ValueType::List) + 1;

struct Field {
  std::string name;
  ValueType type;
  std::string doc = {};  // one line, Markdown: what the column means (the user guide's)
  bool user_text = false;  // holds what a user typed (argv, paths): `redact` applies
};

// The value type a C++ type is written as; any other type does not compile.
template <class T>
constexpr ValueType value_type_of() {
  if constexpr (std::is_same_v<T, int64_t>)
    return ValueType::Int;
  else if constexpr (std::is_same_v<T, uint64_t>)
    return ValueType::UInt;
  else if constexpr (std::is_same_v<T, double>)
    return ValueType::Float;
  else if constexpr (std::is_same_v<T, bool>)
    return ValueType::Bool;
  else if constexpr (std::is_same_v<T, std::string>)
    return ValueType::String;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>)
    return ValueType::StringList;
  else if constexpr (std::is_same_v<T, Timestamp>)
    return ValueType::Time;
  else if constexpr (std::is_same_v<T, ValueRecord>)
    return ValueType::Record;
  else if constexpr (std::is_same_v<T, ValueList>)
    return ValueType::List;
  else
    static_assert(sizeof(T) == 0, "no ValueType for this C++ type");
}

// A field's place in its schema, as Schema::add gave it out.
struct FieldRef {
  size_t index;
};
// The same, for a field of C++ type T: Event::set takes a T (or NoValue)
// for it and nothing else.
template <class T>
struct FieldOf : FieldRef {
  using type = T;
};

// The columns of a monitor's event files, in order. A monitor declares its
// fields once, each with add(), and decodes through the handles it got.
struct Schema {
  std::vector<Field> fields;

  template <class T>
  FieldOf<T> add(std::string name, std::string doc) {
    fields.push_back({std::move(name), value_type_of<T>(), std::move(doc)});
    return {{fields.size() - 1}};
  }
  // A field that holds what a user typed (argv, arguments): `redact` masks
  // secrets in it.
  template <class T>
  FieldOf<T> add_user_text(std::string name, std::string doc) {
    fields.push_back({std::move(name), value_type_of<T>(), std::move(doc), true});
    return {{fields.size() - 1}};
  }
};

struct Event {
  std::vector<Value> values;  // one per schema field

  template <class T>
  void set(FieldOf<T> field, typename FieldOf<T>::type value) {
    values[field.index] = std::move(value);
  }
  // An Int field holding an address this once (mmap's return value).
  void set(FieldOf<int64_t> field, Address value) { values[field.index] = value; }
  void set_none(FieldRef field) { values[field.index] = NoValue{}; }
  template <class T>
  const T& get(FieldOf<T> field) const {
    return std::get<T>(values[field.index]);
  }
};

// How event files are written.
enum class FileFormat { Csv, Jsonl };

// A live console table: which fields to show, under which heading and width.
struct ConsoleColumn {
  std::string heading;
  FieldRef field;
  int width;      // 0 = rest of the line
  // When set, the cell's text made from the whole event (a short container
  // id, an exit's outcome) instead of the field's.
  std::function<std::string(const Event&)> text = nullptr;
};

}  // namespace ebpfmon
