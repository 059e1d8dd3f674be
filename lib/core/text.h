// Showing user input inside one-line messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ebpfmon {

// 'value' in single quotes, control bytes as \xNN (so a multi-line value
// cannot break the line or the terminal), cut with "..." past max_shown bytes.
std::string quote_for_message(std::string_view s, size_t max_shown = 80);
// The same escaping without quotes or cut, for text that embeds user input
// (such as a parser's message quoting a byte of it).
std::string escape_control_bytes(std::string_view s);

// An error whose message and hint quote user input (keys, values, file
// names), made one printable line whatever bytes they hold.
Error printable(Error error);

bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// "0x" and the lowercase hex digits of `value` (an address, a flag remainder).
std::string hex_text(uint64_t value);

// "12 MiB", "3 KiB" (whole units, rounded down past a MiB, up below it).
std::string size_text(uint64_t bytes);

// One UTF-8 sequence at the start of `bytes` (Unicode table 3-7: no
// overlongs, surrogates or code points above U+10FFFF). When invalid,
// `length` is its longest valid prefix (>= 1): the "maximal subpart" a
// replacement covers.
struct Utf8Sequence {
  size_t length;
  bool valid;
};
Utf8Sequence scan_utf8_sequence(const unsigned char* bytes, size_t available);

// Optimal-string-alignment distance (Levenshtein plus adjacent swaps), so
// "exce" is one edit from "exec".
size_t edit_distance(std::string_view a, std::string_view b);

// Index of the candidate closest to `typed` within `max_edits`, for
// "did you mean" hints; the first one wins a tie.
std::optional<size_t> closest_match(std::string_view typed, const std::vector<std::string>& candidates,
                                    size_t max_edits = 2);

}  // namespace ebpfmon
