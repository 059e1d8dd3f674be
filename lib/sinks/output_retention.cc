#include "sinks/output_retention.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <system_error>
#include <tuple>
#include <utility>

#include "core/log.h"
#include "core/text.h"
#include "core/unique_fd.h"

namespace ebpfmon {
namespace fs = std::filesystem;

namespace {

constexpr auto kEnforcePeriod = std::chrono::minutes(1);

bool digits(std::string_view s, size_t n) {
  return s.size() >= n && std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "_YYYYmmdd_HHMMSS", then "_N" or nothing, then ".csv" or ".jsonl".
bool is_stamp_and_extension(std::string_view rest) {
  if (rest.size() < 16 || rest[0] != '_' || !digits(rest.substr(1), 8) || rest[9] != '_' ||
      !digits(rest.substr(10), 6))
    return false;
  rest.remove_prefix(16);
  if (!rest.empty() && rest[0] == '_') {
    size_t n = 1;
    while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n])) != 0) ++n;
    if (n == 1) return false;
    rest.remove_prefix(n);
  }
  return rest == ".csv" || rest == ".jsonl";
}

}  // namespace

OutputRetention::OutputRetention(fs::path directory, std::vector<std::string> monitors,
                                 RetentionLimits limits)
    : directory_(std::move(directory)), monitors_(std::move(monitors)), limits_(limits) {}

bool OutputRetention::is_event_file(const std::string& name) const {
  std::string_view rest = name;
  if (starts_with(rest, "summary_")) rest.remove_prefix(8);
  return std::any_of(monitors_.begin(), monitors_.end(), [&](const std::string& monitor) {
    return starts_with(rest, monitor) && is_stamp_and_extension(rest.substr(monitor.size()));
  });
}

std::vector<OutputRetention::OurFile> OutputRetention::our_files() const {
  std::vector<OurFile> files;
  std::error_code ec;
  for (fs::directory_iterator it(directory_, ec), end; !ec && it != end; it.increment(ec)) {
    if (!is_event_file(it->path().filename().string())) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const auto modified = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
    files.push_back({it->path(), static_cast<uint64_t>(st.st_size), modified});
  }
  // Oldest first; a name breaks a tie (the same second: its suffix orders it).
  std::sort(files.begin(), files.end(), [](const OurFile& a, const OurFile& b) {
    return std::tie(a.modified, a.path) < std::tie(b.modified, b.path);
  });
  return files;
}

// A writer holds a shared lock on its file for as long as it writes it:
// one we cannot lock exclusively is still being written, and stays.
bool OutputRetention::remove(const OurFile& file, const std::string& why) {
  const UniqueFd fd(::open(file.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return false;
  if (::unlink(file.path.c_str()) != 0) {
    log_warning("output: cannot remove " + file.path.string() + ": " +
                std::generic_category().message(errno));
    return false;
  }
  ++files_removed_;
  bytes_removed_ += file.bytes;
  log_info("output: removed " + file.path.string() + " (" + size_text(file.bytes) + "): " + why);
  return true;
}

void OutputRetention::enforce() {
  last_enforced_ = std::chrono::steady_clock::now();
  if (!limits_.any()) return;
  std::vector<OurFile> files = our_files();
  uint64_t total = 0;
  for (const OurFile& f : files) total += f.bytes;
  const auto oldest_kept =
      std::chrono::system_clock::now() - std::chrono::hours(24) * limits_.max_age_days;
  for (const OurFile& f : files) {
    const bool too_old = limits_.max_age_days > 0 && f.modified < oldest_kept;
    const bool too_much = limits_.max_total_bytes > 0 && total > limits_.max_total_bytes;
    if (!too_old && !too_much) break;  // oldest first: the rest are newer and fit
    const std::string why =
        too_old
            ? "older than output.max_age_days " + std::to_string(limits_.max_age_days)
            : "output.max_total_mb " + std::to_string(limits_.max_total_bytes >> 20) + " reached";
    if (remove(f, why)) total -= f.bytes;
  }
}

void OutputRetention::enforce_if_due() {
  if (std::chrono::steady_clock::now() - last_enforced_ >= kEnforcePeriod) enforce();
}

Metrics OutputRetention::metrics() const {
  using Type = MetricFamily::Type;
  return {{"ebpfmon_output_files_removed_total",
           "Old event files removed to keep output.max_total_mb and output.max_age_days (not a "
           "loss: they were written)",
           Type::Counter,
           {{{}, static_cast<double>(files_removed_)}},
           {}},
          {"ebpfmon_output_bytes_removed_total",
           "Bytes of the old event files removed",
           Type::Counter,
           {{{}, static_cast<double>(bytes_removed_)}},
           {}}};
}

}  // namespace ebpfmon
