// Diagnostics: on stderr (warnings and errors; debug with --verbose) and,
// for the front end, in a log file with timestamps, rotated daily.
// stdout is reserved for event data (the live table).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ebpfmon {

enum class LogLevel { Debug, Info, Warning, Error };

void set_program_name(std::string name);
const std::string& program_name();
void set_stderr_log_level(LogLevel level);
bool log_enabled(LogLevel level);
void log(LogLevel level, std::string_view message);
// A line the tools print as it is, without "<program>: <level>:" (the
// Tracing line, the metrics address, the exit summary): on stderr, and in
// the log file at INFO.
void log_report(std::string_view line);
// Under systemd stderr is the journal: once the log file is open, every
// line goes to the file alone, so that none is logged twice.
void set_log_file_only(bool only);

inline void log_debug(std::string_view m) { log(LogLevel::Debug, m); }
inline void log_info(std::string_view m) { log(LogLevel::Info, m); }
inline void log_warning(std::string_view m) { log(LogLevel::Warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::Error, m); }

// "DEBUG", "INFO", "WARNING", "ERROR" (CRITICAL counts as ERROR).
LogLevel log_level_from_name(const std::string& name);

// Lines "2026-11-27 01:05:00.123 WARNING message" at `level` and above go to
// `path` too (created 0640, appended to, never through a symlink). At the
// first line of a new day the file is renamed to <path>.<YYYY-mm-dd> of the
// day it holds, and only the newest `backup_count` of those are kept.
Result<void> open_log_file(const std::filesystem::path& path, LogLevel level,
                           uint32_t backup_count);
// SIGHUP: close and open the file again (logrotate moved it).
void reopen_log_file();

}  // namespace ebpfmon
