// funcmon: calls of kernel functions matching globs, through fentry (BPF
// trampolines) or kprobes, as events or as in-kernel counts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "monitors/kernel_functions.h"
#include "monitors/monitor.h"

namespace ebpfmon {

class FuncMonitor final : public BpfMonitor {
 public:
  std::string name() const override { return "func"; }
  std::string what() const override;
  bool enabled_in(const Config& config) const override { return config.func.enabled; }
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;
  bool writes_events() const override { return !count_only_; }

  // What a config would trace, and how. `backend` is unset, with the reason
  // in `why_no_backend`, when the kernel allows neither fentry nor kprobes
  // (or not the one asked for).
  struct Selection {
    std::vector<std::string> matched;  // every candidate matching a pattern, by name
    std::vector<std::string> traced;   // the first probe_limit of them
    std::optional<HookType> backend;
    std::string why_no_backend;
  };
  static Result<Selection> select(const FuncSettings& settings, const KernelFunctions& functions,
                                  Capabilities& caps);

  struct Count {
    std::string function;
    uint64_t calls = 0;
  };
  // Calls per function since the start (filtered, but also those not
  // written as events), summed over CPUs.
  Result<std::vector<Count>> read_counts() const;

 protected:
  Result<Plan> plan(const Config& config, Capabilities& caps) override;
  bool decode(const void* data, size_t size, Event& event) override;
  Result<Metrics> metrics() const override;

 private:
  std::optional<KernelFunctions> functions_;
  std::string source_;  // the embedded program plus one fentry stub per function
  size_t traced_ = 0;
  bool count_only_ = false;
};

}  // namespace ebpfmon
