// The config file: a walker over YAML mappings whose keys come from the
// settings tables, the shared one (core/shared_settings.cc) at the top and
// each registered monitor's under `monitors`. Every value goes through the
// readers of core/settings.h.
#include "core/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <utility>

#include "core/redact.h"
#include "core/settings.h"
#include "core/text.h"
#include "core/yaml_document.h"

namespace ebpfmon {

Config::Config() : redact(default_redact_patterns()) {
  for (const SettingsSection& section : settings_sections())
    monitors[section.name] = MonitorConfig{section.enabled_by_default, section.defaults};
}

namespace {

namespace fs = std::filesystem;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// A value and where to blame it. yaml-cpp marks an empty value ("key:" then a
// newline) at the next token, so those are reported at their key instead.
struct Slot {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;  // dotted, e.g. "monitors.exec.max_args"
};

using Handler = std::function<Result<void>(const Slot&)>;

struct Key {
  std::string name;
  Handler handle;
};

class ConfigParser {
 public:
  explicit ConfigParser(std::string_view name) : name_(name) { config_.source = name_; }

  Result<Config> parse(std::string_view text);

 private:
  // The keys of one mapping, and what takes any other key ("*" in a
  // setting's key) or nullptr: an unknown key.
  struct Level {
    std::vector<Key> keys;
    Handler other;
  };

  // Messages: "<name>:<line>:<column>: <path>: <what>, got <value>".
  std::string at(const YAML::Mark& mark) const;
  Error error(const YAML::Mark& mark, const std::string& message) const;
  RawValue raw(const Slot& slot) const;

  Result<void> walk_map(const Slot& slot, const Level& level) const;
  Error unknown_key(const YAML::Mark& mark, const std::string& path, std::string_view key,
                    const std::vector<Key>& keys) const;

  Level top_level();
  Level settings_level(const SettingsSection& table, std::any& target,
                       std::string_view prefix) const;
  Handler walker(Level level) const;

  std::string name_;
  Config config_;
  std::any shared_target_ = &config_;  // what the shared table's readers store into
};

std::string ConfigParser::at(const YAML::Mark& mark) const {
  if (mark.is_null()) return name_;
  return name_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Error ConfigParser::error(const YAML::Mark& mark, const std::string& message) const {
  return Error::usage(at(mark) + ": " + message);
}

// What the readers of core/settings.h see of a YAML value.
RawValue ConfigParser::raw(const Slot& slot) const {
  RawValue v;
  v.where = slot.path.empty() ? at(slot.mark) : at(slot.mark) + ": " + slot.path;
  switch (slot.node.Type()) {
    case YAML::NodeType::Scalar:
      v.kind = RawValue::Kind::Scalar;
      v.text = slot.node.Scalar();
      v.quoted = slot.node.Tag() == "!" || slot.node.Tag() == "tag:yaml.org,2002:str";
      break;
    case YAML::NodeType::Sequence:
      v.kind = RawValue::Kind::Sequence;
      for (const YAML::Node& item : slot.node)
        v.items.push_back(raw({item, item.Mark(), slot.path}));
      break;
    case YAML::NodeType::Map:
      v.kind = RawValue::Kind::Mapping;
      break;
    default:
      v.kind = RawValue::Kind::Null;
      break;
  }
  return v;
}

Result<void> ConfigParser::walk_map(const Slot& slot, const Level& level) const {
  if (slot.node.IsNull()) return {};  // "section:" with everything in it commented out
  if (!slot.node.IsMap()) return value_error(raw(slot), "expected a mapping");
  std::set<std::string> seen;
  for (const auto& pair : slot.node) {
    const YAML::Node& key = pair.first;
    const YAML::Node& value = pair.second;
    if (!key.IsScalar()) {
      return value_error(raw({key, key.Mark(), slot.path}), "expected a key name");
    }
    const std::string path = join(slot.path, key.Scalar());
    // yaml-cpp keeps both entries of a repeated key; Python would keep the last.
    if (!seen.insert(key.Scalar()).second)
      return error(key.Mark(), "duplicate key " + quote_for_message(path));
    const Slot child{value, value.IsNull() ? key.Mark() : value.Mark(), path};
    const auto known = std::find_if(level.keys.begin(), level.keys.end(),
                                    [&](const Key& k) { return k.name == key.Scalar(); });
    Result<void> r = known != level.keys.end() ? known->handle(child)
                     : level.other             ? level.other(child)
                                   : unknown_key(key.Mark(), path, key.Scalar(), level.keys);
    if (!r) return r;
  }
  return {};
}

// Every key a configuration can hold, as its full path ("output.quiet",
// "monitors.exec.ancestors"); "*" parts stand for any name.
std::vector<std::string> every_key_path() {
  std::vector<std::string> paths;
  for (const Setting& s : shared_settings().settings)
    if (!s.key.empty()) paths.push_back(s.key);
  for (const SettingsSection& section : settings_sections()) {
    const std::string prefix = "monitors." + section.name + ".";
    paths.push_back(prefix + "enabled");
    for (const Setting& s : section.settings)
      if (!s.key.empty()) paths.push_back(prefix + s.key);
  }
  return paths;
}

// A typo of a key of this mapping, else the same key where it belongs: a
// line indented too little or too much lands under another parent.
Error ConfigParser::unknown_key(const YAML::Mark& mark, const std::string& path,
                                std::string_view key, const std::vector<Key>& keys) const {
  std::string message = "unknown key " + quote_for_message(path);
  std::vector<std::string> names;
  for (const Key& k : keys) names.push_back(lower(k.name));
  if (auto i = closest_match(lower(key), names)) {
    message += " (did you mean '" + keys[*i].name + "'?)";
    return error(mark, message);
  }
  const std::string leaf = "." + lower(key);
  for (const std::string& elsewhere : every_key_path()) {
    const std::string known = "." + lower(elsewhere);
    if (known.size() >= leaf.size() &&
        known.compare(known.size() - leaf.size(), leaf.size(), leaf) == 0 &&
        elsewhere.find('*') == std::string::npos) {
      message += " (did you mean '" + elsewhere + "'? check the indentation)";
      break;
    }
  }
  return error(mark, message);
}

// yaml-cpp names a tab that indents only by what it then finds ("illegal
// map value"); say what is wrong, where.
std::optional<YAML::Mark> indenting_tab(std::string_view text) {
  YAML::Mark at;
  at.line = 0;
  for (size_t start = 0; start < text.size(); ++at.line) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const size_t first = text.find_first_not_of(" \t", start);
    const size_t tab = text.find('\t', start);
    if (tab < end && tab < first && first < end && text[first] != '#') {
      at.column = static_cast<int>(tab - start);
      at.pos = static_cast<int>(tab);
      return at;
    }
    start = end + 1;
  }
  return std::nullopt;
}

Handler ConfigParser::walker(Level level) const {
  return [this, level = std::move(level)](const Slot& slot) { return walk_map(slot, level); };
}

// The shared table's keys, and `monitors` with one section per monitor.
ConfigParser::Level ConfigParser::top_level() {
  Level top = settings_level(shared_settings(), shared_target_, "");
  Level monitors;
  for (const SettingsSection& s : settings_sections()) {
    MonitorConfig& monitor = config_.monitors.at(s.name);
    Level own = settings_level(s, monitor.settings, "");
    own.keys.insert(own.keys.begin(),
                    {"enabled", [this, &monitor](const Slot& slot) -> Result<void> {
                       auto on = read_bool(raw(slot));
                       if (!on) return on.error();
                       monitor.enabled = *on;
                       return {};
                     }});
    monitors.keys.push_back({s.name, walker(std::move(own))});
  }
  top.keys.push_back({"monitors", walker(std::move(monitors))});
  return top;
}

// The keys of a settings table at one level: "a.b" makes a mapping "a"
// holding key "b", in the order the table first names each; "*" stands for
// any key.
ConfigParser::Level ConfigParser::settings_level(const SettingsSection& table, std::any& target,
                                                 std::string_view prefix) const {
  Level level;
  std::vector<std::string> nested;
  for (const Setting& setting : table.settings) {
    if (setting.key.empty() || setting.key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = setting.key.substr(prefix.size());
    const size_t dot = rest.find('.');
    if (dot == std::string::npos) {
      level.keys.push_back({rest, [this, &setting, &target](const Slot& slot) {
                              return setting.read(raw(slot), target);
                            }});
      continue;
    }
    const std::string head = rest.substr(0, dot);
    if (std::find(nested.begin(), nested.end(), head) != nested.end()) continue;
    nested.push_back(head);
    Handler walk = walker(settings_level(table, target, std::string(prefix) + head + "."));
    if (head == "*")
      level.other = std::move(walk);
    else
      level.keys.push_back({head, std::move(walk)});
  }
  return level;
}

Result<Config> ConfigParser::parse(std::string_view text) {
  try {
    const YAML::Node root = load_single_document(std::string(text));
    if (!root.IsNull()) {
      if (!root.IsMap())
        return value_error(raw({root, root.Mark(), ""}),
                           "expected a mapping of settings at the top level");
      Result<void> r = walk_map({root, root.Mark(), ""}, top_level());
      if (!r) return r.error();
    }
    // Each monitor's current file is never removed: with less room than
    // two of them, the oldest files could not make way.
    const OutputSettings& out = config_.output;
    if (out.max_file_mb > 0 && out.max_total_mb > 0 &&
        uint64_t{out.max_total_mb} < 2 * uint64_t{out.max_file_mb})
      return Error::usage(name_ + ": output.max_total_mb (" + std::to_string(out.max_total_mb) +
                          ") must be 0 or at least twice output.max_file_mb (" +
                          std::to_string(out.max_file_mb) + ")");
  } catch (const YamlDocumentError& e) {
    return error(e.mark, e.message);
  } catch (const YAML::Exception& e) {
    if (const auto tab = indenting_tab(text))
      return error(*tab, "tabs cannot indent YAML: indent with spaces");
    // yaml-cpp's messages can quote a byte of the input, such as a NUL.
    return error(e.mark, "invalid YAML: " + e.msg);
  }
  return std::move(config_);
}

}  // namespace

Result<Config> parse_config(std::string_view yaml_text, std::string_view name) {
  Result<Config> config = ConfigParser(name).parse(yaml_text);
  if (!config) return printable(config.error());
  return config;
}

}  // namespace ebpfmon
