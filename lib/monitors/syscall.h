// syscallmon: system calls by category, with latency, errors and slow calls.
// Every traced call is counted in the kernel; the config decides which ones
// also become events.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/latency_stats.h"
#include "ebpf/syscall.h"
#include "monitors/monitor.h"

namespace ebpfmon {

class SyscallMonitor final : public BpfMonitor {
 public:
  std::string name() const override { return "syscall"; }
  std::string what() const override { return "system calls"; }
  bool enabled_in(const Config& config) const override { return config.syscall.enabled; }
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;

  struct ProcessStats {
    uint32_t pid = 0;  // 0: processes that found the per-process table full
    std::string comm;
    LatencyStats stats;
  };
  // The in-kernel counters since the start, summed over CPUs.
  struct Totals {
    std::array<LatencyStats, SYSCALL_NR_SLOTS> by_nr;  // index = syscall number
    std::vector<ProcessStats> by_process;              // with count_by_process
  };
  Result<void> read_totals(Totals& out) const;

  Result<void> check_settings(const Config& config) override { return classify(config.syscall); }

  int category_of(int nr) const;
  bool traced(int nr) const;

 protected:
  Result<Plan> plan(const Config& config, Capabilities& caps) override;
  Result<void> configure(const BpfProgram& program) override;
  bool decode(const void* data, size_t size, Event& event) override;
  Result<Metrics> metrics() const override;

 private:
  Result<void> classify(const SyscallSettings& settings);

  std::array<syscall_class, SYSCALL_NR_SLOTS> classes_{};
  bool by_process_ = false;
};

}  // namespace ebpfmon
