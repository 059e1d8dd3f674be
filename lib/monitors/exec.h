// execmon: every execve/execveat, successful or failed, with full argv.
#pragma once

#include <deque>
#include <optional>
#include <regex>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/settings.h"
#include "monitors/monitor.h"

namespace ebpfmon {

// monitors.exec; the limits are ebpf/exec.h's.
struct ExecSettings {
  uint32_t max_args = 64;
  uint32_t max_arg_bytes = 8192;
  uint32_t ancestors = 4;  // parents read in the kernel, 0..16
  bool paths = true;       // cwd and exe
  bool fails_only = false; // execsnoop -x: failed execs only, decided in the kernel
  std::string name;        // execsnoop -n: a regex searched in comm; empty: any
  std::string line;        // execsnoop -l: a regex searched in the argument line
};

class ExecMonitor final : public BpfMonitor {
 public:
  explicit ExecMonitor(const ExecSettings& settings);
  static SettingsSection settings_table();

  std::string name() const override { return "exec"; }
  std::string what() const override { return "process executions"; }
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;

  // Splits the packed NUL-terminated args into at most max_args strings.
  // Returns true when more data than that was present (then truncated).
  static bool unpack_args(const char* data, size_t size, size_t max_args,
                          std::vector<std::string>& out);
  // A path from its names as the kernel packs them, last first ("b\0a\0"
  // is "/a/b"). A truncated one starts with ".../"; a deleted one ends with
  // " (deleted)", as /proc/PID/cwd shows it.
  static std::string unpack_path(const char* data, size_t size, bool truncated, bool deleted);

 protected:
  Result<Plan> plan(Capabilities& caps) const override;
  bool decode(const void* data, size_t size, Event& event) override;
  Result<Metrics> metrics() const override;
  bool wanted(const Event& event) const override;

 private:
  // parent_exec_id is given only for execs seen in this run: the ids of the
  // latest ones, oldest first.
  bool seen_exec(const std::string& id) const { return seen_.count(id) > 0; }
  void remember_exec(std::string id);

  ExecSettings settings_;
  std::optional<std::regex> name_, line_;  // compiled --name, --line
  uint64_t succeeded_ = 0;
  uint64_t failed_ = 0;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> seen_order_;
};

}  // namespace ebpfmon
