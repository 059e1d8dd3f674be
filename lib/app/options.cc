#include "app/options.h"

#include <algorithm>
#include <cctype>
#include <iostream>

#include "core/log.h"
#include "core/settings.h"
#include "core/text.h"
#include "core/version.h"
#include "monitors/registry.h"

namespace po = boost::program_options;

namespace ebpfmon {
namespace {

// The tool's own options that are no setting: where the config comes from,
// how much to log, and whether to use the program cache.
void add_first_options(po::options_description& d) {
  d.add_options()("config,c", po::value<std::string>()->value_name("FILE"),
                  "YAML config (default: ./monitor_config.yaml, then "
                  "/etc/ebpfmon/monitor_config.yaml)");
}

void add_last_options(po::options_description& d) {
  // clang-format off
  d.add_options()
      ("verbose,v", "debug logging on stderr")
      ("no-cache", "compile the BPF programs afresh instead of loading them from the program "
       "cache (/var/cache/ebpfmon/programs; also EBPFMON_CACHE=off)")
      ("help,h", "show this help and exit")
      ("version", "show the version and exit");
  // clang-format on
}

// A section of settings the tool takes as flags: the shared one (no name)
// or a monitor's.
struct FlagSection {
  std::string monitor;  // empty: the shared settings
  const SettingsSection* table;
};

std::vector<FlagSection> flag_sections(const ToolInfo& tool) {
  std::vector<FlagSection> sections{{"", &shared_settings()}};
  std::vector<std::string> names = tool.monitors.empty() ? registered_monitors() : tool.monitors;
  if (!tool.monitors.empty())
    for (const auto& optional : tool.optional_monitors) names.push_back(optional.monitor);
  for (const std::string& name : names) sections.push_back({name, find_settings_section(name)});
  return sections;
}

// Each flag once; a flag that several monitors share (--max-rate) sets it
// in each of them.
struct Flag {
  const Setting* setting;  // the first section's, for --help
  std::vector<std::pair<const FlagSection*, const Setting*>> uses;
};

std::vector<Flag> flags_of(const std::vector<FlagSection>& sections) {
  std::vector<Flag> flags;
  for (const FlagSection& section : sections) {
    for (const Setting& s : section.table->settings) {
      if (s.flag.empty()) continue;
      auto same = std::find_if(flags.begin(), flags.end(),
                               [&](const Flag& f) { return f.setting->flag == s.flag; });
      if (same == flags.end()) same = flags.insert(flags.end(), Flag{&s, {}});
      same->uses.emplace_back(&section, &s);
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
    case SettingKind::Choice:
    case SettingKind::Text: {
      std::any copy = section.defaults;
      const std::string value = s.show(section.defaults);
      std::string extra = s.accepts;
      if (!value.empty() && s.read(RawValue::scalar("", value), copy))
        extra += ", default " + value;
      help += !help.empty() && help.back() == ')' ? "; " + extra : " (" + extra + ")";
      break;
    }
    default:
      break;
  }
  if (!s.needs_flag.empty()) help += "; needs --" + s.needs_flag;
  return help;
}

std::string flag_name(const Setting& s) {
  return s.short_flag ? std::string("-") + s.short_flag : "--" + s.flag;
}

void add_flag(po::options_description& group, const Flag& f) {
  const Setting& s = *f.setting;
  std::string help = flag_help(s, *f.uses.front().first->table);
  if (f.uses.size() > 1) {
    std::string others;
    for (size_t i = 1; i < f.uses.size(); ++i)
      others += (i > 1 ? ", " : "") + f.uses[i].first->monitor;
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
}

// "Common options" (the shared settings between the tool's own first and
// last options), then one group per monitor.
void add_flag_options(po::options_description& all, const std::vector<FlagSection>& sections,
                      const std::vector<Flag>& flags) {
  for (const FlagSection& section : sections) {
    const std::string title = section.monitor.empty()
                                  ? "Common options"
                                  : "Options of the " + section.monitor +
                                        " monitor (config: monitors." + section.monitor + ")";
    po::options_description group(title);
    if (section.monitor.empty()) add_first_options(group);
    for (const Flag& f : flags)
      if (f.uses.front().first == &section) add_flag(group, f);
    if (section.monitor.empty()) add_last_options(group);
    if (!group.options().empty()) all.add(group);
  }
}

Result<void> apply_flags(const po::variables_map& vm, const std::vector<Flag>& flags,
                         Config& config) {
  std::any shared = &config;
  for (const Flag& f : flags) {
    const Setting& s = *f.setting;
    if (!vm.count(s.flag)) continue;
    if (!s.needs_flag.empty() && !vm.count(s.needs_flag))
      return Error::usage("--" + s.flag + " needs --" + s.needs_flag);
    if (!s.excludes_flag.empty() && vm.count(s.excludes_flag)) {
      const Flag& other = *std::find_if(flags.begin(), flags.end(), [&](const Flag& g) {
        return g.setting->flag == s.excludes_flag;
      });
      return Error::usage(flag_name(s) + " and " + flag_name(*other.setting) + " " +
                          s.excludes_reason + ": give one");
    }
    std::vector<std::string> texts;
    if (s.value_name.empty())
      texts = {"true"};
    else if (s.repeatable)
      texts = vm[s.flag].as<std::vector<std::string>>();
    else
      texts = {vm[s.flag].as<std::string>()};
    for (const auto& [section, setting] : f.uses) {
      std::any& target =
          section->monitor.empty() ? shared : config.monitors.at(section->monitor).settings;
      for (const std::string& text : texts)
        if (auto r = setting->read(RawValue::scalar("--" + s.flag, text), target); !r) return r;
    }
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
  const std::vector<FlagSection> sections = flag_sections(tool);
  const std::vector<Flag> flags = flags_of(sections);
  const MonitorDescriptor* lister = listing_monitor(tool);
  po::options_description all;
  add_flag_options(all, sections, flags);
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
  Result<void> applied = apply_flags(vm, flags, result.config);
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
