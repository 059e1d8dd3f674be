// The life of a run, shared by every tool: check the machine, start the
// monitors, print the Tracing line, poll until Ctrl-C / SIGTERM / --duration,
// then detach, drain, flush and summarise.
#pragma once

#include <memory>
#include <vector>

#include "core/config.h"
#include "monitors/monitor.h"

namespace ebpfmon {

// Returns the process exit code: 0, or 1 for a runtime failure (cannot
// attach, write error), or 2 for a setting the monitors reject.
int run_monitors(const Config& config, std::vector<std::unique_ptr<Monitor>> monitors);

}  // namespace ebpfmon
