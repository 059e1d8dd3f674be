// One monitor's events, exported: rendered as their JSON-lines row plus
// "host" and "monitor", handed to the run's NatsExporter. It keeps events
// (an acked event is written); an event the spool had no room for is lost
// at stage export.
#pragma once

#include <memory>
#include <string>

#include "sinks/nats_exporter.h"
#include "sinks/sink.h"

namespace ebpfmon {

class NatsSink final : public Sink {
 public:
  NatsSink(std::shared_ptr<NatsExporter> exporter, std::string monitor, const Schema& schema)
      : exporter_(std::move(exporter)), monitor_(std::move(monitor)), schema_(schema) {}

  void write(const Event& event) override;
  Result<void> flush() override { return {}; }  // the exporter's thread publishes
  uint64_t dropped() const override { return lost_; }
  uint64_t written() const override { return exporter_->acked_for(monitor_); }
  bool keeps_events() const override { return true; }
  const char* loss_stage() const override { return "export"; }
  std::string destination() const override { return exporter_->destination(); }
  void finish() override { exporter_->finish(); }
  Metrics metrics() const override { return exporter_->metrics(); }

 private:
  std::shared_ptr<NatsExporter> exporter_;
  std::string monitor_;
  const Schema& schema_;
  uint64_t seq_ = 0;
  uint64_t lost_ = 0;
  std::string line_;
};

}  // namespace ebpfmon
