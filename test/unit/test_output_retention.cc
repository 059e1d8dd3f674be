#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <string>

#include "core/unique_fd.h"
#include "sinks/output_retention.h"
#include "temp_dir.h"

using namespace ebpfmon;
namespace fs = std::filesystem;
using test::TempDir;

namespace {

// A file of `bytes` bytes last written `age_seconds` ago.
fs::path aged_file(const TempDir& dir, const std::string& name, size_t bytes, time_t age_seconds) {
  const fs::path path = dir.write(name, std::string(bytes, 'x'));
  const struct timespec when[2] = {{std::time(nullptr) - age_seconds, 0},
                                   {std::time(nullptr) - age_seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), when, 0) == 0);
  return path;
}

uint64_t sample(const Metrics& metrics, const std::string& name) {
  for (const MetricFamily& f : metrics)
    if (f.name == name) return static_cast<uint64_t>(f.samples.at(0).value);
  FAIL("no family " << name);
  return 0;
}

}  // namespace

TEST_CASE("OutputRetention: ours are the files FileSink names, for a registered monitor") {
  const OutputRetention r("/nonexistent", {"exec", "syscall"}, {1, 0});
  for (const char* name :
       {"exec_20261207_101500.csv", "exec_20261207_101500_12.jsonl",
        "summary_syscall_20261207_101500.jsonl", "syscall_20261207_101500_1.csv"})
    CHECK_MESSAGE(r.is_event_file(name), name);
  for (const char* name :
       {"notes.txt", "exec_backup.csv", "func_20261207_101500.csv", "exec_20261207_1015.csv",
        "exec_20261207_101500.csv.gz", "exec_20261207_101500_.csv", "exec_2026120x_101500.csv",
        "summary_20261207_101500.jsonl", "myexec_20261207_101500.csv"})
    CHECK_MESSAGE(!r.is_event_file(name), name);
}

TEST_CASE("OutputRetention removes the oldest of our files past max_total_bytes, nothing else") {
  TempDir dir;
  const fs::path oldest = aged_file(dir, "exec_20200101_000000.csv", 1000, 400);
  const fs::path second = aged_file(dir, "syscall_20200101_000001.csv", 1000, 300);
  const fs::path third = aged_file(dir, "summary_syscall_20200101_000002.jsonl", 1000, 200);
  const fs::path newest = aged_file(dir, "exec_20200101_000003_1.csv", 1000, 100);
  const fs::path notes = aged_file(dir, "notes.txt", 5000, 500);
  const fs::path other = aged_file(dir, "exec_backup.csv", 1000, 600);

  OutputRetention retention(dir.path(), {"exec", "syscall"}, {2500, 0});
  retention.enforce();
  CHECK(!fs::exists(oldest));
  CHECK(!fs::exists(second));
  CHECK(fs::exists(third));
  CHECK(fs::exists(newest));
  CHECK(fs::exists(notes));
  CHECK(fs::exists(other));
  CHECK(retention.files_removed() == 2);
  CHECK(retention.bytes_removed() == 2000);
  CHECK(sample(retention.metrics(), "ebpfmon_output_files_removed_total") == 2);
  CHECK(sample(retention.metrics(), "ebpfmon_output_bytes_removed_total") == 2000);

  retention.enforce();  // within the limit now: nothing more goes
  CHECK(retention.files_removed() == 2);
}

TEST_CASE("OutputRetention never removes a file a writer holds (shared flock), in any process") {
  TempDir dir;
  const fs::path held = aged_file(dir, "exec_20200101_000000.csv", 1000, 400);
  const fs::path second = aged_file(dir, "exec_20200101_000001.csv", 1000, 300);
  const fs::path third = aged_file(dir, "exec_20200101_000002.csv", 1000, 200);
  const UniqueFd writer(::open(held.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  REQUIRE(::flock(writer.get(), LOCK_SH) == 0);

  OutputRetention retention(dir.path(), {"exec"}, {1500, 0});
  retention.enforce();
  CHECK(fs::exists(held));
  CHECK(!fs::exists(second));
  CHECK(!fs::exists(third));  // the held file's bytes still count
  CHECK(retention.files_removed() == 2);
}

TEST_CASE("OutputRetention removes our files last written more than max_age_days ago") {
  TempDir dir;
  const fs::path old = aged_file(dir, "exec_20200101_000000.csv", 10, 3 * 86400);
  const fs::path recent = aged_file(dir, "exec_20200105_000000.csv", 10, 3600);
  const fs::path foreign = aged_file(dir, "exec.csv", 10, 3 * 86400);
  OutputRetention retention(dir.path(), {"exec"}, {0, 2});
  retention.enforce();
  CHECK(!fs::exists(old));
  CHECK(fs::exists(recent));
  CHECK(fs::exists(foreign));
  CHECK(retention.files_removed() == 1);
}

TEST_CASE("OutputRetention without limits removes nothing") {
  TempDir dir;
  const fs::path old = aged_file(dir, "exec_20200101_000000.csv", 10, 3 * 86400);
  OutputRetention retention(dir.path(), {"exec"}, {});
  retention.enforce();
  CHECK(fs::exists(old));
}
