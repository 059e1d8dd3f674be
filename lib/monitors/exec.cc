#include "monitors/exec.h"

#include <cstring>

#include "ebpf/exec.h"
#include "monitors/registry.h"

namespace ebpfmon::bpf_sources {
extern const char exec_bpf[];
}

namespace ebpfmon {
namespace {

enum Column : size_t {
  kTimestamp,
  kTimeStr,
  kComm,
  kUid,
  kPid,
  kPpid,
  kRet,
  kArgv,
  kFilename,
  kArgc,
  kTruncated
};

uint64_t next_pow2(uint64_t v) {
  uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

std::string c_string(const char* s, size_t max) {
  return std::string(s, strnlen(s, max));
}

}  // namespace

const Schema& ExecMonitor::schema() const {
  static const Schema schema{{
      {"timestamp", ValueType::Time},
      {"time_str", ValueType::String},
      {"comm", ValueType::String},
      {"uid", ValueType::UInt},
      {"pid", ValueType::UInt},
      {"ppid", ValueType::UInt},
      {"ret", ValueType::Int},
      {"argv", ValueType::StringList},
      {"filename", ValueType::String},
      {"argc", ValueType::UInt},
      {"truncated", ValueType::Bool},
  }};
  return schema;
}

std::vector<ConsoleColumn> ExecMonitor::console_columns() const {
  return {{"TIME", kTimeStr, 25}, {"COMM", kComm, 16}, {"UID", kUid, 6},  {"PID", kPid, 8},
          {"PPID", kPpid, 8},     {"RET", kRet, 4},    {"ARGS", kArgv, 0}};
}

SettingsSection ExecMonitor::settings_table() {
  return SettingsTable<ExecSettings>("exec")
      .integer("max_args", "max-args", &ExecSettings::max_args, 1, EXEC_MAX_ARGS_LIMIT,
               "arguments kept per exec")
      .integer("max_arg_bytes", "max-arg-bytes", &ExecSettings::max_arg_bytes, EXEC_ARGS_BYTES_MIN,
               EXEC_ARGS_BYTES_LIMIT, "bytes of arguments kept per exec")
      .build();
}

Result<BpfMonitor::Plan> ExecMonitor::plan(Capabilities& caps) const {
  const ExecSettings& s = settings_;
  for (Feature needed : {Feature::Tracepoint, Feature::RawTracepoint}) {
    const FeatureStatus& st = caps.status(needed);
    if (!st.available)
      return Error::runtime(std::string("execmon needs ") + feature_name(needed) +
                            "s, which this kernel does not allow: " + st.detail);
  }
  Plan plan;
  plan.source = bpf_sources::exec_bpf;
  plan.defines = {{"EXEC_MAX_ARGS", s.max_args},
                  {"EXEC_ARGS_BYTES", s.max_arg_bytes},
                  {"EXEC_ARGS_POW2", static_cast<int64_t>(next_pow2(s.max_arg_bytes))}};
  plan.hooks = {
      {HookType::Tracepoint, "syscalls:sys_enter_execve"},
      {HookType::Tracepoint, "syscalls:sys_enter_execveat"},
      {HookType::Tracepoint, "syscalls:sys_exit_execve"},
      {HookType::Tracepoint, "syscalls:sys_exit_execveat"},
      {HookType::RawTracepoint, "sched_process_exec"},
  };
  return plan;
}

bool ExecMonitor::unpack_args(const char* data, size_t size, size_t max_args,
                              std::vector<std::string>& out) {
  out.clear();
  size_t pos = 0;
  while (pos < size) {
    if (out.size() == max_args) return true;
    const size_t len = strnlen(data + pos, size - pos);
    out.emplace_back(data + pos, len);
    pos += len + 1;
  }
  return false;
}

bool ExecMonitor::decode(const void* data, size_t size, Event& event) {
  constexpr size_t kHeader = offsetof(exec_event, args);
  if (size < kHeader) return false;
  exec_event e;  // the fixed part only; args are read in place
  std::memcpy(&e, data, kHeader);
  if (e.args_size > size - kHeader) return false;
  const char* args = static_cast<const char*>(data) + kHeader;

  std::vector<std::string> argv;
  const bool over_max_args = unpack_args(args, e.args_size, settings_.max_args, argv);
  const bool truncated = over_max_args || (e.flags & (EXEC_F_TRUNCATED | EXEC_F_ARG_UNREADABLE)) ||
                         argv.size() < e.argc;
  const Timestamp ts = clock().to_wall(e.ts_ns);

  event.values.resize(schema().fields.size());
  event.values[kTimestamp] = ts;
  event.values[kTimeStr] = format_time_str(ts);
  event.values[kComm] = c_string(e.comm, sizeof e.comm);
  event.values[kUid] = uint64_t{e.uid};
  event.values[kPid] = uint64_t{e.pid};
  event.values[kPpid] = uint64_t{e.ppid};
  event.values[kRet] = int64_t{e.ret};
  event.values[kArgv] = std::move(argv);
  event.values[kFilename] = c_string(e.filename, sizeof e.filename);
  event.values[kArgc] = uint64_t{e.argc};
  event.values[kTruncated] = truncated;
  ++(e.ret == 0 ? succeeded_ : failed_);
  return true;
}

Result<Metrics> ExecMonitor::metrics() const {
  MetricFamily execs{"ebpfmon_exec_total",
                     "Process executions traced, by result",
                     MetricFamily::Type::Counter,
                     {},
                     {}};
  execs.samples = {{{{"result", "success"}}, static_cast<double>(succeeded_)},
                   {{{"result", "failure"}}, static_cast<double>(failed_)}};
  return Metrics{std::move(execs)};
}

EBPFMON_REGISTER_MONITOR(ExecMonitor, ExecSettings, "exec", ::ebpfmon::MonitorListing{})

}  // namespace ebpfmon
