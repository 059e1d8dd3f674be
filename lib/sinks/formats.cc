#include "sinks/formats.h"

#include <charconv>
#include <cmath>
#include <type_traits>

#include "core/text.h"
#include "core/time_format.h"

namespace ebpfmon {
namespace {

// Fixed notation of DBL_MAX needs 309 integer digits, '-', '.' and 6 decimals.
using NumberBuffer = char[320];

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

template <class Integer>
std::string_view integer_text(NumberBuffer& buf, Integer value) {
  const auto result = std::to_chars(std::begin(buf), std::end(buf), value);
  return {buf, static_cast<size_t>(result.ptr - buf)};
}

// Integral values keep one decimal ("15.0") so that the column reads as a
// float; others get at most 6 decimals with the trailing zeros dropped
// ("0.015"), which avoids the binary noise of shortest round-trip output
// for values such as durations computed from nanoseconds.
std::string_view double_text(NumberBuffer& buf, double value) {
  auto result = std::to_chars(std::begin(buf), std::end(buf), value, std::chars_format::fixed, 6);
  if (result.ec != std::errc{}) result = std::to_chars(std::begin(buf), std::end(buf), value);
  if (!std::isfinite(value)) return {buf, static_cast<size_t>(result.ptr - buf)};
  const char* end = result.ptr;
  while (end[-1] == '0' && end[-2] != '.') --end;
  return {buf, static_cast<size_t>(end - buf)};
}

std::string_view bool_text(bool value) { return value ? "true" : "false"; }

bool needs_csv_quotes(std::string_view field, char delimiter) {
  for (const char c : field)
    if (c == delimiter || c == '"' || c == '\r' || c == '\n') return true;
  return false;
}

void append_doubling_quotes(std::string& out, std::string_view text) {
  size_t start = 0;
  for (size_t quote = text.find('"'); quote != std::string_view::npos;
       quote = text.find('"', quote + 1)) {
    out.append(text.data() + start, quote + 1 - start);
    out.push_back('"');
    start = quote + 1;
  }
  out.append(text.data() + start, text.size() - start);
}

// A string list is one field, its items joined by single spaces. Quoting is
// decided on the joined text without building it.
void append_csv_string_list(std::string& out, const std::vector<std::string>& items,
                            char delimiter) {
  bool quoted = delimiter == ' ' && items.size() > 1;
  for (size_t i = 0; i < items.size() && !quoted; ++i)
    quoted = needs_csv_quotes(items[i], delimiter);

  if (quoted) out.push_back('"');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(' ');
    if (quoted)
      append_doubling_quotes(out, items[i]);
    else
      out.append(items[i]);
  }
  if (quoted) out.push_back('"');
}

// A record's values joined by ':', a list's items by ';', whatever they
// hold: exec's ancestors, a list of {pid, comm}, read "pid:comm;pid:comm".
template <class Items, class Text>
std::string joined_text(const Items& items, char separator, Text text_of) {
  std::string text;
  for (const auto& item : items) {
    if (&item != &items.front()) text.push_back(separator);
    text += value_to_text(text_of(item));
  }
  return text;
}

std::string record_text(const ValueRecord& record) {
  if (!record.text.empty()) return record.text;
  return joined_text(record.fields, ':',
                     [](const auto& field) -> const Value& { return field.second; });
}

std::string list_text(const ValueList& list) {
  return joined_text(list.items, ';', [](const Value& item) -> const Value& { return item; });
}

// Numbers go through append_csv_field too: the delimiter may be '.' or '-'.
void append_csv_value(std::string& out, const Value& value, char delimiter) {
  NumberBuffer buf;
  std::visit(
      Overloaded{
          [&](int64_t v) { append_csv_field(out, integer_text(buf, v), delimiter); },
          [&](uint64_t v) { append_csv_field(out, integer_text(buf, v), delimiter); },
          [&](double v) { append_csv_field(out, double_text(buf, v), delimiter); },
          [&](bool v) { append_csv_field(out, bool_text(v), delimiter); },
          [&](const std::string& v) { append_csv_field(out, v, delimiter); },
          [&](const std::vector<std::string>& v) { append_csv_string_list(out, v, delimiter); },
          [&](Timestamp v) { append_csv_field(out, format_unix_seconds(v), delimiter); },
          [&](NoValue) {},
          [&](const ValueRecord& v) { append_csv_field(out, record_text(v), delimiter); },
          [&](const ValueList& v) { append_csv_field(out, list_text(v), delimiter); },
          [&](Address v) { append_csv_field(out, hex_text(v.value), delimiter); },
      },
      value);
}

void append_json_escape(std::string& out, unsigned char c) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  switch (c) {
    case '"': out.append("\\\""); return;
    case '\\': out.append("\\\\"); return;
    case '\b': out.append("\\b"); return;
    case '\f': out.append("\\f"); return;
    case '\n': out.append("\\n"); return;
    case '\r': out.append("\\r"); return;
    case '\t': out.append("\\t"); return;
    default: {
      const char escape[] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xF]};
      out.append(escape, sizeof escape);
    }
  }
}

void append_json_value(std::string& out, const Value& value) {
  NumberBuffer buf;
  std::visit(Overloaded{
                 [&](int64_t v) { out.append(integer_text(buf, v)); },
                 [&](uint64_t v) { out.append(integer_text(buf, v)); },
                 [&](double v) { out.append(std::isfinite(v) ? double_text(buf, v) : "null"); },
                 [&](bool v) { out.append(bool_text(v)); },
                 [&](const std::string& v) { append_json_string(out, v); },
                 [&](const std::vector<std::string>& v) {
                   out.push_back('[');
                   for (size_t i = 0; i < v.size(); ++i) {
                     if (i > 0) out.push_back(',');
                     append_json_string(out, v[i]);
                   }
                   out.push_back(']');
                 },
                 // Written as text: a double would lose the microseconds.
                 [&](Timestamp v) { out.append(format_unix_seconds(v)); },
                 [&](NoValue) { out.append("null"); },
                 [&](const ValueRecord& v) {
                   out.push_back('{');
                   for (size_t i = 0; i < v.fields.size(); ++i) {
                     if (i > 0) out.push_back(',');
                     append_json_string(out, v.fields[i].first);
                     out.push_back(':');
                     append_json_value(out, v.fields[i].second);
                   }
                   out.push_back('}');
                 },
                 [&](const ValueList& v) {
                   out.push_back('[');
                   for (size_t i = 0; i < v.items.size(); ++i) {
                     if (i > 0) out.push_back(',');
                     append_json_value(out, v.items[i]);
                   }
                   out.push_back(']');
                 },
                 [&](Address v) { out.append(integer_text(buf, v.value)); },
             },
             value);
}

}  // namespace

std::string_view file_extension(FileFormat f) { return f == FileFormat::Csv ? "csv" : "jsonl"; }

void append_csv_field(std::string& out, std::string_view field, char delimiter) {
  if (!needs_csv_quotes(field, delimiter)) {
    out.append(field);
    return;
  }
  out.push_back('"');
  append_doubling_quotes(out, field);
  out.push_back('"');
}

std::string csv_header(const Schema& schema, char delimiter) {
  std::string header;
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    if (i > 0) header.push_back(delimiter);
    append_csv_field(header, schema.fields[i].name, delimiter);
  }
  header.push_back('\n');
  return header;
}

void append_csv_record(std::string& out, const Schema& schema, const Event& event, char delimiter) {
  // The schema decides the column count, so a short event still yields a
  // well-formed row (empty trailing fields).
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    if (i > 0) out.push_back(delimiter);
    if (i < event.values.size()) append_csv_value(out, event.values[i], delimiter);
  }
  out.push_back('\n');
}

void append_json_string(std::string& out, std::string_view s) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(s.data());
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  // Bytes that pass through unchanged are copied in runs, not one by one.
  size_t run_start = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    const unsigned char c = bytes[pos];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++pos;
      continue;
    }
    if (c >= 0x80) {
      const Utf8Sequence sequence = scan_utf8_sequence(bytes + pos, s.size() - pos);
      if (sequence.valid) {
        pos += sequence.length;
        continue;
      }
      out.append(s.data() + run_start, pos - run_start);
      out.append("\\ufffd");
      pos += sequence.length;
    } else {
      out.append(s.data() + run_start, pos - run_start);
      append_json_escape(out, c);
      ++pos;
    }
    run_start = pos;
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out.push_back('"');
}

void append_jsonl_record(std::string& out, const Schema& schema, const Event& event) {
  out.push_back('{');
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_json_string(out, schema.fields[i].name);
    out.push_back(':');
    if (i < event.values.size())
      append_json_value(out, event.values[i]);
    else
      out.append("null");
  }
  out.append("}\n");
}

std::string value_to_text(const Value& value) {
  NumberBuffer buf;
  return std::visit(Overloaded{
                        [&](int64_t v) { return std::string(integer_text(buf, v)); },
                        [&](uint64_t v) { return std::string(integer_text(buf, v)); },
                        [&](double v) { return std::string(double_text(buf, v)); },
                        [&](bool v) { return std::string(bool_text(v)); },
                        [&](const std::string& v) { return v; },
                        [&](const std::vector<std::string>& v) {
                          std::string joined;
                          for (size_t i = 0; i < v.size(); ++i) {
                            if (i > 0) joined.push_back(' ');
                            joined.append(v[i]);
                          }
                          return joined;
                        },
                        [&](Timestamp v) { return format_unix_seconds(v); },
                        [&](NoValue) { return std::string(); },
                        [&](const ValueRecord& v) { return record_text(v); },
                        [&](const ValueList& v) { return list_text(v); },
                        [&](Address v) { return hex_text(v.value); },
                    },
                    value);
}

}  // namespace ebpfmon
