// A monitor's report as text tables on the console: latency tables, call
// counts and bpftrace-style log2 histograms, each within 80 columns. Knows
// nothing of where the numbers came from.
#pragma once

#include <ostream>

#include "core/report.h"
#include "sinks/sink.h"

namespace ebpfmon {

// Each table in turn, then an empty line. A Latency table's keys are cut at
// 13 characters; its times are shown in ms (total) and us (percentiles, max).
void write_report_text(std::ostream& out, const Report& report);

// A monitor's reports on the console; it shows no events (they have their
// own live table, which a monitor with a report does not get).
class ReportConsoleSink final : public Sink {
 public:
  explicit ReportConsoleSink(std::ostream& out) : out_(out) {}
  void write(const Event& /*event*/) override {}
  Result<void> flush() override { return {}; }
  Result<void> write_report(const Report& report) override;

 private:
  std::ostream& out_;
};

}  // namespace ebpfmon
