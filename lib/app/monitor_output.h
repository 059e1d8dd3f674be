// A running monitor and where its events go; what the runner, the status
// socket, /metrics and the exit summary all read.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/report_clock.h"
#include "monitors/monitor.h"
#include "sinks/sink.h"

namespace ebpfmon {

struct MonitorOutput {
  std::unique_ptr<Monitor> monitor;
  std::vector<std::unique_ptr<Sink>> sinks;
  std::unique_ptr<PeriodicReport> report;  // the monitor's own summary, if it has one
  std::optional<Report> latest_report;     // the last one taken, for the status

  void write(const Event& event) {
    for (auto& sink : sinks) sink->write(event);
  }
  // The sinks that keep events (files) say what was written and lost.
  uint64_t written() const;
  uint64_t write_errors() const;
  std::string destination() const;  // "" when the monitor writes no file
};

// Losses by stage, in the order every report shows them, and apart from
// them what a rate limit chose not to write (not a loss). The kernel's
// counters are read once, so one report's stages and total agree.
struct LossStage {
  const char* key;    // JSON and metrics label: "kernel_buffer"
  const char* label;  // for people: "kernel buffer"
  uint64_t count;
};
struct Losses {
  std::vector<LossStage> stages;
  uint64_t rate_limited = 0;
  uint64_t total() const;
};
Losses read_losses(const MonitorOutput& out);

}  // namespace ebpfmon
