#include "app/monitor_tool.h"

#include <iostream>

#include "app/runner.h"
#include "core/log.h"
#include "monitors/registry.h"

namespace ebpfmon {

int run_monitor_tool(int argc, char** argv, const ToolInfo& tool) {
  CommandLine cmd = parse_command_line(argc, argv, tool);
  if (cmd.exit_code) return *cmd.exit_code;
  if (cmd.list) return find_monitor(tool.monitors.front())->listing.run(cmd.config, std::cout);
  auto monitors = create_monitors(cmd.monitors, cmd.config);
  if (!monitors) {
    log_error(monitors.error().to_string());
    return monitors.error().exit_code();
  }
  return run_monitors(cmd.config, std::move(*monitors));
}

}  // namespace ebpfmon
