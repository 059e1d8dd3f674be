#include "core/log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <vector>

namespace ebpfmon {
namespace {

std::string& name_storage() {
  static std::string name = "ebpfmon";
  return name;
}
LogLevel stderr_level = LogLevel::Warning;
bool file_only = false;
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

std::string local_date(std::time_t t) {
  std::tm local{};
  localtime_r(&t, &local);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &local);
  return text;
}

// The log file; guarded by log_mutex.
struct LogFile {
  std::filesystem::path path;
  LogLevel level = LogLevel::Info;
  uint32_t backup_count = 0;
  int fd = -1;
  std::string day;  // the date of the lines in the file now

  bool open() {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0) return false;
    struct stat st {};
    day = local_date(fstat(fd, &st) == 0 && st.st_size > 0 ? st.st_mtime : std::time(nullptr));
    return true;
  }

  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  // At the first line of a new day: path -> path.<day>, then keep the newest
  // backup_count of those.
  void rotate_if_new_day(const std::string& today) {
    if (today == day) return;
    close();
    const std::string rotated = path.string() + "." + day;
    if (::access(rotated.c_str(), F_OK) != 0) ::rename(path.c_str(), rotated.c_str());
    std::vector<std::filesystem::path> backups;
    std::error_code ec;
    const std::string prefix = path.filename().string() + ".";
    for (const auto& entry : std::filesystem::directory_iterator(path.parent_path().empty() ? "." : path.parent_path(), ec))
      if (entry.path().filename().string().rfind(prefix, 0) == 0) backups.push_back(entry.path());
    std::sort(backups.begin(), backups.end());  // by date: the names end in YYYY-mm-dd
    while (backups.size() > backup_count) {
      std::filesystem::remove(backups.front(), ec);
      backups.erase(backups.begin());
    }
    open();
    day = today;
  }

  void write(LogLevel lvl, std::string_view message) {
    if (fd < 0 || lvl < level) return;
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    rotate_if_new_day(local_date(t));
    if (fd < 0) return;
    std::tm local{};
    localtime_r(&t, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    char upper[16];
    const char* word = level_word(lvl);
    size_t i = 0;
    for (; word[i] != '\0' && i + 1 < sizeof upper; ++i) upper[i] = static_cast<char>(word[i] - 32);
    upper[i] = '\0';
    std::string line = std::string(stamp) + "." + (ms.count() < 100 ? (ms.count() < 10 ? "00" : "0") : "") +
                       std::to_string(ms.count()) + " [" + std::to_string(getpid()) + "] " + upper +
                       " " + std::string(message) + "\n";
    (void)!::write(fd, line.data(), line.size());  // nowhere to report a failing log
  }
};

LogFile& log_file() {
  static LogFile file;
  return file;
}

// Guarded by log_mutex.
bool stderr_taken_by_file() { return file_only && log_file().fd >= 0; }

}  // namespace

void set_program_name(std::string name) { name_storage() = std::move(name); }
const std::string& program_name() { return name_storage(); }
void set_stderr_log_level(LogLevel level) { stderr_level = level; }
bool log_enabled(LogLevel level) {
  return level >= stderr_level || (log_file().fd >= 0 && level >= log_file().level);
}

void set_log_file_only(bool only) { file_only = only; }

void log(LogLevel level, std::string_view message) {
  std::lock_guard<std::mutex> lock(log_mutex);
  if (level >= stderr_level && !stderr_taken_by_file())
    std::fprintf(stderr, "%s: %s: %.*s\n", name_storage().c_str(), level_word(level),
                 static_cast<int>(message.size()), message.data());
  log_file().write(level, message);
}

void log_report(std::string_view line) {
  std::lock_guard<std::mutex> lock(log_mutex);
  if (!stderr_taken_by_file()) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    std::fflush(stderr);
  }
  log_file().write(LogLevel::Info, line);
}

LogLevel log_level_from_name(const std::string& name) {
  if (name == "DEBUG") return LogLevel::Debug;
  if (name == "INFO") return LogLevel::Info;
  if (name == "WARNING") return LogLevel::Warning;
  return LogLevel::Error;
}

Result<void> open_log_file(const std::filesystem::path& path, LogLevel level,
                           uint32_t backup_count) {
  std::lock_guard<std::mutex> lock(log_mutex);
  LogFile& file = log_file();
  file.close();
  std::error_code ec;
  if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path(), ec);
  file.path = path;
  file.level = level;
  file.backup_count = backup_count;
  if (!file.open())
    return Error::runtime("cannot open the log file " + path.string() + ": " + std::strerror(errno),
                          "set logging.file to a writable path");
  return {};
}

void reopen_log_file() {
  std::lock_guard<std::mutex> lock(log_mutex);
  LogFile& file = log_file();
  if (file.fd < 0) return;
  file.close();
  file.open();
}

}  // namespace ebpfmon
