// A running monitor and where its events go; what the runner, the status
// socket, /metrics and the exit summary all read.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "monitors/monitor.h"
#include "sinks/console_sink.h"
#include "sinks/event_file.h"

namespace ebpfmon {

struct MonitorOutput {
  std::unique_ptr<Monitor> monitor;
  std::unique_ptr<FileSink> file;
  std::unique_ptr<ConsoleSink> console;

  void write(const Event& event) {
    if (file) file->write(event);
    if (console) console->write(event);
  }
  uint64_t written() const { return file ? file->written() : 0; }
  uint64_t write_errors() const { return file ? file->dropped() : 0; }
};

// Losses by stage, in the order every report shows them; the kernel's
// counters are read once, so one report's stages and total agree.
struct LossStage {
  const char* key;    // JSON and metrics label: "kernel_buffer"
  const char* label;  // for people: "kernel buffer"
  uint64_t count;
};
std::vector<LossStage> losses_by_stage(const MonitorOutput& out);
uint64_t total(const std::vector<LossStage>& stages);

}  // namespace ebpfmon
