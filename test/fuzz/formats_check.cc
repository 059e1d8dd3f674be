#include <cmath>
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

Value read_value(ByteReader& in, ValueType type) {
  switch (type) {
    case ValueType::Int:
      return in.raw<int64_t>();
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
    case ValueType::ProcessChain: {
      ProcessChain chain(in.byte() % 5);
      for (ProcessRef& p : chain) {
        p.pid = in.raw<uint32_t>();
        p.comm = in.string();
      }
      return chain;
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
    f.type = static_cast<ValueType>(in.byte() % 8);
  }
  const uint8_t shape = in.byte();
  const size_t n = d.schema.fields.size();
  d.event.values.resize((shape & 0x80) != 0 ? (shape & 0x7f) % (n + 1) : n);
  for (size_t i = 0; i < d.event.values.size(); ++i)
    d.event.values[i] = read_value(in, d.schema.fields[i].type);
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

bool json_value_matches(const nlohmann::json& j, const Value& v) {
  if (auto i = std::get_if<int64_t>(&v)) return j.is_number_integer() && j.get<int64_t>() == *i;
  if (auto u = std::get_if<uint64_t>(&v)) return j.is_number_unsigned() && j.get<uint64_t>() == *u;
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
  if (auto chain = std::get_if<ProcessChain>(&v)) {
    if (!j.is_array() || j.size() != chain->size()) return false;
    for (size_t i = 0; i < chain->size(); ++i)
      if (!j[i].is_object() || j[i].size() != 2 || j[i]["pid"] != (*chain)[i].pid ||
          !json_string_matches(j[i]["comm"], (*chain)[i].comm))
        return false;
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
  if (!j.is_object()) return "JSON line is not an object";
  bool names_valid = true;
  for (const Field& f : d.schema.fields) names_valid = names_valid && valid_utf8(f.name);
  // Names that are not UTF-8 get U+FFFD and may then collide; only the
  // count can be checked for them. Of repeated names, the last one wins.
  if (!names_valid) return j.size() <= d.schema.fields.size() ? "" : "JSON object has extra keys";
  for (size_t i = 0; i < d.schema.fields.size(); ++i) {
    const std::string& name = d.schema.fields[i].name;
    const auto found = j.find(name);
    if (found == j.end()) return "JSON object lacks key " + name;
    bool last = true;
    for (size_t k = i + 1; k < d.schema.fields.size(); ++k)
      last = last && d.schema.fields[k].name != name;
    if (!last) continue;
    const bool matches = i < d.event.values.size() ? json_value_matches(*found, d.event.values[i])
                                                   : found->is_null();
    if (!matches) return "JSON value of " + name + " differs: " + line;
  }
  return {};
}

}  // namespace

std::string check_formats(const uint8_t* data, size_t size) {
  const Decoded d = decode(data, size);
  if (std::string broken = check_csv(d); !broken.empty()) return broken;
  return check_jsonl(d);
}

}  // namespace ebpfmon::fuzz
