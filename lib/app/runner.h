// The life of a run, shared by every tool: check the machine, start the
// monitors, print the Tracing line, poll until Ctrl-C / SIGTERM / --duration,
// then detach, drain, flush and summarise.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "monitors/monitor.h"

namespace ebpfmon {

struct RunOptions {
  // A monitor whose start fails with a runtime error (the kernel lacks what
  // it needs) is reported and left out; the run fails only when none is left.
  bool skip_unavailable = false;
  // When set, a control socket there answers "status" (JSON: monitors, hooks,
  // events written and lost by stage, files) and "stop" (a graceful stop).
  std::filesystem::path control_socket;
  std::function<void()> at_start;  // right after the Tracing line
  // SIGHUP reopens the log and event files (a daemon, a service: logrotate)
  // instead of stopping the run (a terminal hang-up, as bcc's tools do).
  bool hangup_reopens = false;
  // How the Tracing line says to end the run.
  std::string how_to_end = "Ctrl-C to end.";
};

// Returns the process exit code: 0, or 1 for a runtime failure (cannot
// attach, write error), or 2 for a setting the monitors reject.
int run_monitors(const Config& config, std::vector<std::unique_ptr<Monitor>> monitors,
                 const RunOptions& options = {});

}  // namespace ebpfmon
