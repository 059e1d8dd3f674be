#include "sinks/open_sinks.h"

#include "sinks/console_sink.h"
#include "sinks/event_file.h"
#include "sinks/nats_sink.h"
#include "sinks/report_text.h"
#include "sinks/summary_file.h"

namespace ebpfmon {

Result<std::vector<std::unique_ptr<Sink>>> open_sinks(const OutputSettings& output,
                                                      const SinkRequest& request) {
  std::vector<std::unique_ptr<Sink>> sinks;
  if (request.file && request.exporter)
    sinks.push_back(std::make_unique<NatsSink>(request.exporter, request.monitor, *request.schema));
  FileSinkOptions options;
  options.directory = output.directory;
  options.monitor = request.monitor;
  options.format = output.format;
  options.delimiter = output.csv_delimiter;
  options.include_header = output.include_header;
  options.buffer_events = output.buffer_size;
  options.max_file_bytes = output.to_stdout() ? 0 : uint64_t{output.max_file_mb} << 20;
  options.to_stdout = output.to_stdout();
  options.retention = request.retention;
  if (request.file && output.files) {
    auto file = FileSink::open(options, *request.schema);
    if (!file) return file.error();
    sinks.push_back(std::move(*file));
  }
  // CSV has no room for tables of other columns: its users have the
  // console's tables (and the daemon's status).
  if (request.reports && output.files && output.format == FileFormat::Jsonl &&
      !output.to_stdout()) {
    auto summary = SummaryFile::open(options);
    if (!summary) return summary.error();
    sinks.push_back(std::move(*summary));
  }
  if (request.report_console != nullptr)
    sinks.push_back(std::make_unique<ReportConsoleSink>(*request.report_console));
  if (request.console != nullptr) {
    ConsoleStyle style;
    style.width = request.console_width;
    style.heading = request.console_heading;
    if (output.console_time == "full") style.time = ConsoleStyle::Time::Full;
    if (output.console_time == "elapsed") style.time = ConsoleStyle::Time::Elapsed;
    sinks.push_back(std::make_unique<ConsoleSink>(*request.console, *request.schema,
                                                  request.console_columns, style));
  }
  return sinks;
}

}  // namespace ebpfmon
