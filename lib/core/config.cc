#include "core/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "core/listen_address.h"
#include "core/text.h"
#include "monitors/syscall_table.h"

namespace ebpfmon {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kU32Max = std::numeric_limits<uint32_t>::max();
constexpr double kNoMax = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------
// Message helpers

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return quote_for_message(node.Scalar());
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "null";
  }
}

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

// A quoted (or !!str) scalar is a string in YAML even when it looks like a
// number or a boolean; Python's loader would hand the tool a str, so we refuse
// it where a number or a boolean belongs.
bool is_plain_scalar(const YAML::Node& node) {
  return node.IsScalar() && node.Tag() != "!" && node.Tag() != "tag:yaml.org,2002:str";
}

// Decimal digits with an optional '+'. No hex, octal or '_' separators: a
// config value should read the same to every YAML implementation.
std::optional<uint64_t> plain_integer(const YAML::Node& node) {
  if (!is_plain_scalar(node)) return std::nullopt;
  std::string_view s = node.Scalar();
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> plain_number(const YAML::Node& node) {
  if (!is_plain_scalar(node)) return std::nullopt;
  std::string_view s = node.Scalar();
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// ---------------------------------------------------------------------------
// The schema walker

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

struct NumberRange {
  double min;
  bool min_exclusive;
  double max;
  const char* expected;  // the message's "expected ..." part
};

class ConfigParser {
 public:
  explicit ConfigParser(std::string_view name) : name_(name) { config_.source = name_; }

  Result<Config> parse(std::string_view text);

 private:
  // Messages: "<name>:<line>:<column>: <path>: <what>, got <value>".
  std::string at(const YAML::Mark& mark) const;
  Error error(const YAML::Mark& mark, const std::string& message) const;
  Error expected(const Slot& slot, std::string_view what) const;

  Result<void> walk_map(const Slot& slot, const std::vector<Key>& keys,
                        const Handler& other = nullptr) const;
  Error unknown_key(const YAML::Mark& mark, const std::string& path, std::string_view key,
                    const std::vector<Key>& keys) const;

  // Readers check one value's kind, type and range.
  Result<bool> read_bool(const Slot& slot) const;
  Result<uint32_t> read_uint(const Slot& slot, uint32_t min, uint32_t max) const;
  Result<double> read_number(const Slot& slot, const NumberRange& range) const;
  Result<std::string> read_string(const Slot& slot) const;
  Result<std::string> read_path(const Slot& slot) const;
  Result<std::string> read_choice(const Slot& slot, const std::vector<std::string>& choices) const;

  // Key builders: a schema entry that stores a checked value in `out`.
  Key section(std::string name, std::vector<Key> keys) const;
  Key boolean(std::string name, bool& out) const;
  Key integer(std::string name, uint32_t& out, uint32_t min, uint32_t max = kU32Max) const;
  Key number(std::string name, double& out, const NumberRange& range) const;
  Key text(std::string name, std::string* out) const;  // null out: accepted, not stored
  Key custom(std::string name, Result<void> (ConfigParser::*fn)(const Slot&));

  std::vector<Key> top_keys();
  std::vector<Key> app_keys();
  std::vector<Key> logging_keys();
  std::vector<Key> output_keys();
  std::vector<Key> filter_keys();
  std::vector<Key> monitor_keys();

  // Values that need more than a type and a range.
  Result<void> set_debug(const Slot& slot);
  Result<void> set_level(const Slot& slot);
  Result<void> set_log_file(const Slot& slot);
  Result<void> set_handler_filename(const Slot& slot);
  Result<void> check_when(const Slot& slot);
  Result<void> check_interval(const Slot& slot);
  Result<void> check_formatters(const Slot& slot);
  Result<void> set_format(const Slot& slot);
  Result<void> set_delimiter(const Slot& slot);
  Result<void> set_metrics_listen(const Slot& slot);
  Result<void> set_comms(const Slot& slot);
  Result<void> set_users(const Slot& slot);
  Result<void> set_pids(const Slot& slot);
  Result<void> set_patterns(const Slot& slot);
  Result<void> set_high_priority(const Slot& slot);
  Result<void> set_syscalls(const Slot& slot);
  Result<void> read_syscall_list(const Slot& slot, std::vector<std::string>& out);
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

Error ConfigParser::expected(const Slot& slot, std::string_view what) const {
  return error(slot.mark, slot.path + ": " + std::string(what) + ", got " + describe(slot.node));
}

Result<void> ConfigParser::walk_map(const Slot& slot, const std::vector<Key>& keys,
                                    const Handler& other) const {
  if (slot.node.IsNull()) return {};  // "section:" with everything in it commented out
  if (!slot.node.IsMap()) return expected(slot, "expected a mapping");
  std::set<std::string> seen;
  for (const auto& pair : slot.node) {
    const YAML::Node& key = pair.first;
    const YAML::Node& value = pair.second;
    if (!key.IsScalar()) {
      return error(key.Mark(), (slot.path.empty() ? "" : slot.path + ": ") +
                                   "expected a key name, got " + describe(key));
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

// ---------------------------------------------------------------------------
// Readers

Result<bool> ConfigParser::read_bool(const Slot& slot) const {
  bool value = false;
  if (!is_plain_scalar(slot.node) || !YAML::convert<bool>::decode(slot.node, value)) {
    return expected(slot, "expected true or false");
  }
  return value;
}

Result<uint32_t> ConfigParser::read_uint(const Slot& slot, uint32_t min, uint32_t max) const {
  std::string what;
  if (max != kU32Max) {
    what = "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
  } else {
    what = min == 0 ? "expected a non-negative integer"
                    : "expected an integer of at least " + std::to_string(min);
  }
  const std::optional<uint64_t> v = plain_integer(slot.node);
  if (!v || *v < min || *v > max) return expected(slot, what);
  return static_cast<uint32_t>(*v);
}

Result<double> ConfigParser::read_number(const Slot& slot, const NumberRange& range) const {
  const std::optional<double> v = plain_number(slot.node);
  const bool ok = v && (range.min_exclusive ? *v > range.min : *v >= range.min) && *v <= range.max;
  if (!ok) return expected(slot, range.expected);
  return *v;
}

Result<std::string> ConfigParser::read_string(const Slot& slot) const {
  if (!slot.node.IsScalar()) return expected(slot, "expected a string");
  return slot.node.Scalar();
}

Result<std::string> ConfigParser::read_path(const Slot& slot) const {
  Result<std::string> s = read_string(slot);
  if (!s) return s;
  if (s->empty() || s->find('\0') != std::string::npos) {
    return expected(slot, "expected a non-empty path");
  }
  return s;
}

Result<std::string> ConfigParser::read_choice(const Slot& slot,
                                              const std::vector<std::string>& choices) const {
  std::string list;
  for (const std::string& c : choices) list += (list.empty() ? "" : ", ") + c;
  const std::string what = "expected one of " + list;
  if (!slot.node.IsScalar()) return expected(slot, what);
  if (std::find(choices.begin(), choices.end(), slot.node.Scalar()) == choices.end()) {
    return expected(slot, what);
  }
  return slot.node.Scalar();
}

// ---------------------------------------------------------------------------
// Key builders

template <class T, class Read>
Key bind_key(std::string name, T& out, Read read) {
  return {std::move(name), [&out, read](const Slot& slot) -> Result<void> {
            auto r = read(slot);
            if (!r) return r.error();
            out = std::move(r.value());
            return {};
          }};
}

Key ConfigParser::section(std::string name, std::vector<Key> keys) const {
  return {std::move(name),
          [this, keys = std::move(keys)](const Slot& slot) { return walk_map(slot, keys); }};
}

Key ConfigParser::boolean(std::string name, bool& out) const {
  return bind_key(std::move(name), out, [this](const Slot& s) { return read_bool(s); });
}

Key ConfigParser::integer(std::string name, uint32_t& out, uint32_t min, uint32_t max) const {
  return bind_key(std::move(name), out,
                  [this, min, max](const Slot& s) { return read_uint(s, min, max); });
}

Key ConfigParser::number(std::string name, double& out, const NumberRange& range) const {
  return bind_key(std::move(name), out,
                  [this, range](const Slot& s) { return read_number(s, range); });
}

Key ConfigParser::text(std::string name, std::string* out) const {
  return {std::move(name), [this, out](const Slot& slot) -> Result<void> {
            Result<std::string> s = read_string(slot);
            if (!s) return s.error();
            if (out) *out = std::move(s.value());
            return {};
          }};
}

Key ConfigParser::custom(std::string name, Result<void> (ConfigParser::*fn)(const Slot&)) {
  return {std::move(name), [this, fn](const Slot& slot) { return (this->*fn)(slot); }};
}

// ---------------------------------------------------------------------------
// The schema: the seed's keys plus this project's additions, nothing else.

std::vector<Key> ConfigParser::top_keys() {
  return {
      section("app", app_keys()),
      section("logging", logging_keys()),
      section("output", output_keys()),
      section("monitors", monitor_keys()),
      section("filters", filter_keys()),
      section("metrics", {boolean("enabled", config_.metrics.enabled),
                          custom("listen", &ConfigParser::set_metrics_listen)}),
      number("duration", config_.duration,
             {0, false, kNoMax, "expected a non-negative number of seconds"}),
  };
}

// The seed's app block is identification only; just `debug` changes anything.
std::vector<Key> ConfigParser::app_keys() {
  return {
      text("name", nullptr),
      text("version", nullptr),
      custom("debug", &ConfigParser::set_debug),
      text("environment", nullptr),
  };
}

std::vector<Key> ConfigParser::logging_keys() {
  return {
      custom("level", &ConfigParser::set_level),
      custom("file", &ConfigParser::set_log_file),
      custom("formatters", &ConfigParser::check_formatters),
      section("handlers",
              {
                  section("console", {text("class", nullptr), text("formatter", nullptr)}),
                  section("file",
                          {
                              text("class", nullptr),
                              text("formatter", nullptr),
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
      bind_key("directory", o.directory, [this](const Slot& s) { return read_path(s); }),
      custom("format", &ConfigParser::set_format),
      integer("buffer_size", o.buffer_size, 1, 1000000),
      number("flush_interval", o.flush_interval,
             {0, true, 3600, "expected a number of seconds greater than 0 and at most 3600"}),
      custom("csv_delimiter", &ConfigParser::set_delimiter),
      boolean("include_header", o.include_header),
      integer("max_file_mb", o.max_file_mb, 0),
      boolean("quiet", o.quiet),
  };
}

std::vector<Key> ConfigParser::filter_keys() {
  return {
      custom("comm", &ConfigParser::set_comms),
      custom("user", &ConfigParser::set_users),
      custom("pid", &ConfigParser::set_pids),
  };
}

std::vector<Key> ConfigParser::monitor_keys() {
  ExecSettings& exec = config_.exec;
  FuncSettings& func = config_.func;
  SyscallSettings& sys = config_.syscall;
  // The names are those of the defaults, so the two cannot drift apart.
  std::vector<Key> categories;
  for (auto& [name, on] : sys.monitor_categories) categories.push_back(boolean(name, on));
  std::vector<Key> thresholds;
  for (auto& [name, limit] : sys.performance_thresholds) {
    thresholds.push_back(
        number(name, limit, {0, true, kNoMax, "expected a number greater than 0"}));
  }
  return {
      section("exec",
              {
                  boolean("enabled", exec.enabled),
                  integer("max_args", exec.max_args, 1, 1024),
                  integer("max_arg_bytes", exec.max_arg_bytes, 256, 32768),
              }),
      section("func",
              {
                  boolean("enabled", func.enabled),
                  custom("patterns", &ConfigParser::set_patterns),
                  integer("probe_limit", func.probe_limit, 1, 10000),
                  integer("max_events_per_second", func.max_events_per_second, 0),
                  bind_key("backend", func.backend,
                           [this](const Slot& s) {
                             return read_choice(s, {"auto", "fentry", "kprobe"});
                           }),
              }),
      section("syscall",
              {
                  boolean("enabled", sys.enabled),
                  bind_key("sampling_strategy", sys.sampling_strategy,
                           [this](const Slot& s) {
                             return read_choice(s, {"intelligent", "all", "sample"});
                           }),
                  integer("sample_rate", sys.sample_rate, 1),
                  custom("high_priority_syscalls", &ConfigParser::set_high_priority),
                  section("monitor_categories", std::move(categories)),
                  section("performance_thresholds", std::move(thresholds)),
                  integer("max_events_per_second", sys.max_events_per_second, 0),
                  boolean("show_errors_only", sys.show_errors_only),
                  boolean("show_slow_only", sys.show_slow_only),
                  custom("syscalls", &ConfigParser::set_syscalls),
              }),
  };
}

// ---------------------------------------------------------------------------
// Values with rules of their own

Result<void> ConfigParser::set_debug(const Slot& slot) {
  Result<bool> on = read_bool(slot);
  if (!on) return on.error();
  debug_ = *on;
  return {};
}

Result<void> ConfigParser::set_level(const Slot& slot) {
  const char* what = "expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL";
  if (!slot.node.IsScalar()) return expected(slot, what);
  std::string level = upper(slot.node.Scalar());
  if (level == "CRITICAL") level = "ERROR";  // we log nothing above ERROR
  if (level != "DEBUG" && level != "INFO" && level != "WARNING" && level != "ERROR") {
    return expected(slot, what);
  }
  config_.logging.level = level;
  level_given_ = true;
  return {};
}

Result<void> ConfigParser::store_log_file(const Slot& slot, std::string file) {
  if (!log_file_key_.empty()) {
    return expected(slot, log_file_key_ + " already names the log file; give only one");
  }
  config_.logging.file = std::move(file);
  log_file_key_ = slot.path;
  return {};
}

Result<void> ConfigParser::set_log_file(const Slot& slot) {
  Result<std::string> file = read_path(slot);
  if (!file) return file.error();
  return store_log_file(slot, std::move(file.value()));
}

// The seed's handler wrote next to the tool; we keep logs under logs/.
Result<void> ConfigParser::set_handler_filename(const Slot& slot) {
  Result<std::string> file = read_path(slot);
  if (!file) return file.error();
  const fs::path p(file.value());
  return store_log_file(slot, p.is_absolute() ? p.string() : (fs::path("logs") / p).string());
}

Result<void> ConfigParser::check_when(const Slot& slot) {
  const std::string when = slot.node.IsScalar() ? lower(slot.node.Scalar()) : "";
  if (when != "d" && when != "midnight") {
    return expected(slot, "only daily rotation is supported (expected 'D' or 'midnight')");
  }
  return {};
}

Result<void> ConfigParser::check_interval(const Slot& slot) {
  if (plain_integer(slot.node) != std::optional<uint64_t>(1)) {
    return expected(slot, "only daily rotation is supported (expected 1)");
  }
  return {};
}

// Python logging format strings: accepted so the seed file loads, but our log
// lines have one fixed layout, so `format` is checked for type and dropped.
// This is the only key the loader accepts without honouring.
Result<void> ConfigParser::check_formatters(const Slot& slot) {
  const std::vector<Key> formatter{text("format", nullptr)};
  return walk_map(slot, {}, [&](const Slot& named) { return walk_map(named, formatter); });
}

Result<void> ConfigParser::set_format(const Slot& slot) {
  Result<std::string> f = read_choice(slot, {"csv", "jsonl"});
  if (!f) return f.error();
  config_.output.format = *f == "csv" ? FileFormat::Csv : FileFormat::Jsonl;
  return {};
}

Result<void> ConfigParser::set_metrics_listen(const Slot& slot) {
  Result<std::string> text = read_string(slot);
  if (!text) return text.error();
  if (auto parsed = parse_listen_address(*text); !parsed) return error(slot.mark, slot.path + ": " + parsed.error().message);
  config_.metrics.listen = *text;
  return {};
}

Result<void> ConfigParser::set_delimiter(const Slot& slot) {
  const std::string& s = slot.node.Scalar();
  const auto c = s.size() == 1 ? static_cast<unsigned char>(s[0]) : 0;
  // CR, LF and '"' would make records ambiguous under RFC 4180 quoting.
  const bool ok = slot.node.IsScalar() && (c == '\t' || (c >= 0x20 && c <= 0x7e && c != '"'));
  if (!ok) {
    return expected(slot,
                    "expected one printable ASCII character other than '\"' (or \"\\t\" for tab)");
  }
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
      if (!item.IsScalar()) return expected(s, what);
      Result<T> r = one(item.Scalar(), at(s.mark) + ": " + slot.path);
      if (!r) return r.error();
      items.push_back(std::move(r.value()));
    }
  } else if (slot.node.IsScalar()) {
    auto r = list(slot.node.Scalar(), at(slot.mark) + ": " + slot.path);
    if (!r) return r.error();
    items = std::move(r.value());
  } else {
    return expected(slot, "expected a sequence or a comma-separated string");
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

// Patterns are globs over kernel function names (check_function_glob).
Result<void> ConfigParser::set_patterns(const Slot& slot) {
  if (!slot.node.IsSequence() || slot.node.size() == 0) {
    return expected(slot, "expected a non-empty sequence of function name globs");
  }
  std::vector<std::string> patterns;
  for (const YAML::Node& item : slot.node) {
    const Slot s{item, item.Mark(), slot.path};
    const std::string& p = item.Scalar();
    if (!item.IsScalar()) return expected(s, "expected a function name glob");
    if (auto r = check_function_glob(p, ""); !r) {
      return error(s.mark, s.path + ": " + r.error().message);
    }
    if (std::find(patterns.begin(), patterns.end(), p) == patterns.end()) patterns.push_back(p);
  }
  config_.func.patterns = std::move(patterns);
  return {};
}

// Numbers or names, kept as written (the syscall monitor resolves them
// against the build's syscall table), once known to resolve.
bool is_syscall_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

Result<void> ConfigParser::set_high_priority(const Slot& slot) {
  return read_syscall_list(slot, config_.syscall.high_priority_syscalls);
}

Result<void> ConfigParser::set_syscalls(const Slot& slot) {
  return read_syscall_list(slot, config_.syscall.syscalls);
}

Result<void> ConfigParser::read_syscall_list(const Slot& slot, std::vector<std::string>& out) {
  if (!slot.node.IsSequence()) {
    return expected(slot, "expected a sequence of syscall numbers or names");
  }
  std::vector<std::string> syscalls;
  for (const YAML::Node& item : slot.node) {
    const std::string& s = item.Scalar();
    if (!item.IsScalar() || s.empty() || !std::all_of(s.begin(), s.end(), is_syscall_char)) {
      return expected({item, item.Mark(), slot.path},
                      "expected a syscall number or name ([a-z0-9_]+)");
    }
    // Checked here, not when the monitor starts, so that the error names
    // file:line:column and comes before any kernel work.
    if (auto known = resolve_syscalls({s}, slot.path); !known) {
      return error(item.Mark(), known.error().message);
    }
    syscalls.push_back(s);
  }
  out = std::move(syscalls);
  return {};
}

// ---------------------------------------------------------------------------

// Sees every document of a YAML stream as events, keeping only where each
// document starts and where the first content after the first document is.
class DocumentScan final : public YAML::EventHandler {
 public:
  size_t documents = 0;
  YAML::Mark start;                 // of the latest document
  std::optional<YAML::Mark> later;  // the first node of a later document

  void OnDocumentStart(const YAML::Mark& mark) override {
    ++documents;
    start = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { content(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    content(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    content(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    content(mark);
  }
  void OnMapEnd() override {}

 private:
  void content(const YAML::Mark& mark) {
    if (documents > 1 && !later) later = mark;
  }
};

Result<Config> ConfigParser::parse(std::string_view text) {
  try {
    const std::string yaml(text);
    // Not YAML::LoadAll: on a stray ',' outside brackets yaml-cpp 0.7 hands
    // out empty documents without consuming it, and LoadAll collects them
    // until memory runs out (found by test/fuzz). A document that starts
    // where the one before it did is that case.
    std::istringstream stream(yaml);
    YAML::Parser parser(stream);
    DocumentScan scan;
    for (YAML::Mark previous = YAML::Mark::null_mark(); parser.HandleNextDocument(scan);
         previous = scan.start) {
      if (scan.documents > 1 && scan.start.pos == previous.pos) {
        const auto at = static_cast<size_t>(scan.start.pos);
        return error(scan.start, "invalid YAML: unexpected " +
                                     quote_for_message(at < yaml.size() ? yaml.substr(at, 1) : ""));
      }
    }
    // A trailing "---" makes an empty second document; real content there
    // would otherwise be ignored.
    if (scan.later) return error(*scan.later, "only one YAML document is allowed");
    const YAML::Node root = YAML::Load(yaml);  // the first document
    if (!root.IsNull()) {
      if (!root.IsMap()) {
        return error(root.Mark(),
                     "expected a mapping of settings at the top level, got " + describe(root));
      }
      Result<void> r = walk_map({root, root.Mark(), ""}, top_keys());
      if (!r) return r.error();
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp's messages can quote a byte of the input, such as a NUL.
    return error(e.mark, "invalid YAML: " + e.msg);
  }
  if (debug_ && !level_given_) config_.logging.level = "DEBUG";
  return std::move(config_);
}

// ---------------------------------------------------------------------------
// Files

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The config decides which kernel functions get probed, so as root it must
// be as trusted as the binary: owned by root and writable by nobody else.
Result<void> check_trusted(const std::string& path, const struct stat& st) {
  if (geteuid() != 0) return {};
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error::usage(path + ": refusing a config file that other users can write (mode " + mode +
                        "); run chmod go-w " + path);
  }
  if (st.st_uid != 0) {
    return Error::usage(path + ": refusing a config file owned by uid " +
                        std::to_string(st.st_uid) + ", not root; run chown root " + path);
  }
  return {};
}

// open + fstat rather than stat + open: the checks apply to the very file
// that gets read, not to whatever the name pointed at a moment earlier.
Result<std::string> read_config_text(const std::string& path) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return Error::usage(path + ": no such file");
    return Error::usage(path + ": " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::usage(path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return Error::usage(path + ": " + std::strerror(EISDIR));
  if (!S_ISREG(st.st_mode)) return Error::usage(path + ": not a regular file");
  if (Result<void> trusted = check_trusted(path, st); !trusted) return trusted.error();

  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::usage(path + ": " + std::strerror(errno));
    }
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

// Messages quote keys, values and file names from the config: whatever
// bytes they hold, the message stays one printable line.
Error printable(Error error) {
  error.message = escape_control_bytes(error.message);
  error.hint = escape_control_bytes(error.hint);
  return error;
}

}  // namespace

Result<Config> parse_config(std::string_view yaml_text, std::string_view name) {
  Result<Config> config = ConfigParser(name).parse(yaml_text);
  if (!config) return printable(config.error());
  return config;
}

Result<Config> load_config_file(const std::filesystem::path& path) {
  Result<std::string> text = read_config_text(path.string());
  if (!text) return printable(text.error());
  return parse_config(text.value(), path.string());
}

Result<Config> load_config(const std::optional<std::filesystem::path>& explicit_path) {
  if (explicit_path) return load_config_file(*explicit_path);
  for (const char* candidate : {"./monitor_config.yaml", "/etc/ebpfmon/monitor_config.yaml"}) {
    // symlink_status: a dangling link is reported by load_config_file, not skipped.
    std::error_code ec;
    if (fs::exists(fs::symlink_status(candidate, ec))) return load_config_file(candidate);
  }
  return Config{};
}

}  // namespace ebpfmon
