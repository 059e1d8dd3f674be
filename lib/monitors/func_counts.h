// funcmon --count: a table of calls per kernel function, busiest first,
// every interval (the calls since the previous table) and at exit (all).
#pragma once

#include <map>
#include <ostream>
#include <string>

#include "core/report_clock.h"
#include "monitors/func.h"

namespace ebpfmon {

class FuncCountReport final : public PeriodicReport {
 public:
  FuncCountReport(const FuncMonitor& monitor, double interval, std::ostream& out)
      : PeriodicReport(interval), monitor_(monitor), out_(out) {}
  Result<void> print_interval() override { return print(false); }
  Result<void> print_totals() override { return print(true); }

 private:
  Result<void> print(bool whole_run);

  const FuncMonitor& monitor_;
  std::ostream& out_;
  std::map<std::string, uint64_t> previous_;
};

}  // namespace ebpfmon
