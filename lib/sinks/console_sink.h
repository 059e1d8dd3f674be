// The live table on stdout for a single monitor (bcc-tools style).
#pragma once

#include <ostream>
#include <vector>

#include "sinks/sink.h"

namespace ebpfmon {

class ConsoleSink final : public Sink {
 public:
  // Prints the heading line at construction. Control characters in values are
  // shown escaped (\n, \t, \xNN) so events cannot garble the terminal.
  ConsoleSink(std::ostream& out, const Schema& schema, std::vector<ConsoleColumn> columns);
  void write(const Event& event) override;
  Result<void> flush() override;
  uint64_t written() const override { return written_; }

 private:
  std::ostream& out_;
  const Schema& schema_;
  std::vector<ConsoleColumn> columns_;
  uint64_t written_ = 0;
};

}  // namespace ebpfmon
