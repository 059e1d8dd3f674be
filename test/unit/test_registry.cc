// The registry decides what `ebpfmon` runs without -m: these tests hold the
// rule that only the monitors of before it are on by default, and that the
// config's default and `ebpfmon --list` both come from the descriptors.
#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <string>

#include "core/config.h"
#include "monitors/registry.h"

using namespace ebpfmon;

TEST_CASE("only exec, exit, func and syscall run by default; a monitor added since is off") {
  // Turning one more on would start new hooks on every upgraded host that
  // does not name it: that has to be a decision made here, not a default.
  const std::set<std::string> on_before_the_rule{"exec", "exit", "func", "syscall"};
  for (const std::string& name : registered_monitors()) {
    CAPTURE(name);
    const bool on = find_monitor(name)->by_default == ByDefault::On;
    CHECK(on == (on_before_the_rule.count(name) == 1));
  }
}

TEST_CASE("monitors.<name>.enabled defaults to the descriptor's choice") {
  const Config defaults;
  for (const std::string& name : registered_monitors()) {
    CAPTURE(name);
    CHECK(defaults.monitors.at(name).enabled == (find_monitor(name)->by_default == ByDefault::On));
    for (const bool enabled : {false, true}) {
      const std::string text =
          "monitors:\n  " + name + ":\n    enabled: " + (enabled ? "true" : "false") + "\n";
      auto config = parse_config(text, "t.yaml");
      REQUIRE(config);
      CHECK(config->monitors.at(name).enabled == enabled);
    }
  }
}

TEST_CASE("ebpfmon --list: one line per registered monitor, name, on or off, what it traces") {
  std::ostringstream out;
  list_monitors(out);
  std::istringstream lines(out.str());
  std::string line;
  for (const std::string& name : registered_monitors()) {
    REQUIRE(std::getline(lines, line));
    const MonitorDescriptor* d = find_monitor(name);
    CHECK(line == name + "\t" + (d->by_default == ByDefault::On ? "on" : "off") + "\t" + d->traces);
    CHECK_FALSE(d->traces.empty());
  }
  CHECK_FALSE(std::getline(lines, line));
  CHECK(("\n" + out.str()).find("\nexec\ton\tprocess executions\n") != std::string::npos);
}
