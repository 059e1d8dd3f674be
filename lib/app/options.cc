#include "app/options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "core/log.h"
#include "core/text.h"
#include "core/version.h"

namespace po = boost::program_options;

namespace ebpfmon {
namespace {

po::options_description common_options() {
  po::options_description d("Common options");
  // clang-format off
  d.add_options()
      ("config,c", po::value<std::string>()->value_name("FILE"),
       "YAML config (default: ./monitor_config.yaml, then /etc/ebpfmon/monitor_config.yaml)")
      ("comm,p", po::value<std::string>()->value_name("LIST"),
       "only these process names (comma list, exact comm, at most 15 bytes each)")
      ("user,u", po::value<std::string>()->value_name("LIST"),
       "only these users (names or numeric uids, comma list)")
      ("pid", po::value<std::string>()->value_name("LIST"), "only these process ids (comma list)")
      ("output-dir,o", po::value<std::string>()->value_name("DIR"),
       "where event files go (default: output/)")
      ("format", po::value<std::string>()->value_name("csv|jsonl"), "event file format (default: csv)")
      ("quiet,q", "no live console table")
      ("duration,d", po::value<std::string>()->value_name("SECONDS"),
       "stop after this many seconds, exactly as on Ctrl-C")
      ("verbose,v", "debug logging on stderr")
      ("help,h", "show this help and exit")
      ("version", "show the version and exit");
  // clang-format on
  return d;
}

Result<void> apply_common(const po::variables_map& vm, Config& config) {
  auto text = [&](const char* name) { return vm[name].as<std::string>(); };
  if (vm.count("comm")) {
    auto v = parse_comm_list(text("comm"), "--comm");
    if (!v) return v.error();
    config.filters.comms = *v;
  }
  if (vm.count("user")) {
    auto v = parse_user_list(text("user"), "--user");
    if (!v) return v.error();
    config.filters.uids = *v;
  }
  if (vm.count("pid")) {
    auto v = parse_pid_list(text("pid"), "--pid");
    if (!v) return v.error();
    config.filters.pids = *v;
  }
  if (vm.count("output-dir")) {
    if (text("output-dir").empty())
      return Error::usage("--output-dir: the directory name is empty");
    config.output.directory = text("output-dir");
  }
  if (vm.count("format")) {
    const std::string f = text("format");
    if (f == "csv")
      config.output.format = FileFormat::Csv;
    else if (f == "jsonl")
      config.output.format = FileFormat::Jsonl;
    else
      return Error::usage("--format: expected csv or jsonl, got '" + f + "'");
  }
  if (vm.count("quiet")) config.output.quiet = true;
  if (vm.count("duration")) {
    auto d = parse_seconds(text("duration"), "--duration");
    if (!d) return d.error();
    config.duration = *d;
  }
  return {};
}

void print_help(const ToolInfo& tool, const po::options_description& all) {
  std::cout << "Usage: " << tool.usage << "\n\n" << tool.summary << "\n\n";
  // Boost leaves one space after the longest option; two, as help2man (the
  // man pages) and readers expect between an option and its description.
  all.print(std::cout, all.get_option_column_width() + 1);
  std::cout << "\n";
  if (!tool.examples.empty()) std::cout << "Examples:\n" << tool.examples << "\n";
  std::cout << "Exit codes: 0 success, 1 runtime failure, 2 bad usage or config.\n";
}

// An option whose value is optional (--summary [SECS]) never takes a next
// argument that starts with '-', so "--summary -2" would fail as an unknown
// option '-2' without naming --summary. No option is spelt with a digit, so
// such an argument can only be meant as the value: attach it ("--summary=-2")
// and let the value's own check say what is wrong with it.
std::vector<std::string> attach_negative_values(int argc, char** argv,
                                                const po::options_description& all) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto is_negative_number = [](const std::string& a) {
    return a.size() > 1 && a[0] == '-' &&
           (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.');
  };
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {  // everything after it is positional
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    if (a.rfind("--", 0) == 0 && a.find('=') == std::string::npos && i + 1 < args.size() &&
        is_negative_number(args[i + 1])) {
      const po::option_description* option = all.find_nothrow(a.substr(2), false);
      if (option != nullptr && option->semantic()->min_tokens() == 0 &&
          option->semantic()->max_tokens() == 1) {
        out.push_back(a + "=" + args[++i]);
        continue;
      }
    }
    out.push_back(a);
  }
  return out;
}

int usage_error(const ToolInfo& tool, const std::string& message) {
  std::cerr << tool.name << ": " << message << "\nTry '" << tool.name
            << " --help' for more information.\n";
  return 2;
}

}  // namespace

Result<uint64_t> parse_unsigned(const std::string& text, const std::string& what, uint64_t min,
                                uint64_t max) {
  const std::string range = " (" + std::to_string(min) + ".." + std::to_string(max) + ")";
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return Error::usage(what + ": '" + text + "' is not a whole number" + range);
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v < min || v > max)
    return Error::usage(what + ": " + text + " is out of range" + range);
  return static_cast<uint64_t>(v);
}

Result<double> parse_seconds(const std::string& text, const std::string& what) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v) ||
      text.find_first_of("xXpP") != std::string::npos)
    return Error::usage(what + ": '" + text + "' is not a number of seconds");
  if (v <= 0 || v > 31536000)
    return Error::usage(what + ": " + text +
                        " is out of range (more than 0, at most 31536000 seconds)");
  return v;
}

Result<void> read_option(const po::variables_map& vm, const char* name, uint64_t min, uint64_t max,
                         uint32_t& out) {
  if (!vm.count(name)) return {};
  auto n = parse_unsigned(vm[name].as<std::string>(), std::string("--") + name, min, max);
  if (!n) return n.error();
  out = static_cast<uint32_t>(*n);
  return {};
}

Result<void> read_option(const po::variables_map& vm, const char* name,
                         const std::vector<std::string>& choices, std::string& out) {
  if (!vm.count(name)) return {};
  const std::string value = vm[name].as<std::string>();
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    std::string expected;
    for (size_t i = 0; i < choices.size(); ++i)
      expected += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
    return Error::usage(std::string("--") + name + ": expected " + expected + ", got " +
                        quote_for_message(value));
  }
  out = value;
  return {};
}

CommandLine parse_command_line(int argc, char** argv, const ToolInfo& tool, ToolOptions* extra) {
  CommandLine result;
  set_program_name(tool.name);
  po::options_description all = common_options();
  if (extra != nullptr) all.add(extra->options);
  po::positional_options_description positional;
  // A tool without arguments still collects them, to name the stray one
  // (Boost would only say "too many positional options").
  const bool takes_arguments = extra != nullptr && !extra->positional.empty();
  const std::string positional_name = takes_arguments ? extra->positional : "stray-arguments";
  po::options_description parsed;
  parsed.add(all).add_options()(positional_name.c_str(), po::value<std::vector<std::string>>());
  positional.add(positional_name.c_str(), -1);
  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(attach_negative_values(argc, argv, parsed))
            .options(parsed)
            .positional(positional)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .run(),
        vm);
    po::notify(vm);
  } catch (const po::error& e) {
    result.exit_code = usage_error(tool, e.what());
    return result;
  }
  if (!takes_arguments && vm.count(positional_name)) {
    result.exit_code = usage_error(
        tool, "unexpected argument '" + vm[positional_name].as<std::vector<std::string>>()[0] +
                  "' (" + tool.name + " takes options only)");
    return result;
  }
  if (vm.count("help")) {
    print_help(tool, all);
    result.exit_code = 0;
    return result;
  }
  if (vm.count("version")) {
    std::cout << tool.name << " (ebpfmon) " << kVersion << "\n";
    result.exit_code = 0;
    return result;
  }
  if (vm.count("verbose")) set_stderr_log_level(LogLevel::Debug);

  std::optional<std::filesystem::path> config_path;
  if (vm.count("config")) config_path = vm["config"].as<std::string>();
  auto config = load_config(config_path);
  if (!config) {
    result.exit_code = usage_error(tool, config.error().to_string());
    return result;
  }
  result.config = std::move(*config);
  if (vm.count("verbose")) result.config.logging.level = "DEBUG";
  Result<void> applied = apply_common(vm, result.config);
  if (applied && extra != nullptr && extra->apply) applied = extra->apply(vm, result.config);
  if (!applied) {
    result.exit_code = usage_error(tool, applied.error().to_string());
    return result;
  }
  if (takes_arguments && vm.count(positional_name))
    result.positional = vm[positional_name].as<std::vector<std::string>>();
  log_debug("configuration: " + result.config.source);
  return result;
}

}  // namespace ebpfmon
