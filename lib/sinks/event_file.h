// An event file: created safely, written whole lines at a time, never left
// with a partial last line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/result.h"
#include "sinks/formats.h"
#include "sinks/output_retention.h"
#include "sinks/sink.h"

namespace ebpfmon {

struct FileSinkOptions {
  std::filesystem::path directory = "output";
  std::string monitor;              // file name prefix: exec, func, syscall
  FileFormat format = FileFormat::Csv;
  char delimiter = ',';
  bool include_header = true;
  size_t buffer_events = 2000;      // flush when this many events are buffered (or kFlushBytes)
  uint64_t max_file_bytes = 0;      // 0 = no rollover
  bool to_stdout = false;           // -o -: stdout instead of a file in `directory`
  // What `directory` keeps of our files (shared by the run's files), or none.
  std::shared_ptr<OutputRetention> retention;
};

// Writes events to <directory>/<monitor>_<YYYYmmdd_HHMMSS>.<ext>. Files are
// created 0640 with O_EXCL|O_NOFOLLOW (a name that exists, or is a symlink,
// gets a numeric suffix instead of being followed or clobbered). On a write
// error the file is truncated back to its last complete line, the error is
// returned by flush() and the events that did not reach the disk are counted
// as dropped. The file being written holds a shared flock, which tells
// OutputRetention (of any run) to leave it alone.
// A buffer this full is written whatever the event count: 2000 exec rows
// are about 1 MiB, resident for a whole run once reached, and writes larger
// than this are no cheaper per byte.
constexpr size_t kFlushBytes = 256 << 10;

class FileSink final : public Sink {
 public:
  static Result<std::unique_ptr<FileSink>> open(const FileSinkOptions& options, const Schema& schema);
  ~FileSink() override;

  void write(const Event& event) override { write_record(schema_, event); }
  // An event of another schema than the file's: the rows of a summary file,
  // whose tables each have their own columns (JSON lines only).
  void write_record(const Schema& schema, const Event& event);
  Result<void> flush() override;
  uint64_t dropped() const override { return dropped_; }
  uint64_t written() const override { return written_; }
  bool keeps_events() const override { return true; }
  bool streams() const override { return options_.to_stdout; }
  Metrics metrics() const override;
  std::string destination() const override { return path_.string(); }
  const std::filesystem::path& path() const { return path_; }
  // After SIGHUP (logrotate moved or copied the file): flush, close, and go
  // on at the same path, appending to the file there or, when it was moved
  // away, in a new one with its header.
  Result<void> reopen() override;

 private:
  FileSink(const FileSinkOptions& options, const Schema& schema);
  FileSink(const FileSink&) = delete;  // owns fd_
  FileSink& operator=(const FileSink&) = delete;
  Result<void> open_new_file();
  Result<void> start_file(int fd, const std::filesystem::path& path);
  void use_fd(int fd);
  Result<void> write_all(const std::string& bytes);
  bool line_exceeds_size_limit() const;
  Result<void> roll_over();
  void fail(const Error& error);
  void close_file();

  FileSinkOptions options_;
  const Schema& schema_;
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t file_bytes_ = 0;     // committed bytes in the current file
  std::string buffer_;
  size_t buffered_events_ = 0;
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  uint64_t records_in_file_ = 0;  // committed records in the current file
  bool failed_ = false;
  Error error_;                   // the first write error, once failed_
};

}  // namespace ebpfmon
