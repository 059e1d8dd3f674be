// execmon: every process execution on the machine, live and to a file.
#include "app/options.h"
#include "app/runner.h"
#include "ebpf/exec.h"
#include "monitors/registry.h"

namespace po = boost::program_options;
using namespace ebpfmon;

int main(int argc, char** argv) {
  ToolInfo tool{"execmon", "execmon [OPTIONS]",
                "Trace every execve() and execveat(), successful or failed, with the full "
                "argument list.",
                "  sudo execmon                      # live table, output/exec_*.csv\n"
                "  sudo execmon -p bash,python3      # only execs by (or into) these names\n"
                "  sudo execmon -u www-data -q -d 60 # one user, no table, one minute\n"
                "  sudo execmon --format jsonl       # JSON lines, argv as an array\n"};
  ToolOptions extra;
  // clang-format off
  extra.options.add_options()
      ("max-args", po::value<std::string>()->value_name("N"),
       "arguments kept per exec (1..1024, default 64)")
      ("max-arg-bytes", po::value<std::string>()->value_name("N"),
       "bytes of arguments kept per exec (256..32768, default 8192)");
  // clang-format on
  extra.apply = [](const po::variables_map& vm, Config& config) -> Result<void> {
    if (auto r = read_option(vm, "max-args", 1, EXEC_MAX_ARGS_LIMIT, config.exec.max_args); !r)
      return r;
    return read_option(vm, "max-arg-bytes", EXEC_ARGS_BYTES_MIN, EXEC_ARGS_BYTES_LIMIT,
                       config.exec.max_arg_bytes);
  };
  CommandLine cmd = parse_command_line(argc, argv, tool, &extra);
  if (cmd.exit_code) return *cmd.exit_code;
  std::vector<std::unique_ptr<Monitor>> monitors;
  monitors.push_back(create_monitor("exec"));
  return run_monitors(cmd.config, std::move(monitors));
}
