// The user guide's tables of settings, made from the settings tables
// themselves (a unit test keeps docs/USER_GUIDE.md equal to them).
#pragma once

#include <string>

namespace ebpfmon {

// Markdown: one row per key or flag of the settings every tool shares.
std::string shared_settings_markdown();
// Markdown: one row per key or flag of every registered monitor.
std::string monitor_settings_markdown();

}  // namespace ebpfmon
