// The YAML configuration: the seed's schema (app, logging, output, monitors)
// plus this project's additions. Every key is either honoured or rejected.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/filters.h"
#include "core/result.h"
#include "sinks/formats.h"

namespace ebpfmon {

struct OutputSettings {
  std::string directory = "output";
  FileFormat format = FileFormat::Csv;
  uint32_t buffer_size = 2000;    // events buffered before a write, 1..1000000
  double flush_interval = 2.0;    // seconds, > 0 and <= 3600
  char csv_delimiter = ',';       // one printable ASCII char, not '"', CR or LF
  bool include_header = true;
  uint32_t max_file_mb = 0;       // 0 = never roll over
  bool quiet = false;             // no live console table
};

struct LoggingSettings {
  std::string level = "INFO";     // DEBUG, INFO, WARNING, ERROR (case-insensitive in YAML)
  std::string file = "logs/monitor.log";
  uint32_t backup_count = 365;    // seed: handlers.file.backupCount
};

struct ExecSettings {
  bool enabled = true;
  uint32_t max_args = 64;         // 1..1024 (EXEC_MAX_ARGS_LIMIT)
  uint32_t max_arg_bytes = 8192;  // 256..32768 (EXEC_ARGS_BYTES_MIN..LIMIT)
};

struct FuncSettings {
  bool enabled = true;
  std::vector<std::string> patterns{"vfs_*"};
  uint32_t probe_limit = 10;      // 1..10000
  uint32_t max_events_per_second = 0;  // 0 = unlimited
  std::string backend = "auto";   // auto | fentry | kprobe
  // Count calls in the kernel instead of writing events (funcmon --count).
  bool count_only = false;
};

struct SyscallSettings {
  bool enabled = true;
  std::string sampling_strategy = "intelligent";  // intelligent | all | sample
  uint32_t sample_rate = 100;     // 1-in-N for "sample"
  std::vector<std::string> high_priority_syscalls{"0", "1", "2", "3", "9", "57", "59"};  // names or numbers, as written
  std::map<std::string, bool> monitor_categories{{"file_io", true}, {"network", true}, {"memory", true},
                                                 {"process", true}, {"signal", false}, {"time", false},
                                                 {"other", true}};
  std::map<std::string, double> performance_thresholds{{"file_io_ms", 1.0}, {"network_ms", 5.0},
                                                       {"memory_ms", 0.5}, {"process_ms", 10.0},
                                                       {"default_us", 100.0}};
  uint32_t max_events_per_second = 1000;  // 0 = unlimited
  bool show_errors_only = false;
  bool show_slow_only = false;
  std::vector<std::string> syscalls;  // only these (names or numbers); empty = all
  // Per-process summaries need a map in the kernel; set by `--by process`.
  bool count_by_process = false;
};

// Prometheus /metrics (ebpfmon --metrics); off unless asked for.
struct MetricsSettings {
  bool enabled = false;
  std::string listen = "127.0.0.1:9464";  // core/listen_address.h
};

struct Config {
  std::string source = "built-in defaults";  // the file used, for the log
  OutputSettings output;
  LoggingSettings logging;
  MetricsSettings metrics;
  Filters filters;
  double duration = 0;  // seconds, 0 = until Ctrl-C
  ExecSettings exec;
  FuncSettings func;
  SyscallSettings syscall;
};

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
