// execmon: every execve/execveat, successful or failed, with full argv.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "bpf/kernel_btf.h"
#include "core/recent_set.h"
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
  uint32_t buffer_kb = 1024;
};

class ExecMonitor final : public BpfMonitor {
 public:
  explicit ExecMonitor(const ExecSettings& settings);
  // Its -m name and config section (monitors.exec), said once.
  static constexpr const char* kName = "exec";
  static constexpr const char* kTraces = "process executions";  // ebpfmon --list
  static SettingsSection settings_table();

  std::string name() const override { return kName; }
  std::string what() const override { return kTraces; }
  const Schema& schema() const override;
  std::vector<ConsoleColumn> console_columns() const override;
  bool decode(const void* data, size_t size, Event& event) override;

  // Splits the packed NUL-terminated args into at most max_args strings.
  // Returns true when more data than that was present (then truncated).
  static bool unpack_args(const char* data, size_t size, size_t max_args,
                          std::vector<std::string>& out);
  // The argv the caller passed to exec a script, and the interpreter the
  // kernel ran for it, from the argv the kernel built for the interpreter
  // (`kernel`: the interpreter, its #! argument, for a nested script the
  // next interpreter and so on, then the script's path `filename`, then the
  // caller's argv[1..]) and the caller's argv[0] when the kernel dropped it
  // (`argv0`; none where a binfmt_misc handler kept it). `filename_cut`:
  // only a prefix of the path was read. `complete` is false when the path
  // is not among the strings read (cut by the byte limit).
  struct ScriptExec {
    std::vector<std::string> argv;
    std::string interpreter;
    uint64_t argc = 0;
    bool complete = false;
  };
  static ScriptExec split_script_argv(std::vector<std::string> kernel, uint64_t kernel_argc,
                                      const std::string& filename, bool filename_cut,
                                      const std::optional<std::string>& argv0);
  // A path from its names as the kernel packs them, last first ("b\0a\0"
  // is "/a/b"). A truncated one starts with ".../"; a deleted one ends with
  // " (deleted)", as /proc/PID/cwd shows it.
  static std::string unpack_path(const char* data, size_t size, bool truncated, bool deleted);

  // The layouts exec reads that no header declares (struct mount and
  // mnt_namespace are private to fs/; loginuid needs CONFIG_AUDIT), from the
  // BTF of the kernel it runs on, as -D numbers; a warning for each one the
  // BTF lacks, whose fields then stay unset.
  struct Layouts {
    std::vector<std::pair<std::string, int64_t>> defines;
    std::vector<std::string> warnings;
  };
  static Layouts layouts(const KernelBtf& btf, bool paths);

 protected:
  Result<Plan> plan(Capabilities& caps) const override;
  Result<Metrics> metrics() const override;
  bool wanted(const Event& event) const override;

 private:
  // parent_exec_id is given only for execs seen in this run, of which the
  // latest are remembered by a 64-bit digest of start time, pid and exec
  // count (the id's parts beside the boot id, which is the same for all).
  // A collision (odds about 2^-48 per exec at 65536 remembered) could only
  // print a parent's true id that was not seen: the id always comes from
  // the record, never from the set.
  static uint64_t exec_key(uint64_t start_ns, uint32_t pid, uint64_t seq);
  struct KeyHash {  // the key is a digest already: its low bits index
    size_t operator()(uint64_t k) const { return static_cast<size_t>(k); }
  };

  ExecSettings settings_;
  std::optional<std::regex> name_, line_;  // compiled --name, --line
  uint64_t succeeded_ = 0;
  uint64_t failed_ = 0;
  RecentSet<uint64_t, KeyHash> seen_;
};

}  // namespace ebpfmon
