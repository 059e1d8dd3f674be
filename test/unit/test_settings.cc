// The monitors' settings tables: one value means the same from YAML and
// from a flag, the docs are the tables, and core/ stays below the rest.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
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

Outcome from_yaml(const SettingsSection& section, const Setting& s, const std::string& text) {
  const std::string yaml = "monitors:\n  " + section.name + ":\n    " + s.key + ": " + text + "\n";
  auto config = parse_config(yaml, "t.yaml");
  if (!config)
    return {false, after(config.error().message, "monitors." + section.name + "." + s.key), ""};
  return {true, "", s.show(config->monitors.at(section.name).settings)};
}

Outcome from_flag(const SettingsSection& section, const Setting& s, const std::string& text) {
  std::vector<std::string> args{"testtool", "--" + s.flag};
  if (s.kind != SettingKind::Bool) args.push_back(text);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const ToolInfo tool{"testtool", "testtool", "", "", {section.name}, "", "", ""};
  std::ostringstream err;
  std::streambuf* saved = std::cerr.rdbuf(err.rdbuf());
  CommandLine cmd = parse_command_line(static_cast<int>(args.size()), argv.data(), tool);
  std::cerr.rdbuf(saved);
  if (cmd.exit_code) {
    CHECK(*cmd.exit_code == 2);
    const std::string first = err.str().substr(0, err.str().find('\n'));
    return {false, after(first, "--" + s.flag), ""};
  }
  return {true, "", s.show(cmd.config.monitors.at(section.name).settings)};
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
    default:
      return {};
  }
}

}  // namespace

TEST_CASE("every monitor setting reads alike from YAML and from its flag") {
  size_t compared = 0;
  for (const SettingsSection& section : settings_sections()) {
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
      auto wrong =
          parse_config("monitors:\n  " + section.name + ":\n    " + s.key + ": {a: 1}\n", "t.yaml");
      REQUIRE_FALSE(wrong);
      CHECK(wrong.error().message.find("monitors." + section.name + "." + s.key + ": ") !=
            std::string::npos);
    }
  }
  CHECK(compared > 40);
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

TEST_CASE("the user guide's table of monitor settings is the tables") {
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

TEST_CASE("lib/core includes nothing from the layers above it") {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(EBPFMON_SOURCE_DIR) / "lib" / "core")) {
    std::ifstream in(entry.path());
    ++files;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("#include \"", 0) != 0) continue;
      CAPTURE(entry.path().filename().string());
      CAPTURE(line);
      for (const char* above : {"\"monitors/", "\"sinks/", "\"app/", "\"bpf/"})
        CHECK(line.find(above) == std::string::npos);
    }
  }
  CHECK(files > 10);
}
