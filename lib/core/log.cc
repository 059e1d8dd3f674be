#include "core/log.h"

#include <cstdio>
#include <mutex>

namespace ebpfmon {
namespace {

std::string& name_storage() {
  static std::string name = "ebpfmon";
  return name;
}
LogLevel stderr_level = LogLevel::Warning;
std::mutex log_mutex;

const char* level_word(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
  }
  return "";
}

}  // namespace

void set_program_name(std::string name) { name_storage() = std::move(name); }
const std::string& program_name() { return name_storage(); }
void set_stderr_log_level(LogLevel level) { stderr_level = level; }
bool log_enabled(LogLevel level) { return level >= stderr_level; }

void log(LogLevel level, std::string_view message) {
  if (!log_enabled(level)) return;
  std::lock_guard<std::mutex> lock(log_mutex);
  std::fprintf(stderr, "%s: %s: %.*s\n", name_storage().c_str(), level_word(level),
               static_cast<int>(message.size()), message.data());
}

}  // namespace ebpfmon
