// The config schema: a walker over YAML mappings, the sections every tool
// shares, and one section per registered monitor made from its settings
// table. Every value goes through the readers of core/settings.h.
#include "core/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <set>
#include <utility>

#include "core/cgroups.h"
#include "core/listen_address.h"
#include "core/nats_urls.h"
#include "core/settings.h"
#include "core/text.h"
#include "core/yaml_document.h"

namespace ebpfmon {

Config::Config() {
  for (const SettingsSection& section : settings_sections())
    monitors[section.name] = MonitorConfig{section.enabled_by_default, section.defaults};
}

namespace {

namespace fs = std::filesystem;

constexpr uint32_t kU32Max = std::numeric_limits<uint32_t>::max();
constexpr double kNoLimit = std::numeric_limits<double>::infinity();

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
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
  // Messages: "<name>:<line>:<column>: <path>: <what>, got <value>".
  std::string at(const YAML::Mark& mark) const;
  Error error(const YAML::Mark& mark, const std::string& message) const;
  RawValue raw(const Slot& slot) const;

  Result<void> walk_map(const Slot& slot, const std::vector<Key>& keys,
                        const Handler& other = nullptr) const;
  Error unknown_key(const YAML::Mark& mark, const std::string& path, std::string_view key,
                    const std::vector<Key>& keys) const;

  Result<std::string> read_string(const Slot& slot) const;
  Result<std::string> read_path(const Slot& slot) const;

  // Key builders: a schema entry that stores a checked value.
  template <class T, class Read>
  Key bind(std::string name, T& out, Read read) const;
  Key section(std::string name, std::vector<Key> keys) const;
  Key boolean(std::string name, bool& out) const;
  Key integer(std::string name, uint32_t& out, uint32_t min, uint32_t max = kU32Max) const;
  Key number(std::string name, double& out, const NumberRange& range) const;
  Key text(std::string name) const;  // checked for type, not stored
  Key custom(std::string name, Result<void> (ConfigParser::*fn)(const Slot&));

  std::vector<Key> top_keys();
  std::vector<Key> app_keys();
  std::vector<Key> logging_keys();
  std::vector<Key> output_keys();
  std::vector<Key> filter_keys();
  std::vector<Key> export_keys();
  Result<void> set_export_servers(const Slot& slot);
  std::vector<Key> monitor_keys();
  std::vector<Key> settings_keys(const SettingsSection& section, MonitorConfig& monitor,
                                 std::string_view prefix) const;

  // Values that need more than a type and a range.
  Result<void> set_debug(const Slot& slot);
  Result<void> set_level(const Slot& slot);
  Result<void> set_log_file(const Slot& slot);
  Result<void> set_handler_filename(const Slot& slot);
  Result<void> check_when(const Slot& slot);
  Result<void> check_interval(const Slot& slot);
  Result<void> check_formatters(const Slot& slot);
  Result<void> set_format(const Slot& slot);
  Result<void> set_console_time(const Slot& slot);
  Result<void> set_delimiter(const Slot& slot);
  Result<void> set_metrics_listen(const Slot& slot);
  Result<void> set_comms(const Slot& slot);
  Result<void> set_users(const Slot& slot);
  Result<void> set_pids(const Slot& slot);
  Result<void> set_cgroup(const Slot& slot);
  Result<void> set_container(const Slot& slot);
  Result<void> store_log_file(const Slot& slot, std::string file);

  template <class T, class One, class List>
  Result<void> filter_list(const Slot& slot, std::vector<T>& out, const char* what, One one,
                           List list) const;

  std::string name_;
  Config config_;
  bool debug_ = false;
  bool level_given_ = false;
  std::string log_file_key_;  // which key set logging.file, to refuse a second one
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

Result<void> ConfigParser::walk_map(const Slot& slot, const std::vector<Key>& keys,
                                    const Handler& other) const {
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
    const auto known = std::find_if(keys.begin(), keys.end(),
                                    [&](const Key& k) { return k.name == key.Scalar(); });
    Result<void> r = known != keys.end() ? known->handle(child)
                     : other             ? other(child)
                                         : unknown_key(key.Mark(), path, key.Scalar(), keys);
    if (!r) return r;
  }
  return {};
}

Error ConfigParser::unknown_key(const YAML::Mark& mark, const std::string& path,
                                std::string_view key, const std::vector<Key>& keys) const {
  std::string message = "unknown key " + quote_for_message(path);
  std::vector<std::string> names;
  for (const Key& k : keys) names.push_back(lower(k.name));
  if (auto i = closest_match(lower(key), names))
    message += " (did you mean '" + keys[*i].name + "'?)";
  return error(mark, message);
}

Result<std::string> ConfigParser::read_string(const Slot& slot) const {
  if (!slot.node.IsScalar()) return value_error(raw(slot), "expected a string");
  return slot.node.Scalar();
}

Result<std::string> ConfigParser::read_path(const Slot& slot) const {
  Result<std::string> s = read_string(slot);
  if (!s) return s;
  if (s->empty() || s->find('\0') != std::string::npos)
    return value_error(raw(slot), "expected a non-empty path");
  return s;
}

// ---------------------------------------------------------------------------
// Key builders

template <class T, class Read>
Key ConfigParser::bind(std::string name, T& out, Read read) const {
  return {std::move(name), [&out, read](const Slot& slot) -> Result<void> {
            auto r = read(slot);
            if (!r) return r.error();
            out = static_cast<T>(std::move(r.value()));
            return {};
          }};
}

Key ConfigParser::section(std::string name, std::vector<Key> keys) const {
  return {std::move(name),
          [this, keys = std::move(keys)](const Slot& slot) { return walk_map(slot, keys); }};
}

Key ConfigParser::boolean(std::string name, bool& out) const {
  return bind(std::move(name), out, [this](const Slot& s) { return read_bool(raw(s)); });
}

Key ConfigParser::integer(std::string name, uint32_t& out, uint32_t min, uint32_t max) const {
  return bind(std::move(name), out,
              [this, min, max](const Slot& s) { return read_integer(raw(s), min, max); });
}

Key ConfigParser::number(std::string name, double& out, const NumberRange& range) const {
  return bind(std::move(name), out,
              [this, range](const Slot& s) { return read_number(raw(s), range); });
}

Key ConfigParser::text(std::string name) const {
  return {std::move(name), [this](const Slot& slot) -> Result<void> {
            if (auto s = read_string(slot); !s) return s.error();
            return {};
          }};
}

Key ConfigParser::custom(std::string name, Result<void> (ConfigParser::*fn)(const Slot&)) {
  return {std::move(name), [this, fn](const Slot& slot) { return (this->*fn)(slot); }};
}

// ---------------------------------------------------------------------------
// The schema

std::vector<Key> ConfigParser::top_keys() {
  return {
      section("app", app_keys()),
      section("logging", logging_keys()),
      section("output", output_keys()),
      section("monitors", monitor_keys()),
      section("filters", filter_keys()),
      section("metrics", {boolean("enabled", config_.metrics.enabled),
                          custom("listen", &ConfigParser::set_metrics_listen)}),
      number("duration", config_.duration, {0, false, kNoLimit, "seconds"}),
      section("export", {section("nats", export_keys())}),
  };
}

std::vector<Key> ConfigParser::export_keys() {
  ExportSettings& e = config_.export_nats;
  auto str = [this](const Slot& s) { return read_string(s); };
  auto path = [this](const Slot& s) { return read_path(s); };
  return {
      custom("servers", &ConfigParser::set_export_servers),
      boolean("required", e.required),
      bind("stream", e.stream, str),
      bind("subject", e.subject, str),
      integer("replicas", e.replicas, 1, 5),
      number("max_age", e.max_age, {0, false, kNoLimit, "seconds"}),
      bind("max_bytes", e.max_bytes,
           [this](const Slot& s) { return read_integer(raw(s), 0, uint64_t{1} << 50); }),
      bind("credentials", e.credentials, path),
      section("tls", {bind("ca", e.tls_ca, path), bind("cert", e.tls_cert, path),
                      bind("key", e.tls_key, path)}),
      section("spool", {bind("dir", e.spool_dir, path),
                        bind("size_mb", e.spool_bytes,
                             [this](const Slot& s) -> Result<uint64_t> {
                               auto n = read_integer(raw(s), 1, uint64_t{1} << 20);
                               if (!n) return n.error();
                               return *n << 20;
                             })}),
      number("drain_timeout", e.drain_timeout, {0, false, 3600, "seconds"}),
  };
}

// A list of URLs or one comma-separated string, as --export takes.
Result<void> ConfigParser::set_export_servers(const Slot& slot) {
  std::string list;
  if (slot.node.IsSequence()) {
    for (const YAML::Node& item : slot.node) {
      if (!item.IsScalar()) return value_error(raw(slot), "expected a list of nats:// URLs");
      list += (list.empty() ? "" : ",") + item.Scalar();
    }
  } else {
    auto s = read_string(slot);
    if (!s) return s.error();
    list = *s;
  }
  auto urls = parse_nats_urls(list);
  if (!urls) return value_error(raw(slot), "expected nats://HOST:PORT URLs");
  config_.export_nats.servers = *urls;
  return {};
}

// The original Python monitor's app block (docs/INTERFACE.md) is
// identification only; just `debug` changes anything.
std::vector<Key> ConfigParser::app_keys() {
  return {
      text("name"),
      text("version"),
      custom("debug", &ConfigParser::set_debug),
      text("environment"),
  };
}

std::vector<Key> ConfigParser::logging_keys() {
  return {
      custom("level", &ConfigParser::set_level),
      custom("file", &ConfigParser::set_log_file),
      custom("formatters", &ConfigParser::check_formatters),
      section("handlers",
              {
                  section("console", {text("class"), text("formatter")}),
                  section("file",
                          {
                              text("class"),
                              text("formatter"),
                              custom("filename", &ConfigParser::set_handler_filename),
                              custom("when", &ConfigParser::check_when),
                              custom("interval", &ConfigParser::check_interval),
                              integer("backupCount", config_.logging.backup_count, 0),
                          }),
              }),
  };
}

std::vector<Key> ConfigParser::output_keys() {
  OutputSettings& o = config_.output;
  return {
      bind("directory", o.directory, [this](const Slot& s) { return read_path(s); }),
      custom("format", &ConfigParser::set_format),
      integer("buffer_size", o.buffer_size, 1, 1000000),
      number("flush_interval", o.flush_interval, {0, true, 3600, "seconds"}),
      custom("csv_delimiter", &ConfigParser::set_delimiter),
      boolean("include_header", o.include_header),
      integer("max_file_mb", o.max_file_mb, 0),
      boolean("quiet", o.quiet),
      custom("console_time", &ConfigParser::set_console_time),
  };
}

std::vector<Key> ConfigParser::filter_keys() {
  return {
      custom("comm", &ConfigParser::set_comms),
      custom("user", &ConfigParser::set_users),
      custom("pid", &ConfigParser::set_pids),
      custom("cgroup", &ConfigParser::set_cgroup),
      custom("container", &ConfigParser::set_container),
  };
}

std::vector<Key> ConfigParser::monitor_keys() {
  std::vector<Key> keys;
  for (const SettingsSection& s : settings_sections()) {
    MonitorConfig& monitor = config_.monitors.at(s.name);
    std::vector<Key> own = settings_keys(s, monitor, "");
    own.insert(own.begin(), boolean("enabled", monitor.enabled));
    keys.push_back(section(s.name, std::move(own)));
  }
  return keys;
}

// The keys of a settings table at one level: "a.b" makes a section "a"
// holding key "b", in the order the table first names each.
std::vector<Key> ConfigParser::settings_keys(const SettingsSection& table, MonitorConfig& monitor,
                                             std::string_view prefix) const {
  std::vector<Key> keys;
  std::vector<std::string> nested;
  for (const Setting& setting : table.settings) {
    if (setting.key.empty() || setting.key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = setting.key.substr(prefix.size());
    const size_t dot = rest.find('.');
    if (dot == std::string::npos) {
      keys.push_back({rest, [this, &setting, &monitor](const Slot& slot) {
                        return setting.read(raw(slot), monitor.settings);
                      }});
      continue;
    }
    const std::string head = rest.substr(0, dot);
    if (std::find(nested.begin(), nested.end(), head) != nested.end()) continue;
    nested.push_back(head);
    keys.push_back(section(head, settings_keys(table, monitor, std::string(prefix) + head + ".")));
  }
  return keys;
}

// ---------------------------------------------------------------------------
// Values with rules of their own

Result<void> ConfigParser::set_debug(const Slot& slot) {
  Result<bool> on = read_bool(raw(slot));
  if (!on) return on.error();
  debug_ = *on;
  return {};
}

Result<void> ConfigParser::set_level(const Slot& slot) {
  const char* what = "expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL";
  if (!slot.node.IsScalar()) return value_error(raw(slot), what);
  std::string level = upper(slot.node.Scalar());
  if (level == "CRITICAL") level = "ERROR";  // we log nothing above ERROR
  if (level != "DEBUG" && level != "INFO" && level != "WARNING" && level != "ERROR")
    return value_error(raw(slot), what);
  config_.logging.level = level;
  level_given_ = true;
  return {};
}

Result<void> ConfigParser::store_log_file(const Slot& slot, std::string file) {
  if (!log_file_key_.empty())
    return value_error(raw(slot), log_file_key_ + " already names the log file; give only one");
  config_.logging.file = std::move(file);
  log_file_key_ = slot.path;
  return {};
}

Result<void> ConfigParser::set_log_file(const Slot& slot) {
  Result<std::string> file = read_path(slot);
  if (!file) return file.error();
  return store_log_file(slot, std::move(file.value()));
}

// The original Python monitor's file handler wrote its filename next to the
// tool; we keep logs under logs/.
Result<void> ConfigParser::set_handler_filename(const Slot& slot) {
  Result<std::string> file = read_path(slot);
  if (!file) return file.error();
  const fs::path p(file.value());
  return store_log_file(slot, p.is_absolute() ? p.string() : (fs::path("logs") / p).string());
}

Result<void> ConfigParser::check_when(const Slot& slot) {
  const std::string when = slot.node.IsScalar() ? lower(slot.node.Scalar()) : "";
  if (when != "d" && when != "midnight")
    return value_error(raw(slot), "only daily rotation is supported (expected 'D' or 'midnight')");
  return {};
}

Result<void> ConfigParser::check_interval(const Slot& slot) {
  if (auto n = read_integer(raw(slot), 1, 1); !n)
    return value_error(raw(slot), "only daily rotation is supported (expected 1)");
  return {};
}

// Python logging format strings: accepted so the original Python monitor's
// config file (docs/INTERFACE.md) loads, but our log lines have one fixed
// layout, so `format` is checked for type and dropped. This is the only key
// the loader accepts without honouring.
Result<void> ConfigParser::check_formatters(const Slot& slot) {
  const std::vector<Key> formatter{text("format")};
  return walk_map(slot, {}, [&](const Slot& named) { return walk_map(named, formatter); });
}

Result<void> ConfigParser::set_format(const Slot& slot) {
  Result<std::string> f = read_choice(raw(slot), {"csv", "jsonl", "none"});
  if (!f) return f.error();
  config_.output.files = *f != "none";
  config_.output.format = *f == "csv" ? FileFormat::Csv : FileFormat::Jsonl;
  return {};
}

Result<void> ConfigParser::set_console_time(const Slot& slot) {
  Result<std::string> t = read_choice(raw(slot), {"clock", "full", "elapsed"});
  if (!t) return t.error();
  config_.output.console_time = *t;
  return {};
}

Result<void> ConfigParser::set_metrics_listen(const Slot& slot) {
  Result<std::string> text = read_string(slot);
  if (!text) return text.error();
  if (auto parsed = parse_listen_address(*text); !parsed)
    return error(slot.mark, slot.path + ": " + parsed.error().message);
  config_.metrics.listen = *text;
  return {};
}

Result<void> ConfigParser::set_delimiter(const Slot& slot) {
  const std::string& s = slot.node.Scalar();
  const auto c = s.size() == 1 ? static_cast<unsigned char>(s[0]) : 0;
  // CR, LF and '"' would make records ambiguous under RFC 4180 quoting.
  const bool ok = slot.node.IsScalar() && (c == '\t' || (c >= 0x20 && c <= 0x7e && c != '"'));
  if (!ok)
    return value_error(
        raw(slot), "expected one printable ASCII character other than '\"' (or \"\\t\" for tab)");
  config_.output.csv_delimiter = static_cast<char>(c);
  return {};
}

// A filter is a YAML sequence or one comma-separated string, as on the
// command line; each item goes through the same checks as the flags.
template <class T, class One, class List>
Result<void> ConfigParser::filter_list(const Slot& slot, std::vector<T>& out, const char* what,
                                       One one, List list) const {
  std::vector<T> items;
  if (slot.node.IsSequence()) {
    for (const YAML::Node& item : slot.node) {
      const Slot s{item, item.Mark(), slot.path};
      if (!item.IsScalar()) return value_error(raw(s), what);
      Result<T> r = one(item.Scalar(), at(s.mark) + ": " + slot.path);
      if (!r) return r.error();
      items.push_back(std::move(r.value()));
    }
  } else if (slot.node.IsScalar()) {
    auto r = list(slot.node.Scalar(), at(slot.mark) + ": " + slot.path);
    if (!r) return r.error();
    items = std::move(r.value());
  } else {
    return value_error(raw(slot), "expected a sequence or a comma-separated string");
  }
  for (T& item : items) {
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(std::move(item));
  }
  return {};
}

Result<void> ConfigParser::set_comms(const Slot& slot) {
  return filter_list(slot, config_.filters.comms, "expected a process name", parse_comm,
                     parse_comm_list);
}

Result<void> ConfigParser::set_users(const Slot& slot) {
  return filter_list(slot, config_.filters.uids, "expected a user name or uid", parse_user,
                     parse_user_list);
}

Result<void> ConfigParser::set_pids(const Slot& slot) {
  return filter_list(slot, config_.filters.pids, "expected a process id", parse_pid,
                     parse_pid_list);
}

Result<void> ConfigParser::set_cgroup(const Slot& slot) {
  if (!slot.node.IsScalar()) return value_error(raw(slot), "expected a cgroup v2 path");
  auto path = resolve_cgroup_path(slot.node.Scalar(), at(slot.mark) + ": " + slot.path);
  if (!path) return path.error();
  config_.filters.cgroup = *path;
  return {};
}

Result<void> ConfigParser::set_container(const Slot& slot) {
  if (!slot.node.IsScalar()) return value_error(raw(slot), "expected a container id");
  auto id = parse_container_id(slot.node.Scalar(), at(slot.mark) + ": " + slot.path);
  if (!id) return id.error();
  config_.filters.container = *id;
  return {};
}

Result<Config> ConfigParser::parse(std::string_view text) {
  try {
    const YAML::Node root = load_single_document(std::string(text));
    if (!root.IsNull()) {
      if (!root.IsMap())
        return value_error(raw({root, root.Mark(), ""}),
                           "expected a mapping of settings at the top level");
      Result<void> r = walk_map({root, root.Mark(), ""}, top_keys());
      if (!r) return r.error();
    }
  } catch (const YamlDocumentError& e) {
    return error(e.mark, e.message);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's messages can quote a byte of the input, such as a NUL.
    return error(e.mark, "invalid YAML: " + e.msg);
  }
  if (debug_ && !level_given_) config_.logging.level = "DEBUG";
  return std::move(config_);
}

}  // namespace

Result<Config> parse_config(std::string_view yaml_text, std::string_view name) {
  Result<Config> config = ConfigParser(name).parse(yaml_text);
  if (!config) return printable(config.error());
  return config;
}

}  // namespace ebpfmon
