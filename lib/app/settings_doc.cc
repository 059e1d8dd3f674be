#include "app/settings_doc.h"

#include <sstream>

#include "core/config.h"
#include "core/settings.h"
#include "monitors/registry.h"

namespace ebpfmon {
namespace {

// A table cell: '|' would end it.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string code(const std::string& text) {
  return text.empty() ? "" : "`" + cell(text) + "`";
}

const char* const kHeading =
    "| key | flag | accepts | default | meaning |\n|---|---|---|---|---|\n";

// One row per key or flag of `section`; keys under `prefix`.
void rows(std::ostream& out, const SettingsSection& section, const std::string& prefix) {
  for (const Setting& s : section.settings) {
    std::string flag;
    if (!s.flag.empty())
      flag = (s.short_flag ? std::string("-") + s.short_flag + ", " : "") + "--" + s.flag +
             (s.value_name.empty() ? "" : " " + s.value_name);
    std::string meaning = s.doc.empty() ? s.help : s.doc;
    if (!s.needs_flag.empty()) meaning += "; needs `--" + s.needs_flag + "`";
    out << "| " << (s.key.empty() ? "(flag only)" : code(prefix + s.key)) << " | " << code(flag)
        << " | " << cell(s.accepts) << " | " << code(s.show(section.defaults)) << " | "
        << cell(meaning) << " |\n";
  }
}

// The schema of a monitor made with its default settings.
Schema schema_of(const std::string& monitor) {
  return find_monitor(monitor)->create(Config())->schema();
}

}  // namespace

std::string shared_settings_markdown() {
  std::ostringstream out;
  out << kHeading;
  rows(out, shared_settings(), "");
  return out.str();
}

std::string monitor_settings_markdown() {
  std::ostringstream out;
  out << kHeading;
  for (const SettingsSection& section : settings_sections()) {
    const std::string prefix = "monitors." + section.name + ".";
    out << "| " << code(prefix + "enabled") << " |  | true, false | `"
        << (section.enabled_by_default ? "true" : "false")
        << "` | run by `ebpfmon` when no `-m` is given |\n";
    rows(out, section, prefix);
  }
  return out.str();
}

std::string monitor_columns_markdown(const std::string& monitor) {
  std::string out = "| column | meaning |\n|---|---|\n";
  for (const Field& f : schema_of(monitor).fields)
    out += "| " + code(f.name) + " | " + cell(f.doc) + " |\n";
  return out;
}

std::string column_lists_markdown() {
  std::string out = "| monitor | columns, in this order |\n|---|---|\n";
  for (const std::string& monitor : registered_monitors()) {
    std::string names;
    for (const Field& f : schema_of(monitor).fields) names += (names.empty() ? "" : ",") + f.name;
    out += "| " + monitor + " | " + code(names) + " |\n";
  }
  return out;
}

}  // namespace ebpfmon
