#include "app/options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "core/cgroups.h"
#include "core/log.h"
#include "core/nats_urls.h"
#include "core/settings.h"
#include "core/text.h"
#include "core/version.h"
#include "monitors/registry.h"

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
      ("cgroup", po::value<std::string>()->value_name("PATH"),
       "only tasks in this cgroup v2 path or below it (decided in the kernel)")
      ("container", po::value<std::string>()->value_name("ID"),
       "only this container: its id or a unique prefix of 12+ hex digits (also one that starts "
       "later)")
      ("output-dir,o", po::value<std::string>()->value_name("DIR"),
       "where event files go (default: output/)")
      ("format", po::value<std::string>()->value_name("csv|jsonl|none"),
       "event file format (default: csv); none writes no files (export only)")
      ("export", po::value<std::string>()->value_name("URL[,URL...]"),
       "also publish every event to NATS JetStream at nats://HOST:PORT (config export.nats)")
      ("export-required", "exit 1 when no export server can be reached at start")
      ("quiet,q", "no live console table")
      ("full-time,T", "the live table's time as [YYYY-mm-dd HH:MM:SS.mmm] (default HH:MM:SS.mmm)")
      ("elapsed,t", "the live table's time as seconds since the start")
      ("duration,d", po::value<std::string>()->value_name("SECONDS"),
       "stop after this many seconds, exactly as on Ctrl-C")
      ("verbose,v", "debug logging on stderr")
      ("no-cache", "compile the BPF programs afresh instead of loading them from the program "
       "cache (/var/cache/ebpfmon/programs; also EBPFMON_CACHE=off)")
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
  if (vm.count("cgroup")) {
    auto path = resolve_cgroup_path(text("cgroup"), "--cgroup");
    if (!path) return path.error();
    config.filters.cgroup = *path;
  }
  if (vm.count("container")) {
    auto id = parse_container_id(text("container"), "--container");
    if (!id) return id.error();
    config.filters.container = *id;
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
    else if (f != "none")
      return Error::usage("--format: expected csv, jsonl or none, got '" + f + "'");
    config.output.files = f != "none";
  }
  if (vm.count("export")) {
    auto urls = parse_nats_urls(text("export"));
    if (!urls) return urls.error();
    config.export_nats.servers = *urls;
  }
  if (vm.count("export-required")) config.export_nats.required = true;
  if (vm.count("quiet")) config.output.quiet = true;
  if (vm.count("full-time") && vm.count("elapsed"))
    return Error::usage("-T and -t both choose the live table's time: give one");
  if (vm.count("full-time")) config.output.console_time = "full";
  if (vm.count("elapsed")) config.output.console_time = "elapsed";
  if (vm.count("duration")) {
    auto d = read_seconds(RawValue::scalar("--duration", text("duration")));
    if (!d) return d.error();
    config.duration = *d;
  }
  return {};
}

// Each flag of the tool's monitors, once; a flag that several monitors
// share (--max-rate) sets it in each of them.
struct MonitorFlag {
  const Setting* setting;                                    // the first monitor's, for --help
  std::vector<std::pair<std::string, const Setting*>> uses;  // monitor, its setting
};

std::vector<std::string> tool_monitors(const ToolInfo& tool) {
  if (tool.monitors.empty()) return registered_monitors();
  std::vector<std::string> names = tool.monitors;
  for (const auto& optional : tool.optional_monitors) names.push_back(optional.monitor);
  return names;
}

std::vector<MonitorFlag> monitor_flags(const ToolInfo& tool) {
  std::vector<MonitorFlag> flags;
  for (const std::string& name : tool_monitors(tool)) {
    for (const Setting& s : find_settings_section(name)->settings) {
      if (s.flag.empty()) continue;
      auto same = std::find_if(flags.begin(), flags.end(),
                               [&](const MonitorFlag& f) { return f.setting->flag == s.flag; });
      if (same == flags.end()) same = flags.insert(flags.end(), MonitorFlag{&s, {}});
      same->uses.emplace_back(name, &s);
    }
  }
  return flags;
}

// The help line: the table's text, what it accepts and its default (when
// the default is a value one could give: --interval has none).
std::string flag_help(const Setting& s, const SettingsSection& section) {
  std::string help = s.help;
  switch (s.kind) {
    case SettingKind::Integer:
    case SettingKind::Number:
    case SettingKind::Choice: {
      std::any copy = section.defaults;
      const std::string value = s.show(section.defaults);
      std::string extra = s.accepts;
      if (s.read(RawValue::scalar("", value), copy)) extra += ", default " + value;
      help += !help.empty() && help.back() == ')' ? "; " + extra : " (" + extra + ")";
      break;
    }
    default:
      break;
  }
  if (!s.needs_flag.empty()) help += "; needs --" + s.needs_flag;
  return help;
}

void add_monitor_options(po::options_description& all, const ToolInfo& tool,
                         const std::vector<MonitorFlag>& flags) {
  for (const std::string& name : tool_monitors(tool)) {
    const SettingsSection& section = *find_settings_section(name);
    po::options_description group("Options of the " + name + " monitor (config: monitors." + name +
                                  ")");
    bool any = false;
    for (const MonitorFlag& f : flags) {
      if (f.uses.front().first != name) continue;
      const Setting& s = *f.setting;
      std::string help = flag_help(s, section);
      if (f.uses.size() > 1) {
        std::string others;
        for (size_t i = 1; i < f.uses.size(); ++i) others += (i > 1 ? ", " : "") + f.uses[i].first;
        help += "; also sets it for " + others;
      }
      auto add = group.add_options();
      const std::string names = s.flag + (s.short_flag ? std::string(",") + s.short_flag : "");
      if (s.value_name.empty()) {
        add(names.c_str(), help.c_str());
      } else if (s.repeatable) {
        add(names.c_str(), po::value<std::vector<std::string>>()->value_name(s.value_name),
            help.c_str());
      } else if (s.implicit_value) {
        add(names.c_str(),
            po::value<std::string>()->implicit_value(*s.implicit_value)->value_name(s.value_name),
            help.c_str());
      } else {
        add(names.c_str(), po::value<std::string>()->value_name(s.value_name), help.c_str());
      }
      any = true;
    }
    if (any) all.add(group);
  }
}

Result<void> apply_monitor_flags(const po::variables_map& vm, const std::vector<MonitorFlag>& flags,
                                 Config& config) {
  for (const MonitorFlag& f : flags) {
    const Setting& s = *f.setting;
    if (!vm.count(s.flag)) continue;
    if (!s.needs_flag.empty() && !vm.count(s.needs_flag))
      return Error::usage("--" + s.flag + " needs --" + s.needs_flag);
    std::vector<std::string> texts;
    if (s.value_name.empty())
      texts = {"true"};
    else if (s.repeatable)
      texts = vm[s.flag].as<std::vector<std::string>>();
    else
      texts = {vm[s.flag].as<std::string>()};
    for (const auto& [monitor, setting] : f.uses)
      for (const std::string& text : texts)
        if (auto r = setting->read(RawValue::scalar("--" + s.flag, text),
                                   config.monitors.at(monitor).settings);
            !r)
          return r;
  }
  return {};
}

Result<void> apply_positional(const ToolInfo& tool, const std::vector<std::string>& args,
                              Config& config) {
  RawValue value;
  value.kind = RawValue::Kind::Sequence;
  value.where = tool.positional_name;
  for (const std::string& a : args) value.items.push_back(RawValue::scalar(tool.positional_name, a));
  const Setting* s = find_settings_section(tool.positional_monitor)->by_key(tool.positional_key);
  return s->read(value, config.monitors.at(tool.positional_monitor).settings);
}

// --list, for a tool whose one monitor can list what it would trace.
const MonitorDescriptor* listing_monitor(const ToolInfo& tool) {
  if (tool.monitors.size() != 1) return nullptr;
  const MonitorDescriptor* d = find_monitor(tool.monitors.front());
  return d != nullptr && d->listing.run ? d : nullptr;
}

void print_help(const ToolInfo& tool, const po::options_description& all) {
  std::cout << "Usage: " << tool.usage << "\n\n" << tool.summary << "\n\n";
  // Boost leaves one space after the longest option; two, as help2man (the
  // man pages) and readers expect between an option and its description.
  all.print(std::cout, all.get_option_column_width() + 1);
  std::cout << "\n"
               "Signals and exit codes:\n"
               "  SIGINT, SIGTERM and SIGHUP (a hang-up) stop the run as Ctrl-C does; a\n"
               "  daemon or a systemd service reopens its log and event files on SIGHUP.\n"
               "  Exit codes: 0 success, 1 runtime failure, 2 bad usage or config.\n";
  // Last, because help2man's EXAMPLES section runs to the end of the text.
  // Each line is "  COMMAND  # what it does", with two spaces or more before
  // the '#': help2man makes each such line one example of its own (the
  // command, and under it what it does). A line without them would run
  // into the one before.
  if (!tool.examples.empty()) std::cout << "\nExamples:\n" << tool.examples;
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

CommandLine parse_command_line(int argc, char** argv, const ToolInfo& tool, ToolOptions* extra) {
  CommandLine result;
  set_program_name(tool.name);
  const std::vector<MonitorFlag> flags = monitor_flags(tool);
  const MonitorDescriptor* lister = listing_monitor(tool);
  po::options_description all = common_options();
  add_monitor_options(all, tool, flags);
  po::options_description own("Options of this tool");
  if (lister != nullptr) own.add_options()("list", lister->listing.help.c_str());
  for (const auto& optional : tool.optional_monitors)
    own.add_options()(optional.flag.c_str(), optional.help.c_str());
  if (extra != nullptr)
    for (const auto& option : extra->options.options()) own.add(option);
  if (!own.options().empty()) all.add(own);
  po::positional_options_description positional;
  // A tool without arguments still collects them, to name the stray one
  // (Boost would only say "too many positional options").
  const bool takes_arguments = !tool.positional_name.empty();
  const std::string positional_name = takes_arguments ? "positional" : "stray-arguments";
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
    result.exit_code = usage_error(tool, "unexpected argument '" +
                                             vm[positional_name].as<std::vector<std::string>>()[0] +
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
  if (applied) applied = apply_monitor_flags(vm, flags, result.config);
  if (applied && takes_arguments && vm.count(positional_name))
    applied =
        apply_positional(tool, vm[positional_name].as<std::vector<std::string>>(), result.config);
  if (applied && extra != nullptr && extra->apply) applied = extra->apply(vm, result.config);
  if (!applied) {
    result.exit_code = usage_error(tool, applied.error().to_string());
    return result;
  }
  if (vm.count("no-cache")) result.config.program_cache = false;
  result.list = vm.count("list") > 0;
  result.monitors = tool.monitors;
  for (const auto& optional : tool.optional_monitors)
    if (vm.count(optional.flag)) result.monitors.push_back(optional.monitor);
  log_debug("configuration: " + result.config.source);
  return result;
}

}  // namespace ebpfmon
