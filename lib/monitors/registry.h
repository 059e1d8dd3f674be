// Monitors register themselves (as the original Python monitor's
// @register_monitor decorator did): a monitor is one descriptor, made by
// EBPFMON_REGISTER_MONITOR in its own .cc file, with its name, its settings
// table and a factory. The config loader, the command line, --help, the
// front end's -m and --doctor all find it here.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/settings.h"
#include "monitors/monitor.h"

namespace ebpfmon {

// `<tool> --list`: what the monitor would trace, without tracing; `run`
// returns the exit code. Unset when the monitor has nothing to list.
struct MonitorListing {
  std::string help;
  std::function<int(const Config&, std::ostream&)> run;
};

// Whether `ebpfmon` runs a monitor when neither -m nor the config
// (monitors.<name>.enabled) says. On only for exec, exit, func and syscall,
// which ebpfmon ran before this rule: a monitor added since is Off until a
// user enables it, so an upgrade starts no new hooks on its own.
enum class ByDefault { Off, On };

struct MonitorDescriptor {
  std::string name;
  std::string traces;  // ebpfmon --list: "process executions"
  ByDefault by_default = ByDefault::Off;
  std::function<std::unique_ptr<Monitor>(const Config&)> create;
  MonitorListing listing;
};

// The settings table goes to core's registry (find_settings_section), where
// the config loader and the command line read it, with the default of
// `enabled` from `by_default`.
bool register_monitor(MonitorDescriptor descriptor, SettingsSection settings);
const MonitorDescriptor* find_monitor(const std::string& name);
std::vector<std::string> registered_monitors();  // sorted
// ebpfmon --list: one line per monitor, sorted, "<name>\t<on|off>\t<traces>"
// (on: it runs without -m unless the config disables it).
void list_monitors(std::ostream& out);

// The monitors of a run: those named (with -m; an unknown name is a usage
// error with a did-you-mean hint), or else every one the config enables.
Result<std::vector<std::unique_ptr<Monitor>>> create_monitors(const std::vector<std::string>& names,
                                                              const Config& config);

}  // namespace ebpfmon

// Class is built from its settings struct; Class::kName is its name,
// Class::kTraces what it traces and Class::settings_table() its
// SettingsSection; `by_default` is a ByDefault (Off for a new monitor);
// `listing` is a MonitorListing (in parentheses), or {}.
#define EBPFMON_REGISTER_MONITOR(Class, Settings, by_default, listing)              \
  namespace {                                                                       \
  [[maybe_unused]] const bool registered_##Class = ::ebpfmon::register_monitor(     \
      {Class::kName, Class::kTraces, by_default,                                    \
       [](const ::ebpfmon::Config& config) -> std::unique_ptr<::ebpfmon::Monitor> { \
         return std::make_unique<Class>(config.settings<Settings>(Class::kName));   \
       },                                                                           \
       listing},                                                                    \
      Class::settings_table());                                                     \
  }
