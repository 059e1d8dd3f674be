// net: one event per TCP connection when it ends, with the process that
// owned it (recorded at connect or accept), both ends, payload bytes each
// way, lifetime, retransmits and how it ended; with --established, one more
// when it is set up.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/settings.h"
#include "monitors/monitor.h"
#include "monitors/net_summary.h"

namespace ebpfmon {

// monitors.net
struct NetSettings {
  bool established = false;         // an event when a connection is set up too
  std::vector<std::string> ports;   // service ports (remote of a connect, local of an accept)
  std::vector<std::string> remote;  // CIDR blocks of the remote address
  uint32_t buffer_kb = 1024;
  NetSummarySettings summary;      // --summary, --by, --top
  uint32_t container_series = 20;  // /metrics: the top K containers, the rest "other"
};

class NetMonitor final : public BpfMonitor {
 public:
  explicit NetMonitor(const NetSettings& settings);
  // Its -m name and config section (monitors.net), said once.
  static constexpr const char* kName = "net";
  static constexpr const char* kTraces = "TCP connections";  // ebpfmon --list
  static SettingsSection settings_table();

  std::string name() const override { return kName; }
  std::string what() const override { return kTraces; }
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;
  bool decode(const void* data, size_t size, Event& event) override;
  std::unique_ptr<PeriodicReport> report() const override;

 protected:
  Result<Plan> plan(Capabilities& caps) const override;
  Result<void> configure(const BpfProgram& program) override;
  Result<Metrics> metrics() const override;

 private:
  // What /metrics counts of the connections that ended.
  struct Counts {
    uint64_t connections = 0, tx_bytes = 0, rx_bytes = 0;
  };
  void count(const EndedConnection& c, bool outgoing, uint8_t end);

  NetSettings settings_;
  std::shared_ptr<NetTally> tally_;             // with --summary
  uint64_t ended_[2][4] = {};                   // [out, in][NET_END_*]
  uint64_t bytes_[2] = {};                      // [tx, rx]
  std::map<std::string, Counts> by_container_;  // "host" for none
};

}  // namespace ebpfmon
