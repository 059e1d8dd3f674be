// The settings every tool shares: one table for the config file's top-level
// sections and the common flags, read by core/config.cc and app/options.cc
// alike, so YAML and a flag accept and refuse the same values with the same
// message.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>

#include "core/cgroups.h"
#include "core/config.h"
#include "core/filters.h"
#include "core/listen_address.h"
#include "core/nats_urls.h"
#include "core/redact.h"

namespace ebpfmon {
namespace {

constexpr uint32_t kU32Max = std::numeric_limits<uint32_t>::max();
constexpr double kNoLimit = std::numeric_limits<double>::infinity();

using Table = SettingsTable<Config>;
using TextRule = Table::TextRule;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The log file is named by logging.file or by the original Python monitor's
// logging.handlers.file.filename; both at once would be ambiguous.
Result<void> store_log_file(const RawValue& v, Config& c, std::string file, const char* key) {
  if (!c.logging.file_key.empty())
    return value_error(v, c.logging.file_key + " already names the log file; give only one");
  c.logging.file = std::move(file);
  c.logging.file_key = key;
  return {};
}

// A filter is a YAML sequence or one comma-separated string (a flag's value);
// each item goes through the same checks either way.
template <class T, class One, class List>
Result<std::vector<T>> read_filter(const RawValue& v, const char* item_expected, One one,
                                   List list) {
  std::vector<T> items;
  if (v.kind == RawValue::Kind::Sequence) {
    for (const RawValue& item : v.items) {
      if (item.kind != RawValue::Kind::Scalar) return value_error(item, item_expected);
      Result<T> r = one(item.text, item.where);
      if (!r) return r.error();
      if (std::find(items.begin(), items.end(), *r) == items.end()) items.push_back(std::move(*r));
    }
    return items;
  }
  if (v.kind != RawValue::Kind::Scalar)
    return value_error(v, "expected a sequence or a comma-separated string");
  return list(v.text, v.where);
}

// A setting read by a function of its own; `flag` and the rest are set by
// the caller where it has them.
Setting about(std::string key, std::string help, std::string accepts,
              SettingKind kind = SettingKind::Other) {
  Setting s;
  s.key = std::move(key);
  s.help = std::move(help);
  s.accepts = std::move(accepts);
  s.kind = kind;
  return s;
}

template <class T>
std::string show_items(const std::vector<T>& items) {
  std::vector<std::string> words;
  for (const T& item : items) {
    if constexpr (std::is_same_v<T, std::string>)
      words.push_back(item);
    else
      words.push_back(std::to_string(item));
  }
  return words.empty() ? "" : show_list_text(words);
}

void add_app(Table& t) {
  // The original Python monitor's app block (docs/INTERFACE.md) names the
  // deployment; only `debug` changes anything.
  for (const char* key : {"app.name", "app.version", "app.environment"})
    t.accepted_text(key, "accepted, so the original Python monitor's config loads; informational");
  t.custom(
      about("app.debug", "debug logging unless logging.level is set", "true, false",
            SettingKind::Bool),
      [](const RawValue& v, Config& c) -> Result<void> {
        Result<bool> on = read_bool(v);
        if (!on) return on.error();
        if (*on && !c.logging.level_given) c.logging.level = "DEBUG";
        return {};
      },
      [](const Config&) { return std::string("false"); });
}

void add_logging(Table& t) {
  t.custom(
      about("logging.level",
            "log level (of the log file, with the front end); DEBUG adds the BPF compiler's "
            "warnings",
            "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
      [](const RawValue& v, Config& c) -> Result<void> {
        const char* expected = "expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL";
        if (v.kind != RawValue::Kind::Scalar) return value_error(v, expected);
        std::string name = upper(v.text);
        if (name == "CRITICAL") name = "ERROR";  // we log nothing above ERROR
        if (name != "DEBUG" && name != "INFO" && name != "WARNING" && name != "ERROR")
          return value_error(v, expected);
        c.logging.level = name;
        c.logging.level_given = true;
        return {};
      },
      [](const Config& c) { return c.logging.level; });
  t.custom(
      about("logging.file", "the log file (of the front end)", "path"),
      [](const RawValue& v, Config& c) -> Result<void> {
        Result<std::string> path = read_path(v);
        if (!path) return path.error();
        return store_log_file(v, c, std::move(*path), "logging.file");
      },
      [](const Config& c) { return c.logging.file; });
  // The original Python monitor's handlers: its file handler wrote its
  // filename next to the tool; we keep logs under logs/.
  t.custom(
      about("logging.handlers.file.filename", "as logging.file; a relative name goes under logs/",
            "path"),
      [](const RawValue& v, Config& c) -> Result<void> {
        Result<std::string> name = read_path(v);
        if (!name) return name.error();
        const std::filesystem::path p(*name);
        return store_log_file(
            v, c, p.is_absolute() ? p.string() : (std::filesystem::path("logs") / p).string(),
            "logging.handlers.file.filename");
      },
      [](const Config&) { return std::string(); });
  t.custom(
      about("logging.handlers.file.when", "log rotation: only daily is supported", "D, midnight"),
      [](const RawValue& v, Config&) -> Result<void> {
        std::string w = v.kind == RawValue::Kind::Scalar ? upper(v.text) : "";
        if (w != "D" && w != "MIDNIGHT")
          return value_error(v, "only daily rotation is supported (expected 'D' or 'midnight')");
        return {};
      },
      [](const Config&) { return std::string("D"); });
  t.custom(
      about("logging.handlers.file.interval", "log rotation: only every 1 day is supported", "1"),
      [](const RawValue& v, Config&) -> Result<void> {
        if (!read_integer(v, 1, 1))
          return value_error(v, "only daily rotation is supported (expected 1)");
        return {};
      },
      [](const Config&) { return std::string("1"); });
  t.integer(
      "logging.handlers.file.backupCount", "",
      [](Config& c) -> uint32_t& { return c.logging.backup_count; }, 0, kU32Max,
      "rotated log files kept");
  // Python logging's format strings and handler classes: accepted so the
  // original Python monitor's config file loads, but our log lines have one
  // fixed layout. These are the only keys read without being honoured.
  for (const char* key : {"logging.formatters.*.format", "logging.handlers.console.class",
                          "logging.handlers.console.formatter", "logging.handlers.file.class",
                          "logging.handlers.file.formatter"})
    t.accepted_text(key,
                    "accepted, so the original Python monitor's config loads; ebpfmon keeps "
                    "its own line format");
}

void add_output(Table& t) {
  t.text(
       "output.directory", "output-dir",
       [](Config& c) -> std::string& { return c.output.directory; }, TextRule::Path,
       "where event files go; - writes the events to stdout instead (one monitor)", "DIR")
      .short_flag('o');
  Setting format =
      about("output.format", "event file format; none writes no event file (export only)",
            "csv, jsonl, none", SettingKind::Choice);
  format.flag = "format";
  format.value_name = "csv|jsonl|none";
  format.choices = {"csv", "jsonl", "none"};
  t.custom(
      format,
      [choices = format.choices](const RawValue& v, Config& c) -> Result<void> {
        Result<std::string> f = read_choice(v, choices);
        if (!f) return f.error();
        c.output.files = *f != "none";
        c.output.format = *f == "jsonl" ? FileFormat::Jsonl : FileFormat::Csv;
        return {};
      },
      [](const Config& c) -> std::string {
        if (!c.output.files) return "none";
        return c.output.format == FileFormat::Jsonl ? "jsonl" : "csv";
      });
  t.integer(
      "output.buffer_size", "", [](Config& c) -> uint32_t& { return c.output.buffer_size; }, 1,
      1000000, "events buffered before a write");
  t.number(
      "output.flush_interval", "", [](Config& c) -> double& { return c.output.flush_interval; },
      {0, true, 3600, "seconds"}, "(0, 3600]", "longest time an event waits in the buffer");
  t.custom(
      about("output.csv_delimiter", "CSV delimiter (quote it in YAML)",
            "one printable ASCII character but '\"', or \"\\t\""),
      [](const RawValue& v, Config& c) -> Result<void> {
        const auto ch = v.text.size() == 1 ? static_cast<unsigned char>(v.text[0]) : 0;
        // CR, LF and '"' would make records ambiguous under RFC 4180 quoting.
        if (v.kind != RawValue::Kind::Scalar ||
            !(ch == '\t' || (ch >= 0x20 && ch <= 0x7e && ch != '"')))
          return value_error(
              v, "expected one printable ASCII character other than '\"' (or \"\\t\" for tab)");
        c.output.csv_delimiter = static_cast<char>(ch);
        return {};
      },
      [](const Config& c) { return std::string(1, c.output.csv_delimiter); });
  t.boolean(
      "output.include_header", "", [](Config& c) -> bool& { return c.output.include_header; },
      "CSV header line");
  t.integer(
      "output.max_file_mb", "", [](Config& c) -> uint32_t& { return c.output.max_file_mb; }, 0,
      kU32Max, "roll over to a new file past this size; 0 = never");
  t.integer(
      "output.max_total_mb", "", [](Config& c) -> uint32_t& { return c.output.max_total_mb; }, 0,
      kU32Max,
      "the output directory keeps at most this much of the event files, oldest removed "
      "first; 0 = no limit");
  t.integer(
      "output.max_age_days", "", [](Config& c) -> uint32_t& { return c.output.max_age_days; }, 0,
      36500, "event files last written longer ago are removed; 0 = no limit");
  t.boolean(
       "output.quiet", "quiet", [](Config& c) -> bool& { return c.output.quiet; },
       "no live console table")
      .short_flag('q');
  t.choice(
      "output.console_time", "", [](Config& c) -> std::string& { return c.output.console_time; },
      {"clock", "full", "elapsed"}, "the live table's time (as -T, -t)");
  // Two switches for one value, as ls has for its time styles.
  for (const auto& [flag, letter, style, help] :
       {std::tuple{"full-time", 'T', "full",
                   "the live table's time as [YYYY-mm-dd HH:MM:SS.mmm] "
                   "(default HH:MM:SS.mmm)"},
        std::tuple{"elapsed", 't', "elapsed",
                   "the live table's time as seconds since the start"}}) {
    Setting s = about("", help, "");
    s.flag = flag;
    t.custom(
         s,
         [style = std::string(style)](const RawValue&, Config& c) -> Result<void> {
           c.output.console_time = style;
           return {};
         },
         [](const Config&) { return std::string(); })
        .short_flag(letter)
        .excludes(std::string(flag) == "full-time" ? "elapsed" : "full-time",
                  "both choose the live table's time");
  }
}

// A filter's row: its key, its flag and how one value of it is read.
Setting filter_row(const char* name, const char* value_name, std::string help,
                   std::string accepts) {
  Setting s = about(std::string("filters.") + name, std::move(help), std::move(accepts));
  s.flag = name;
  s.value_name = value_name;
  return s;
}

// -p, -u, --pid: a list of items, each checked by `one`, or a comma string.
template <class T, class One, class List>
Table& add_filter_list(Table& t, Setting row, const char* item_expected, One one, List list,
                       std::vector<T> Filters::*member) {
  return t.custom(
      std::move(row),
      [=](const RawValue& v, Config& c) -> Result<void> {
        auto r = read_filter<T>(v, item_expected, one, list);
        if (!r) return r.error();
        c.filters.*member = std::move(*r);
        return {};
      },
      [member](const Config& c) { return show_items(c.filters.*member); });
}

// --cgroup, --container: one scalar, checked by `parse`.
template <class Parse>
Table& add_filter_one(Table& t, Setting row, const char* expected, Parse parse,
                      std::string Filters::*member) {
  return t.custom(
      std::move(row),
      [=](const RawValue& v, Config& c) -> Result<void> {
        if (v.kind != RawValue::Kind::Scalar) return value_error(v, expected);
        auto value = parse(v.text, v.where);
        if (!value) return value.error();
        c.filters.*member = *value;
        return {};
      },
      [member](const Config& c) { return c.filters.*member; });
}

void add_filters(Table& t) {
  const char* list = "list or comma string";
  add_filter_list(t,
                  filter_row("comm", "LIST",
                             "only these process names (comma list, exact comm; a longer name than "
                             "15 bytes matches its first 15)",
                             list),
                  "expected a process name", parse_comm, parse_comm_list, &Filters::comms)
      .short_flag('p')
      .doc(
          "only these process names: exact names; a name over 15 bytes matches its first 15, as "
          "the kernel keeps them (with a warning). For execmon a name matches before or after "
          "the exec");
  add_filter_list(
      t, filter_row("user", "LIST", "only these users (names or numeric uids, comma list)", list),
      "expected a user name or uid", parse_user, parse_user_list, &Filters::uids)
      .short_flag('u');
  add_filter_list(t, filter_row("pid", "LIST", "only these process ids (comma list)", list),
                  "expected a process id", parse_pid, parse_pid_list, &Filters::pids);
  add_filter_one(t,
                 filter_row("cgroup", "PATH",
                            "only tasks in this cgroup v2 path or below it (decided in the kernel)",
                            "cgroup v2 path"),
                 "expected a cgroup v2 path", resolve_cgroup_path, &Filters::cgroup)
      .doc(
          "only tasks in this cgroup v2 cgroup or any cgroup below it. PATH is from the v2 root "
          "(`/system.slice/foo.service`) or under its mount (`/sys/fs/cgroup/...`); it must "
          "exist at start");
  add_filter_one(t,
                 filter_row("container", "ID",
                            "only this container: its id or a unique prefix of 12+ hex digits "
                            "(also one that starts later)",
                            "container id or prefix"),
                 "expected a container id", parse_container_id, &Filters::container)
      .doc(
          "only this container: its full id or a prefix of at least 12 hex digits. A container "
          "that starts after the tool is matched from its first exec");
}

void add_metrics(Table& t) {
  t.boolean(
      "metrics.enabled", "", [](Config& c) -> bool& { return c.metrics.enabled; },
      "serve Prometheus metrics (ebpfmon; as --metrics)");
  t.custom(
       about("metrics.listen", "where metrics are served (ebpfmon --metrics ADDR:PORT)",
             "ADDR:PORT, or a port for loopback"),
       [](const RawValue& v, Config& c) -> Result<void> {
         Result<std::string> text = read_text(v);
         if (!text) return text.error();
         if (auto parsed = parse_listen_address(*text); !parsed)
           return Error::usage(v.where + ": " + parsed.error().message);
         c.metrics.listen = *text;
         return {};
       },
       [](const Config& c) { return c.metrics.listen; })
      .doc(
          "where metrics are served (as `ebpfmon --metrics ADDR:PORT`); see [Prometheus "
          "metrics](#prometheus-metrics)");
}

void add_export(Table& t) {
  auto e = [](Config& c) -> ExportSettings& { return c.export_nats; };
  Setting servers = about("export.nats.servers",
                          "also publish every event to NATS JetStream at nats://HOST:PORT; the "
                          "export is off without it",
                          "list of URLs or one comma list");
  servers.flag = "export";
  servers.value_name = "URL[,URL...]";
  t.custom(
       servers,
       [](const RawValue& v, Config& c) -> Result<void> {
         std::string list;
         if (v.kind == RawValue::Kind::Sequence) {
           for (const RawValue& item : v.items) {
             if (item.kind != RawValue::Kind::Scalar)
               return value_error(item, "expected a nats:// URL");
             list += (list.empty() ? "" : ",") + item.text;
           }
         } else if (v.kind == RawValue::Kind::Scalar) {
           list = v.text;
         } else {
           return value_error(v, "expected a list of nats:// URLs");
         }
         auto urls = parse_nats_urls(list, v.where);
         if (!urls) return urls.error();
         c.export_nats.servers = *urls;
         return {};
       },
       [](const Config& c) { return show_items(c.export_nats.servers); })
      .doc(
          "also publish every event to NATS JetStream (`nats://HOST:PORT`, `tls://HOST:PORT`); "
          "the export is off without it; see [Export to NATS "
          "JetStream](#export-to-nats-jetstream)");
  t.boolean(
      "export.nats.required", "export-required", [e](Config& c) -> bool& { return e(c).required; },
      "exit 1 when no export server can be reached at start (default: a warning, and "
      "events spool)");
  t.text(
      "export.nats.stream", "", [e](Config& c) -> std::string& { return e(c).stream; },
      TextRule::Any, "the JetStream stream; created when missing");
  t.text(
       "export.nats.subject", "", [e](Config& c) -> std::string& { return e(c).subject; },
       TextRule::Any, "each event's subject (a template)")
      .doc(
          "each event's subject; a stream this run creates takes the template up to its first "
          "`<` plus `>` (`ebpfmon.>`)");
  t.integer(
       "export.nats.replicas", "", [e](Config& c) -> uint32_t& { return e(c).replicas; }, 1, 5,
       "replicas of a stream this run creates")
      .doc("replicas of a stream this run creates (3 on a three-node cluster)");
  t.number(
      "export.nats.max_age", "", [e](Config& c) -> double& { return e(c).max_age; },
      {0, false, kNoLimit, "seconds"}, "seconds, 0 = no limit",
      "retention of a stream this run creates");
  t.custom(
      about("export.nats.max_bytes", "size limit of a stream this run creates; 0 = no limit",
            "0..2^50 bytes", SettingKind::Integer),
      [](const RawValue& v, Config& c) -> Result<void> {
        auto n = read_integer(v, 0, uint64_t{1} << 50);
        if (!n) return n.error();
        c.export_nats.max_bytes = *n;
        return {};
      },
      [](const Config& c) { return std::to_string(c.export_nats.max_bytes); });
  t.text(
      "export.nats.credentials", "", [e](Config& c) -> std::string& { return e(c).credentials; },
      TextRule::Path, "a NATS .creds file (JWT and nkey)");
  t.text(
      "export.nats.tls.ca", "", [e](Config& c) -> std::string& { return e(c).tls_ca; },
      TextRule::Path, "TLS: the CA to trust");
  t.text(
      "export.nats.tls.cert", "", [e](Config& c) -> std::string& { return e(c).tls_cert; },
      TextRule::Path, "TLS: a client certificate");
  t.text(
      "export.nats.tls.key", "", [e](Config& c) -> std::string& { return e(c).tls_key; },
      TextRule::Path, "TLS: the client certificate's key");
  t.text(
      "export.nats.spool.dir", "", [e](Config& c) -> std::string& { return e(c).spool_dir; },
      TextRule::Path, "the on-disk spool (created 0700, files 0600)");
  t.custom(
       about("export.nats.spool.size_mb", "spool cap in MiB; beyond it new events are lost",
             "1..1048576", SettingKind::Integer),
       [](const RawValue& v, Config& c) -> Result<void> {
         auto n = read_integer(v, 1, uint64_t{1} << 20);
         if (!n) return n.error();
         c.export_nats.spool_bytes = *n << 20;
         return {};
       },
       [](const Config& c) { return std::to_string(c.export_nats.spool_bytes >> 20); })
      .doc("spool cap in MiB; beyond it new events are lost at stage `export`");
  t.number(
      "export.nats.drain_timeout", "", [e](Config& c) -> double& { return e(c).drain_timeout; },
      {0, false, 3600, "seconds"}, "[0, 3600]",
      "at exit, how long to wait for acks before the rest is left in the spool");
}

// redact: a YAML list replaces the patterns; each --redact adds one (a
// regex may hold commas: one per flag, never split); --no-redact empties it.
void add_redact(Table& t) {
  Setting patterns = about(
      "redact",
      "mask secrets: what each REGEX's groups match in argv and syscall arguments becomes ****; "
      "repeatable, added to the list in effect",
      "regular expressions (ECMAScript, case-insensitive)");
  patterns.flag = "redact";
  patterns.value_name = "REGEX";
  patterns.repeatable = true;
  patterns.doc =
      "what each regex's groups match (the whole match when it has none) in exec's argv (as one "
      "command line, so a pattern may span arguments) and in syscall's string arguments becomes "
      "`****`, before anything is written, shown, spooled or exported. A list here replaces "
      "the defaults (see INTERFACE.md); `--redact REGEX` adds one; `[]` or `--no-redact`: none";
  const auto add = [](const RawValue& item, Config& c) -> Result<void> {
    if (item.kind != RawValue::Kind::Scalar || item.text.empty())
      return value_error(item, "expected a regular expression");
    if (auto r = Redactor::make({item.text}); !r)
      return Error::usage(item.where + ": " + r.error().message);
    c.redact.push_back(item.text);
    return {};
  };
  t.custom(
      std::move(patterns),
      [add](const RawValue& v, Config& c) -> Result<void> {
        if (v.kind == RawValue::Kind::Null) {
          c.redact.clear();
          return {};
        }
        if (v.kind != RawValue::Kind::Sequence) return add(v, c);
        c.redact.clear();
        for (const RawValue& item : v.items)
          if (auto r = add(item, c); !r) return r;
        return {};
      },
      [](const Config& c) { return std::to_string(c.redact.size()) + " patterns"; });
  Setting off = about("", "mask nothing (config: redact: [])", "");
  off.flag = "no-redact";
  t.custom(
      std::move(off),
      [](const RawValue&, Config& c) -> Result<void> {
        c.redact.clear();
        return {};
      },
      [](const Config&) { return std::string(); });
}

SettingsSection make_shared_settings() {
  Table t("");
  t.with(add_app).with(add_logging).with(add_output).with(add_filters);
  t.seconds(
       "duration", "duration", [](Config& c) -> double& { return c.duration; },
       "stop after this many seconds, exactly as on Ctrl-C; 0 = until stopped",
       ZeroSeconds::NoLimit, "SECONDS")
      .short_flag('d')
      .doc(
          "stop after this long, exactly as on Ctrl-C (counted from the Tracing line); 0 = "
          "until stopped");
  t.with(add_metrics).with(add_export).with(add_redact);
  return t.build();
}

}  // namespace

// Built on first use, after every monitor has registered: its defaults are
// a Config, which holds each monitor's section.
const SettingsSection& shared_settings() {
  static const SettingsSection section = make_shared_settings();
  return section;
}

}  // namespace ebpfmon
