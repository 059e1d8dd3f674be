// Where events go. Sinks know nothing of BPF; monitors know nothing of files.
#pragma once

#include <cstdint>
#include <string>

#include "core/event.h"
#include "core/metrics.h"
#include "core/report.h"
#include "core/result.h"

namespace ebpfmon {

class Sink {
 public:
  virtual ~Sink() = default;
  // Accepts one event; may buffer it. Never throws.
  virtual void write(const Event& event) = 0;
  // A monitor's report (its summary), every interval and at exit; a sink
  // that renders reports delivers it at once. The error ends the run as a
  // write error does.
  virtual Result<void> write_report(const Report& /*report*/) { return {}; }
  // Writes out whatever is buffered. An error is reported once and the sink
  // stops accepting events (they are counted in dropped()).
  virtual Result<void> flush() = 0;
  // Events this sink accepted but could not deliver (write errors).
  virtual uint64_t dropped() const { return 0; }
  // Events delivered to their destination.
  virtual uint64_t written() const { return 0; }
  // True for a sink that keeps events (a file): its counts are the run's
  // "events written" and "write errors". The console only shows them.
  virtual bool keeps_events() const { return false; }
  // True for a sink someone reads as it is written (events to stdout): it
  // is flushed after every batch, not on the flush timer.
  virtual bool streams() const { return false; }
  // Where the events go, for the summary and the status ("" if nowhere to name).
  virtual std::string destination() const { return {}; }
  // The loss stage its dropped() events count in when no other sink kept them.
  virtual const char* loss_stage() const { return "write_errors"; }
  // Its own /metrics families. Sinks that share one destination (the export)
  // give the same families; the page keeps the first of each name.
  virtual Metrics metrics() const { return {}; }
  // At the end of the run, before the summary: deliver what can be delivered.
  virtual void finish() {}
  // SIGHUP under a daemon: logrotate moved the file; go on at the same name.
  virtual Result<void> reopen() { return {}; }
};

}  // namespace ebpfmon
