// A strict RFC 4180 reader for one record, written apart from the writer in
// lib/sinks/formats.cc so that the two can check each other.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ebpfmon::fuzz {

// The fields of `line`, which must be exactly one record ended by "\n".
// Nothing is tolerated: an unquoted '"' or CR, text after a closing quote,
// an unterminated quote or a missing or early line end give nullopt.
std::optional<std::vector<std::string>> read_csv_record(std::string_view line, char delimiter);

}  // namespace ebpfmon::fuzz
