#include "monitors/exit.h"

#include <cstdio>
#include <cstring>

#include "bpf_sources.h"
#include "ebpf/exit.h"
#include "monitors/process_context.h"
#include "monitors/registry.h"

namespace ebpfmon {
namespace {

// exit's columns, in order: each declared once, with the handle decode()
// sets it through.
struct ExitFields {
  Schema schema;
  TaskFields task = add_task_fields(schema);
  FieldOf<int64_t> exit_code = schema.add<int64_t>(
      "exit_code", "the status passed to `exit()`; empty (`null`) when a signal killed it");
  FieldOf<std::string> signal = schema.add<std::string>(
      "signal", "the killing signal's name (`SIGKILL`), empty for a normal exit");
  FieldOf<bool> core_dumped =
      schema.add<bool>("core_dumped", "`true` when a core dump was written");
  FieldOf<double> lifetime_ms =
      schema.add<double>("lifetime_ms", "since the process started (fork), in milliseconds");
  FieldOf<std::string> exec_id = schema.add<std::string>(
      "exec_id", "the exec id of the image that ended: equal to its exec event's");
  CgroupFields cgroup = add_cgroup_fields(schema, CgroupColumns::Full);
};

const ExitFields& fields() {
  static const ExitFields f;
  return f;
}

}  // namespace

const Schema& ExitMonitor::schema() const {
  return fields().schema;
}

// execmon's table (execmon --exits puts both in one): RET is the exit
// code, ARGS how the process ended and how long it lived, in brackets so
// that it reads apart from a command line, short enough for the 18
// columns that table leaves it: "[exit 1, 2.3s]", "[SIGKILL, 40ms]".
std::vector<ConsoleColumn> ExitMonitor::console_columns() const {
  const ExitFields& f = fields();
  ConsoleColumn how{"ARGS", f.signal, 0, [&f](const Event& e) {
                      const auto* code = std::get_if<int64_t>(&e.values.at(f.exit_code.index));
                      const double ms = e.get(f.lifetime_ms);
                      char age[32];
                      if (ms < 1000)
                        std::snprintf(age, sizeof age, ms < 10 ? "%.1fms" : "%.0fms", ms);
                      else
                        std::snprintf(age, sizeof age, ms < 60000 ? "%.1fs" : "%.0fs", ms / 1000);
                      return "[" + (code ? "exit " + std::to_string(*code) : e.get(f.signal)) +
                             ", " + age + (e.get(f.core_dumped) ? ", core dumped]" : "]");
                    }};
  return process_table(f.task, f.cgroup, {"RET", f.exit_code, 3}, std::move(how));
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
  const ExitFields& f = fields();
  event.values.resize(f.schema.fields.size());
  fill_task_values(event, f.task, {ts, e.comm, e.uid, e.pid, e.ppid});
  if (signal == 0) {
    const int64_t code = (e.status >> 8) & 0xff;
    event.set(f.exit_code, code);
    event.set(f.signal, std::string());
    ++(code == 0 ? exited_ok_ : exited_failed_);
  } else {
    event.set_none(f.exit_code);
    event.set(f.signal, signal_name(signal));
    ++killed_;
  }
  event.set(f.core_dumped, (e.status & 0x80) != 0);
  event.set(f.lifetime_ms, static_cast<double>(e.lifetime_ns) / 1e6);
  event.set(f.exec_id, format_exec_id(e.start_ns, e.pid, e.exec_seq));
  fill_cgroup_values(event, f.cgroup, e.cgroup_id);
  return true;
}

Result<Metrics> ExitMonitor::metrics() const {
  MetricFamily exits{
      "ebpfmon_exit_total", "Processes that ended, by result", MetricFamily::Type::Counter, {}, {}};
  exits.samples = {{{{"result", "success"}}, static_cast<double>(exited_ok_)},
                   {{{"result", "failure"}}, static_cast<double>(exited_failed_)},
                   {{{"result", "signal"}}, static_cast<double>(killed_)}};
  return Metrics{std::move(exits)};
}

EBPFMON_REGISTER_MONITOR(ExitMonitor, ExitSettings, ByDefault::On, {})

}  // namespace ebpfmon
