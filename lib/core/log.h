// Diagnostics on stderr: warnings and errors always, debug with --verbose.
// stdout is reserved for event data (the live table).
#pragma once

#include <string>
#include <string_view>

namespace ebpfmon {

enum class LogLevel { Debug, Info, Warning, Error };

void set_program_name(std::string name);
const std::string& program_name();
void set_stderr_log_level(LogLevel level);
bool log_enabled(LogLevel level);
void log(LogLevel level, std::string_view message);

inline void log_debug(std::string_view m) { log(LogLevel::Debug, m); }
inline void log_info(std::string_view m) { log(LogLevel::Info, m); }
inline void log_warning(std::string_view m) { log(LogLevel::Warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::Error, m); }

}  // namespace ebpfmon
