#include "core/settings.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/filters.h"
#include "core/text.h"

namespace ebpfmon {
namespace {

constexpr uint64_t kU32Max = std::numeric_limits<uint32_t>::max();
constexpr double kYear = 31536000;

std::string describe(const RawValue& v) {
  switch (v.kind) {
    case RawValue::Kind::Scalar:
      return quote_for_message(v.text);
    case RawValue::Kind::Sequence:
      return "a sequence";
    case RawValue::Kind::Mapping:
      return "a mapping";
    case RawValue::Kind::Null:
      break;
  }
  return "null";
}

Error at(const RawValue& v, const std::string& message) {
  return Error::usage(v.where.empty() ? message : v.where + ": " + message);
}

// A quoted YAML scalar is a string even when it looks like a number or a
// boolean (Python's loader would hand the tool a str): refused where a
// number or a boolean belongs.
bool is_plain(const RawValue& v) {
  return v.kind == RawValue::Kind::Scalar && !v.quoted;
}

// Decimal digits with an optional '+'. No hex, octal, sign or '_': a value
// should read the same to every YAML implementation and every shell user.
std::optional<uint64_t> plain_integer(const RawValue& v) {
  if (!is_plain(v)) return std::nullopt;
  std::string_view s = v.text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::optional<double> plain_number(const RawValue& v) {
  if (!is_plain(v)) return std::nullopt;
  std::string_view s = v.text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d))
    return std::nullopt;
  return d;
}

// YAML 1.1's booleans as yaml-cpp reads them: lower, UPPER or Capitalised.
std::optional<bool> plain_bool(const RawValue& v) {
  if (!is_plain(v) || v.text.empty()) return std::nullopt;
  const std::string& s = v.text;
  const bool rest_lower = std::all_of(
      s.begin() + 1, s.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
  const bool all_upper = std::all_of(
      s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
  if (!rest_lower && !all_upper) return std::nullopt;
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* yes : {"y", "yes", "true", "on"})
    if (lower == yes) return true;
  for (const char* no : {"n", "no", "false", "off"})
    if (lower == no) return false;
  return std::nullopt;
}

}  // namespace

Error value_error(const RawValue& value, std::string_view expected) {
  return at(value, std::string(expected) + ", got " + describe(value));
}

Result<uint64_t> read_integer(const RawValue& value, uint64_t min, uint64_t max) {
  std::string what;
  if (max < kU32Max)
    what = "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
  else
    what = min == 0 ? "expected a non-negative integer"
                    : "expected an integer of at least " + std::to_string(min);
  const std::optional<uint64_t> n = plain_integer(value);
  if (!n || *n < min || *n > max) return value_error(value, what);
  return *n;
}

Result<double> read_number(const RawValue& value, const NumberRange& range) {
  std::string what = "expected a";
  const std::string unit = range.unit ? std::string(" of ") + range.unit : "";
  if (!range.min_exclusive && range.min == 0 && std::isinf(range.max)) {
    what += " non-negative number" + unit;
  } else {
    what += " number" + unit + (range.min_exclusive ? " greater than " : " of at least ") +
            show_number_text(range.min);
    if (!std::isinf(range.max)) what += " and at most " + show_number_text(range.max);
  }
  const std::optional<double> d = plain_number(value);
  const bool ok = d && (range.min_exclusive ? *d > range.min : *d >= range.min) && *d <= range.max;
  if (!ok) return value_error(value, what);
  return *d;
}

Result<bool> read_bool(const RawValue& value) {
  const std::optional<bool> b = plain_bool(value);
  if (!b) return value_error(value, "expected true or false");
  return *b;
}

Result<std::string> read_choice(const RawValue& value, const std::vector<std::string>& choices) {
  if (value.kind == RawValue::Kind::Scalar &&
      std::find(choices.begin(), choices.end(), value.text) != choices.end())
    return value.text;
  std::string what = "expected one of ";
  for (size_t i = 0; i < choices.size(); ++i) what += (i ? ", " : "") + choices[i];
  return value_error(value, what);
}

Result<double> read_seconds(const RawValue& value, ZeroSeconds zero) {
  if (value.kind != RawValue::Kind::Scalar || value.quoted)
    return value_error(value, "expected a number of seconds");
  const std::string& text = value.text;
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(d) ||
      text.find_first_of("xXpP \t") != std::string::npos)
    return at(value, quote_for_message(text) + " is not a number of seconds");
  if (zero == ZeroSeconds::NoLimit && d >= 0 && d <= kYear) return d;
  if (d <= 0 || d > kYear)
    return at(value, text + (zero == ZeroSeconds::NoLimit
                                 ? " is out of range (0 to 31536000 seconds; 0 means no limit)"
                                 : " is out of range (more than 0, at most 31536000 seconds)"));
  return d;
}

Result<std::string> read_text(const RawValue& value) {
  if (value.kind != RawValue::Kind::Scalar) return value_error(value, "expected a string");
  return value.text;
}

Result<std::string> read_path(const RawValue& value) {
  Result<std::string> text = read_text(value);
  if (!text) return text;
  if (text->empty() || text->find('\0') != std::string::npos)
    return value_error(value, "expected a non-empty path");
  return text;
}

Result<std::vector<std::string>> read_words(const RawValue& value, std::string_view item_name,
                                            const ItemCheck& check) {
  std::vector<std::string> words;
  auto keep = [&](const RawValue& item) -> Result<void> {
    if (check)
      if (auto r = check(item); !r) return r;
    if (std::find(words.begin(), words.end(), item.text) == words.end()) words.push_back(item.text);
    return {};
  };
  if (value.kind == RawValue::Kind::Sequence) {
    for (const RawValue& item : value.items) {
      if (item.kind != RawValue::Kind::Scalar || item.text.empty())
        return value_error(item, "expected a " + std::string(item_name));
      if (auto r = keep(item); !r) return r.error();
    }
    return words;
  }
  if (value.kind != RawValue::Kind::Scalar)
    return value_error(value, "expected a sequence or a comma-separated string");
  auto list = parse_word_list(value.text, value.where, item_name);
  if (!list) return list.error();
  for (const std::string& word : *list) {
    RawValue item = value;
    item.text = word;
    if (auto r = keep(item); !r) return r.error();
  }
  return words;
}

// "0.5", "3600000": no exponent where a person would write none.
std::string show_number_text(double d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", d);
  return text;
}

std::string show_list_text(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ", ") + item;
  return "[" + out + "]";
}

const Setting* SettingsSection::by_key(std::string_view key) const {
  for (const Setting& s : settings)
    if (s.key == key) return &s;
  return nullptr;
}

const Setting* SettingsSection::by_flag(std::string_view flag) const {
  for (const Setting& s : settings)
    if (s.flag == flag) return &s;
  return nullptr;
}

namespace {
// A function-local static: sections register from other objects' static
// initialisers, whose order we do not control.
std::vector<SettingsSection>& sections() {
  static std::vector<SettingsSection> all;
  return all;
}
}  // namespace

bool register_settings_section(SettingsSection section) {
  if (find_settings_section(section.name) != nullptr) return false;
  sections().push_back(std::move(section));
  std::sort(sections().begin(), sections().end(),
            [](const SettingsSection& a, const SettingsSection& b) { return a.name < b.name; });
  return true;
}

const std::vector<SettingsSection>& settings_sections() {
  return sections();
}

const SettingsSection* find_settings_section(std::string_view name) {
  for (const SettingsSection& s : sections())
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace ebpfmon
