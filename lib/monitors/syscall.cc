#include "monitors/syscall.h"

#include <algorithm>
#include <cstring>
#include <ostream>

#include "bpf/kernel_btf.h"
#include "bpf/kernel_layouts.h"
#include "bpf/system.h"
#include "bpf_sources.h"
#include "core/cgroups.h"
#include "core/text.h"
#include "core/top_rows.h"
#include "monitors/process_context.h"
#include "monitors/registry.h"
#include "monitors/syscall_fields.h"
#include "monitors/syscall_summary.h"
#include "monitors/syscall_table.h"

namespace ebpfmon {
namespace {

static_assert(kLatencyBuckets == SYSCALL_HIST_BUCKETS);
constexpr double kLatencyMetricTopUs = 1 << 27;

uint64_t threshold_ns(const SyscallThresholds& t, int category) {
  switch (category) {
    case SYSCALL_CAT_FILE_IO:
      return static_cast<uint64_t>(t.file_io_ms * 1e6);
    case SYSCALL_CAT_NETWORK:
      return static_cast<uint64_t>(t.network_ms * 1e6);
    case SYSCALL_CAT_MEMORY:
      return static_cast<uint64_t>(t.memory_ms * 1e6);
    case SYSCALL_CAT_PROCESS:
      return static_cast<uint64_t>(t.process_ms * 1e6);
    default:
      return static_cast<uint64_t>(t.default_us * 1e3);
  }
}

// An hour, in the unit of each threshold key.
constexpr double kMaxThresholdMs = 3600000;
constexpr NumberRange kThresholdMs{0, true, kMaxThresholdMs, nullptr};
constexpr NumberRange kThresholdUs{0, true, kMaxThresholdMs * 1000, nullptr};

// The threshold keys: "file_io" -> performance_thresholds.file_io_ms, and
// "default" -> default_us, for the YAML keys and --threshold alike.
struct ThresholdKey {
  const char* name;  // as --threshold spells it
  const char* key;   // under performance_thresholds
  double SyscallThresholds::*field;
  double per_ms;  // units of the key in one millisecond
};
constexpr ThresholdKey kThresholdKeys[] = {
    {"file_io", "file_io_ms", &SyscallThresholds::file_io_ms, 1},
    {"network", "network_ms", &SyscallThresholds::network_ms, 1},
    {"memory", "memory_ms", &SyscallThresholds::memory_ms, 1},
    {"process", "process_ms", &SyscallThresholds::process_ms, 1},
    {"default", "default_us", &SyscallThresholds::default_us, 1000},
};

// A syscall list item: a name or a number the build's table knows.
Result<void> check_syscall(const RawValue& item) {
  const std::string& s = item.text;
  const bool word = std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!word) return value_error(item, "expected a syscall number or name ([a-z0-9_]+)");
  if (auto known = resolve_syscalls({s}, item.where); !known) return known.error();
  return {};
}

// --hung: up to a day, 0 = off.
constexpr NumberRange kHungRange{0, false, 86400, "seconds"};

Result<void> check_hung_syscall(const RawValue& item) {
  if (item.text == "all") return {};
  return check_syscall(item);
}

// --category LIST: exactly these categories.
Result<void> read_categories(const RawValue& value, SyscallSettings& s) {
  auto names = read_words(value, "category", [&s](const RawValue& item) -> Result<void> {
    if (s.monitor_categories.count(item.text)) return {};
    std::string message = "unknown category " + quote_for_message(item.text) + " (one of";
    for (const auto& [known, on] : s.monitor_categories) message += " " + known;
    return Error::usage(item.where + ": " + message + ")");
  });
  if (!names) return names.error();
  for (auto& [name, on] : s.monitor_categories)
    on = std::find(names->begin(), names->end(), name) != names->end();
  return {};
}

// --threshold CAT=MS, in milliseconds whatever the key's unit.
Result<void> read_threshold(const RawValue& value, SyscallSettings& s) {
  const size_t eq = value.text.find('=');
  const std::string name = value.text.substr(0, eq);
  for (const ThresholdKey& k : kThresholdKeys) {
    if (eq == std::string::npos || name != k.name) continue;
    RawValue ms = value;
    ms.text = value.text.substr(eq + 1);
    auto n = read_number(ms, kThresholdMs);
    if (!n) return n.error();
    s.performance_thresholds.*k.field = *n * k.per_ms;
    return {};
  }
  std::string names;
  for (const ThresholdKey& k : kThresholdKeys)
    names += (names.empty() ? "" : ", ") + std::string(k.name);
  return Error::usage(value.where + ": expected CATEGORY=MS with CATEGORY one of " + names +
                      "; got " + quote_for_message(value.text));
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
  return syscall_fields().schema;
}

Result<void> SyscallMonitor::check_settings() const {
  if (!refused_) return refused_;
  if (settings_.hung_now && settings_.hung_after <= 0)
    return Error::usage(
        "syscall: --hung-now needs --hung above 0 (the calls in flight longer "
        "than that are shown)");
  return {};
}

bool SyscallMonitor::wanted(const Event& event) const {
  const SyscallFields& f = syscall_fields();
  return !settings_.hung_now ||
         (std::holds_alternative<bool>(event.values[f.hung.index]) && event.get(f.hung) &&
          std::holds_alternative<NoValue>(event.values[f.ret.index]));
}

std::vector<ConsoleColumn> SyscallMonitor::console_columns() const {
  // Each column as wide as its values (15-byte comms, ECONNREFUSED); ARGS
  // takes the rest of the line, cut at the terminal's width. The thread,
  // category and the other durations are in the file.
  const SyscallFields& f = syscall_fields();
  if (settings_.hung_now)
    return {{"PID", f.pid, 7},
            {"COMM", f.comm, 16},
            {"SYSCALL", f.name, 13},
            {"ELAPSED(ms)", f.duration_ms, 12},
            {"STATE", f.task_state, 5},
            {"WCHAN", f.wchan, 24},
            {"CONTAINER", f.cgroup.container_id, 12},
            {"ARGS", f.args, 0}};
  return {{"TIME", f.timestamp, 12},
          {"COMM", f.comm, 16},
          {"PID", f.pid, 7},
          {"SYSCALL", f.name, 13},
          {"RET", f.ret, 7},
          {"ERROR", f.error_name, 15},
          {"LAT(us)", f.duration_us, 12},
          {"SLOW", f.is_slow, 6},
          {"HUNG", f.hung, 6},
          {"ARGS", f.args, 0}};
}

const syscall_class& SyscallMonitor::class_of(int nr) const {
  return classes_[static_cast<size_t>(nr >= 0 && nr < SYSCALL_OTHER_SLOT ? nr
                                                                         : SYSCALL_OTHER_SLOT)];
}

int SyscallMonitor::category_of(int nr) const {
  return class_of(nr).category;
}

bool SyscallMonitor::traced(int nr) const {
  return nr >= 0 && nr < SYSCALL_NR_SLOTS && classes_[static_cast<size_t>(nr)].traced;
}

auto SyscallMonitor::classify(const SyscallSettings& s) -> Result<Classes> {
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

  Classes classes{};
  bool any = false;
  for (int nr = 0; nr < SYSCALL_NR_SLOTS; ++nr) {
    const int category =
        nr == SYSCALL_OTHER_SLOT ? SYSCALL_CAT_OTHER : category_of_syscall(syscall_name(nr));
    syscall_class& c = classes[static_cast<size_t>(nr)];
    c.category = static_cast<uint8_t>(category);
    c.slow_ns = threshold_ns(s.performance_thresholds, category);
    // An explicit list selects exactly those syscalls, whatever their category.
    c.traced = selected->empty() ? enabled[static_cast<size_t>(category)] : contains(*selected, nr);
    c.priority = contains(*priority, nr);
    any = any || c.traced;
  }
  if (!any) return Error::usage("syscall: nothing to trace: every category is disabled");
  return classes;
}

SyscallMonitor::SyscallMonitor(const SyscallSettings& settings)
    : settings_(settings), hung_policy_(settings.hung_syscalls) {
  // A refusal is check_settings()'s to report; nothing is traced meanwhile.
  auto classes = classify(settings_);
  if (classes)
    classes_ = *classes;
  else
    refused_ = classes.error();
}

bool SyscallMonitor::by_process() const {
  return settings_.summary.shown.on && settings_.summary.by == "process";
}

bool SyscallMonitor::counts_by_cgroup() const {
  return settings_.per_container ||
         (settings_.summary.shown.on && settings_.summary.by == "container");
}

std::map<std::string, LatencyStats> SyscallMonitor::by_container(const Totals& totals) {
  std::map<std::string, LatencyStats> rows;
  for (const CgroupStats& c : totals.by_cgroup) {
    std::string key = "other";
    if (c.cgroup_id != 0) {
      key = CgroupNames::shared().lookup(c.cgroup_id).container.container_id;
      if (key.empty()) key = "host";
    }
    rows[key].add(c.stats);
  }
  return rows;
}

std::unique_ptr<PeriodicReport> SyscallMonitor::report() const {
  if (!settings_.summary.shown.on) return nullptr;
  return std::make_unique<SyscallSummary>(*this, settings_.summary);
}

SettingsSection SyscallMonitor::settings_table() {
  using S = SyscallSettings;
  SettingsTable<S> t(kName);
  t.choice("sampling_strategy", "sampling", &S::sampling_strategy, {"intelligent", "all", "sample"},
           "which calls become events: intelligent (errors, slow and high-priority calls), all, "
           "or sample (intelligent plus 1 in sample_rate of the rest)",
           "MODE")
      .integer("sample_rate", "sample-rate", &S::sample_rate, 1, 1000000000,
               "1-in-N for sampling_strategy sample")
      .words("high_priority_syscalls", "", &S::high_priority_syscalls, "syscall", check_syscall,
             "syscall names or numbers", "always written as events (intelligent, sample)");
  for (const auto& [name, on] : S{}.monitor_categories) {
    const std::string category = name;
    t.boolean(
        "monitor_categories." + category, "",
        [category](S& s) -> bool& { return s.monitor_categories[category]; },
        "trace the " + category + " category");
  }
  Setting category_flag;
  category_flag.flag = "category";
  category_flag.value_name = "LIST";
  category_flag.help = "trace only these categories (comma list): the monitor_categories keys";
  category_flag.accepts = "category names";
  t.custom(category_flag, read_categories,
           [](const S&) { return std::string("see monitor_categories"); });
  for (const ThresholdKey& k : kThresholdKeys) {
    const bool us = k.per_ms != 1;
    t.number(
        std::string("performance_thresholds.") + k.key, "",
        [field = k.field](S& s) -> double& { return s.performance_thresholds.*field; },
        us ? kThresholdUs : kThresholdMs, us ? "(0, 3600000000]" : "(0, 3600000]",
        std::string("a call slower than this is slow: ") +
            (us ? "microseconds, every other category" : "milliseconds, " + std::string(k.name)));
  }
  Setting threshold_flag;
  threshold_flag.flag = "threshold";
  threshold_flag.value_name = "CAT=MS";
  threshold_flag.repeatable = true;
  threshold_flag.help =
      "a call slower than MS milliseconds is slow (CAT: file_io, network, memory, process, "
      "default); repeatable";
  threshold_flag.accepts = "CAT=(0, 3600000]";
  t.custom(threshold_flag, read_threshold,
           [](const S&) { return std::string("see performance_thresholds"); });
  t.integer("max_events_per_second", "max-rate", &S::max_events_per_second, 0, 100000000,
            "at most N events per second, enforced in the kernel (0 = unlimited); the rest are "
            "still counted")
      .boolean("show_errors_only", "errors-only", &S::show_errors_only, "write only failed calls")
      .boolean("show_slow_only", "slow-only", &S::show_slow_only,
               "write only slow calls (with errors-only: either)")
      .words("syscalls", "syscall", &S::syscalls, "syscall", check_syscall,
             "syscall names or numbers",
             "trace exactly these syscalls, whatever their category (empty: all)")
      .boolean("per_container", "per-container", &S::per_container,
               "count calls per container in the kernel, for /metrics (--by container does too)")
      .integer("container_series", "", &S::container_series, 1, 1000,
               "/metrics: per-container series for the K busiest containers, the rest summed "
               "as container=\"other\"");
  add_summary_flags(
      t, [](S& s) -> SummarySettings& { return s.summary.shown; }, "(like syscount -L)");
  t.choice(
       "", "by", [](S& s) -> std::string& { return s.summary.by; },
       {"syscall", "category", "process", "container"},
       "summary rows per syscall, category, process or container", "WHAT")
      .needs("summary")
      .boolean(
          "", "histogram", [](S& s) -> bool& { return s.summary.histogram; },
          "summary with a log2 latency histogram per row")
      .needs("summary")
      .choice(
          "", "sort", [](S& s) -> std::string& { return s.summary.sort; },
          {"total", "count", "errors", "slow", "p99", "max"},
          "summary rows by total time (what is slow), count, errors, slow calls, p99 or max "
          "latency, largest first",
          "KEY")
      .needs("summary");
  t.boolean("args", "", &S::args,
            "read and show each call's arguments, strings and fd targets (--no-args: leave them "
            "out)")
      .off_switch("no-args", &S::args, "leave the arguments out (config: args: false)")
      .integer("string_bytes", "string-bytes", &S::string_bytes, 1, SYSCALL_STRING_BYTES_LIMIT,
               "strings and paths in args are cut at N bytes (counted in args_truncated)")
      .number("hung_after", "hung", &S::hung_after, kHungRange, "[0, 86400]",
              "report a call still in flight after SECS seconds, while it hangs, with its "
              "thread's state, wait channel and kernel stack (0: off)",
              "SECS")
      .boolean("", "hung-now", &S::hung_now,
               "show the calls in flight past --hung now (those already hanging when it "
               "starts), then exit")
      .words("hung_syscalls", "hung-syscalls", &S::hung_syscalls, "syscall", check_hung_syscall,
             "syscall names or numbers, or all",
             "report these as hung too, though they wait by design (epoll_wait, read of a "
             "pipe...): all for every call");
  return t.with(add_buffer_kb<S>).build();
}

int SyscallMonitor::list(const Config& /*config*/, std::ostream& out) {
  for (size_t k = 0; k < kSyscallNameCount; ++k)
    out << kSyscallNames[k].nr << " " << kSyscallNames[k].name << " "
        << category_name(category_of_syscall(kSyscallNames[k].name)) << "\n";
  return 0;
}

Result<BpfMonitor::Plan> SyscallMonitor::plan(Capabilities& caps) const {
  const SyscallSettings& s = settings_;
  if (auto r = check_settings(); !r) return r.error();

  Plan plan;
  plan.ring_buffer_bytes = size_t{s.buffer_kb} << 10;
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
  if (s.args) add_args_plan(plan);
  if (s.hung_after > 0) add_hung_plan(plan, caps);
  if (by_process()) plan.defines.emplace_back("SYSCALL_BY_PROCESS", 4096);
  if (counts_by_cgroup()) plan.defines.emplace_back("SYSCALL_BY_CGROUP", 1024);
  return plan;
}

void SyscallMonitor::add_args_plan(Plan& plan) const {
  if (std::any_of(plan.defines.begin(), plan.defines.end(),
                  [](const auto& d) { return d.first == "SYSCALL_CLASSIC_TRACEPOINTS"; })) {
    plan.warnings.push_back(
        "syscall: args stay empty: arguments are read through raw tracepoints, which this "
        "kernel lacks");
    return;
  }
  plan.defines.insert(
      plan.defines.end(),
      {{"SYSCALL_READ_ARGS", 1},
       {"SYSCALL_STRING_BYTES", settings_.string_bytes},
       {"SYSCALL_DATA_POW2", static_cast<int64_t>(capture_data_pow2(settings_.string_bytes))}});
  const KernelBtf btf;
  if (auto mounts = mount_layout(btf))
    plan.defines.insert(plan.defines.end(), mounts->begin(), mounts->end());
  else
    plan.warnings.push_back(
        "syscall: fd paths stop at mount points, cut: no layout of struct mount (BTF)");
  if (auto unix_sockets = unix_socket_layout(btf))
    plan.defines.insert(plan.defines.end(), unix_sockets->begin(), unix_sockets->end());
  else
    plan.warnings.push_back(
        "syscall: unix socket fds show no path: no layout of struct unix_sock (BTF)");
}

Result<void> SyscallMonitor::configure(const BpfProgram& program) {
  auto table = program.map<uint32_t, syscall_class>(kSyscallTableMap);
  if (!table) return table.error();
  // Classic tracepoints have no registers: the plan left the arguments out.
  if (settings_.args && program.has_map(kSyscallRecordsMap)) {
    args_ = std::make_unique<SyscallArgTable>(SyscallSignatures::load(tracefs_events_dir()));
    for (int nr = 0; nr < SYSCALL_NR_SLOTS; ++nr)
      args_->set_captures(nr, classes_[static_cast<size_t>(nr)]);
  }
  for (uint32_t nr = 0; nr < SYSCALL_NR_SLOTS; ++nr)
    if (auto r = table->update(nr, classes_[nr]); !r) return r;
  // Key 0 of each summary table collects what finds it full; it must exist first.
  if (counts_by_cgroup()) {
    auto cgroups = program.percpu_map<uint64_t, syscall_stats>(kSyscallCgroupStatsMap);
    if (!cgroups) return cgroups.error();
    if (auto r = cgroups->update(0, syscall_stats{}); !r) return r;
  }
  if (!by_process()) return {};
  auto processes = program.percpu_map<uint32_t, syscall_process_stats>(kSyscallProcessStatsMap);
  if (!processes) return processes.error();
  return processes->update(0, syscall_process_stats{});
}

Result<void> SyscallMonitor::read_totals(Totals& out) const {
  out.by_nr.fill({});
  out.by_process.clear();
  out.by_cgroup.clear();
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
  if (counts_by_cgroup()) {
    auto cgroups = program()->percpu_map<uint64_t, syscall_stats>(kSyscallCgroupStatsMap);
    if (!cgroups) return cgroups.error();
    auto read = cgroups->for_each([&](uint64_t id, const std::vector<syscall_stats>& per_cpu) {
      CgroupStats row;
      row.cgroup_id = id;
      for (const syscall_stats& k : per_cpu) add_kernel_stats(row.stats, k);
      out.by_cgroup.push_back(std::move(row));
    });
    if (!read) return read;
  }
  if (!by_process()) return {};
  auto processes = program()->percpu_map<uint32_t, syscall_process_stats>(kSyscallProcessStatsMap);
  if (!processes) return processes.error();
  return processes->for_each([&](uint32_t pid, const std::vector<syscall_process_stats>& per_cpu) {
    ProcessStats row;
    row.pid = pid;
    for (const syscall_process_stats& p : per_cpu) {
      if (row.comm.empty()) row.comm.assign(p.comm, strnlen(p.comm, sizeof p.comm));
      add_kernel_stats(row.stats, p.stats);
    }
    out.by_process.push_back(std::move(row));
  });
}

namespace {

// At most `cap` containers by calls get their own series; "other" sums the
// rest (and what the kernel's table had no room for).
std::vector<MetricFamily> container_metrics(const std::map<std::string, LatencyStats>& rows,
                                            uint32_t cap) {
  const auto ranked = top_and_other(
      rows, cap, [](const LatencyStats& s) { return s.count; },
      [](LatencyStats& sum, const LatencyStats& s) { sum.add(s); });
  MetricFamily calls{"ebpfmon_syscall_container_calls_total",
                     "System calls traced, by container (host: no container; other: the rest)",
                     MetricFamily::Type::Counter,
                     {},
                     {}};
  MetricFamily errors{"ebpfmon_syscall_container_errors_total",
                      "System calls that returned an error, by container",
                      MetricFamily::Type::Counter,
                      {},
                      {}};
  for (const auto& [key, stats] : ranked) {
    calls.samples.push_back({{{"container", key}}, static_cast<double>(stats.count)});
    errors.samples.push_back({{{"container", key}}, static_cast<double>(stats.errors)});
  }
  return {std::move(calls), std::move(errors)};
}

}  // namespace

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
    // le from 1 µs to 2^27 µs (134 s), doubling: what a call can take, in
    // buckets that are seldom empty; the kernel's finer ones below 1 µs are
    // summed into the first, its longer ones left to +Inf.
    uint64_t cumulative = 0;
    for (size_t k = 0; k + 1 < kLatencyBuckets; ++k) {
      cumulative += s.hist[k];
      const double le_us = LatencyStats::bucket_high_us(k);
      if (le_us >= 1 && le_us <= kLatencyMetricTopUs)
        h.buckets.emplace_back(le_us * 1e-6, cumulative);
    }
    h.sum = static_cast<double>(s.total_ns) * 1e-9;
    h.count = s.count;
    latency.histograms.push_back(std::move(h));
  }
  Metrics out{std::move(calls), std::move(errors), std::move(slow), std::move(latency)};
  if (counts_by_cgroup()) {
    for (MetricFamily& f : container_metrics(by_container(*totals), settings_.container_series))
      out.push_back(std::move(f));
  }
  if (program() != nullptr && program()->has_map(kSyscallHungReportedMap)) {
    std::vector<std::string> categories;
    for (int nr = 0; nr < SYSCALL_NR_SLOTS; ++nr)
      categories.push_back(category_name(category_of(nr)));
    const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch());
    for (MetricFamily& f : hung_calls_.metrics(static_cast<uint64_t>(now.count()), categories))
      out.push_back(std::move(f));
  }
  return out;
}

bool SyscallMonitor::decode(const void* data, size_t size, Event& event) {
  if (size < SYSCALL_EVENT_NO_ARGS_BYTES) return false;
  syscall_event e{};
  std::memcpy(&e, data, std::min(size, sizeof e));
  const SyscallFields& f = syscall_fields();
  set_call(event,
           {clock().to_wall(e.ts_ns), e.pid, e.tid,
            std::string_view(e.comm, strnlen(e.comm, sizeof e.comm)), e.nr,
            category_name(category_of(e.nr))},
           e.duration_ns);
  event.set(f.cpu, e.cpu);
  const bool errno_value = e.ret < 0 && e.ret >= -SYSCALL_MAX_ERRNO;
  if (returns_address(e.nr) && !errno_value)
    event.set(f.ret, Address{static_cast<uint64_t>(e.ret)});
  else
    event.set(f.ret, e.ret);
  event.set(f.error_name, errno_name(e.ret));
  event.set(f.is_error, (e.flags & SYSCALL_EV_ERROR) != 0);
  event.set(f.is_slow, (e.flags & SYSCALL_EV_SLOW) != 0);
  fill_cgroup_values(event, f.cgroup, e.cgroup_id);
  event.set(f.hung, (e.flags & SYSCALL_EV_HUNG) != 0);
  if (e.flags & SYSCALL_EV_HUNG) hung_calls_.returned(e.tid);
  if (e.flags & SYSCALL_EV_HUNG)
    event.set(f.in_flight_at_start, (e.flags & SYSCALL_EV_ADOPTED) != 0);
  else
    event.set_none(f.in_flight_at_start);
  event.set_none(f.task_state);
  event.set_none(f.wchan);
  event.set_none(f.kernel_stack);
  if (!args_) {
    event.set_none(f.args);
    event.set_none(f.args_truncated);
    event.set_none(f.ret_target);
    return true;
  }
  if (size < sizeof e) return false;
  std::optional<RenderedArgs> found = args_->render(
      e, std::string_view(static_cast<const char*>(data) + sizeof e, size - sizeof e));
  if (!found) return false;
  RenderedArgs& rendered = *found;
  event.set(f.args, std::move(rendered.args));
  event.set(f.args_truncated, rendered.truncated);
  if (rendered.ret_target.empty())
    event.set_none(f.ret_target);
  else
    event.set(f.ret_target, std::move(rendered.ret_target));
  return true;
}

EBPFMON_REGISTER_MONITOR(
    SyscallMonitor, SyscallSettings, ByDefault::On,
    (MonitorListing{"print every syscall this build knows, with its number and category, and exit",
                    SyscallMonitor::list}))

}  // namespace ebpfmon
