// The YAML configuration: the sections every tool shares (app, logging,
// output, filters, metrics, duration) and, under `monitors`, one section per
// registered monitor, read through its settings table (core/settings.h).
// Every key is either honoured or rejected.
#pragma once

#include <any>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/filters.h"
#include "core/result.h"
#include "core/settings.h"

namespace ebpfmon {

struct OutputSettings {
  std::string directory = "output";
  FileFormat format = FileFormat::Csv;
  bool files = true;              // false for format "none": the export only
  uint32_t buffer_size = 2000;    // events buffered before a write, 1..1000000
  double flush_interval = 2.0;    // seconds, > 0 and <= 3600
  char csv_delimiter = ',';       // one printable ASCII char, not '"', CR or LF
  bool include_header = true;
  uint32_t max_file_mb = 32;      // roll over past this; 0 = never
  uint32_t max_total_mb = 768;    // of our files the directory keeps; 0 = no limit
  uint32_t max_age_days = 0;      // nor older ones; 0 = no limit
  bool quiet = false;             // no live console table
  std::string console_time = "clock";  // the live table's time: clock | full | elapsed

  // -o -: the events go to stdout, in the chosen format, instead of a file.
  bool to_stdout() const { return directory == "-"; }
};

struct LoggingSettings {
  std::string level = "INFO";     // DEBUG, INFO, WARNING, ERROR (case-insensitive in YAML)
  bool level_given = false;       // logging.level was read: app.debug then changes nothing
  std::string file = "logs/monitor.log";
  std::string file_key;           // the key that named `file`, to refuse a second one
  uint32_t backup_count = 365;    // logging.handlers.file.backupCount
};

// Prometheus /metrics (ebpfmon --metrics); off unless asked for.
struct MetricsSettings {
  bool enabled = false;
  std::string listen = "127.0.0.1:9464";  // core/listen_address.h
};

// export.nats: events published to a NATS JetStream stream (sinks/nats_exporter.h);
// off while servers is empty.
struct ExportSettings {
  std::vector<std::string> servers;  // nats://host:port or tls://host:port
  bool required = false;             // unreachable at start: exit 1, not a warning
  std::string stream = "EBPFMON";
  std::string subject = "ebpfmon.<host>.<monitor>";
  uint32_t replicas = 1;             // of a stream this run creates
  double max_age = 0;                // seconds, 0 = no limit
  uint64_t max_bytes = 0;            // 0 = no limit
  std::string credentials;           // .creds file
  std::string tls_ca, tls_cert, tls_key;
  std::string spool_dir = "/var/lib/ebpfmon/spool";
  uint64_t spool_bytes = uint64_t{256} << 20;
  double drain_timeout = 5;          // seconds at exit to wait for acks before spooling the rest
};

// monitors.<name>: whether it runs when no -m is given (by default, as its
// descriptor says), and its settings struct (the one its SettingsTable
// describes).
struct MonitorConfig {
  bool enabled = false;
  std::any settings;
};

struct Config {
  Config();  // every registered monitor section at its defaults

  std::string source = "built-in defaults";  // the file used, for the log
  OutputSettings output;
  LoggingSettings logging;
  MetricsSettings metrics;
  ExportSettings export_nats;
  Filters filters;
  // Regexes whose groups are masked in argv and syscall arguments (redact.h).
  std::vector<std::string> redact;
  double duration = 0;  // seconds, 0 = until Ctrl-C
  // Off with --no-cache or EBPFMON_CACHE=off: compile every program afresh.
  bool program_cache = true;
  std::map<std::string, MonitorConfig> monitors;

  // A monitor's settings as its own struct; throws std::bad_any_cast for a
  // type its section was not made with.
  template <class S>
  const S& settings(const std::string& monitor) const {
    return std::any_cast<const S&>(monitors.at(monitor).settings);
  }
  template <class S>
  S& settings(const std::string& monitor) {
    return std::any_cast<S&>(monitors.at(monitor).settings);
  }
};

// The settings every tool shares, keys from the top of the file (output,
// filters, duration, metrics, export, logging, app) and the flags that set
// the same values: a SettingsSection whose struct is the whole Config. Its
// `read` and `show` take a std::any holding a Config or a Config*.
const SettingsSection& shared_settings();

// Parses YAML text. `name` is the file name used in messages. Errors are
// usage errors of the form "<name>:<line>:<column>: <key>: <what was expected>"
// and, for a misspelt key, "(did you mean '<key>'?)".
Result<Config> parse_config(std::string_view yaml_text, std::string_view name);

// Reads and parses a file. As root, refuses a file that another user can
// write (it decides what the kernel runs). Missing/unreadable: usage error.
Result<Config> load_config_file(const std::filesystem::path& path);

// The first of: explicit (if given), ./monitor_config.yaml,
// /etc/ebpfmon/monitor_config.yaml; built-in defaults when none exists.
Result<Config> load_config(const std::optional<std::filesystem::path>& explicit_path);

}  // namespace ebpfmon
