// funcmon --count: calls per kernel function, busiest first, every interval
// (the calls since the previous report) and at exit (all).
#pragma once

#include <map>
#include <string>

#include "core/report_clock.h"
#include "monitors/func.h"

namespace ebpfmon {

class FuncCountReport final : public PeriodicReport {
 public:
  FuncCountReport(const FuncMonitor& monitor, double interval)
      : PeriodicReport(interval), monitor_(monitor) {}
  Result<Report> take_interval() override { return take(Report::Span::Interval); }
  Result<Report> take_whole_run() override { return take(Report::Span::WholeRun); }

 private:
  Result<Report> take(Report::Span span);

  const FuncMonitor& monitor_;
  std::map<std::string, uint64_t> previous_;
};

}  // namespace ebpfmon
