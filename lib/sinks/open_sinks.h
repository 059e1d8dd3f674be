// The sinks of one monitor's events and reports, chosen once from the output
// settings: its event file (unless it writes none), when asked the live
// table, and for a monitor that makes reports their text on the console and,
// with JSON lines, their summary file.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/event.h"
#include "core/result.h"
#include "sinks/nats_exporter.h"
#include "sinks/output_retention.h"
#include "sinks/sink.h"

namespace ebpfmon {

struct SinkRequest {
  std::string monitor;  // the file name's prefix
  const Schema* schema = nullptr;
  std::vector<ConsoleColumn> console_columns;
  bool file = true;                  // false for a monitor that only counts
  std::ostream* console = nullptr;   // the live table's stream, or none
  size_t console_width = 0;          // cut lines there (the terminal's); 0: never
  bool console_heading = true;       // false: the table's heading is another monitor's
  std::shared_ptr<NatsExporter> exporter;  // the run's export, or none
  std::shared_ptr<OutputRetention> retention;  // the run's, for its event files, or none
  bool reports = false;                    // the monitor makes reports (its summary)
  std::ostream* report_console = nullptr;  // where they are shown as text, or nowhere
};

Result<std::vector<std::unique_ptr<Sink>>> open_sinks(const OutputSettings& output,
                                                     const SinkRequest& request);

}  // namespace ebpfmon
