#include "plan_grid.h"

#include <stdlib.h>

#include <functional>
#include <map>
#include <regex>
#include <sstream>

#include "bpf/capabilities.h"
#include "monitors/registry.h"

namespace ebpfmon::test {
namespace {

// The values worth planning for one setting; the others (numbers) only
// fill maps or compare at run time. A list may compile in the map it fills
// (net's --port, --remote): one short list of each kind the tables take, a
// number and an address block, of which a setting reads those it accepts.
std::vector<std::string> grid_values(const Setting& s) {
  switch (s.kind) {
    case SettingKind::Bool:
      return {"false", "true"};
    case SettingKind::Choice:
      return s.choices;
    case SettingKind::Integer:
      return {std::to_string(s.min), std::to_string(s.max)};
    case SettingKind::Words:
      return {"1", "127.0.0.0/8"};
    default:
      return {};
  }
}

Result<void> give(const Setting& s, const std::string& text, std::any& settings) {
  return s.read(RawValue::scalar("plan grid: --" + s.flag + " " + s.key, text), settings);
}

// The monitor's settings at their defaults, then each moved alone.
std::vector<std::any> settings_grid(const SettingsSection& section) {
  std::vector<std::any> grid{section.defaults};
  for (const Setting& s : section.settings) {
    for (const std::string& value : grid_values(s)) {
      std::any settings = section.defaults;
      const Setting* needed = s.needs_flag.empty() ? nullptr : section.by_flag(s.needs_flag);
      if (needed != nullptr && needed->implicit_value &&
          !give(*needed, *needed->implicit_value, settings))
        continue;
      if (give(s, value, settings)) grid.push_back(std::move(settings));
    }
  }
  return grid;
}

Filters every_filter() {
  Filters f;
  f.pids = {1};
  f.uids = {0};
  f.comms = {"init"};
  f.cgroup = "/";
  f.container = "0123456789ab";
  return f;
}

// The capabilities as probed, then with fallbacks forced: perf buffer, a
// hash for in-flight calls and unrolled loops, then classic tracepoints.
const std::vector<std::string> kDisabled = {"", "ringbuf,task_storage,fallthrough_loops",
                                            "raw_tracepoint,task_storage"};

Capabilities capabilities_without(const std::string& disabled) {
  setenv("EBPFMON_DISABLE_FEATURES", disabled.c_str(), 1);
  Capabilities caps;
  unsetenv("EBPFMON_DISABLE_FEATURES");
  return caps;
}

}  // namespace

std::set<std::string> define_names(const ProgramSpec& spec) {
  std::set<std::string> names;
  for (const auto& define : spec.defines) names.insert(define.first);
  return names;
}

PlanGrid plan_grid() {
  PlanGrid grid;
  std::set<std::pair<std::string, std::set<std::string>>> seen;
  std::set<std::string> planned;
  for (const std::string& name : registered_monitors()) {
    const MonitorDescriptor* monitor = find_monitor(name);
    const std::vector<std::any> settings = settings_grid(*find_settings_section(name));
    std::string why_not;
    for (const std::string& disabled : kDisabled) {
      Capabilities caps = capabilities_without(disabled);
      for (const Filters& filters : {Filters{}, every_filter()}) {
        for (const std::any& s : settings) {
          Config config;
          config.filters = filters;
          config.monitors.at(name).settings = s;
          auto spec = monitor->create(config)->program_spec(config, caps);
          if (!spec && spec.error().exit_code() == 1) {
            why_not = spec.error().message;  // the kernel: no other settings change that
            break;
          }
          if (!spec) continue;  // settings that do not go together
          planned.insert(name);
          if (seen.emplace(name, define_names(*spec)).second)
            grid.programs.push_back({std::move(*spec), caps.has(Feature::TaskStorage)});
        }
      }
    }
    if (planned.count(name) == 0) grid.not_planned.push_back(name + ": " + why_not);
  }
  return grid;
}

std::set<std::string> switches_in(const std::string& source) {
  static const std::regex conditional(R"(^\s*#\s*(ifdef|if|elif)\b(.*)$)");
  static const std::regex defined(R"(defined\s*\(?\s*(\w+))");
  static const std::regex ifdef_name(R"(^\s*(\w+))");
  static const std::regex definition(R"(^\s*#\s*define\s+(\w+))");
  std::set<std::string> names, own;
  std::istringstream in(source);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, definition)) own.insert(m[1]);
    if (!std::regex_search(line, m, conditional)) continue;
    const std::string rest = m[2];
    if (m[1] == "ifdef" && std::regex_search(rest, m, ifdef_name)) names.insert(m[1]);
    for (std::sregex_iterator it(rest.begin(), rest.end(), defined), end; it != end; ++it)
      names.insert((*it)[1]);
  }
  std::set<std::string> switches;
  for (const std::string& n : names)
    if (own.count(n) == 0 && n.rfind("__", 0) != 0) switches.insert(n);
  return switches;
}

std::vector<PlannedProgram> covering(const std::vector<PlannedProgram>& programs) {
  std::map<std::string, std::set<std::string>> missing;  // by program: names no pick defines yet
  for (const PlannedProgram& p : programs) {
    const auto names = define_names(p.spec);
    missing[p.spec.name].insert(names.begin(), names.end());
  }
  std::vector<PlannedProgram> picked;
  for (auto& [program, left] : missing) {
    while (!left.empty()) {
      const PlannedProgram* best = nullptr;
      size_t best_count = 0;
      for (const PlannedProgram& p : programs) {
        if (p.spec.name != program) continue;
        size_t count = 0;
        for (const std::string& n : define_names(p.spec)) count += left.count(n);
        if (count > best_count) best = &p, best_count = count;
      }
      for (const std::string& n : define_names(best->spec)) left.erase(n);
      picked.push_back(*best);
    }
  }
  return picked;
}

}  // namespace ebpfmon::test
