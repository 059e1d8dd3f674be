// syscallmon --summary: every interval (and at exit) a table of the
// in-kernel counters, per syscall, category, process or container, like
// `syscount -L` with errors, slow calls and percentiles; with --histogram,
// a log2 latency histogram per row as a second table.
#pragma once

#include <memory>

#include "core/report_clock.h"
#include "monitors/syscall.h"

namespace ebpfmon {

class SyscallSummary final : public PeriodicReport {
 public:
  SyscallSummary(const SyscallMonitor& monitor, SyscallSummarySettings settings);
  // The calls since the previous report.
  Result<Report> take_interval() override { return take(Report::Span::Interval); }
  // Every call since the start; taken once, at exit.
  Result<Report> take_whole_run() override { return take(Report::Span::WholeRun); }

 private:
  Result<Report> take(Report::Span span);

  const SyscallMonitor& monitor_;
  SyscallSummarySettings settings_;
  std::unique_ptr<SyscallMonitor::Totals> previous_;
};

}  // namespace ebpfmon
