#include "core/report_clock.h"

#include <ctime>
#include <sstream>

namespace ebpfmon {

ReportClock::ReportClock() : start_(std::chrono::steady_clock::now()), last_(start_) {}

void ReportClock::restart() {
  start_ = last_ = std::chrono::steady_clock::now();
}

Report ReportClock::take(Report::Span span) {
  const auto now = std::chrono::steady_clock::now();
  const bool whole_run = span == Report::Span::WholeRun;
  Report report;
  report.span = span;
  report.seconds = std::chrono::duration<double>(now - (whole_run ? start_ : last_)).count();
  report.time.ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (!whole_run) last_ = now;
  return report;
}

std::string report_heading(const Report& report) {
  const std::time_t wall = static_cast<std::time_t>(report.time.ns / 1000000000);
  std::tm local{};
  localtime_r(&wall, &local);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", &local);
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << "[" << clock << "] " << (report.span == Report::Span::WholeRun ? "whole run " : "last ")
      << report.seconds << " s";
  return out.str();
}

}  // namespace ebpfmon
