// Settings, said once: one table of keys (YAML), flags, types, ranges or
// choices, defaults, help and doc lines. Each monitor has one (under
// monitors.<name>); the settings every tool shares (output, filters,
// duration, export, metrics, logging) have one too (core/config.h). The
// config loader, the command line, --help and the user guide's tables of
// keys are all made from them, so a value is accepted or refused alike from
// YAML and from a flag, with the same reason.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace ebpfmon {

// A value as the user gave it, from a YAML node or a command-line flag, and
// where to blame it. Only `where` differs between the two.
struct RawValue {
  enum class Kind { Scalar, Sequence, Mapping, Null };
  Kind kind = Kind::Scalar;
  std::string text;             // a scalar's text
  bool quoted = false;          // a quoted YAML scalar is a string, never a number or boolean
  std::vector<RawValue> items;  // a sequence's items, each with its own `where`
  std::string where;            // "t.yaml:3:15: monitors.exec.max_args" or "--max-args"

  // A scalar as typed on a command line (never quoted).
  static RawValue scalar(std::string where, std::string text) {
    RawValue v;
    v.text = std::move(text);
    v.where = std::move(where);
    return v;
  }
};

// "<where>: <expected>, got <the value>".
Error value_error(const RawValue& value, std::string_view expected);

// The readers every setting goes through; each names `value.where`.
Result<uint64_t> read_integer(const RawValue& value, uint64_t min, uint64_t max);
struct NumberRange {
  double min = 0;
  bool min_exclusive = true;
  double max = std::numeric_limits<double>::infinity();
  const char* unit = nullptr;  // "seconds": "expected a number of seconds ..."
};
Result<double> read_number(const RawValue& value, const NumberRange& range);
Result<bool> read_bool(const RawValue& value);
Result<std::string> read_choice(const RawValue& value, const std::vector<std::string>& choices);
// A number of seconds at most a year, greater than 0 (--interval's rule) or,
// where 0 means "no limit", at least 0 (--duration's).
enum class ZeroSeconds { Refused, NoLimit };
Result<double> read_seconds(const RawValue& value, ZeroSeconds zero = ZeroSeconds::Refused);
// A string (any scalar's text); a path is a non-empty one without NUL.
Result<std::string> read_text(const RawValue& value);
Result<std::string> read_path(const RawValue& value);
// Words from a YAML sequence or one comma-separated string (a flag's value):
// trimmed, non-empty, duplicates dropped; `check` refuses an item by its
// RawValue (a sequence item names its own line and column).
using ItemCheck = std::function<Result<void>(const RawValue& item)>;
Result<std::vector<std::string>> read_words(const RawValue& value, std::string_view item_name,
                                            const ItemCheck& check);

// Values as the docs' default column shows them: "0.5", "[vfs_*]".
std::string show_number_text(double d);
std::string show_list_text(const std::vector<std::string>& list);

enum class SettingKind { Integer, Number, Bool, Choice, Seconds, Words, Text, Other };

struct Setting {
  // Dotted for a nested mapping, under the section's place in the file; a
  // "*" part stands for any key there (logging.formatters.*.format). Empty:
  // a flag only.
  std::string key;
  std::string flag;  // long option without "--"; empty: config only
  char short_flag = 0;  // -x as well as --fails; 0: none
  std::string value_name;  // for --help; empty: the flag is a switch that sets true
  std::optional<std::string> implicit_value;  // --summary alone means --summary ""
  bool repeatable = false;                    // --threshold A=1 --threshold B=2
  std::string needs_flag;                     // "--by needs --summary"
  // -T and -t: "-T and -t both choose the live table's time: give one".
  std::string excludes_flag, excludes_reason;
  std::string help;                           // one line, for --help
  std::string doc;                            // the docs' meaning, when more than `help`
  std::string accepts;                        // for the docs: "1..1024", "auto, fentry, kprobe"
  SettingKind kind = SettingKind::Other;
  uint64_t min = 0, max = 0;         // Integer bounds
  NumberRange range;                 // Number bounds
  std::vector<std::string> choices;  // Choice
  std::function<Result<void>(const RawValue&, std::any& settings)> read;
  std::function<std::string(const std::any& settings)> show;  // the value, for the docs' default
};

// One section: its name, its settings struct at its defaults, the table. A
// monitor's section also has `enabled`, a bool whose default the monitor's
// registration gives (monitors/registry.h, ByDefault). A setting's
// `read` and `show` take the settings struct in a std::any, held by value or
// as a pointer to it (the shared section's struct is the whole Config).
struct SettingsSection {
  std::string name;
  bool enabled_by_default = false;
  std::any defaults;
  std::vector<Setting> settings;

  const Setting* by_key(std::string_view key) const;
  const Setting* by_flag(std::string_view flag) const;
};

// Builds a section for the settings struct S. `Ref` is a data member pointer
// of S or a callable S& -> T&.
template <class S>
class SettingsTable {
 public:
  explicit SettingsTable(std::string name) {
    section_.name = std::move(name);
    section_.defaults = S{};
  }

  template <class Ref>
  SettingsTable& integer(std::string key, std::string flag, Ref ref, uint64_t min, uint64_t max,
                         std::string help, std::string value_name = "N") {
    Setting s = make(std::move(key), std::move(flag), std::move(value_name), std::move(help));
    s.kind = SettingKind::Integer;
    s.min = min;
    s.max = max;
    s.accepts = std::to_string(min) + ".." + std::to_string(max);
    s.read = reader<Ref>(ref, [min, max](const RawValue& v) -> Result<uint32_t> {
      auto n = read_integer(v, min, max);
      if (!n) return n.error();
      return static_cast<uint32_t>(*n);
    });
    s.show = shower(ref, [](uint32_t n) { return std::to_string(n); });
    return add(std::move(s));
  }

  template <class Ref>
  SettingsTable& number(std::string key, std::string flag, Ref ref, NumberRange range,
                        std::string accepts, std::string help, std::string value_name = "N") {
    Setting s = make(std::move(key), std::move(flag), std::move(value_name), std::move(help));
    s.kind = SettingKind::Number;
    s.range = range;
    s.accepts = std::move(accepts);
    s.read = reader<Ref>(ref, [range](const RawValue& v) { return read_number(v, range); });
    s.show = shower(ref, [](double d) { return show_number_text(d); });
    return add(std::move(s));
  }

  // At most a year, and more than 0 unless 0 means no limit.
  template <class Ref>
  SettingsTable& seconds(std::string key, std::string flag, Ref ref, std::string help,
                         ZeroSeconds zero = ZeroSeconds::Refused, std::string value_name = "SECS") {
    Setting s = make(std::move(key), std::move(flag), std::move(value_name), std::move(help));
    s.kind = SettingKind::Seconds;
    s.accepts = zero == ZeroSeconds::NoLimit ? "[0, 31536000]" : "(0, 31536000]";
    s.read = reader<Ref>(ref, [zero](const RawValue& v) { return read_seconds(v, zero); });
    s.show = shower(ref, [](double d) { return show_number_text(d); });
    return add(std::move(s));
  }

  // From a flag it is a switch: given means true.
  template <class Ref>
  SettingsTable& boolean(std::string key, std::string flag, Ref ref, std::string help) {
    Setting s = make(std::move(key), std::move(flag), "", std::move(help));
    s.kind = SettingKind::Bool;
    s.accepts = "true, false";
    s.read = reader<Ref>(ref, [](const RawValue& v) { return read_bool(v); });
    s.show = shower(ref, [](bool b) { return std::string(b ? "true" : "false"); });
    return add(std::move(s));
  }

  // A flag-only switch that turns a boolean key off: --no-paths for paths.
  SettingsTable& off_switch(std::string flag, bool S::*ref, std::string help) {
    return custom(
        make("", std::move(flag), "", std::move(help)),
        [ref](const RawValue&, S& settings) -> Result<void> {
          settings.*ref = false;
          return {};
        },
        [ref](const S& settings) { return std::string(settings.*ref ? "off" : "on"); });
  }

  template <class Ref>
  SettingsTable& choice(std::string key, std::string flag, Ref ref,
                        std::vector<std::string> choices, std::string help,
                        std::string value_name = "NAME") {
    Setting s = make(std::move(key), std::move(flag), std::move(value_name), std::move(help));
    s.kind = SettingKind::Choice;
    for (const auto& c : choices) s.accepts += (s.accepts.empty() ? "" : ", ") + c;
    s.choices = choices;
    s.read = reader<Ref>(ref, [choices](const RawValue& v) { return read_choice(v, choices); });
    s.show = shower(ref, [](const std::string& c) { return c; });
    return add(std::move(s));
  }

  template <class Ref>
  SettingsTable& words(std::string key, std::string flag, Ref ref, std::string item_name,
                       ItemCheck check, std::string accepts, std::string help,
                       std::string value_name = "LIST") {
    Setting s = make(std::move(key), std::move(flag), std::move(value_name), std::move(help));
    s.kind = SettingKind::Words;
    s.accepts = std::move(accepts);
    s.read = reader<Ref>(
        ref, [item_name, check](const RawValue& v) { return read_words(v, item_name, check); });
    s.show = shower(ref, [](const std::vector<std::string>& list) { return show_list_text(list); });
    return add(std::move(s));
  }

  // A string: any text, or with `path` a non-empty path without NUL.
  enum class TextRule { Any, Path };
  template <class Ref>
  SettingsTable& text(std::string key, std::string flag, Ref ref, TextRule rule, std::string help,
                      std::string value_name = "TEXT") {
    Setting s = make(std::move(key), std::move(flag), std::move(value_name), std::move(help));
    s.kind = SettingKind::Text;
    s.accepts = rule == TextRule::Path ? "path" : "string";
    s.read = reader<Ref>(ref, [rule](const RawValue& v) {
      return rule == TextRule::Path ? read_path(v) : read_text(v);
    });
    s.show = shower(ref, [](const std::string& t) { return t; });
    return add(std::move(s));
  }

  // A key accepted for another tool's config file (the original Python
  // monitor's) and checked to be a string, but not used.
  SettingsTable& accepted_text(std::string key, std::string help) {
    Setting s = make(std::move(key), "", "", std::move(help));
    s.kind = SettingKind::Text;
    s.accepts = "string";
    s.read = [](const RawValue& v, std::any&) -> Result<void> {
      if (auto t = read_text(v); !t) return t.error();
      return {};
    };
    s.show = [](const std::any&) { return std::string(); };
    return add(std::move(s));
  }

  // Anything else: `read` stores into S itself; `show` gives its value.
  SettingsTable& custom(Setting s, std::function<Result<void>(const RawValue&, S&)> read,
                        std::function<std::string(const S&)> show) {
    s.read = [read](const RawValue& v, std::any& any) { return read(v, target(any)); };
    s.show = [show](const std::any& any) { return show(target(any)); };
    return add(std::move(s));
  }

  // Refines the last setting added: "--by needs --summary".
  SettingsTable& needs(std::string flag) {
    section_.settings.back().needs_flag = std::move(flag);
    return *this;
  }
  // Refines the last setting added: giving its flag and `flag` together is a
  // usage error, "-T and -t <reason>: give one".
  SettingsTable& excludes(std::string flag, std::string reason) {
    section_.settings.back().excludes_flag = std::move(flag);
    section_.settings.back().excludes_reason = std::move(reason);
    return *this;
  }
  // Refines the last setting added: the docs' meaning, longer than --help's.
  SettingsTable& doc(std::string text) {
    section_.settings.back().doc = std::move(text);
    return *this;
  }
  // Refines the last setting added: its one-letter option (-x for --fails).
  SettingsTable& short_flag(char letter) {
    section_.settings.back().short_flag = letter;
    return *this;
  }

  // Lets a helper add settings shared by several sections: .with(add_x<S>).
  template <class Add>
  SettingsTable& with(Add add) {
    add(*this);
    return *this;
  }

  SettingsSection build() { return std::move(section_); }

 private:
  static Setting make(std::string key, std::string flag, std::string value_name, std::string help) {
    Setting s;
    s.key = std::move(key);
    s.flag = std::move(flag);
    s.value_name = std::move(value_name);
    s.help = std::move(help);
    return s;
  }

  static S& target(std::any& any) {
    if (S** p = std::any_cast<S*>(&any)) return **p;
    return std::any_cast<S&>(any);
  }
  static const S& target(const std::any& any) {
    if (S* const* p = std::any_cast<S*>(&any)) return **p;
    return std::any_cast<const S&>(any);
  }

  template <class Ref>
  static decltype(auto) field(Ref ref, S& settings) {
    if constexpr (std::is_member_object_pointer_v<Ref>)
      return (settings.*ref);
    else
      return ref(settings);
  }

  template <class Ref, class Read>
  static std::function<Result<void>(const RawValue&, std::any&)> reader(Ref ref, Read read) {
    return [ref, read](const RawValue& v, std::any& any) -> Result<void> {
      auto r = read(v);
      if (!r) return r.error();
      field(ref, target(any)) = std::move(*r);
      return {};
    };
  }

  template <class Ref, class Show>
  static std::function<std::string(const std::any&)> shower(Ref ref, Show show) {
    return [ref, show](const std::any& any) {
      S copy = target(any);
      return show(field(ref, copy));
    };
  }

  SettingsTable& add(Setting s) {
    section_.settings.push_back(std::move(s));
    return *this;
  }

  SettingsSection section_;
};

// Sections known to the config loader and the command line, by name
// (monitors register theirs from static initialisers).
bool register_settings_section(SettingsSection section);
const std::vector<SettingsSection>& settings_sections();
const SettingsSection* find_settings_section(std::string_view name);

}  // namespace ebpfmon
