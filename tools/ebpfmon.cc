// ebpfmon: several monitors in one process, from a YAML config or -m.
#include <iostream>

#include "app/doctor.h"
#include "app/options.h"
#include "app/runner.h"
#include "core/text.h"
#include "monitors/registry.h"

namespace po = boost::program_options;
using namespace ebpfmon;

namespace {

// -m names, checked against the registry; without -m, every registered
// monitor the config enables.
Result<std::vector<std::unique_ptr<Monitor>>> choose_monitors(const std::vector<std::string>& names,
                                                              const Config& config) {
  const std::vector<std::string> known = registered_monitors();
  std::vector<std::unique_ptr<Monitor>> monitors;
  if (names.empty()) {
    for (const std::string& name : known) {
      auto monitor = create_monitor(name);
      if (monitor->enabled_in(config)) monitors.push_back(std::move(monitor));
    }
    if (monitors.empty())
      return Error::usage("no monitor is enabled in " + config.source +
                          " (monitors.<name>.enabled)");
    return monitors;
  }
  for (const std::string& name : names) {
    auto monitor = create_monitor(name);
    if (!monitor) {
      std::string message = "--monitors: unknown monitor " + quote_for_message(name);
      if (auto i = closest_match(name, known)) message += " (did you mean '" + known[*i] + "'?)";
      std::string all;
      for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
      return Error::usage(message + "; known: " + all);
    }
    monitors.push_back(std::move(monitor));
  }
  return monitors;
}

}  // namespace

int main(int argc, char** argv) {
  ToolInfo tool{"ebpfmon", "ebpfmon [OPTIONS]",
                "Run several monitors (exec, syscall, func) in one process, from the YAML config "
                "or -m. A monitor this kernel cannot run is reported and left out.",
                "  sudo ebpfmon --config monitor_config.yaml   # the monitors the config enables\n"
                "  sudo ebpfmon -m exec,syscall -p nginx,mysql -u root,www-data\n"
                "  sudo ebpfmon --doctor                       # what this machine can trace\n"};
  ToolOptions extra;
  extra.options.add_options()(
      "monitors,m", po::value<std::string>()->value_name("LIST"),
      "run these monitors (comma list of exec, func, syscall) instead of those the config "
      "enables")("doctor",
                 "report what this kernel allows and which hooks each monitor would use, and exit "
                 "(0 when at least one monitor can run)");
  std::vector<std::string> names;
  bool doctor = false;
  extra.apply = [&](const po::variables_map& vm, Config&) -> Result<void> {
    doctor = vm.count("doctor") > 0;
    if (!vm.count("monitors")) return {};
    auto list = parse_word_list(vm["monitors"].as<std::string>(), "--monitors", "monitor name");
    if (!list) return list.error();
    names = *list;
    return {};
  };
  CommandLine cmd = parse_command_line(argc, argv, tool, &extra);
  if (cmd.exit_code) return *cmd.exit_code;

  auto monitors = choose_monitors(names, cmd.config);
  if (!monitors) {
    std::cerr << "ebpfmon: " << monitors.error().message << "\n";
    return monitors.error().exit_code();
  }
  if (doctor) return run_doctor(cmd.config, *monitors, std::cout);
  RunOptions options;
  options.skip_unavailable = true;
  return run_monitors(cmd.config, std::move(*monitors), options);
}
