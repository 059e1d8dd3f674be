// What a run tells about itself while it runs and when it ends: the
// daemon's status, the /metrics page and the exit summary.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "app/monitor_output.h"
#include "core/config.h"

namespace ebpfmon {

struct RunInfo {
  std::chrono::steady_clock::time_point started;
  std::chrono::system_clock::time_point started_wall;
  std::string config_source;
};

// --daemon-status: monitors, hooks, events written and lost by stage, files,
// and the rows of each monitor's latest report.
std::string status_json(const std::vector<MonitorOutput>& outputs, const RunInfo& run);
// Prometheus text: events and losses per monitor and stage, then each
// monitor's own metrics.
std::string metrics_page(const std::vector<MonitorOutput>& outputs, const RunInfo& run);
// To stderr and the log: the breakdown by stage, then the one line per
// monitor that scripts read last.
void print_summary(const std::vector<MonitorOutput>& outputs);
// The status line on a terminal when several monitors write files only.
std::string status_line(const std::vector<MonitorOutput>& outputs);

}  // namespace ebpfmon
