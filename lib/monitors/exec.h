// execmon: every execve/execveat, successful or failed, with full argv.
#pragma once

#include <vector>

#include "monitors/monitor.h"

namespace ebpfmon {

class ExecMonitor final : public BpfMonitor {
 public:
  std::string name() const override { return "exec"; }
  std::string what() const override { return "process executions"; }
  bool enabled_in(const Config& config) const override { return config.exec.enabled; }
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;

  // Splits the packed NUL-terminated args into at most max_args strings.
  // Returns true when more data than that was present (then truncated).
  static bool unpack_args(const char* data, size_t size, size_t max_args,
                          std::vector<std::string>& out);

 protected:
  Result<Plan> plan(const Config& config, Capabilities& caps) override;
  bool decode(const void* data, size_t size, Event& event) override;
  Result<Metrics> metrics() const override;

 private:
  size_t max_args_ = 64;
  uint64_t succeeded_ = 0;
  uint64_t failed_ = 0;
};

}  // namespace ebpfmon
