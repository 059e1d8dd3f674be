#include "core/report_clock.h"

#include <ctime>
#include <sstream>

namespace ebpfmon {

ReportClock::ReportClock() : start_(std::chrono::steady_clock::now()), last_(start_) {}

void ReportClock::restart() {
  start_ = last_ = std::chrono::steady_clock::now();
}

std::string ReportClock::heading(bool whole_run) {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - (whole_run ? start_ : last_)).count();
  if (!whole_run) last_ = now;
  const std::time_t wall = std::time(nullptr);
  std::tm local{};
  localtime_r(&wall, &local);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", &local);
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << "[" << clock << "] " << (whole_run ? "whole run " : "last ") << seconds << " s";
  return out.str();
}

}  // namespace ebpfmon
