#include "core/text.h"

#include <algorithm>
#include <charconv>

namespace ebpfmon {

namespace {

void append_escaped(std::string& out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  if (c < 0x20 || c == 0x7f) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  } else {
    out += static_cast<char>(c);
  }
}

}  // namespace

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string hex_text(uint64_t value) {
  char text[2 + 16] = {'0', 'x'};
  const char* end = std::to_chars(text + 2, text + sizeof text, value, 16).ptr;
  return std::string(static_cast<const char*>(text), end);
}

std::string size_text(uint64_t bytes) {
  if (bytes >= (1u << 20)) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string((bytes + 1023) >> 10) + " KiB";
}

// Table 3-7 of the Unicode standard: the second byte's range excludes
// overlongs (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
Utf8Sequence scan_utf8_sequence(const unsigned char* bytes, size_t available) {
  const unsigned char lead = bytes[0];
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {1, false};
  }
  for (size_t i = 1; i < length; ++i) {
    if (i >= available || bytes[i] < low || bytes[i] > high) return {i, false};
    low = 0x80;
    high = 0xBF;
  }
  return {length, true};
}

std::string quote_for_message(std::string_view s, size_t max_shown) {
  std::string out = "'";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == max_shown) {
      out += "...";
      break;
    }
    append_escaped(out, static_cast<unsigned char>(s[i]));
  }
  out += "'";
  return out;
}

std::string escape_control_bytes(std::string_view s) {
  std::string out;
  for (const char c : s) append_escaped(out, static_cast<unsigned char>(c));
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<size_t> closest_match(std::string_view typed, const std::vector<std::string>& candidates,
                                    size_t max_edits) {
  std::optional<size_t> best;
  size_t best_distance = max_edits + 1;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const size_t d = edit_distance(typed, candidates[i]);
    if (d < best_distance) {
      best_distance = d;
      best = i;
    }
  }
  return best;
}

Error printable(Error error) {
  error.message = escape_control_bytes(error.message);
  error.hint = escape_control_bytes(error.hint);
  return error;
}

}  // namespace ebpfmon
