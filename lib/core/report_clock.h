// The clock of reports taken every interval and at exit (syscallmon
// --summary, funcmon --count), and the heading of their tables:
// "[23:57:53] last 5.0 s" for the calls since the previous report,
// "[23:57:58] whole run 10.0 s" for all of them.
#pragma once

#include <chrono>
#include <string>

#include "core/report.h"
#include "core/result.h"

namespace ebpfmon {

class ReportClock {
 public:
  ReportClock();
  // Counts from now: call when tracing starts.
  void restart();
  // A report without tables, stamped now, spanning the interval since the
  // previous one (which this starts again) or the whole run.
  Report take(Report::Span span);

 private:
  std::chrono::steady_clock::time_point start_, last_;
};

// "[23:57:53] last 5.0 s": the report's local time and span.
std::string report_heading(const Report& report);

// A report a monitor makes every interval and at exit (syscallmon
// --summary, funcmon --count); the runner drives it and hands it to sinks.
class PeriodicReport {
 public:
  explicit PeriodicReport(double interval_seconds) : interval_(interval_seconds) {}
  virtual ~PeriodicReport() = default;
  double interval() const { return interval_; }  // seconds; 0 = only at exit
  void start() { clock_.restart(); }             // when tracing starts
  virtual Result<Report> take_interval() = 0;    // the calls since the last report
  virtual Result<Report> take_whole_run() = 0;   // every call, at exit

 protected:
  ReportClock clock_;

 private:
  double interval_;
};

}  // namespace ebpfmon
