// Rendering one event as a line of text. One place for CSV quoting and one
// for JSON escaping.
#pragma once

#include <string>
#include <string_view>

#include "core/event.h"

namespace ebpfmon {

std::string_view file_extension(FileFormat f);  // "csv" or "jsonl"

// RFC 4180: a field containing the delimiter, a double quote, CR or LF is
// quoted and inner quotes doubled. Appends to out.
void append_csv_field(std::string& out, std::string_view field, char delimiter);
// Header line (with trailing "\n") and one record line (with trailing "\n").
std::string csv_header(const Schema& schema, char delimiter);
void append_csv_record(std::string& out, const Schema& schema, const Event& event, char delimiter);

// JSON string literal with quotes; invalid UTF-8 bytes become U+FFFD.
void append_json_string(std::string& out, std::string_view s);
// One JSON object with the schema's field names and native types, "\n" ended.
void append_jsonl_record(std::string& out, const Schema& schema, const Event& event);

// Text of a value as CSV and the console show it: booleans true/false,
// timestamps as Unix seconds with 6 decimals, string lists joined by spaces.
std::string value_to_text(const Value& v);

}  // namespace ebpfmon
