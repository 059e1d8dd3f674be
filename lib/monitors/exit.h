// exit: one event per process when its last thread ends, with how it ended
// and the exec id of the image that ended.
#pragma once

#include "core/settings.h"
#include "monitors/monitor.h"

namespace ebpfmon {

// monitors.exit
struct ExitSettings {
  bool failed_only = false;  // a non-zero status or a signal
  uint32_t buffer_kb = 1024;
};

class ExitMonitor final : public BpfMonitor {
 public:
  explicit ExitMonitor(const ExitSettings& settings) : settings_(settings) {}
  // Its -m name and config section (monitors.exit), said once.
  static constexpr const char* kName = "exit";
  static constexpr const char* kTraces = "process exits";  // ebpfmon --list
  static SettingsSection settings_table();

  std::string name() const override { return kName; }
  std::string what() const override { return kTraces; }
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;
  bool decode(const void* data, size_t size, Event& event) override;

  // "SIGKILL" for 9; "SIG<n>" for a number without a name.
  static std::string signal_name(int signal);

 protected:
  Result<Plan> plan(Capabilities& caps) const override;
  Result<Metrics> metrics() const override;

 private:
  ExitSettings settings_;
  uint64_t exited_ok_ = 0;
  uint64_t exited_failed_ = 0;
  uint64_t killed_ = 0;
};

}  // namespace ebpfmon
