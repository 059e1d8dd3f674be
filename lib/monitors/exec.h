// execmon: every execve/execveat, successful or failed, with full argv.
#pragma once

#include <vector>

#include "core/settings.h"
#include "monitors/monitor.h"

namespace ebpfmon {

// monitors.exec; the limits are ebpf/exec.h's.
struct ExecSettings {
  uint32_t max_args = 64;
  uint32_t max_arg_bytes = 8192;
};

class ExecMonitor final : public BpfMonitor {
 public:
  explicit ExecMonitor(const ExecSettings& settings) : settings_(settings) {}
  static SettingsSection settings_table();

  std::string name() const override { return "exec"; }
  std::string what() const override { return "process executions"; }
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;

  // Splits the packed NUL-terminated args into at most max_args strings.
  // Returns true when more data than that was present (then truncated).
  static bool unpack_args(const char* data, size_t size, size_t max_args,
                          std::vector<std::string>& out);

 protected:
  Result<Plan> plan(Capabilities& caps) const override;
  bool decode(const void* data, size_t size, Event& event) override;
  Result<Metrics> metrics() const override;

 private:
  ExecSettings settings_;
  uint64_t succeeded_ = 0;
  uint64_t failed_ = 0;
};

}  // namespace ebpfmon
