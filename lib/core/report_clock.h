// The heading of tables printed every interval and at exit (syscallmon
// --summary, funcmon --count): "[23:57:53] last 5.0 s" for the calls since
// the previous table, "[23:57:58] whole run 10.0 s" for all of them.
#pragma once

#include <chrono>
#include <string>

#include "core/result.h"

namespace ebpfmon {

class ReportClock {
 public:
  ReportClock();
  // Counts from now: call when tracing starts.
  void restart();
  // An interval heading also starts the next interval.
  std::string heading(bool whole_run);

 private:
  std::chrono::steady_clock::time_point start_, last_;
};

// A table a monitor prints every interval and at exit (syscallmon
// --summary, funcmon --count); the runner drives it.
class PeriodicReport {
 public:
  explicit PeriodicReport(double interval_seconds) : interval_(interval_seconds) {}
  virtual ~PeriodicReport() = default;
  double interval() const { return interval_; }  // seconds; 0 = only at exit
  void start() { clock_.restart(); }          // when tracing starts
  virtual Result<void> print_interval() = 0;  // the calls since the last table
  virtual Result<void> print_totals() = 0;    // every call, at exit

 protected:
  ReportClock clock_;

 private:
  double interval_;
};

}  // namespace ebpfmon
