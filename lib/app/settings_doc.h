// The user guide's table of monitor settings, made from the settings tables
// themselves (a unit test keeps docs/USER_GUIDE.md equal to it).
#pragma once

#include <string>

namespace ebpfmon {

// Markdown: one row per key or flag of every registered monitor.
std::string monitor_settings_markdown();

}  // namespace ebpfmon
