// syscallmon: system calls by category, with latency, errors and slow calls.
// Every traced call is counted in the kernel; the config decides which ones
// also become events.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/latency_stats.h"
#include "core/settings.h"
#include "ebpf/syscall.h"
#include "monitors/monitor.h"
#include "monitors/syscall_args.h"
#include "monitors/syscall_hung.h"

namespace ebpfmon {

// A call slower than its category's threshold is slow: four categories in
// ms, the rest share default_us (the performance_thresholds keys of the
// original Python monitor's config, docs/INTERFACE.md).
struct SyscallThresholds {
  double file_io_ms = 1.0;
  double network_ms = 5.0;
  double memory_ms = 0.5;
  double process_ms = 10.0;
  double default_us = 100.0;
};

// --summary: a table every `interval` seconds (0: at exit only).
struct SyscallSummarySettings {
  SummarySettings shown;       // --summary [SECS], --top
  std::string by = "syscall";  // syscall | category | process | container
  bool histogram = false;
  std::string sort = "total";  // count | errors | slow | total | p99 | max, descending
};

// monitors.syscall
struct SyscallSettings {
  std::string sampling_strategy = "intelligent";  // intelligent | all | sample
  uint32_t sample_rate = 100;                     // 1-in-N for "sample"
  std::vector<std::string> high_priority_syscalls{"0", "1", "2", "3", "9", "57", "59"};
  std::map<std::string, bool> monitor_categories{
      {"file_io", true}, {"network", true}, {"memory", true}, {"process", true},
      {"signal", false}, {"time", false},   {"other", true}};
  SyscallThresholds performance_thresholds;
  uint32_t max_events_per_second = 1000;  // 0 = unlimited
  bool show_errors_only = false;
  bool show_slow_only = false;
  std::vector<std::string> syscalls;  // only these (names or numbers); empty = all
  bool per_container = false;         // count per cgroup in the kernel (/metrics)
  uint32_t buffer_kb = 4096;
  uint32_t container_series = 20;     // /metrics: the top K containers, the rest "other"
  bool args = true;                   // read and show the arguments (--no-args)
  uint32_t string_bytes = 256;        // strings and paths cut at this many bytes
  double hung_after = 10;             // seconds in flight that make a call hung (--hung); 0: off
  std::vector<std::string> hung_syscalls;  // reported even if they wait by design; "all"
  bool hung_now = false;                   // --hung-now: the calls hanging now, then exit
  SyscallSummarySettings summary;
};

class SyscallMonitor final : public BpfMonitor {
 public:
  explicit SyscallMonitor(const SyscallSettings& settings);
  // Its -m name and config section (monitors.syscall), said once.
  static constexpr const char* kName = "syscall";
  static constexpr const char* kTraces = "system calls";  // ebpfmon --list
  static SettingsSection settings_table();
  // --list: every syscall this build knows, with its number and category.
  static int list(const Config& config, std::ostream& out);

  std::string name() const override { return kName; }
  std::string what() const override { return kTraces; }
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;
  bool decode(const void* data, size_t size, Event& event) override;

  struct ProcessStats {
    uint32_t pid = 0;  // 0: processes that found the per-process table full
    std::string comm;
    LatencyStats stats;
  };
  struct CgroupStats {
    uint64_t cgroup_id = 0;  // 0: cgroups that found the per-cgroup table full
    LatencyStats stats;
  };
  // The in-kernel counters since the start, summed over CPUs.
  struct Totals {
    std::array<LatencyStats, SYSCALL_NR_SLOTS> by_nr;  // index = syscall number
    std::vector<ProcessStats> by_process;              // with --by process
    std::vector<CgroupStats> by_cgroup;                // with by_container()
  };
  // Per container: the container id, "host" for cgroups of no container,
  // "other" for those the kernel's table had no room for.
  static std::map<std::string, LatencyStats> by_container(const Totals& totals);
  Result<void> read_totals(Totals& out) const;

  Result<void> check_settings() const override;
  bool finished() const override { return settings_.hung_now && scans_ >= 2; }
  std::vector<Event> in_flight() const override;
  std::unique_ptr<PeriodicReport> report() const override;

  int category_of(int nr) const;
  // Its class, or the shared slot's for a number out of the table.
  const syscall_class& class_of(int nr) const;
  bool traced(int nr) const;

 protected:
  Result<Plan> plan(Capabilities& caps) const override;
  Result<void> configure(const BpfProgram& program) override;
  Result<Metrics> metrics() const override;
  // The scan for calls that hang (--hung): reads the task iterator.
  void tick() override;
  // --hung-now writes only the calls found hanging.
  bool wanted(const Event& event) const override;

 private:
  using Classes = std::array<syscall_class, SYSCALL_NR_SLOTS>;
  static Result<Classes> classify(const SyscallSettings& settings);
  // SYSCALL_READ_ARGS and the layouts the arguments' fd targets need.
  void add_args_plan(Plan& plan) const;
  // SYSCALL_HUNG_NS, the task iterator and the scan's period.
  void add_hung_plan(Plan& plan, Capabilities& caps) const;
  // One call the kernel found in flight past --hung: an event, if a hang.
  void report_hung(const syscall_hung_candidate& call);
  bool by_process() const;
  bool counts_by_cgroup() const;

  SyscallSettings settings_;
  Classes classes_{};
  std::unique_ptr<SyscallArgTable> args_;  // from configure(), with settings_.args
  HungPolicy hung_policy_;
  HungCalls hung_calls_;
  bool hung_scan_failed_ = false;  // said once
  int scans_ = 0;
  Result<void> refused_;  // why classify() refused the settings
};

}  // namespace ebpfmon
