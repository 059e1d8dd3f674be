// How much of our event files the output directory keeps: at most
// output.max_total_mb of them and none older than output.max_age_days, the
// oldest removed first. Not a loss: the events were written and kept until
// the limit the user chose; the removals are logged and counted apart.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/metrics.h"

namespace ebpfmon {

struct RetentionLimits {
  uint64_t max_total_bytes = 0;  // 0: no limit
  uint32_t max_age_days = 0;     // 0: no limit
  bool any() const { return max_total_bytes > 0 || max_age_days > 0; }
};

// One per run, shared by every event file in `directory`. Ours are the
// files named as FileSink names them, for one of `monitors`; one still being
// written (by this run or another: FileSink holds a shared flock on it) is
// never removed.
class OutputRetention {
 public:
  OutputRetention(std::filesystem::path directory, std::vector<std::string> monitors,
                  RetentionLimits limits);

  // Removes what is past the limits now.
  void enforce();
  // As enforce(), at most once a minute: on every flush, so that the age
  // limit holds in a run that never rolls over.
  void enforce_if_due();

  uint64_t files_removed() const { return files_removed_; }
  uint64_t bytes_removed() const { return bytes_removed_; }
  Metrics metrics() const;

  // "exec_20261207_101500_2.csv" for monitors {"exec"}: whether it is ours.
  bool is_event_file(const std::string& name) const;

 private:
  struct OurFile {
    std::filesystem::path path;
    uint64_t bytes;
    std::chrono::system_clock::time_point modified;
  };
  std::vector<OurFile> our_files() const;
  bool remove(const OurFile& file, const std::string& why);

  std::filesystem::path directory_;
  std::vector<std::string> monitors_;
  RetentionLimits limits_;
  std::chrono::steady_clock::time_point last_enforced_{};
  uint64_t files_removed_ = 0;
  uint64_t bytes_removed_ = 0;
};

}  // namespace ebpfmon
