// With --format jsonl, a monitor's reports (its summary) go to a file of
// their own beside the event file, <dir>/summary_<monitor>_<stamp>.jsonl, so
// the event files keep one kind of object: one JSON object per table row,
// with the report's time, kind and span and the table's name first.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "sinks/event_file.h"

namespace ebpfmon {

// Each row of each table as the summary file writes it: the leading
// columns time, kind ("interval" or "whole_run"), seconds and table, then
// the table's own.
void for_each_report_row(const Report& report,
                         const std::function<void(const Schema&, const Event&)>& row);
// The same rows as JSON lines, for the daemon's status.
std::string report_jsonl(const Report& report);

class SummaryFile final : public Sink {
 public:
  // `options` as for the monitor's event file; its monitor names the file.
  static Result<std::unique_ptr<SummaryFile>> open(FileSinkOptions options);
  void write(const Event& /*event*/) override {}
  Result<void> write_report(const Report& report) override;
  Result<void> flush() override { return file_->flush(); }
  Result<void> reopen() override { return file_->reopen(); }

 private:
  explicit SummaryFile(std::unique_ptr<FileSink> file) : file_(std::move(file)) {}
  std::unique_ptr<FileSink> file_;
};

}  // namespace ebpfmon
