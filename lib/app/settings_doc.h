// The docs' tables that are made from the code: settings (shared and each
// monitor's) from the settings tables, event columns from the field tables (unit tests keep
// docs/USER_GUIDE.md and docs/INTERFACE.md equal to them).
#pragma once

#include <string>

namespace ebpfmon {

// Markdown: one row per key or flag of the settings every tool shares.
std::string shared_settings_markdown();
// Markdown: one row per key or flag of every registered monitor.
std::string monitor_settings_markdown();

// Markdown: one row per column of the monitor's events, with its doc line.
std::string monitor_columns_markdown(const std::string& monitor);

// Markdown: one row per registered monitor, its column names in order.
std::string column_lists_markdown();

}  // namespace ebpfmon
