#include "monitors/registry.h"

#include <algorithm>

#include "core/text.h"

namespace ebpfmon {
namespace {

// A function-local static: registrations run from other objects' static
// initialisers, whose order we do not control.
std::vector<MonitorDescriptor>& descriptors() {
  static std::vector<MonitorDescriptor> all;
  return all;
}

}  // namespace

bool register_monitor(MonitorDescriptor descriptor, SettingsSection settings) {
  if (find_monitor(descriptor.name) != nullptr || settings.name != descriptor.name) return false;
  settings.enabled_by_default = descriptor.by_default == ByDefault::On;
  if (!register_settings_section(std::move(settings))) return false;
  descriptors().push_back(std::move(descriptor));
  std::sort(descriptors().begin(), descriptors().end(),
            [](const MonitorDescriptor& a, const MonitorDescriptor& b) { return a.name < b.name; });
  return true;
}

const MonitorDescriptor* find_monitor(const std::string& name) {
  for (const MonitorDescriptor& d : descriptors())
    if (d.name == name) return &d;
  return nullptr;
}

std::vector<std::string> registered_monitors() {
  std::vector<std::string> names;
  for (const MonitorDescriptor& d : descriptors()) names.push_back(d.name);
  return names;
}

void list_monitors(std::ostream& out) {
  for (const MonitorDescriptor& d : descriptors())
    out << d.name << '\t' << (d.by_default == ByDefault::On ? "on" : "off") << '\t' << d.traces
        << '\n';
}

Result<std::vector<std::unique_ptr<Monitor>>> create_monitors(const std::vector<std::string>& names,
                                                              const Config& config) {
  const std::vector<std::string> known = registered_monitors();
  std::vector<std::unique_ptr<Monitor>> monitors;
  if (names.empty()) {
    for (const MonitorDescriptor& d : descriptors())
      if (config.monitors.at(d.name).enabled) monitors.push_back(d.create(config));
    if (monitors.empty())
      return Error::usage("no monitor is enabled in " + config.source +
                          " (monitors.<name>.enabled)");
    return monitors;
  }
  for (const std::string& name : names) {
    const MonitorDescriptor* d = find_monitor(name);
    if (d == nullptr) {
      std::string message = "--monitors: unknown monitor " + quote_for_message(name);
      if (auto i = closest_match(name, known)) message += " (did you mean '" + known[*i] + "'?)";
      std::string all;
      for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
      return Error::usage(message + "; known: " + all);
    }
    monitors.push_back(d->create(config));
  }
  return monitors;
}

}  // namespace ebpfmon
