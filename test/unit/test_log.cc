// The log file: timestamped lines, level, daily rotation with backupCount,
// reopen after a move; under systemd each line in one place only.
#include <doctest/doctest.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <utime.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/log.h"

using namespace ebpfmon;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string date_of(std::time_t t) {
  std::tm local{};
  localtime_r(&t, &local);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &local);
  return text;
}

// What the calls in `body` wrote to stderr.
template <typename Body>
std::string stderr_of(const fs::path& capture, Body body) {
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  FILE* file = std::fopen(capture.c_str(), "w");
  REQUIRE(file != nullptr);
  dup2(fileno(file), STDERR_FILENO);
  body();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::fclose(file);
  return read(capture);
}

}  // namespace

TEST_CASE("log file: lines with a timestamp, at the configured level and above") {
  char name[] = "/tmp/ebpfmon-log-XXXXXX";
  const fs::path dir = mkdtemp(name);
  const fs::path path = dir / "logs" / "monitor.log";
  REQUIRE(open_log_file(path, LogLevel::Info, 3));
  set_stderr_log_level(LogLevel::Error);  // keep the test's stderr quiet
  log_debug("not this");
  log_info("hello");
  log_report("a report line");
  const std::string text = read(path);
  CHECK(std::regex_search(text, std::regex(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[)" + std::to_string(getpid()) + R"(\] INFO hello\n)")));
  CHECK(text.find("INFO a report line") != std::string::npos);
  CHECK(text.find("not this") == std::string::npos);
  CHECK((fs::status(path).permissions() & fs::perms::others_all) == fs::perms::none);

  // logrotate moved it: after reopen, a new file at the same path.
  fs::rename(path, dir / "moved.log");
  reopen_log_file();
  log_info("after the move");
  CHECK(read(path).find("after the move") != std::string::npos);
  CHECK(read(dir / "moved.log").find("after the move") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("log file: the first line of a new day rotates, keeping backupCount files") {
  char name[] = "/tmp/ebpfmon-log-XXXXXX";
  const fs::path dir = mkdtemp(name);
  const fs::path path = dir / "monitor.log";
  const std::time_t now = std::time(nullptr);
  const std::time_t yesterday = now - 86400;
  for (const char* old : {"2020-01-01", "2020-01-02", "2020-01-03"})
    std::ofstream(dir / ("monitor.log." + std::string(old))) << "old\n";
  std::ofstream(path) << "yesterday's line\n";
  utimbuf times{yesterday, yesterday};
  REQUIRE(utime(path.c_str(), &times) == 0);

  REQUIRE(open_log_file(path, LogLevel::Info, 2));
  log_info("today's line");
  const fs::path rotated = dir / ("monitor.log." + date_of(yesterday));
  CHECK(read(rotated) == "yesterday's line\n");
  CHECK(read(path).find("today's line") != std::string::npos);
  CHECK(read(path).find("yesterday") == std::string::npos);
  // Two backups kept: the newest (yesterday's) and 2020-01-03.
  CHECK(fs::exists(dir / "monitor.log.2020-01-03"));
  CHECK_FALSE(fs::exists(dir / "monitor.log.2020-01-02"));
  CHECK_FALSE(fs::exists(dir / "monitor.log.2020-01-01"));
  fs::remove_all(dir);
}

TEST_CASE("log file only (under systemd): no line reaches stderr as well once the file is open") {
  char name[] = "/tmp/ebpfmon-log-XXXXXX";
  const fs::path dir = mkdtemp(name);
  const fs::path path = dir / "monitor.log";
  set_stderr_log_level(LogLevel::Warning);
  REQUIRE(open_log_file(path, LogLevel::Info, 1));

  const std::string both = stderr_of(dir / "stderr", [] {
    log_warning("warned twice");
    log_report("reported twice");
  });
  CHECK(both.find("warned twice") != std::string::npos);
  CHECK(both.find("reported twice\n") != std::string::npos);

  set_log_file_only(true);
  const std::string journal = stderr_of(dir / "stderr", [] {
    log_warning("warned once");
    log_report("reported once");
  });
  set_log_file_only(false);
  CHECK(journal.empty());
  const std::string text = read(path);
  CHECK(text.find("WARNING warned once") != std::string::npos);
  CHECK(text.find("INFO reported once") != std::string::npos);
  fs::remove_all(dir);
}
