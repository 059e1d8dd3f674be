// The monitors' settings tables: one value means the same from YAML and
// from a flag, the docs are the tables, and core/ stays below the rest.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/options.h"
#include "app/settings_doc.h"
#include "core/config.h"
#include "core/settings.h"
#include "monitors/registry.h"

using namespace ebpfmon;
namespace fs = std::filesystem;

namespace {

struct Outcome {
  bool accepted = false;
  std::string reason;  // the message after its "where" part
  std::string value;   // the setting's value, when accepted
};

std::string after(const std::string& message, const std::string& where) {
  const size_t at = message.find(where + ": ");
  return at == std::string::npos ? "(no '" + where + ": ' in) " + message
                                 : message.substr(at + where.size() + 2);
}

// The file's name for a setting: the shared section's keys are at the top,
// a monitor's under monitors.<name>.
std::string file_key(const SettingsSection& section, const Setting& s) {
  return section.name.empty() ? s.key : "monitors." + section.name + "." + s.key;
}

// A YAML document that sets the dotted `key` to `text`, in block mappings
// (a flow mapping would split a value such as "a,,b").
std::string yaml_setting(const std::string& key, const std::string& text) {
  std::string yaml, indent;
  size_t start = 0;
  for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
    yaml += indent + key.substr(start, dot - start) + ":\n";
    indent += "  ";
    start = dot + 1;
  }
  return yaml + indent + key.substr(start) + ": " + text + "\n";
}

std::string shown(const SettingsSection& section, const Setting& s, Config& config) {
  if (section.name.empty()) return s.show(std::any(&config));
  return s.show(config.monitors.at(section.name).settings);
}

Outcome from_yaml(const SettingsSection& section, const Setting& s, const std::string& text) {
  auto config = parse_config(yaml_setting(file_key(section, s), text), "t.yaml");
  if (!config) return {false, after(config.error().to_string(), file_key(section, s)), ""};
  return {true, "", shown(section, s, *config)};
}

Outcome from_flag(const SettingsSection& section, const Setting& s, const std::string& text) {
  std::vector<std::string> args{"testtool", "--" + s.flag};
  if (s.kind != SettingKind::Bool) args.push_back(text);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string monitor = section.name.empty() ? "exec" : section.name;
  const ToolInfo tool{"testtool", "testtool", "", "", {monitor}, "", "", ""};
  std::ostringstream err;
  std::streambuf* saved = std::cerr.rdbuf(err.rdbuf());
  CommandLine cmd = parse_command_line(static_cast<int>(args.size()), argv.data(), tool);
  std::cerr.rdbuf(saved);
  if (cmd.exit_code) {
    CHECK(*cmd.exit_code == 2);
    const std::string first = err.str().substr(0, err.str().find('\n'));
    return {false, after(first, "--" + s.flag), ""};
  }
  return {true, "", shown(section, s, cmd.config)};
}

std::string number(double d) {
  return show_number_text(d);
}

// Values at and around the edges of what the setting accepts.
std::vector<std::string> probes(const Setting& s) {
  switch (s.kind) {
    case SettingKind::Integer: {
      std::vector<std::string> v{std::to_string(s.min),
                                 std::to_string(s.max),
                                 std::to_string(s.max + 1),
                                 "abc",
                                 "1.5",
                                 "-1"};
      if (s.min > 0) v.push_back(std::to_string(s.min - 1));
      return v;
    }
    case SettingKind::Number:
      return {number(s.range.min),
              number(s.range.min + 0.5),
              number(s.range.max),
              number(s.range.max * 2 + 1),
              "abc",
              "-1"};
    case SettingKind::Seconds:
      return {"0", "1", "31536000", "31536001", "abc", "-1"};
    case SettingKind::Choice: {
      std::vector<std::string> v = s.choices;
      v.push_back("bogus");
      v.push_back("");
      return v;
    }
    case SettingKind::Words:
      return {"read", "read,write", "nosuchcall", "a,,b", "OPEN"};
    case SettingKind::Text:
      return {"x", ""};
    default:
      break;
  }
  // Settings read by functions of their own.
  static const std::map<std::string, std::vector<std::string>> own = {
      {"filters.comm", {"bash", "bash,sshd", "a,,b", "", "1234567890123456"}},
      {"filters.user", {"root", "0,root", "no_such_user_xyz", "4294967295", ""}},
      {"filters.pid", {"1", "1,2", "0", "12x", "-3", "4194305"}},
      {"filters.cgroup", {"/", "/no/such/cgroup", ""}},
      {"filters.container", {"0123456789ab", "0123456789a", "xyz", ""}},
      {"export.nats.servers", {"nats://a:1", "nats://a:1,tls://b:2", "http://a:1", "nats://a", ""}},
  };
  auto probe = own.find(s.key);
  return probe == own.end() ? std::vector<std::string>{} : probe->second;
}

// Every section a flag may come from: the shared one, then each monitor's.
std::vector<const SettingsSection*> all_sections() {
  std::vector<const SettingsSection*> all{&shared_settings()};
  for (const SettingsSection& section : settings_sections()) all.push_back(&section);
  return all;
}

}  // namespace

TEST_CASE("every setting, shared or a monitor's, reads alike from YAML and from its flag") {
  size_t compared = 0;
  for (const SettingsSection* table : all_sections()) {
    const SettingsSection& section = *table;
    for (const Setting& s : section.settings) {
      if (s.key.empty() || s.flag.empty()) continue;
      if (s.kind == SettingKind::Bool) {
        // A switch: giving it is YAML's true.
        CHECK(from_flag(section, s, "").value == "true");
        CHECK(from_yaml(section, s, "true").value == "true");
        CHECK(from_yaml(section, s, "false").value == "false");
        continue;
      }
      for (const std::string& text : probes(s)) {
        CAPTURE(section.name);
        CAPTURE(s.key);
        CAPTURE(text);
        const Outcome yaml = from_yaml(section, s, text.empty() ? "''" : text);
        const Outcome flag = from_flag(section, s, text);
        CHECK(yaml.accepted == flag.accepted);
        CHECK(yaml.reason == flag.reason);
        CHECK(yaml.value == flag.value);
        ++compared;
      }
      // A YAML value of the wrong type is refused with the key's name.
      auto wrong = parse_config(yaml_setting(file_key(section, s), "{a: 1}"), "t.yaml");
      REQUIRE_FALSE(wrong);
      CHECK(wrong.error().message.find(file_key(section, s) + ": ") != std::string::npos);
    }
  }
  CHECK(compared > 80);
}

TEST_CASE("a flag several monitors share reads the same in each") {
  for (const SettingsSection& a : settings_sections())
    for (const SettingsSection& b : settings_sections())
      for (const Setting& s : a.settings) {
        const Setting* other = s.flag.empty() || &a == &b ? nullptr : b.by_flag(s.flag);
        if (other == nullptr) continue;
        CAPTURE(s.flag);
        CHECK(other->kind == s.kind);
        CHECK(other->min == s.min);
        CHECK(other->max == s.max);
        CHECK(other->accepts == s.accepts);
      }
}

namespace {

// A doc's text between `begin` and `end` (each a line of its own) must be
// `expected`; else the test fails and leaves `expected` in `fix_file`, in its
// working directory, to paste between the markers.
void check_made_text(const std::string& doc, const std::string& begin, const std::string& end,
                     const std::string& expected, const std::string& fix_file) {
  std::ifstream in(fs::path(EBPFMON_SOURCE_DIR) / "docs" / doc);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string whole = text.str();
  const size_t from = whole.find(begin + "\n");
  const size_t to = whole.find(end, from);
  CAPTURE(begin);
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  const std::string shown = whole.substr(from + begin.size() + 1, to - from - begin.size() - 1);
  if (shown != expected) {
    std::ofstream(fix_file) << expected;
    FAIL("docs/" << doc << " differs from the code between " << begin << " and " << end
                 << "; the text to put there is in " << fix_file
                 << " in the test's working directory");
  }
}

}  // namespace

TEST_CASE("the user guide's tables of settings are the tables") {
  check_made_text("USER_GUIDE.md", "<!-- shared settings: made from the settings tables -->",
                  "<!-- end of shared settings -->", shared_settings_markdown(),
                  "shared_settings.md");
  check_made_text("USER_GUIDE.md", "<!-- monitor settings: made from the settings tables -->",
                  "<!-- end of monitor settings -->", monitor_settings_markdown(),
                  "monitor_settings.md");
}

TEST_CASE("the docs' column tables are the field tables") {
  check_made_text("INTERFACE.md", "<!-- event columns: made from the field tables -->",
                  "<!-- end of event columns -->", column_lists_markdown(), "event_columns.md");
  for (const std::string& monitor : registered_monitors())
    check_made_text("USER_GUIDE.md",
                    "<!-- columns of " + monitor + ": made from its field table -->",
                    "<!-- end of columns of " + monitor + " -->", monitor_columns_markdown(monitor),
                    "columns_" + monitor + ".md");
}
