#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.h"
#include "monitors/exec.h"
#include "monitors/func.h"
#include "monitors/syscall.h"
#include "temp_dir.h"

using namespace ebpfmon;
namespace fs = std::filesystem;

namespace {

ExecSettings exec_of(const Config& c) { return c.settings<ExecSettings>("exec"); }
FuncSettings func_of(const Config& c) { return c.settings<FuncSettings>("func"); }
SyscallSettings syscall_of(const Config& c) { return c.settings<SyscallSettings>("syscall"); }

// The original Python/BCC monitor's config/monitor_config.yaml, verbatim: it
// must keep loading with the same values (docs/INTERFACE.md).
const char* const kPythonMonitorConfig = R"(app:
  name: ebpf_monitor
  version: 1.0.0
  debug: true
  environment: development
logging:
  level: DEBUG
  formatters:
    detailed:
      format: '%(asctime)s [%(levelname)s] %(name)s:%(lineno)d %(message)s'
  handlers:
    console:
      class: logging.StreamHandler
      formatter: simple
    file:
      class: logging.handlers.TimedRotatingFileHandler
      formatter: detailed
      filename: monitor.log
      when: D
      interval: 1
      backupCount: 365
output:
  buffer_size: 2000
  flush_interval: 2.0
  csv_delimiter: ","
  include_header: true
monitors:
  exec:
    enabled: true
  func:
    enabled: true
    patterns: ["vfs_*"]
    probe_limit: 10
  syscall:
    enabled: true
    sampling_strategy: "intelligent"
    high_priority_syscalls: [0, 1, 2, 3, 9, 57, 59]
    monitor_categories:
      file_io: true
      network: true
      memory: true
      process: true
      signal: false
      time: false
    performance_thresholds:
      file_io_ms: 1.0
      network_ms: 5.0
      memory_ms: 0.5
      process_ms: 10.0
      default_us: 100
    max_events_per_second: 1000
    show_errors_only: false
)";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

Config parse_ok(const std::string& yaml) {
  auto r = parse_config(yaml, "t.yaml");
  INFO(yaml);
  if (!r.ok()) FAIL(r.error().message);
  return r.value();
}

std::string parse_error(const std::string& yaml) {
  auto r = parse_config(yaml, "t.yaml");
  if (r.ok()) return "(parsed without error)";
  CHECK(r.error().kind == Error::Kind::Usage);
  return r.error().message;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

using test::TempDir;

class ChangeDir {
 public:
  explicit ChangeDir(const fs::path& to) : from_(fs::current_path()) { fs::current_path(to); }
  ~ChangeDir() { fs::current_path(from_); }
  ChangeDir(const ChangeDir&) = delete;
  ChangeDir& operator=(const ChangeDir&) = delete;

 private:
  fs::path from_;
};

struct BadConfig {
  const char* yaml;
  const char* message;  // a substring of the error
};

void check_errors(const std::vector<BadConfig>& rows) {
  for (const BadConfig& row : rows) {
    const std::string yaml = row.yaml;
    CAPTURE(yaml);
    const std::string message = parse_error(row.yaml);
    CAPTURE(message);
    CHECK(contains(message, row.message));
    CHECK(message.rfind("t.yaml:", 0) == 0);
  }
}

}  // namespace

TEST_CASE("the original Python monitor's config parses with its values") {
  const Config c = parse_ok(kPythonMonitorConfig);
  CHECK(c.source == "t.yaml");
  CHECK(c.logging.level == "DEBUG");
  CHECK(c.logging.file == "logs/monitor.log");
  CHECK(c.logging.backup_count == 365);
  CHECK(c.output.buffer_size == 2000);
  CHECK(c.output.flush_interval == 2.0);
  CHECK(c.output.csv_delimiter == ',');
  CHECK(c.output.include_header);
  CHECK(c.output.format == FileFormat::Csv);
  CHECK(c.output.directory == "output");
  CHECK(c.monitors.at("exec").enabled);
  CHECK(c.monitors.at("func").enabled);
  CHECK(func_of(c).patterns == std::vector<std::string>{"vfs_*"});
  CHECK(func_of(c).probe_limit == 10);
  CHECK(c.monitors.at("syscall").enabled);
  CHECK(syscall_of(c).sampling_strategy == "intelligent");
  CHECK(syscall_of(c).high_priority_syscalls ==
        std::vector<std::string>{"0", "1", "2", "3", "9", "57", "59"});
  CHECK(syscall_of(c).monitor_categories.at("file_io"));
  CHECK(syscall_of(c).monitor_categories.at("process"));
  CHECK_FALSE(syscall_of(c).monitor_categories.at("signal"));
  CHECK_FALSE(syscall_of(c).monitor_categories.at("time"));
  CHECK(syscall_of(c).performance_thresholds.file_io_ms == 1.0);
  CHECK(syscall_of(c).performance_thresholds.network_ms == 5.0);
  CHECK(syscall_of(c).performance_thresholds.memory_ms == 0.5);
  CHECK(syscall_of(c).performance_thresholds.process_ms == 10.0);
  CHECK(syscall_of(c).performance_thresholds.default_us == 100.0);
  CHECK(syscall_of(c).max_events_per_second == 1000);
  CHECK_FALSE(syscall_of(c).show_errors_only);
  CHECK(c.filters.empty());
  CHECK(c.duration == 0);
}

TEST_CASE("the project's additions parse") {
  const Config c = parse_ok(R"(
output:
  directory: /var/tmp/out
  format: jsonl
  max_file_mb: 100
  quiet: true
  csv_delimiter: "\t"
logging:
  level: warning
  file: /var/log/ebpfmon.log
filters:
  comm: [bash, sshd, bash]
  user: root, 1000
  pid: 42
duration: 1.5
monitors:
  exec:
    max_args: 1024
    max_arg_bytes: 256
  func:
    patterns: [vfs_read, "tcp_*", "sys_[rw]*", "!x", "a-b.c?"]
    max_events_per_second: 0
  syscall:
    sampling_strategy: sample
    sample_rate: 10
    high_priority_syscalls: [read, 59, "007", openat2]
    monitor_categories:
      signal: true
      other: false
    show_slow_only: true
    syscalls: [openat, "0"]
)");
  CHECK(c.output.directory == "/var/tmp/out");
  CHECK(c.output.format == FileFormat::Jsonl);
  CHECK(c.output.max_file_mb == 100);
  CHECK(c.output.quiet);
  CHECK(c.output.csv_delimiter == '\t');
  CHECK(c.logging.level == "WARNING");
  CHECK(c.logging.file == "/var/log/ebpfmon.log");
  CHECK(c.filters.comms == std::vector<std::string>{"bash", "sshd"});
  CHECK(c.filters.uids == std::vector<uint32_t>{0, 1000});
  CHECK(c.filters.pids == std::vector<uint32_t>{42});
  CHECK(c.duration == 1.5);
  CHECK(exec_of(c).max_args == 1024);
  CHECK(exec_of(c).max_arg_bytes == 256);
  CHECK(func_of(c).patterns ==
        std::vector<std::string>{"vfs_read", "tcp_*", "sys_[rw]*", "!x", "a-b.c?"});
  CHECK(func_of(c).max_events_per_second == 0);
  CHECK(syscall_of(c).sampling_strategy == "sample");
  CHECK(syscall_of(c).sample_rate == 10);
  CHECK(syscall_of(c).high_priority_syscalls ==
        std::vector<std::string>{"read", "59", "007", "openat2"});
  CHECK(syscall_of(c).monitor_categories.at("signal"));
  CHECK(syscall_of(c).monitor_categories.at("file_io"));  // not given: default kept
  CHECK_FALSE(syscall_of(c).monitor_categories.at("time"));
  CHECK_FALSE(syscall_of(c).monitor_categories.at("other"));
  CHECK(syscall_of(c).show_slow_only);
  CHECK(syscall_of(c).syscalls == std::vector<std::string>{"openat", "0"});
}

TEST_CASE("empty and comment-only files give the defaults") {
  for (const char* yaml : {"", "\n", "# nothing here\n  # indented comment\n", "---\n", "...\n",
                           "monitors:\n", "output:\n  # quiet: true\n", "app: {}\n"}) {
    const std::string text = yaml;
    CAPTURE(text);
    const Config c = parse_ok(yaml);
    const Config d;
    CHECK(c.logging.level == d.logging.level);
    CHECK(c.logging.file == d.logging.file);
    CHECK(c.output.buffer_size == d.output.buffer_size);
    CHECK(func_of(c).patterns == func_of(d).patterns);
    CHECK(syscall_of(c).high_priority_syscalls == syscall_of(d).high_priority_syscalls);
  }
}

TEST_CASE("app.debug and logging.level") {
  CHECK(parse_ok("app: {debug: true}").logging.level == "DEBUG");
  CHECK(parse_ok("app: {debug: false}").logging.level == "INFO");
  CHECK(parse_ok("app: {debug: true}\nlogging: {level: INFO}").logging.level == "INFO");
  CHECK(parse_ok("logging: {level: info}\napp: {debug: true}").logging.level == "INFO");
  CHECK(parse_ok("logging: {level: CRITICAL}").logging.level == "ERROR");
  CHECK(parse_ok("logging: {level: Error}").logging.level == "ERROR");
  CHECK(parse_ok("app: {version: 1.0, name: 7, environment: prod}").logging.level == "INFO");
}

TEST_CASE("logging.handlers.file") {
  CHECK(parse_ok("logging: {handlers: {file: {filename: a.log}}}").logging.file == "logs/a.log");
  CHECK(parse_ok("logging: {handlers: {file: {filename: sub/a.log}}}").logging.file ==
        "logs/sub/a.log");
  CHECK(parse_ok("logging: {handlers: {file: {filename: /var/log/a.log}}}").logging.file ==
        "/var/log/a.log");
  CHECK(parse_ok("logging: {handlers: {file: {backupCount: 0}}}").logging.backup_count == 0);
  for (const char* when : {"D", "d", "midnight", "MIDNIGHT", "Midnight"}) {
    const std::string text = when;
    CAPTURE(text);
    parse_ok(std::string("logging: {handlers: {file: {when: ") + when + ", interval: 1}}}");
  }
}

TEST_CASE("scalars in their YAML spellings") {
  CHECK(parse_ok("output: {quiet: yes}").output.quiet);
  CHECK(parse_ok("output: {quiet: On}").output.quiet);
  CHECK_FALSE(parse_ok("output: {include_header: off}").output.include_header);
  CHECK(parse_ok("output: {buffer_size: +7}").output.buffer_size == 7);
  CHECK(parse_ok("output: {buffer_size: !!int 8}").output.buffer_size == 8);
  CHECK(parse_ok("output: {flush_interval: 1e1}").output.flush_interval == 10.0);
  CHECK(parse_ok("output: {flush_interval: .5}").output.flush_interval == 0.5);
  CHECK(parse_ok("output: {flush_interval: 3600}").output.flush_interval == 3600.0);
  CHECK(parse_ok("output: {csv_delimiter: ';'}").output.csv_delimiter == ';');
  CHECK(parse_ok("output: {csv_delimiter: '|'}").output.csv_delimiter == '|');
  CHECK(parse_ok("output: {csv_delimiter: ' '}").output.csv_delimiter == ' ');
  CHECK(parse_ok("duration: 0").duration == 0);
  CHECK(parse_ok("duration: 30").duration == 30);
  CHECK(syscall_of(parse_ok("monitors: {syscall: {high_priority_syscalls: []}}"))
            .high_priority_syscalls.empty());
  // A trailing document marker adds nothing.
  CHECK(parse_ok("output: {quiet: true}\n---\n").output.quiet);
  // Anchors and aliases are plain YAML.
  CHECK(parse_ok("output: {buffer_size: &n 5, max_file_mb: *n}").output.max_file_mb == 5);
  // Files that never roll over: the old ones are still removed at the limit.
  CHECK(parse_ok("output: {max_file_mb: 0}").output.max_total_mb == 768);
  CHECK(parse_ok("output: {max_file_mb: 500, max_total_mb: 0}").output.max_total_mb == 0);
  CHECK(parse_ok("output: {max_file_mb: 500, max_total_mb: 1000, max_age_days: 7}")
            .output.max_age_days == 7);
}

TEST_CASE("filters in YAML") {
  Config c = parse_ok(
      "filters:\n  comm: ' bash , sshd '\n  user: [root, 0, '65534']\n"
      "  pid: [1, '2', 1]\n");
  CHECK(c.filters.comms == std::vector<std::string>{"bash", "sshd"});
  CHECK(c.filters.uids == std::vector<uint32_t>{0, 65534});
  CHECK(c.filters.pids == std::vector<uint32_t>{1, 2});
  CHECK(parse_ok("filters: {comm: []}").filters.empty());
}

TEST_CASE("syntax errors name the line and column") {
  CHECK(parse_error("a: [1\n") == "t.yaml:2:1: invalid YAML: end of sequence flow not found");
  CHECK(parse_error("output: buffer_size: 3\n") == "t.yaml:1:20: invalid YAML: illegal map value");
  // yaml-cpp 0.7's LoadAll never returned on these, filling the memory.
  CHECK(parse_error(",") == "t.yaml:1:1: invalid YAML: unexpected ','");
  CHECK(parse_error("- a\n,\n") == "t.yaml:2:1: invalid YAML: unexpected ','");
  // yaml-cpp quotes the offending byte; a control byte must not reach the terminal.
  CHECK(parse_error("app: {name: \"\\\x1b\"}\n") ==
        "t.yaml:1:16: invalid YAML: unknown escape character: \\x1b");
  // Keys and values are quoted in messages too (a fuzzer's find).
  CHECK(parse_error("logging:\n  formatters:\n    \"\x17\": x\n") ==
        "t.yaml:3:10: logging.formatters.\\x17: expected a mapping, got 'x'");
  check_errors({
      {"output:\n  quiet: true\n   x: 1\n", "t.yaml:3:"},
      {"app: {name: x\n", "invalid YAML:"},
      {"\tapp: {}\n", "t.yaml:1:1: tabs cannot indent YAML: indent with spaces"},
      {"output:\n\tquiet: true\n", "t.yaml:2:1: tabs cannot indent YAML"},
      {"output:\n  quiet: true\n \tformat: csv\n", "t.yaml:3:2: tabs cannot indent YAML"},
      {"*nowhere\n", "invalid YAML:"},
  });
}

TEST_CASE("errors carry exact line:column of the offending node") {
  CHECK(parse_error("output:\n  buffer_size: 0\n") ==
        "t.yaml:2:16: output.buffer_size: expected an integer from 1 to 1000000, got '0'");
  CHECK(parse_error("# header\n\nmonitors:\n  exce:\n    enabled: true\n") ==
        "t.yaml:4:3: unknown key 'monitors.exce' (did you mean 'exec'?)");
  CHECK(parse_error("output:\n  colour: red\n") == "t.yaml:2:3: unknown key 'output.colour'");
  CHECK(parse_error("output:\n  quiet: true\n  quiet: false\n") ==
        "t.yaml:3:3: duplicate key 'output.quiet'");
  CHECK(parse_error("output: {quiet: true, format: xml}") ==
        "t.yaml:1:31: output.format: expected one of csv, jsonl, none, got 'xml'");
  CHECK(parse_error("filters:\n  pid: [1, 2x]\n") ==
        "t.yaml:2:12: filters.pid: '2x' is not a process id");
  CHECK(parse_error("filters:\n  comm: a,,b\n") ==
        "t.yaml:2:9: filters.comm: empty name in 'a,,b'");
  CHECK(parse_error("filters:\n  container: 3f2a9c1e0b7\n") ==
        "t.yaml:2:14: filters.container: expected a container id: 12 to 64 hex digits, got "
        "'3f2a9c1e0b7'");
  CHECK(parse_ok("filters: {container: 3F2A9C1E0B7D}").filters.container == "3f2a9c1e0b7d");
  CHECK(parse_error("filters: {cgroup: [a]}") ==
        "t.yaml:1:19: filters.cgroup: expected a cgroup v2 path, got a sequence");
  // An empty value is blamed on its key: yaml-cpp marks it at the next line.
  CHECK(parse_error("output:\n  directory:\n  quiet: true\n") ==
        "t.yaml:2:3: output.directory: expected a string, got null");
  CHECK(parse_error("- a\n- b\n") ==
        "t.yaml:1:1: expected a mapping of settings at the top level, got a sequence");
  CHECK(parse_error("monitors:\n  func:\n    patterns:\n      - vfs_read\n      - 'a b'\n") ==
        "t.yaml:5:9: monitors.func.patterns: function pattern 'a b' has ' '; only letters, digits "
        "and _.*?[]!- can match a kernel function");
}

TEST_CASE("unknown keys, with a suggestion when one is close") {
  check_errors({
      {"outptu: {}", "unknown key 'outptu' (did you mean 'output'?)"},
      {"Output: {}", "unknown key 'Output' (did you mean 'output'?)"},
      {"filter: {}", "unknown key 'filter' (did you mean 'filters'?)"},
      {"durations: 1", "unknown key 'durations' (did you mean 'duration'?)"},
      {"verbose: true", "unknown key 'verbose'"},
      // The key exists under another parent: a slip of indentation.
      {"monitors:\n  exec:\n  ancestors: 3\n",
       "t.yaml:3:3: unknown key 'monitors.ancestors' (did you mean 'monitors.exec.ancestors'? "
       "check the indentation)"},
      {"output:\n  quiet: true\nmax_file_mb: 3\n",
       "unknown key 'max_file_mb' (did you mean 'output.max_file_mb'? check the indentation)"},
      {"app: {nmae: x}", "unknown key 'app.nmae' (did you mean 'name'?)"},
      {"app: {owner: x}", "unknown key 'app.owner'"},
      {"output: {Quiet: true}", "unknown key 'output.Quiet' (did you mean 'quiet'?)"},
      {"output: {buffersize: 1}", "unknown key 'output.buffersize' (did you mean 'buffer_size'?)"},
      {"logging: {levl: INFO}", "unknown key 'logging.levl' (did you mean 'level'?)"},
      {"logging: {handlers: {syslog: {}}}", "unknown key 'logging.handlers.syslog'"},
      {"logging: {handlers: {file: {backupcount: 3}}}",
       "unknown key 'logging.handlers.file.backupcount' (did you mean 'backupCount'?)"},
      {"logging: {handlers: {console: {stream: x}}}",
       "unknown key 'logging.handlers.console.stream'"},
      {"logging: {formatters: {x: {datefmt: '%H'}}}", "unknown key 'logging.formatters.x.datefmt'"},
      {"filters: {uid: 0}", "unknown key 'filters.uid' (did you mean 'pid'?)"},
      {"filters: {users: root}", "unknown key 'filters.users' (did you mean 'user'?)"},
      {"monitors: {exec: {max_arg: 3}}",
       "unknown key 'monitors.exec.max_arg' (did you mean 'max_args'?)"},
      {"monitors: {exec: {patterns: [a]}}", "unknown key 'monitors.exec.patterns'"},
      {"monitors: {func: {probe_limt: 3}}",
       "unknown key 'monitors.func.probe_limt' (did you mean 'probe_limit'?)"},
      {"monitors: {tcp: {}}", "unknown key 'monitors.tcp'"},
      {"monitors: {syscall: {monitor_categories: {filesystem: true}}}",
       "unknown key 'monitors.syscall.monitor_categories.filesystem'"},
      {"monitors: {syscall: {monitor_categories: {singal: true}}}", "(did you mean 'signal'?)"},
      {"monitors: {syscall: {performance_thresholds: {file_io_us: 1}}}",
       "unknown key 'monitors.syscall.performance_thresholds.file_io_us' (did you mean "
       "'file_io_ms'?)"},
      {"monitors: {syscall: {sample_rte: 3}}", "(did you mean 'sample_rate'?)"},
      {"[a]: 1", "expected a key name, got a sequence"},
      {"output: {[a]: 1}", "output: expected a key name, got a sequence"},
  });
}

TEST_CASE("duplicate keys are errors") {
  check_errors({
      {"app: {}\napp: {}\n", "t.yaml:2:1: duplicate key 'app'"},
      {"monitors:\n  exec: {enabled: true, enabled: false}\n",
       "t.yaml:2:25: duplicate key 'monitors.exec.enabled'"},
      {"logging:\n  formatters:\n    a: {format: x}\n    a: {format: y}\n",
       "t.yaml:4:5: duplicate key 'logging.formatters.a'"},
      {"monitors: {syscall: {performance_thresholds: {memory_ms: 1, memory_ms: 2}}}",
       "duplicate key 'monitors.syscall.performance_thresholds.memory_ms'"},
  });
}

TEST_CASE("wrong node kinds and the top level") {
  check_errors({
      {"hello\n", "t.yaml:1:1: expected a mapping of settings at the top level, got 'hello'"},
      {"output: 5\n", "t.yaml:1:9: output: expected a mapping, got '5'"},
      {"monitors:\n  exec: [1]\n", "t.yaml:2:9: monitors.exec: expected a mapping, got a sequence"},
      {"logging: [a]\n", "logging: expected a mapping, got a sequence"},
      {"app: x\n", "app: expected a mapping, got 'x'"},
      {"filters: [bash]\n", "filters: expected a mapping, got a sequence"},
      {"a: 1\n---\nb: 2\n", "t.yaml:3:1: only one YAML document is allowed"},
  });
}

TEST_CASE("bad values: app and logging") {
  check_errors({
      {"app: {debug: maybe}", "app.debug: expected true or false, got 'maybe'"},
      {"app: {debug: 'true'}", "app.debug: expected true or false, got 'true'"},
      {"app: {debug: 1}", "app.debug: expected true or false, got '1'"},
      {"app: {name: [a]}", "app.name: expected a string, got a sequence"},
      {"app: {version: {a: 1}}", "app.version: expected a string, got a mapping"},
      {"app: {environment: }", "app.environment: expected a string, got null"},
      {"logging: {level: TRACE}",
       "logging.level: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'TRACE'"},
      {"logging: {level: WARN}", "logging.level: expected one of"},
      {"logging: {level: [DEBUG]}", "logging.level: expected one of"},
      {"logging: {file: ''}", "logging.file: expected a non-empty path, got ''"},
      {"logging: {file: \"a\\0b\"}", "logging.file: expected a non-empty path, got 'a\\x00b'"},
      {"logging: {file: [a]}", "logging.file: expected a string, got a sequence"},
      {"logging: {file: a.log, handlers: {file: {filename: b.log}}}",
       "logging.handlers.file.filename: logging.file already names the log file; give only one, "
       "got 'b.log'"},
      {"logging: {handlers: {file: {filename: b.log}}, file: a.log}",
       "logging.file: logging.handlers.file.filename already names the log file"},
      {"logging: {formatters: [a]}", "logging.formatters: expected a mapping, got a sequence"},
      {"logging: {formatters: {x: 'fmt'}}", "logging.formatters.x: expected a mapping, got 'fmt'"},
      {"logging: {formatters: {x: {format: {a: 1}}}}",
       "logging.formatters.x.format: expected a string, got a mapping"},
      {"logging: {handlers: [console]}", "logging.handlers: expected a mapping"},
      {"logging: {handlers: {console: {class: [x]}}}",
       "logging.handlers.console.class: expected a string, got a sequence"},
      {"logging: {handlers: {file: {formatter: {}}}}",
       "logging.handlers.file.formatter: expected a string, got a mapping"},
      {"logging: {handlers: {file: {filename: ''}}}",
       "logging.handlers.file.filename: expected a non-empty path"},
      {"logging: {handlers: {file: {when: H}}}",
       "logging.handlers.file.when: only daily rotation is supported (expected 'D' or 'midnight'), "
       "got 'H'"},
      {"logging: {handlers: {file: {when: W0}}}", "only daily rotation is supported"},
      {"logging: {handlers: {file: {when: [D]}}}", "only daily rotation is supported"},
      {"logging: {handlers: {file: {interval: 2}}}",
       "logging.handlers.file.interval: only daily rotation is supported (expected 1), got '2'"},
      {"logging: {handlers: {file: {interval: 1.0}}}", "only daily rotation is supported"},
      {"logging: {handlers: {file: {interval: '1'}}}", "only daily rotation is supported"},
      {"logging: {handlers: {file: {backupCount: -1}}}",
       "logging.handlers.file.backupCount: expected a non-negative integer, got '-1'"},
      {"logging: {handlers: {file: {backupCount: 1.5}}}",
       "logging.handlers.file.backupCount: expected a non-negative integer, got '1.5'"},
  });
}

TEST_CASE("bad values: output and duration") {
  check_errors({
      {"output: {directory: ''}", "output.directory: expected a non-empty path, got ''"},
      {"output: {directory: [a]}", "output.directory: expected a string, got a sequence"},
      {"output: {format: xml}", "output.format: expected one of csv, jsonl, none, got 'xml'"},
      {"output: {format: CSV}", "output.format: expected one of csv, jsonl, none, got 'CSV'"},
      {"output: {buffer_size: 0}", "output.buffer_size: expected an integer from 1 to 1000000"},
      {"output: {buffer_size: 1000001}", "got '1000001'"},
      {"output: {buffer_size: 2.5}", "output.buffer_size: expected an integer from 1 to 1000000"},
      {"output: {buffer_size: '2000'}", "output.buffer_size: expected an integer"},
      {"output: {buffer_size: !!str 2000}", "output.buffer_size: expected an integer"},
      {"output: {buffer_size: -1}", "got '-1'"},
      {"output: {buffer_size: 0x10}", "got '0x10'"},
      {"output: {buffer_size: 1_000}", "got '1_000'"},
      {"output: {buffer_size: 99999999999999999999999}", "expected an integer from 1 to 1000000"},
      {"output: {buffer_size: }",
       "output.buffer_size: expected an integer from 1 to 1000000, got "
       "null"},
      {"output: {flush_interval: 0}",
       "output.flush_interval: expected a number of seconds greater than 0 and at most 3600, "
       "got '0'"},
      {"output: {flush_interval: -1}", "output.flush_interval: expected a number"},
      {"output: {flush_interval: 3600.5}", "output.flush_interval: expected a number"},
      {"output: {flush_interval: abc}", "output.flush_interval: expected a number"},
      {"output: {flush_interval: .inf}", "output.flush_interval: expected a number"},
      {"output: {flush_interval: nan}", "output.flush_interval: expected a number"},
      {"output: {flush_interval: '2.0'}", "output.flush_interval: expected a number"},
      {"output: {csv_delimiter: '\"'}", "output.csv_delimiter: expected one printable ASCII"},
      {"output: {csv_delimiter: ab}", "output.csv_delimiter: expected one printable ASCII"},
      {"output: {csv_delimiter: ''}", "output.csv_delimiter: expected one printable ASCII"},
      {"output: {csv_delimiter: \"\\n\"}", "got '\\x0a'"},
      {"output: {csv_delimiter: \"\\r\"}", "got '\\x0d'"},
      {"output: {csv_delimiter: \"\\x01\"}", "got '\\x01'"},
      {"output: {csv_delimiter: \"\\xe9\"}", "output.csv_delimiter: expected one printable"},
      {"output: {csv_delimiter: [',']}", "expected one printable ASCII character"},
      {"output: {include_header: maybe}", "output.include_header: expected true or false"},
      {"output: {include_header: 'true'}", "output.include_header: expected true or false"},
      {"output: {quiet: 1}", "output.quiet: expected true or false, got '1'"},
      {"output: {max_file_mb: -1}", "output.max_file_mb: expected a non-negative integer"},
      {"output: {max_file_mb: 4294967296}", "output.max_file_mb: expected a non-negative integer"},
      {"output: {max_file_mb: 100, max_total_mb: 150}",
       "output.max_total_mb (150) must be 0 or at least twice output.max_file_mb (100)"},
      {"output: {max_total_mb: 60}",
       "output.max_total_mb (60) must be 0 or at least twice output.max_file_mb (32)"},
      {"output: {max_age_days: 36501}", "output.max_age_days"},
      {"duration: -1", "duration: -1 is out of range (0 to 31536000 seconds; 0 means no limit)"},
      {"duration: 31536001", "duration: 31536001 is out of range"},
      {"duration: soon", "duration: 'soon' is not a number of seconds"},
      {"duration: '5'", "duration: expected a number of seconds, got '5'"},
      {"duration: [1]", "duration: expected a number of seconds, got a sequence"},
  });
}

TEST_CASE("bad values: filters") {
  check_errors({
      {"filters: {comm: 'a,,b'}", "filters.comm: empty name in 'a,,b'"},
      {"filters: {comm: ''}", "filters.comm: empty name in ''"},
      {"filters: {comm: {a: 1}}",
       "filters.comm: expected a sequence or a comma-separated string, got a mapping"},
      {"filters: {comm: }", "filters.comm: expected a sequence or a comma-separated string"},
      {"filters: {comm: [[a]]}", "filters.comm: expected a process name, got a sequence"},
      {"filters: {user: bob_no_such_user_xyz}",
       "filters.user: unknown user 'bob_no_such_user_xyz'"},
      {"filters: {user: [root, 4294967295]}", "filters.user: uid '4294967295' is out of range"},
      {"filters: {user: [~]}", "filters.user: expected a user name or uid, got null"},
      {"filters: {pid: [0]}", "filters.pid: process id '0' is out of range (1..4194304)"},
      {"filters: {pid: 12x}", "filters.pid: '12x' is not a process id"},
      {"filters: {pid: '1,,2'}", "filters.pid: empty process id in '1,,2'"},
      {"filters: {pid: [-3]}", "filters.pid: '-3' is not a process id"},
  });
}

TEST_CASE("bad values: monitors") {
  check_errors({
      {"monitors: {exec: {enabled: maybe}}", "monitors.exec.enabled: expected true or false"},
      {"monitors: {exec: {enabled: 'true'}}", "monitors.exec.enabled: expected true or false"},
      {"monitors: {exec: {max_args: 0}}",
       "monitors.exec.max_args: expected an integer from 1 to 1024, got '0'"},
      {"monitors: {exec: {max_args: 1025}}", "monitors.exec.max_args: expected an integer"},
      {"monitors: {exec: {max_arg_bytes: 255}}",
       "monitors.exec.max_arg_bytes: expected an integer from 256 to 32768, got '255'"},
      {"monitors: {exec: {max_arg_bytes: 32769}}", "monitors.exec.max_arg_bytes: expected"},
      {"monitors: {func: {enabled: []}}", "monitors.func.enabled: expected true or false"},
      {"monitors: {func: {patterns: []}}",
       "monitors.func.patterns: expected a non-empty sequence of function name globs, got a "
       "sequence"},
      {"monitors: {func: {patterns: 'vfs_*'}}",
       "monitors.func.patterns: expected a non-empty sequence of function name globs, got 'vfs_*'"},
      {"monitors: {func: {patterns: }}", "monitors.func.patterns: expected a non-empty sequence"},
      {"monitors: {func: {patterns: ['vfs read']}}", "only letters, digits and _.*?[]!-"},
      {"monitors: {func: {patterns: ['vfs_[']}}", "has '[' without ']'"},
      {"monitors: {func: {patterns: ['vfs_[]x]']}}", "has an empty []"},
      {"monitors: {func: {patterns: ['vfs;rm']}}", "'vfs;rm' has ';'"},
      {"monitors: {func: {patterns: [\"vfs_\\0read\"]}}", "'vfs_\\x00read' has '\\x00'"},
      {"monitors: {func: {patterns: [\"vfs\\x1b\"]}}", "'vfs\\x1b' has '\\x1b'; only letters"},
      {"monitors: {func: {patterns: ['vfs\"']}}", "only letters, digits and _.*?[]!-"},
      {"monitors: {func: {patterns: [\"a'b\"]}}", "only letters, digits and _.*?[]!-"},
      {"monitors: {func: {patterns: ['a/b']}}", "only letters, digits and _.*?[]!-"},
      {"monitors: {func: {patterns: ['']}}", "empty function pattern"},
      {"monitors: {func: {patterns: [~]}}", "expected a function name glob"},
      {"monitors: {func: {patterns: [[a]]}}", "expected a function name glob"},
      {"monitors: {func: {probe_limit: 0}}",
       "monitors.func.probe_limit: expected an integer from 1 to 10000"},
      {"monitors: {func: {probe_limit: 10001}}", "monitors.func.probe_limit: expected"},
      {"monitors: {func: {max_events_per_second: -1}}",
       "monitors.func.max_events_per_second: expected an integer from 0 to 100000000"},
      {"monitors: {syscall: {sampling_strategy: random}}",
       "monitors.syscall.sampling_strategy: expected one of intelligent, all, sample, got "
       "'random'"},
      {"monitors: {syscall: {sample_rate: 0}}",
       "monitors.syscall.sample_rate: expected an integer from 1 to 1000000000, got '0'"},
      {"monitors: {syscall: {high_priority_syscalls: [-1]}}",
       "monitors.syscall.high_priority_syscalls: expected a syscall number or name ([a-z0-9_]+), "
       "got '-1'"},
      {"monitors: {syscall: {high_priority_syscalls: [Read]}}", "got 'Read'"},
      {"monitors: {syscall: {high_priority_syscalls: [0, 9999]}}",
       "monitors.syscall.high_priority_syscalls: syscall number 9999 is out of range"},
      {"monitors: {syscall: {syscalls: [opne]}}",
       "monitors.syscall.syscalls: unknown syscall 'opne' (did you mean 'open'?)"},
      {"monitors: {syscall: {high_priority_syscalls: [read write]}}", "got 'read write'"},
      {"monitors: {syscall: {high_priority_syscalls: [[1]]}}", "got a sequence"},
      {"monitors: {syscall: {high_priority_syscalls: {a: 1}}}",
       "monitors.syscall.high_priority_syscalls: expected a sequence or a comma-separated string"},
      {"monitors: {syscall: {monitor_categories: [file_io]}}",
       "monitors.syscall.monitor_categories: expected a mapping"},
      {"monitors: {syscall: {monitor_categories: {file_io: maybe}}}",
       "monitors.syscall.monitor_categories.file_io: expected true or false"},
      {"monitors: {syscall: {performance_thresholds: {file_io_ms: 0}}}",
       "monitors.syscall.performance_thresholds.file_io_ms: expected a number greater than 0 and "
       "at most 3600000, got '0'"},
      {"monitors: {syscall: {performance_thresholds: {default_us: -5}}}",
       "expected a number greater than 0"},
      {"monitors: {syscall: {performance_thresholds: {memory_ms: fast}}}",
       "expected a number greater than 0"},
      {"monitors: {syscall: {max_events_per_second: -5}}",
       "monitors.syscall.max_events_per_second: expected an integer from 0 to 100000000"},
      {"monitors: {syscall: {max_events_per_second: 1.5}}",
       "monitors.syscall.max_events_per_second: expected an integer from 0 to 100000000"},
      {"monitors: {syscall: {show_errors_only: 2}}",
       "monitors.syscall.show_errors_only: expected true or false"},
  });
}

TEST_CASE("long and multi-line values are shortened in messages") {
  const std::string message = parse_error("output: {format: \"" + std::string(200, 'x') + "\"}");
  CHECK(contains(message, "got '" + std::string(80, 'x') + "...'"));
  CHECK(message.find('\n') == std::string::npos);
  CHECK(contains(parse_error("output:\n  format: |\n    a\n    b\n"), "got 'a\\x0ab\\x0a'"));
}

TEST_CASE("config/monitor_config.yaml ships valid") {
#ifdef EBPFMON_SOURCE_DIR
  const fs::path path = fs::path(EBPFMON_SOURCE_DIR) / "config" / "monitor_config.yaml";
#else
  const fs::path path = "config/monitor_config.yaml";
#endif
  REQUIRE(fs::exists(path));
  auto r = parse_config(read_text(path), path.string());
  if (!r.ok()) FAIL(r.error().message);
  const Config& c = r.value();
  // The production config, the one `meson install` puts in /etc: INFO, and
  // still INFO without its level line (app.debug is false).
  CHECK(c.logging.level == "INFO");
  {
    std::string text = read_text(path);
    const size_t level = text.find("\n  level: INFO\n");
    REQUIRE(level != std::string::npos);
    text.erase(level + 1, std::string("  level: INFO\n").size());
    auto without_level = parse_config(text, path.string());
    REQUIRE(without_level.ok());
    CHECK(without_level->logging.level == "INFO");
  }
  CHECK(c.logging.file == "logs/monitor.log");
  CHECK(c.logging.backup_count == 365);
  CHECK(c.output.directory == "output");
  CHECK(c.output.format == FileFormat::Csv);
  CHECK(c.output.max_file_mb == 32);
  CHECK(c.output.max_total_mb == 768);
  CHECK(c.output.max_age_days == 0);
  CHECK(exec_of(c).max_args == 64);
  CHECK(exec_of(c).max_arg_bytes == 8192);
  CHECK(func_of(c).patterns == std::vector<std::string>{"vfs_*"});
  CHECK(syscall_of(c).max_events_per_second == 1000);

  // Through the loader too, unless a root run meets a checkout it must not trust.
  auto loaded = load_config_file(path);
  if (loaded.ok()) {
    CHECK(loaded->source == path.string());
  } else {
    CHECK(contains(loaded.error().message, "refusing a config file"));
  }
}

TEST_CASE("load_config_file") {
  TempDir dir;

  SUBCASE("missing file") {
    const fs::path p = dir.path() / "nope.yaml";
    auto r = load_config_file(p);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == Error::Kind::Usage);
    CHECK(r.error().message == p.string() + ": no such file");
  }
  SUBCASE("a directory") {
    auto r = load_config_file(dir.path());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == Error::Kind::Usage);
    CHECK(r.error().message == dir.path().string() + ": Is a directory");
  }
  SUBCASE("not a regular file") {
    auto r = load_config_file("/dev/null");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "/dev/null: not a regular file");
  }
  SUBCASE("a good file: source is its path, errors name it") {
    const fs::path p = dir.write("ok.yaml", "output: {quiet: true}\n");
    auto r = load_config_file(p);
    REQUIRE(r.ok());
    CHECK(r->source == p.string());
    CHECK(r->output.quiet);

    const fs::path bad = dir.write("bad.yaml", "output:\n  quiet: maybe\n");
    auto e = load_config_file(bad);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message ==
          bad.string() + ":2:10: output.quiet: expected true or false, got 'maybe'");
  }
  SUBCASE("as root, files others can write are refused") {
    if (geteuid() != 0) {
      MESSAGE("not root: ownership checks skipped");
      return;
    }
    const fs::path p = dir.write("shared.yaml", "output: {quiet: true}\n", 0666);
    auto r = load_config_file(p);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == Error::Kind::Usage);
    CHECK(r.error().exit_code() == 2);
    CHECK(r.error().message == p.string() +
                                   ": refusing a config file that other users can write (mode "
                                   "0666); run chmod go-w " +
                                   p.string());

    REQUIRE(chmod(p.c_str(), 0620) == 0);
    CHECK(contains(load_config_file(p).error().message, "(mode 0620)"));

    REQUIRE(chmod(p.c_str(), 0644) == 0);
    CHECK(load_config_file(p).ok());

    REQUIRE(chown(p.c_str(), 65534, 0) == 0);
    auto owned = load_config_file(p);
    REQUIRE_FALSE(owned.ok());
    CHECK(owned.error().message == p.string() +
                                       ": refusing a config file owned by uid 65534, not root; "
                                       "run chown root " +
                                       p.string());
  }
}

TEST_CASE("load_config picks explicit, then ./monitor_config.yaml, then defaults") {
  TempDir dir;
  const fs::path explicit_path = dir.write("mine.yaml", "output: {buffer_size: 7}\n");
  auto r = load_config(explicit_path);
  REQUIRE(r.ok());
  CHECK(r->output.buffer_size == 7);
  CHECK(r->source == explicit_path.string());

  auto missing = load_config(dir.path() / "missing.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(contains(missing.error().message, ": no such file"));

  const ChangeDir cd(dir.path());
  if (!fs::exists("/etc/ebpfmon/monitor_config.yaml")) {
    auto defaults = load_config(std::nullopt);
    REQUIRE(defaults.ok());
    CHECK(defaults->source == "built-in defaults");
    CHECK(defaults->output.buffer_size == 2000);
  }
  dir.write("monitor_config.yaml", "output: {buffer_size: 9}\n");
  auto local = load_config(std::nullopt);
  REQUIRE(local.ok());
  CHECK(local->output.buffer_size == 9);
  CHECK(local->source == "./monitor_config.yaml");

  dir.write("monitor_config.yaml", "output: {buffer_size: nine}\n");
  auto bad = load_config(std::nullopt);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.rfind("./monitor_config.yaml:1:23: output.buffer_size", 0) == 0);
}
