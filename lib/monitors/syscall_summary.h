// syscallmon --summary: every interval (and at exit) a table of the
// in-kernel counters, per syscall, category, process or container, like
// `syscount -L` with errors, slow calls and percentiles.
#pragma once

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>

#include "core/report_clock.h"
#include "monitors/syscall.h"

namespace ebpfmon {

class SyscallSummary final : public PeriodicReport {
 public:
  SyscallSummary(const SyscallMonitor& monitor, SyscallSummarySettings settings, std::ostream& out);
  // The calls since the previous table.
  Result<void> print_interval() override;
  // Every call since the start; printed once, at exit.
  Result<void> print_totals() override;

 private:
  Result<void> print(bool whole_run);

  const SyscallMonitor& monitor_;
  SyscallSummarySettings settings_;
  std::ostream& out_;
  std::unique_ptr<SyscallMonitor::Totals> previous_;
};

}  // namespace ebpfmon
