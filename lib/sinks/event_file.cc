#include "sinks/event_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace ebpfmon {
namespace fs = std::filesystem;

namespace {

constexpr mode_t kDirectoryMode = 0750;
constexpr mode_t kFileMode = 0640;
// A name taken this many times over is not a race but a misconfiguration.
constexpr unsigned kMaxNameSuffix = 9999;
constexpr const char* kDirectoryHint = "choose another with -o/--output-dir DIR";
constexpr const char* kWriteHint =
    "check the free space of the output file system or choose another --output-dir";

std::string errno_text(int error) { return std::generic_category().message(error); }

bool is_existing_directory(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Like mkdir -p with mode 0750 for each directory created: fs::create_directories
// would use 0777 and leave the mode to the umask.
Result<void> create_output_directories(const fs::path& directory) {
  fs::path prefix;
  for (const fs::path& part : directory) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), kDirectoryMode) == 0) continue;
    int error = errno;
    if (error == EEXIST) {
      if (is_existing_directory(prefix)) continue;
      error = ENOTDIR;  // "File exists" would not say what is wrong with it
    }
    // Named absolutely: a relative one depends on a cwd the user may not see.
    std::error_code ec;
    const fs::path shown = prefix.is_absolute() ? prefix : fs::absolute(prefix, ec);
    return Error::runtime("cannot create directory " +
                              (ec ? prefix.string() + " (the working directory is gone)"
                                  : shown.string()) +
                              ": " + errno_text(error),
                          kDirectoryHint);
  }
  return {};
}

// "20250912_143045", local time, for file names.
std::string name_timestamp_now() {
  const time_t now = ::time(nullptr);
  tm local{};
  char text[32] = "00000000_000000";
  if (localtime_r(&now, &local) != nullptr) strftime(text, sizeof text, "%Y%m%d_%H%M%S", &local);
  return text;
}

}  // namespace

FileSink::FileSink(const FileSinkOptions& options, const Schema& schema)
    : options_(options), schema_(schema) {}

FileSink::~FileSink() {
  (void)flush();  // a destructor cannot report; callers who care call flush() first
  close_file();
}

Result<std::unique_ptr<FileSink>> FileSink::open(const FileSinkOptions& options,
                                                 const Schema& schema) {
  // The constructor is private, so std::make_unique cannot reach it.
  std::unique_ptr<FileSink> sink(new FileSink(options, schema));
  if (options.to_stdout) {
    // Our own descriptor of stdout, so closing it leaves std::cout alone.
    const int fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) return Error::runtime("cannot write events to stdout: " + errno_text(errno));
    if (auto started = sink->start_file(fd, "stdout"); !started) return started.error();
    return sink;
  }
  if (auto created = create_output_directories(options.directory); !created) return created.error();
  if (auto opened = sink->open_new_file(); !opened) return opened.error();
  if (options.retention) options.retention->enforce();
  return sink;
}

// O_EXCL|O_NOFOLLOW: an existing name, or a symlink planted at it, makes the
// open fail, and the next suffix is tried; nothing is followed or clobbered.
Result<void> FileSink::open_new_file() {
  const std::string stem = options_.monitor + "_" + name_timestamp_now();
  const std::string extension = "." + std::string(file_extension(options_.format));
  for (unsigned suffix = 0; suffix <= kMaxNameSuffix; ++suffix) {
    const std::string name =
        suffix == 0 ? stem + extension : stem + "_" + std::to_string(suffix) + extension;
    const fs::path candidate = options_.directory / name;
    const int fd =
        ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode);
    if (fd < 0) {
      const int error = errno;
      if (error == EEXIST || error == ELOOP) continue;
      return Error::runtime("cannot create " + candidate.string() + ": " + errno_text(error),
                            kDirectoryHint);
    }
    return start_file(fd, candidate);
  }
  return Error::runtime("cannot create " + (options_.directory / (stem + extension)).string() +
                            ": that name and its suffixes up to _" +
                            std::to_string(kMaxNameSuffix) + " exist",
                        kDirectoryHint);
}

// The current file is `fd`, locked shared while written (see OutputRetention).
void FileSink::use_fd(int fd) {
  close_file();
  fd_ = fd;
  if (!options_.to_stdout) (void)::flock(fd_, LOCK_SH | LOCK_NB);
}

// Makes the just-created, empty `fd` the current file and writes its header.
Result<void> FileSink::start_file(int fd, const fs::path& path) {
  use_fd(fd);
  path_ = path;
  file_bytes_ = 0;
  records_in_file_ = 0;
  // The umask must neither open the file to others nor lock the group out
  // (stdout is the caller's: a terminal's mode is not ours to change).
  if (!options_.to_stdout && ::fchmod(fd_, kFileMode) != 0) {
    return Error::runtime("cannot set the mode of " + path_.string() + ": " + errno_text(errno),
                          kDirectoryHint);
  }
  if (options_.include_header && options_.format == FileFormat::Csv)
    return write_all(csv_header(schema_, options_.delimiter));
  return {};
}

Result<void> FileSink::reopen() {
  if (auto flushed = flush(); !flushed || options_.to_stdout) return flushed;
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    use_fd(fd);
    const off_t end = ::lseek(fd_, 0, SEEK_END);
    file_bytes_ = end > 0 ? static_cast<uint64_t>(end) : 0;
    return {};
  }
  if (errno != ENOENT) {
    const Error error = Error::runtime("cannot reopen " + path_.string() + ": " + errno_text(errno),
                                       kDirectoryHint);
    fail(error);
    return error;
  }
  const int created =
      ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode);
  if (created < 0) {
    const Error error = Error::runtime("cannot create " + path_.string() + ": " + errno_text(errno),
                                       kDirectoryHint);
    fail(error);
    return error;
  }
  if (auto started = start_file(created, path_); !started) {
    fail(started.error());
    return started;
  }
  return {};
}

void FileSink::write_record(const Schema& schema, const Event& event) {
  if (failed_) {
    ++dropped_;
    return;
  }
  const size_t line_start = buffer_.size();
  if (options_.format == FileFormat::Csv)
    append_csv_record(buffer_, schema, event, options_.delimiter);
  else
    append_jsonl_record(buffer_, schema, event);

  if (line_exceeds_size_limit()) {
    const std::string line = buffer_.substr(line_start);
    buffer_.resize(line_start);
    if (!roll_over()) {
      ++dropped_;
      return;
    }
    buffer_.append(line);
  }
  ++buffered_events_;
  // The error is kept for flush().
  if (buffered_events_ >= options_.buffer_events || buffer_.size() >= kFlushBytes) (void)flush();
}

// The buffer already holds the new line. A file without records takes the
// line whatever its size, or a single long line would roll over forever.
bool FileSink::line_exceeds_size_limit() const {
  return options_.max_file_bytes > 0 && file_bytes_ + buffer_.size() > options_.max_file_bytes &&
         records_in_file_ + buffered_events_ > 0;
}

Result<void> FileSink::roll_over() {
  if (auto flushed = flush(); !flushed) return flushed;
  if (auto opened = open_new_file(); !opened) {
    fail(opened.error());
    return opened;
  }
  if (options_.retention) options_.retention->enforce();
  return {};
}

Result<void> FileSink::flush() {
  if (failed_) return error_;
  if (options_.retention) options_.retention->enforce_if_due();
  if (buffer_.empty()) return {};
  if (auto written = write_all(buffer_); !written) {
    fail(written.error());
    return written;
  }
  written_ += buffered_events_;
  records_in_file_ += buffered_events_;
  buffered_events_ = 0;
  buffer_.clear();
  return {};
}

Metrics FileSink::metrics() const {
  return options_.retention ? options_.retention->metrics() : Metrics{};
}

// On success file_bytes_ grows by the bytes written. On failure the file is
// cut back to file_bytes_, so it ends with a complete line.
Result<void> FileSink::write_all(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    const int error = n < 0 ? errno : EIO;  // 0 bytes for a non-empty write: no progress possible
    if (error == EINTR) continue;
    if (::ftruncate(fd_, static_cast<off_t>(file_bytes_)) == 0)
      (void)::lseek(fd_, static_cast<off_t>(file_bytes_), SEEK_SET);
    return Error::runtime("cannot write " + path_.string() + ": " + errno_text(error),
                          options_.to_stdout ? "whatever read stdout stopped reading" : kWriteHint);
  }
  file_bytes_ += bytes.size();
  return {};
}

void FileSink::fail(const Error& error) {
  if (!failed_) error_ = error;
  failed_ = true;
  dropped_ += buffered_events_;
  buffered_events_ = 0;
  buffer_.clear();
}

void FileSink::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace ebpfmon
