#include "monitors/exit.h"

#include <cstring>

#include "bpf_sources.h"
#include "ebpf/exit.h"
#include "monitors/process_context.h"
#include "monitors/registry.h"

namespace ebpfmon {
namespace {

enum Column : size_t {
  kTimestamp,
  kTimeStr,
  kComm,
  kUid,
  kPid,
  kPpid,
  kExitCode,
  kSignal,
  kCoreDumped,
  kLifetimeMs,
  kExecId,
  kCgroupId  // then cgroup, container_id, pod_uid
};

}  // namespace

const Schema& ExitMonitor::schema() const {
  static const Schema schema = [] {
    Schema s;
    append_task_fields(s.fields);
    s.fields.insert(s.fields.end(), {
                                        {"exit_code", ValueType::Int},
                                        {"signal", ValueType::String},
                                        {"core_dumped", ValueType::Bool},
                                        {"lifetime_ms", ValueType::Float},
                                        {"exec_id", ValueType::String},
                                    });
    append_cgroup_fields(s.fields, CgroupColumns::Full);
    return s;
  }();
  return schema;
}

std::vector<ConsoleColumn> ExitMonitor::console_columns() const {
  return {{"TIME", kTimestamp, 12},     {"COMM", kComm, 16},    {"PID", kPid, 8},
          {"PPID", kPpid, 8},         {"EXIT", kExitCode, 5}, {"SIGNAL", kSignal, 10},
          {"AGE(ms)", kLifetimeMs, 0}};
}

SettingsSection ExitMonitor::settings_table() {
  return SettingsTable<ExitSettings>(kName)
      .boolean("failed_only", "failed-only", &ExitSettings::failed_only,
               "only processes that exited non-zero or were killed (decided in the kernel)")
      .with(add_buffer_kb<ExitSettings>)
      .build();
}

std::string ExitMonitor::signal_name(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "SIG" + std::to_string(signal);
}

Result<BpfMonitor::Plan> ExitMonitor::plan(Capabilities& caps) const {
  const FeatureStatus& raw = caps.status(Feature::RawTracepoint);
  if (!raw.available)
    return Error::runtime(
        "the exit monitor needs raw tracepoints, which this kernel does not allow: " + raw.detail);
  Plan plan;
  plan.ring_buffer_bytes = size_t{settings_.buffer_kb} << 10;
  plan.source = bpf_sources::exit_bpf;
  if (settings_.failed_only) plan.defines.emplace_back("EXIT_FAILED_ONLY", 1);
  plan.hooks = {{HookType::RawTracepoint, "sched_process_exit"}};
  return plan;
}

bool ExitMonitor::decode(const void* data, size_t size, Event& event) {
  if (size < sizeof(exit_event)) return false;
  exit_event e;
  std::memcpy(&e, data, sizeof e);
  const int signal = static_cast<int>(e.status & 0x7f);
  const Timestamp ts = clock().to_wall(e.ts_ns);
  event.values.resize(schema().fields.size());
  fill_task_values(event, {ts, e.comm, e.uid, e.pid, e.ppid});
  if (signal == 0) {
    const int64_t code = (e.status >> 8) & 0xff;
    event.values[kExitCode] = code;
    event.values[kSignal] = std::string();
    ++(code == 0 ? exited_ok_ : exited_failed_);
  } else {
    event.values[kExitCode] = NoValue{};
    event.values[kSignal] = signal_name(signal);
    ++killed_;
  }
  event.values[kCoreDumped] = (e.status & 0x80) != 0;
  event.values[kLifetimeMs] = static_cast<double>(e.lifetime_ns) / 1e6;
  event.values[kExecId] = format_exec_id(e.start_ns, e.pid, e.exec_seq);
  fill_cgroup_values(event, kCgroupId, e.cgroup_id, CgroupColumns::Full);
  return true;
}

Result<Metrics> ExitMonitor::metrics() const {
  MetricFamily exits{
      "ebpfmon_exit_total", "Processes that ended, by how", MetricFamily::Type::Counter, {}, {}};
  exits.samples = {{{{"how", "success"}}, static_cast<double>(exited_ok_)},
                   {{{"how", "failure"}}, static_cast<double>(exited_failed_)},
                   {{{"how", "signal"}}, static_cast<double>(killed_)}};
  return Metrics{std::move(exits)};
}

EBPFMON_REGISTER_MONITOR(ExitMonitor, ExitSettings, ByDefault::On, {})

}  // namespace ebpfmon
