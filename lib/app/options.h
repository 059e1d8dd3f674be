// Command-line parsing shared by every tool: the common options of
// INTERFACE.md, the config file they override, and each tool's own options.
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
};

struct ToolOptions {
  boost::program_options::options_description options{"Options of this tool"};
  // Name of positional arguments, if the tool takes any ("pattern").
  std::string positional;
  // Copies the tool's parsed options into the config; runs after the config
  // file is loaded, so flags win.
  std::function<Result<void>(const boost::program_options::variables_map&, Config&)> apply;
};

struct CommandLine {
  std::optional<int> exit_code;  // set when the tool must exit now (help, version, error)
  Config config;
  std::vector<std::string> positional;
};

// Prints help/version/errors itself (errors: "<tool>: <message>" and a
// "Try '<tool> --help'" line on stderr, exit code 2).
CommandLine parse_command_line(int argc, char** argv, const ToolInfo& tool, ToolOptions* extra);

// Number parsing with the flag's name in the message, for tools' options.
Result<uint64_t> parse_unsigned(const std::string& text, const std::string& what, uint64_t min,
                                uint64_t max);
Result<double> parse_seconds(const std::string& text, const std::string& what);

// For tools' own options: when --`name` was given, its value, checked, into
// `out` (errors name the flag); otherwise `out` is left as it is.
Result<void> read_option(const boost::program_options::variables_map& vm, const char* name,
                         uint64_t min, uint64_t max, uint32_t& out);
Result<void> read_option(const boost::program_options::variables_map& vm, const char* name,
                         const std::vector<std::string>& choices, std::string& out);

}  // namespace ebpfmon
