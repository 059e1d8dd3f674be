#include "monitors/registry.h"

#include <map>

namespace ebpfmon {
namespace {

// A function-local static: registrations run from other objects' static
// initialisers, whose order we do not control.
std::map<std::string, MonitorFactory>& factories() {
  static std::map<std::string, MonitorFactory> map;
  return map;
}

}  // namespace

bool register_monitor(const std::string& name, MonitorFactory factory) {
  return factories().emplace(name, std::move(factory)).second;
}

std::unique_ptr<Monitor> create_monitor(const std::string& name) {
  auto it = factories().find(name);
  return it == factories().end() ? nullptr : it->second();
}

std::vector<std::string> registered_monitors() {
  std::vector<std::string> names;
  for (const auto& entry : factories()) names.push_back(entry.first);
  return names;
}

}  // namespace ebpfmon
