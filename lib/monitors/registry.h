// Monitors register themselves by name (the seed's @register_monitor): a new
// monitor is one BPF file in ebpf/ and one class in lib/monitors/ with an
// EBPFMON_REGISTER_MONITOR line; nothing else changes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "monitors/monitor.h"

namespace ebpfmon {

using MonitorFactory = std::function<std::unique_ptr<Monitor>()>;

bool register_monitor(const std::string& name, MonitorFactory factory);
std::unique_ptr<Monitor> create_monitor(const std::string& name);  // nullptr if unknown
std::vector<std::string> registered_monitors();                   // sorted

}  // namespace ebpfmon

#define EBPFMON_REGISTER_MONITOR(Class, name)                                        \
  namespace {                                                                        \
  [[maybe_unused]] const bool registered_##Class =                                   \
      ::ebpfmon::register_monitor(name, [] { return std::make_unique<Class>(); });   \
  }
