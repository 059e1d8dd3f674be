#include "monitors/syscall.h"

#include <algorithm>
#include <cstring>

#include "monitors/registry.h"
#include "monitors/syscall_table.h"

namespace ebpfmon::bpf_sources {
extern const char syscall_bpf[];
}

namespace ebpfmon {
namespace {

static_assert(kLatencyBuckets == SYSCALL_HIST_BUCKETS);

enum Column : size_t {
  kTimestamp,
  kTimeStr,
  kMonitorType,
  kPid,
  kTid,
  kCpu,
  kComm,
  kNr,
  kName,
  kCategory,
  kRet,
  kErrorName,
  kDurationNs,
  kDurationUs,
  kDurationMs,
  kIsError,
  kIsSlow
};

// The seed's thresholds: four categories in ms, the rest share default_us.
uint64_t threshold_ns(const SyscallSettings& s, int category) {
  auto ms = [&](const char* key) {
    return static_cast<uint64_t>(s.performance_thresholds.at(key) * 1e6);
  };
  switch (category) {
    case SYSCALL_CAT_FILE_IO:
      return ms("file_io_ms");
    case SYSCALL_CAT_NETWORK:
      return ms("network_ms");
    case SYSCALL_CAT_MEMORY:
      return ms("memory_ms");
    case SYSCALL_CAT_PROCESS:
      return ms("process_ms");
    default:
      return static_cast<uint64_t>(s.performance_thresholds.at("default_us") * 1e3);
  }
}

void add_kernel_stats(LatencyStats& sum, const syscall_stats& k) {
  LatencyStats one;
  one.count = k.count;
  one.errors = k.errors;
  one.slow = k.slow;
  one.total_ns = k.total_ns;
  one.max_ns = k.max_ns;
  std::copy(std::begin(k.hist), std::end(k.hist), one.hist.begin());
  sum.add(one);
}

}  // namespace

const Schema& SyscallMonitor::schema() const {
  static const Schema schema{{
      {"timestamp", ValueType::Time},
      {"time_str", ValueType::String},
      {"monitor_type", ValueType::String},
      {"pid", ValueType::UInt},
      {"tid", ValueType::UInt},
      {"cpu", ValueType::UInt},
      {"comm", ValueType::String},
      {"syscall_nr", ValueType::Int},
      {"syscall_name", ValueType::String},
      {"category", ValueType::String},
      {"ret_val", ValueType::Int},
      {"error_name", ValueType::String},
      {"duration_ns", ValueType::UInt},
      {"duration_us", ValueType::Float},
      {"duration_ms", ValueType::Float},
      {"is_error", ValueType::Bool},
      {"is_slow_call", ValueType::Bool},
  }};
  return schema;
}

std::vector<ConsoleColumn> SyscallMonitor::console_columns() const {
  return {{"TIME", kTimeStr, 25}, {"COMM", kComm, 16},       {"PID", kPid, 8},
          {"TID", kTid, 8},       {"SYSCALL", kName, 18},    {"CATEGORY", kCategory, 9},
          {"RET", kRet, 12},      {"ERROR", kErrorName, 12}, {"LAT(us)", kDurationUs, 12},
          {"SLOW", kIsSlow, 0}};
}

int SyscallMonitor::category_of(int nr) const {
  return classes_[static_cast<size_t>(nr >= 0 && nr < SYSCALL_OTHER_SLOT ? nr : SYSCALL_OTHER_SLOT)]
      .category;
}

bool SyscallMonitor::traced(int nr) const {
  return nr >= 0 && nr < SYSCALL_NR_SLOTS && classes_[static_cast<size_t>(nr)].traced;
}

Result<void> SyscallMonitor::classify(const SyscallSettings& s) {
  std::array<bool, SYSCALL_CATEGORIES> enabled{};
  for (const auto& [name, on] : s.monitor_categories) {
    auto category = category_from_name(name);
    if (!category) return Error::usage("syscall: unknown category " + name);
    enabled[static_cast<size_t>(*category)] = on;
  }
  auto selected = resolve_syscalls(s.syscalls, "syscalls");
  if (!selected) return selected.error();
  auto priority = resolve_syscalls(s.high_priority_syscalls, "high_priority_syscalls");
  if (!priority) return priority.error();
  auto contains = [](const std::vector<int>& v, int nr) {
    return std::find(v.begin(), v.end(), nr) != v.end();
  };

  bool any = false;
  for (int nr = 0; nr < SYSCALL_NR_SLOTS; ++nr) {
    const int category =
        nr == SYSCALL_OTHER_SLOT ? SYSCALL_CAT_OTHER : category_of_syscall(syscall_name(nr));
    syscall_class& c = classes_[static_cast<size_t>(nr)];
    c = {};
    c.category = static_cast<uint8_t>(category);
    c.slow_ns = threshold_ns(s, category);
    // An explicit list selects exactly those syscalls, whatever their category.
    c.traced = selected->empty() ? enabled[static_cast<size_t>(category)] : contains(*selected, nr);
    c.priority = contains(*priority, nr);
    any = any || c.traced;
  }
  if (!any) return Error::usage("syscall: nothing to trace: every category is disabled");
  return {};
}

Result<BpfMonitor::Plan> SyscallMonitor::plan(const Config& config, Capabilities& caps) {
  const SyscallSettings& s = config.syscall;
  if (auto r = classify(s); !r) return r.error();
  by_process_ = s.count_by_process;

  Plan plan;
  plan.source = bpf_sources::syscall_bpf;
  if (caps.has(Feature::RawTracepoint)) {
    plan.hooks = {{HookType::RawTracepoint, "sys_enter"}, {HookType::RawTracepoint, "sys_exit"}};
  } else if (caps.has(Feature::Tracepoint)) {
    plan.defines.emplace_back("SYSCALL_CLASSIC_TRACEPOINTS", 1);
    plan.hooks = {{HookType::Tracepoint, "raw_syscalls:sys_enter"},
                  {HookType::Tracepoint, "raw_syscalls:sys_exit"}};
  } else {
    return Error::runtime(
        "syscallmon needs raw tracepoints or tracepoints, which this kernel "
        "does not allow: " +
        caps.status(Feature::Tracepoint).detail);
  }
  if (caps.has(Feature::TaskStorage))
    plan.defines.emplace_back("SYSCALL_TASK_STORAGE", 1);
  else
    plan.defines.emplace_back("SYSCALL_INFLIGHT", 16384);  // threads inside a syscall at once

  // Which calls become events.
  if (s.show_errors_only || s.show_slow_only) {
    if (s.show_errors_only) plan.defines.emplace_back("SYSCALL_WRITE_ERRORS", 1);
    if (s.show_slow_only) plan.defines.emplace_back("SYSCALL_WRITE_SLOW", 1);
  } else if (s.sampling_strategy == "all") {
    plan.defines.emplace_back("SYSCALL_WRITE_ALL", 1);
  } else {
    plan.defines.emplace_back("SYSCALL_WRITE_ERRORS", 1);
    plan.defines.emplace_back("SYSCALL_WRITE_SLOW", 1);
    plan.defines.emplace_back("SYSCALL_WRITE_PRIORITY", 1);
    if (s.sampling_strategy == "sample")
      plan.defines.emplace_back("SYSCALL_SAMPLE_RATE", std::max<uint32_t>(s.sample_rate, 1));
  }
  plan.max_events_per_second = s.max_events_per_second;
  if (by_process_) plan.defines.emplace_back("SYSCALL_BY_PROCESS", 4096);
  return plan;
}

Result<void> SyscallMonitor::configure(const BpfProgram& program) {
  auto table = program.map<uint32_t, syscall_class>(kSyscallTableMap);
  if (!table) return table.error();
  for (uint32_t nr = 0; nr < SYSCALL_NR_SLOTS; ++nr)
    if (auto r = table->update(nr, classes_[nr]); !r) return r;
  if (!by_process_) return {};
  // Key 0 collects the processes that find the table full; it must exist first.
  auto processes = program.percpu_map<uint32_t, syscall_process_stats>(kSyscallProcessStatsMap);
  if (!processes) return processes.error();
  return processes->update(0, syscall_process_stats{});
}

Result<void> SyscallMonitor::read_totals(Totals& out) const {
  out.by_nr.fill({});
  out.by_process.clear();
  if (program() == nullptr) return {};
  auto stats = program()->percpu_map<uint32_t, syscall_stats>(kSyscallStatsMap);
  if (!stats) return stats.error();
  for (uint32_t nr = 0; nr < SYSCALL_NR_SLOTS; ++nr) {
    if (!classes_[nr].traced) continue;
    auto per_cpu = stats->lookup(nr);
    if (!per_cpu) return per_cpu.error();
    if (!*per_cpu) continue;
    for (const syscall_stats& k : **per_cpu) add_kernel_stats(out.by_nr[nr], k);
  }
  if (!by_process_) return {};
  auto processes = program()->percpu_map<uint32_t, syscall_process_stats>(kSyscallProcessStatsMap);
  if (!processes) return processes.error();
  auto pids = processes->keys();
  if (!pids) return pids.error();
  for (uint32_t pid : *pids) {
    auto per_cpu = processes->lookup(pid);
    if (!per_cpu) return per_cpu.error();
    if (!*per_cpu) continue;  // gone between listing and reading
    ProcessStats row;
    row.pid = pid;
    for (const syscall_process_stats& p : **per_cpu) {
      if (row.comm.empty()) row.comm.assign(p.comm, strnlen(p.comm, sizeof p.comm));
      add_kernel_stats(row.stats, p.stats);
    }
    out.by_process.push_back(std::move(row));
  }
  return {};
}

// Calls, errors and slow calls per syscall; latency histograms per category
// (per syscall would be thousands of series), from the in-kernel log2
// buckets: bucket k's calls took less than 2^k ns.
Result<Metrics> SyscallMonitor::metrics() const {
  auto totals = std::make_unique<Totals>();
  if (auto r = read_totals(*totals); !r) return r.error();
  const auto counter = [](const char* name, const char* help) {
    return MetricFamily{name, help, MetricFamily::Type::Counter, {}, {}};
  };
  MetricFamily calls = counter("ebpfmon_syscall_calls_total", "System calls traced, by syscall");
  MetricFamily errors =
      counter("ebpfmon_syscall_errors_total", "System calls that returned an error");
  MetricFamily slow =
      counter("ebpfmon_syscall_slow_total", "System calls slower than their category's threshold");
  MetricFamily latency{"ebpfmon_syscall_latency_seconds",
                       "System call latency, by category",
                       MetricFamily::Type::Histogram,
                       {},
                       {}};
  std::map<int, LatencyStats> by_category;
  for (int nr = 0; nr < SYSCALL_NR_SLOTS; ++nr) {
    const LatencyStats& s = totals->by_nr[static_cast<size_t>(nr)];
    if (!traced(nr) || s.count == 0) continue;
    const MetricLabels labels{
        {"syscall", nr == SYSCALL_OTHER_SLOT ? "other_numbers" : syscall_name(nr)},
        {"category", category_name(category_of(nr))}};
    calls.samples.push_back({labels, static_cast<double>(s.count)});
    errors.samples.push_back({labels, static_cast<double>(s.errors)});
    slow.samples.push_back({labels, static_cast<double>(s.slow)});
    by_category[category_of(nr)].add(s);
  }
  for (const auto& [category, s] : by_category) {
    HistogramSample h;
    h.labels = {{"category", category_name(category)}};
    uint64_t cumulative = 0;
    for (size_t k = 0; k + 1 < kLatencyBuckets; ++k) {
      cumulative += s.hist[k];
      h.buckets.emplace_back(static_cast<double>(LatencyStats::bucket_high(k)) * 1e-9, cumulative);
    }
    h.sum = static_cast<double>(s.total_ns) * 1e-9;
    h.count = s.count;
    latency.histograms.push_back(std::move(h));
  }
  return Metrics{std::move(calls), std::move(errors), std::move(slow), std::move(latency)};
}

bool SyscallMonitor::decode(const void* data, size_t size, Event& event) {
  if (size < sizeof(syscall_event)) return false;
  syscall_event e;
  std::memcpy(&e, data, sizeof e);
  const Timestamp ts = clock().to_wall(e.ts_ns);
  event.values.resize(schema().fields.size());
  event.values[kTimestamp] = ts;
  event.values[kTimeStr] = format_time_str(ts);
  event.values[kMonitorType] = std::string("syscall");
  event.values[kPid] = uint64_t{e.pid};
  event.values[kTid] = uint64_t{e.tid};
  event.values[kCpu] = uint64_t{e.cpu};
  event.values[kComm] = std::string(e.comm, strnlen(e.comm, sizeof e.comm));
  event.values[kNr] = int64_t{e.nr};
  event.values[kName] = syscall_name(e.nr);
  event.values[kCategory] = std::string(category_name(category_of(e.nr)));
  event.values[kRet] = int64_t{e.ret};
  event.values[kErrorName] = errno_name(e.ret);
  event.values[kDurationNs] = uint64_t{e.duration_ns};
  event.values[kDurationUs] = static_cast<double>(e.duration_ns) / 1e3;
  event.values[kDurationMs] = static_cast<double>(e.duration_ns) / 1e6;
  event.values[kIsError] = (e.flags & SYSCALL_EV_ERROR) != 0;
  event.values[kIsSlow] = (e.flags & SYSCALL_EV_SLOW) != 0;
  return true;
}

EBPFMON_REGISTER_MONITOR(SyscallMonitor, "syscall")

}  // namespace ebpfmon
