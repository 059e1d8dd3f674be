// Command-line parsing shared by every tool: the common options, the config
// file they override, each monitor's settings as flags (made from its
// settings table) and the tool's own actions.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"

namespace ebpfmon {

struct ToolInfo {
  std::string name;      // "execmon"
  std::string usage;     // "execmon [OPTIONS]"
  std::string summary;   // one line
  std::string examples;  // shown at the end of --help
  // The monitors whose settings the tool takes as flags; empty: every one.
  std::vector<std::string> monitors;
  // PATTERN...: positional arguments fill this monitor setting (empty: none).
  std::string positional_monitor;
  std::string positional_key;   // "patterns"
  std::string positional_name;  // "PATTERN"
  // Monitors a switch adds beside `monitors` (execmon --exits: exit); their
  // settings are flags of the tool too.
  struct OptionalMonitor {
    std::string flag;  // "exits"
    std::string monitor;
    std::string help;
  };
  std::vector<OptionalMonitor> optional_monitors = {};
};

// A tool's own actions (ebpfmon --doctor, --daemon): options and what to do
// with them once the config and every other flag have been read.
struct ToolOptions {
  boost::program_options::options_description options{"Options of this tool"};
  std::function<Result<void>(const boost::program_options::variables_map&, Config&)> apply;
};

struct CommandLine {
  std::optional<int> exit_code;  // set when the tool must exit now (help, version, error)
  Config config;
  bool list = false;  // --list, for a tool with one monitor that can list
  // What to run: the tool's monitors and the optional ones switched on.
  std::vector<std::string> monitors;
};

// Prints help/version/errors itself (errors: "<tool>: <message>" and a
// "Try '<tool> --help'" line on stderr, exit code 2).
CommandLine parse_command_line(int argc, char** argv, const ToolInfo& tool,
                               ToolOptions* extra = nullptr);

}  // namespace ebpfmon
