#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "byte_reader.h"
#include "checks.h"
#include "csv_reader.h"
#include "sinks/formats.h"

namespace ebpfmon::fuzz {
namespace {

// What output.csv_delimiter may be (config.h): tab or printable ASCII but '"'.
std::string allowed_delimiters() {
  std::string all = "\t";
  for (char c = 0x20; c <= 0x7e; ++c)
    if (c != '"') all.push_back(c);
  return all;
}

// Records and lists hold values of any type, nested up to kMaxDepth deep.
constexpr int kMaxDepth = 3;

ValueType read_type(ByteReader& in, int depth) {
  // Record and List come last in ValueType.
  const size_t kinds = depth < kMaxDepth ? kValueTypes : kValueTypes - 2;
  return static_cast<ValueType>(in.byte() % kinds);
}

Value read_value(ByteReader& in, ValueType type, int depth) {
  switch (type) {
    case ValueType::Int: {
      const auto n = in.raw<int64_t>();
      // An Int field may hold an address (a syscall's mmap return).
      if (in.byte() % 4 == 0) return Address{static_cast<uint64_t>(n)};
      return n;
    }
    case ValueType::UInt:
      return in.raw<uint64_t>();
    case ValueType::Float:
      return in.raw<double>();
    case ValueType::Bool:
      return (in.byte() & 1) != 0;
    case ValueType::String:
      return in.string();
    case ValueType::StringList: {
      std::vector<std::string> items(in.byte() % 5);
      for (std::string& item : items) item = in.string();
      return items;
    }
    case ValueType::Time:
      return Timestamp{in.raw<int64_t>()};
    case ValueType::Record: {
      ValueRecord record;
      record.fields.resize(in.byte() % 4);
      for (auto& [name, value] : record.fields) {
        name = in.string();
        value = read_value(in, read_type(in, depth + 1), depth + 1);
      }
      if (in.byte() % 4 == 0) record.text = in.string();  // its own one-line text
      return record;
    }
    case ValueType::List: {
      ValueList list;
      list.items.resize(in.byte() % 4);
      for (Value& item : list.items) item = read_value(in, read_type(in, depth + 1), depth + 1);
      return list;
    }
  }
  return std::string();
}

// Input layout: delimiter, field count, then per field its name and type,
// then how many values the event has (it may be short), then the values.
struct Decoded {
  char delimiter;
  Schema schema;
  Event event;
};

Decoded decode(const uint8_t* data, size_t size) {
  static const std::string delimiters = allowed_delimiters();
  ByteReader in(data, size);
  Decoded d;
  d.delimiter = delimiters[in.byte() % delimiters.size()];
  d.schema.fields.resize(1 + in.byte() % 8);
  for (Field& f : d.schema.fields) {
    f.name = in.string();
    f.type = read_type(in, 0);
  }
  const uint8_t shape = in.byte();
  const size_t n = d.schema.fields.size();
  d.event.values.resize((shape & 0x80) != 0 ? (shape & 0x7f) % (n + 1) : n);
  for (size_t i = 0; i < d.event.values.size(); ++i)
    d.event.values[i] = read_value(in, d.schema.fields[i].type, 0);
  return d;
}

// A plain decoder, independent of the one in formats.cc: no overlongs, no
// surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    size_t length = 1;
    uint32_t cp = lead;
    if (lead >= 0xF0) {
      length = 4;
      cp = lead & 0x07;
    } else if (lead >= 0xE0) {
      length = 3;
      cp = lead & 0x0F;
    } else if (lead >= 0xC0) {
      length = 2;
      cp = lead & 0x1F;
    } else if (lead >= 0x80) {
      return false;
    }
    if (lead > 0xF7 || i + length > s.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3F);
    }
    static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinimum[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

// Unix seconds with 6 decimals, truncated toward zero: read back as
// microseconds it must be ns / 1000 (|ns / 1000| < 2^63, no overflow).
bool timestamp_text_matches(const std::string& text, int64_t ns) {
  std::string_view t = text;
  const bool negative = !t.empty() && t.front() == '-';
  if (negative) t.remove_prefix(1);
  const size_t dot = t.find('.');
  if (dot == std::string_view::npos || dot == 0 || t.size() - dot != 7 || t.size() > 18)
    return false;
  int64_t micros = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (i == dot) continue;
    if (t[i] < '0' || t[i] > '9') return false;
    micros = micros * 10 + (t[i] - '0');
  }
  if (negative && micros == 0) return false;  // no "-0.000000"
  return (negative ? -micros : micros) == ns / 1000;
}

std::string check_value_text(const Value& v);

// A record's or a list's text: its values' texts, each checked, joined by
// `separator`.
template <class Items, class ValueOf>
std::string check_joined_text(const std::string& text, const Items& items, char separator,
                              ValueOf value_of) {
  std::string joined;
  for (size_t i = 0; i < items.size(); ++i) {
    const Value& item = value_of(items[i]);
    if (std::string broken = check_value_text(item); !broken.empty()) return broken;
    if (i > 0) joined.push_back(separator);
    joined += value_to_text(item);
  }
  return text == joined ? "" : "record or list text " + text;
}

// The text a value must have in a CSV field, checked against what C++
// itself prints where there is an independent way to get it.
std::string check_value_text(const Value& v) {
  const std::string text = value_to_text(v);
  if (auto i = std::get_if<int64_t>(&v); i && text != std::to_string(*i)) return "int text " + text;
  if (auto u = std::get_if<uint64_t>(&v); u && text != std::to_string(*u))
    return "uint text " + text;
  if (auto b = std::get_if<bool>(&v); b && text != (*b ? "true" : "false"))
    return "bool text " + text;
  if (auto t = std::get_if<Timestamp>(&v); t && !timestamp_text_matches(text, t->ns))
    return "timestamp " + std::to_string(t->ns) + " written as " + text;
  if (auto d = std::get_if<double>(&v); d && std::isfinite(*d)) {
    // Six decimals, so at most half a millionth away (and the binary error).
    const double back = std::strtod(text.c_str(), nullptr);
    if (!(std::fabs(back - *d) <= 5e-7 + std::fabs(*d) * 1e-15)) return "double text " + text;
  }
  if (auto a = std::get_if<Address>(&v)) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(a->value));
    return text == hex ? "" : "address text " + text;
  }
  if (auto r = std::get_if<ValueRecord>(&v); r && !r->text.empty())
    return text == r->text ? "" : "record text " + text;
  if (auto r = std::get_if<ValueRecord>(&v))
    return check_joined_text(text, r->fields, ':',
                             [](const auto& f) -> const Value& { return f.second; });
  if (auto l = std::get_if<ValueList>(&v))
    return check_joined_text(text, l->items, ';',
                             [](const Value& item) -> const Value& { return item; });
  return {};
}

std::string check_csv(const Decoded& d) {
  const std::string header = csv_header(d.schema, d.delimiter);
  const auto names = read_csv_record(header, d.delimiter);
  if (!names) return "CSV header is not one RFC 4180 record: " + header;
  if (names->size() != d.schema.fields.size()) return "CSV header has the wrong field count";
  for (size_t i = 0; i < names->size(); ++i)
    if ((*names)[i] != d.schema.fields[i].name)
      return "CSV header field " + std::to_string(i) + " changed";

  std::string record;
  append_csv_record(record, d.schema, d.event, d.delimiter);
  const auto fields = read_csv_record(record, d.delimiter);
  if (!fields) return "CSV record is not one RFC 4180 record: " + record;
  if (fields->size() != d.schema.fields.size())
    return "CSV record has the wrong field count: " + record;
  for (size_t i = 0; i < fields->size(); ++i) {
    const bool present = i < d.event.values.size();
    if (present) {
      if (std::string broken = check_value_text(d.event.values[i]); !broken.empty()) return broken;
    }
    if ((*fields)[i] != (present ? value_to_text(d.event.values[i]) : ""))
      return "CSV field " + std::to_string(i) + " reads back differently: " + record;
  }
  return {};
}

// A string as JSON: the same text when it was valid UTF-8, else some valid
// text with U+FFFD where bytes were dropped.
bool json_string_matches(const nlohmann::json& j, const std::string& s) {
  if (!j.is_string()) return false;
  const auto& text = j.get_ref<const std::string&>();
  return valid_utf8(s) ? text == s : text.find("\xEF\xBF\xBD") != std::string::npos;
}

bool json_value_matches(const nlohmann::json& j, const Value& v);

// An object written from names and values (a missing value is null): each
// name a key, with its value. Names that are not UTF-8 get U+FFFD and may
// then collide; only the count can be checked for them. Of repeated names,
// the last one wins. Returns what differs.
std::string object_differs(const nlohmann::json& j, const std::vector<std::string>& names,
                           const std::vector<const Value*>& values) {
  if (!j.is_object()) return "not an object";
  bool names_valid = true;
  for (const std::string& name : names) names_valid = names_valid && valid_utf8(name);
  if (!names_valid) return j.size() <= names.size() ? "" : "extra keys";
  if (j.size() > names.size()) return "extra keys";
  for (size_t i = 0; i < names.size(); ++i) {
    const auto found = j.find(names[i]);
    if (found == j.end()) return "no key " + names[i];
    if (std::find(names.begin() + static_cast<std::ptrdiff_t>(i) + 1, names.end(), names[i]) !=
        names.end())
      continue;
    const bool matches =
        values[i] != nullptr ? json_value_matches(*found, *values[i]) : found->is_null();
    if (!matches) return "the value of " + names[i];
  }
  return {};
}

bool json_value_matches(const nlohmann::json& j, const Value& v) {
  if (auto i = std::get_if<int64_t>(&v)) return j.is_number_integer() && j.get<int64_t>() == *i;
  if (auto u = std::get_if<uint64_t>(&v)) return j.is_number_unsigned() && j.get<uint64_t>() == *u;
  if (auto a = std::get_if<Address>(&v))
    return j.is_number_unsigned() && j.get<uint64_t>() == a->value;
  if (auto b = std::get_if<bool>(&v)) return j.is_boolean() && j.get<bool>() == *b;
  if (auto s = std::get_if<std::string>(&v)) return json_string_matches(j, *s);
  if (auto d = std::get_if<double>(&v)) {
    // Non-finite numbers have no JSON form.
    if (!std::isfinite(*d)) return j.is_null();
    return j.is_number() && j.get<double>() == std::strtod(value_to_text(v).c_str(), nullptr);
  }
  if (std::holds_alternative<Timestamp>(v))
    return j.is_number() && j.get<double>() == std::strtod(value_to_text(v).c_str(), nullptr);
  if (std::holds_alternative<NoValue>(v)) return j.is_null();
  if (auto record = std::get_if<ValueRecord>(&v)) {
    std::vector<std::string> names;
    std::vector<const Value*> values;
    for (const auto& [name, value] : record->fields) {
      names.push_back(name);
      values.push_back(&value);
    }
    return object_differs(j, names, values).empty();
  }
  if (auto list = std::get_if<ValueList>(&v)) {
    if (!j.is_array() || j.size() != list->items.size()) return false;
    for (size_t i = 0; i < list->items.size(); ++i)
      if (!json_value_matches(j[i], list->items[i])) return false;
    return true;
  }
  const auto& items = std::get<std::vector<std::string>>(v);
  if (!j.is_array() || j.size() != items.size()) return false;
  for (size_t i = 0; i < items.size(); ++i)
    if (!json_string_matches(j[i], items[i])) return false;
  return true;
}

std::string check_jsonl(const Decoded& d) {
  std::string line;
  append_jsonl_record(line, d.schema, d.event);
  if (line.empty() || line.back() != '\n') return "JSON line does not end with a newline";
  if (line.find_first_of("\r\n") != line.size() - 1) return "JSON line has a raw CR or LF: " + line;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    return std::string("JSON line does not parse (") + e.what() + "): " + line;
  }
  std::vector<std::string> names;
  std::vector<const Value*> values;
  for (size_t i = 0; i < d.schema.fields.size(); ++i) {
    names.push_back(d.schema.fields[i].name);
    values.push_back(i < d.event.values.size() ? &d.event.values[i] : nullptr);
  }
  if (std::string differs = object_differs(j, names, values); !differs.empty())
    return "JSON line: " + differs + ": " + line;
  return {};
}

}  // namespace

std::string check_formats(const uint8_t* data, size_t size) {
  const Decoded d = decode(data, size);
  if (std::string broken = check_csv(d); !broken.empty()) return broken;
  return check_jsonl(d);
}

}  // namespace ebpfmon::fuzz
