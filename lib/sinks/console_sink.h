// The live table on stdout for a single monitor (bcc-tools style).
#pragma once

#include <cstddef>
#include <ostream>
#include <vector>

#include "sinks/sink.h"

namespace ebpfmon {

// How the live table looks: time columns (fields of type Time) as the
// clock (HH:MM:SS.mmm), the full local time, or seconds since the start;
// lines cut at `width` columns with "…" (0: never, when not a terminal).
struct ConsoleStyle {
  enum class Time { Clock, Full, Elapsed };
  Time time = Time::Clock;
  size_t width = 0;
  bool heading = true;  // false: another monitor's rows printed it (one shared table)
};

class ConsoleSink final : public Sink {
 public:
  // Prints the heading line at construction (unless style.heading is false). Control characters in
  // values are shown escaped (\n, \t, \xNN) so events cannot garble the terminal.
  ConsoleSink(std::ostream& out, const Schema& schema, std::vector<ConsoleColumn> columns,
              ConsoleStyle style = {});
  void write(const Event& event) override;
  Result<void> flush() override;
  uint64_t written() const override { return written_; }

 private:
  std::ostream& out_;
  const Schema& schema_;
  std::string time_text(Timestamp t) const;
  void put_line(std::string line);

  std::vector<ConsoleColumn> columns_;
  ConsoleStyle style_;
  Timestamp start_;  // for Time::Elapsed
  uint64_t written_ = 0;
};

}  // namespace ebpfmon
