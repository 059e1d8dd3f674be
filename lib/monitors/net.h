// net: one event per TCP connection when it ends, with the process that
// owned it (recorded at connect or accept), both ends, payload bytes each
// way, lifetime, retransmits and how it ended; with --established, one more
// when it is set up.
#pragma once

#include <string>
#include <vector>

#include "core/settings.h"
#include "monitors/monitor.h"

namespace ebpfmon {

// monitors.net
struct NetSettings {
  bool established = false;         // an event when a connection is set up too
  std::vector<std::string> ports;   // service ports (remote of a connect, local of an accept)
  std::vector<std::string> remote;  // CIDR blocks of the remote address
  uint32_t buffer_kb = 1024;
};

class NetMonitor final : public BpfMonitor {
 public:
  explicit NetMonitor(const NetSettings& settings) : settings_(settings) {}
  // Its -m name and config section (monitors.net), said once.
  static constexpr const char* kName = "net";
  static constexpr const char* kTraces = "TCP connections";  // ebpfmon --list
  static SettingsSection settings_table();

  std::string name() const override { return kName; }
  std::string what() const override { return kTraces; }
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;
  bool decode(const void* data, size_t size, Event& event) override;

 protected:
  Result<Plan> plan(Capabilities& caps) const override;
  Result<void> configure(const BpfProgram& program) override;
  Result<Metrics> metrics() const override;

 private:
  NetSettings settings_;
  uint64_t ended_[4] = {};  // closed connections by NET_END_*
};

}  // namespace ebpfmon
