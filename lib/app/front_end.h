// ebpfmon's run: the log file, then the monitors in the foreground, as a
// daemon (--daemon) or under systemd (NOTIFY_SOCKET), where a monitor this
// kernel cannot run is left out.
#pragma once

#include <memory>
#include <vector>

#include "core/config.h"
#include "monitors/monitor.h"

namespace ebpfmon {

int run_front_end(Config config, std::vector<std::unique_ptr<Monitor>> monitors, bool daemon);

}  // namespace ebpfmon
