// A monitor's settings, said once: one table of keys (YAML, under
// monitors.<name>), flags, types, ranges or choices, defaults and help. The
// config loader, the command line, --help and the user guide's table of keys
// are all made from it, so a value is accepted or refused alike from YAML and
// from a flag, with the same reason.
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
// A number of seconds greater than 0 and at most a year (--duration's rule).
Result<double> read_seconds(const RawValue& value);
// Words from a YAML sequence or one comma-separated string (a flag's value):
// trimmed, non-empty, duplicates dropped; `check` refuses an item by its
// RawValue (a sequence item names its own line and column).
using ItemCheck = std::function<Result<void>(const RawValue& item)>;
Result<std::vector<std::string>> read_words(const RawValue& value, std::string_view item_name,
                                            const ItemCheck& check);

// Values as the docs' default column shows them: "0.5", "[vfs_*]".
std::string show_number_text(double d);
std::string show_list_text(const std::vector<std::string>& list);

enum class SettingKind { Integer, Number, Bool, Choice, Seconds, Words, Other };

struct Setting {
  std::string key;   // under monitors.<section>, dotted for a nested mapping; empty: a flag only
  std::string flag;  // long option without "--"; empty: config only
  char short_flag = 0;  // -x as well as --fails; 0: none
  std::string value_name;  // for --help; empty: the flag is a switch that sets true
  std::optional<std::string> implicit_value;  // --summary alone means --summary ""
  bool repeatable = false;                    // --threshold A=1 --threshold B=2
  std::string needs_flag;                     // "--by needs --summary"
  std::string help;                           // one line, for --help and the docs
  std::string accepts;                        // for the docs: "1..1024", "auto, fentry, kprobe"
  SettingKind kind = SettingKind::Other;
  uint64_t min = 0, max = 0;         // Integer bounds
  NumberRange range;                 // Number bounds
  std::vector<std::string> choices;  // Choice
  std::function<Result<void>(const RawValue&, std::any& settings)> read;
  std::function<std::string(const std::any& settings)> show;  // the value, for the docs' default
};

// One monitor's section: its name, its settings struct at its defaults, the
// table. Every section also has `enabled`, a bool whose default the
// monitor's registration gives (monitors/registry.h, ByDefault).
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

  // More than 0 and at most a year, with --duration's messages.
  template <class Ref>
  SettingsTable& seconds(std::string key, std::string flag, Ref ref, std::string help) {
    Setting s = make(std::move(key), std::move(flag), "SECS", std::move(help));
    s.kind = SettingKind::Seconds;
    s.accepts = "(0, 31536000]";
    s.read = reader<Ref>(ref, [](const RawValue& v) { return read_seconds(v); });
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

  // Anything else: `read` stores into S itself; `show` gives its value.
  SettingsTable& custom(Setting s, std::function<Result<void>(const RawValue&, S&)> read,
                        std::function<std::string(const S&)> show) {
    s.read = [read](const RawValue& v, std::any& any) { return read(v, std::any_cast<S&>(any)); };
    s.show = [show](const std::any& any) { return show(std::any_cast<const S&>(any)); };
    return add(std::move(s));
  }

  // Refines the last setting added: "--by needs --summary".
  SettingsTable& needs(std::string flag) {
    section_.settings.back().needs_flag = std::move(flag);
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
      field(ref, std::any_cast<S&>(any)) = std::move(*r);
      return {};
    };
  }

  template <class Ref, class Show>
  static std::function<std::string(const std::any&)> shower(Ref ref, Show show) {
    return [ref, show](const std::any& any) {
      S copy = std::any_cast<const S&>(any);
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
