// funcmon: calls of kernel functions matching globs, through fentry (BPF
// trampolines) or kprobes, as events or as in-kernel counts.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bpf/kernel_btf.h"
#include "core/settings.h"
#include "monitors/kernel_functions.h"
#include "monitors/monitor.h"

namespace ebpfmon {

// monitors.func
struct FuncSettings {
  std::vector<std::string> patterns{"vfs_*"};
  uint32_t probe_limit = 10;
  uint32_t max_events_per_second = 0;  // 0 = unlimited
  std::string backend = "auto";        // auto | fentry | kprobe
  // Count calls in the kernel instead of writing events (funcmon --count),
  // printing the counts every `interval` seconds (0: at exit only).
  bool count_only = false;
  double interval = 0;
  uint32_t buffer_kb = 4096;
};

class FuncMonitor final : public BpfMonitor {
 public:
  explicit FuncMonitor(const FuncSettings& settings) : settings_(settings) {}
  // Its -m name and config section (monitors.func), said once.
  static constexpr const char* kName = "func";
  static constexpr const char* kTraces = "kernel function calls";  // ebpfmon --list
  static SettingsSection settings_table();
  // --list: the functions that would be traced, and the backend.
  static int list(const Config& config, std::ostream& out);

  std::string name() const override { return kName; }
  std::string what() const override;
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;
  bool decode(const void* data, size_t size, Event& event) override;
  bool writes_events() const override { return !settings_.count_only; }
  std::unique_ptr<PeriodicReport> report() const override;

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
  // Why fentry cannot name its function on the kernel of `btf`: it lacks
  // bpf_get_func_ip (before 5.15; kprobes name it from the saved
  // instruction pointer). Empty when it has it, or when there is no BTF to
  // tell (fentry needs BTF anyway).
  static std::string missing_func_ip(const KernelBtf& btf);

  struct Count {
    std::string function;
    uint64_t calls = 0;
  };
  // Calls per function since the start (filtered, but also those not
  // written as events), summed over CPUs.
  Result<std::vector<Count>> read_counts() const;

 protected:
  Result<Plan> plan(Capabilities& caps) const override;
  void adopt(Plan& plan) override;
  Result<Metrics> metrics() const override;

 private:
  FuncSettings settings_;
  std::shared_ptr<const KernelFunctions> functions_;  // names addresses; from the plan
  size_t traced_ = 0;
};

}  // namespace ebpfmon
