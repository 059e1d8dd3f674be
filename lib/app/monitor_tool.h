// The whole of execmon, syscallmon and funcmon: parse the command line,
// answer --list, or run the tool's monitors.
#pragma once

#include "app/options.h"

namespace ebpfmon {

int run_monitor_tool(int argc, char** argv, const ToolInfo& tool);

}  // namespace ebpfmon
