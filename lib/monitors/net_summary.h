// netmon --summary: every interval (and at exit) a table of the connections
// that ended, per remote address, process or container: how many, how many
// failed to connect (refused, timed out), payload bytes each way and the
// lifetime's p50 and p99. Counted from the events (every connection is one),
// as they are decoded.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/latency_stats.h"
#include "core/report_clock.h"
#include "monitors/monitor.h"

namespace ebpfmon {

struct NetSummarySettings {
  SummarySettings shown;      // --summary [SECS], --top
  std::string by = "remote";  // remote | process | container
};

// One connection that ended, as the summary counts it.
struct EndedConnection {
  std::string remote;  // address text
  uint64_t pid = 0;    // 0: no owner known
  std::string comm;
  std::string container;  // "" on the host
  bool failed = false;    // a connect refused or never answered
  uint64_t tx_bytes = 0, rx_bytes = 0, lifetime_ns = 0;
};

// The counts, shared by the monitor that adds and the report that takes.
class NetTally {
 public:
  explicit NetTally(std::string by) : by_(std::move(by)) {}
  void add(const EndedConnection& c);
  struct Row {
    std::vector<Value> keys;
    uint64_t connections = 0, failed = 0, tx_bytes = 0, rx_bytes = 0;
    LatencyStats lifetime;
  };
  // The rows since the last take_interval(), or of the whole run.
  std::vector<Row> take_interval();
  std::vector<Row> whole_run() const;
  const std::string& by() const { return by_; }

 private:
  std::string by_;
  std::map<std::string, Row> interval_, whole_;
};

class NetSummary final : public PeriodicReport {
 public:
  NetSummary(std::shared_ptr<NetTally> tally, NetSummarySettings settings);
  Result<Report> take_interval() override;
  Result<Report> take_whole_run() override;

 private:
  Report make(Report::Span span, std::vector<NetTally::Row> rows);

  std::shared_ptr<NetTally> tally_;
  NetSummarySettings settings_;
};

}  // namespace ebpfmon
