// ebpfmon: several monitors in one process, from a YAML config or -m.
#include <iostream>

#include "app/daemon.h"
#include "app/doctor.h"
#include "app/front_end.h"
#include "app/options.h"
#include "core/config.h"
#include "monitors/registry.h"

namespace po = boost::program_options;
using namespace ebpfmon;

namespace {

std::string monitor_names() {
  std::string names;
  for (const std::string& name : registered_monitors()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  ToolInfo tool{"ebpfmon",
                "ebpfmon [OPTIONS]",
                "Run several monitors (" + monitor_names() +
                    ") in one process, from the YAML config or -m. A monitor this kernel cannot "
                    "run is reported and left out.",
                "  sudo ebpfmon --config monitor_config.yaml  # the monitors the config enables\n"
                "  sudo ebpfmon -m exec,syscall -p nginx,mysql -u root,www-data  # two monitors\n"
                "  sudo ebpfmon --doctor                      # what this machine can trace\n"
                "  ebpfmon --list                             # the monitors and their defaults\n",
                {},
                "",
                "",
                ""};
  ToolOptions extra;
  // clang-format off
  extra.options.add_options()
      ("monitors,m", po::value<std::string>()->value_name("LIST"),
       ("run these monitors (comma list of " + monitor_names() +
        ") instead of those the config enables").c_str())
      ("list", "print the monitors, one per line as NAME<TAB>on|off<TAB>what it traces (on: run "
               "without -m unless the config disables it), and exit")
      ("doctor", "report what this kernel allows and which hooks each monitor would use, and "
                 "exit (0 when at least one monitor can run)")
      ("daemon", "run in the background (under systemd, Type=notify: in the foreground); one "
                 "instance, guarded by /run/ebpfmon/ebpfmon.pid; stderr goes to logging.file")
      ("daemon-status", "print the running daemon's monitors, hooks, events written and lost, "
                        "and files; exit 3 when none runs")
      ("daemon-stop", "stop the daemon gracefully and wait until it has flushed; exit 3 when "
                      "none runs")
      ("json", "with --daemon-status: the status as JSON")
      ("metrics", po::value<std::string>()->value_name("ADDR:PORT"),
       "serve Prometheus metrics at http://ADDR:PORT/metrics (e.g. 127.0.0.1:9464; a bare "
       "port means loopback; port 0 picks a free one); config: metrics.enabled, metrics.listen");
  // clang-format on
  std::vector<std::string> names;
  bool list = false, doctor = false, daemon = false, status = false, stop = false, json = false;
  extra.apply = [&](const po::variables_map& vm, Config& config) -> Result<void> {
    doctor = vm.count("doctor") > 0;
    daemon = vm.count("daemon") > 0;
    status = vm.count("daemon-status") > 0;
    stop = vm.count("daemon-stop") > 0;
    json = vm.count("json") > 0;
    if (doctor + daemon + status + stop > 1)
      return Error::usage(
          "--doctor, --daemon, --daemon-status and --daemon-stop exclude each other");
    if (json && !status) return Error::usage("--json needs --daemon-status");
    list = vm.count("list") > 0;
    if (list && (doctor || daemon || status || stop || vm.count("monitors")))
      return Error::usage(
          "--list excludes -m, --doctor, --daemon, --daemon-status and --daemon-stop");
    if (vm.count("metrics")) {
      // metrics.listen's own reader, so the flag and the key say the same.
      std::any target = &config;
      const Setting& listen = *shared_settings().by_key("metrics.listen");
      if (auto r =
              listen.read(RawValue::scalar("--metrics", vm["metrics"].as<std::string>()), target);
          !r)
        return r;
      config.metrics.enabled = true;
    }
    if (!vm.count("monitors")) return {};
    auto list = parse_word_list(vm["monitors"].as<std::string>(), "--monitors", "monitor name");
    if (!list) return list.error();
    names = *list;
    return {};
  };
  CommandLine cmd = parse_command_line(argc, argv, tool, &extra);
  if (cmd.exit_code) return *cmd.exit_code;
  if (list) {
    list_monitors(std::cout);
    return 0;
  }
  if (status) return print_daemon_status(json);
  if (stop) return stop_daemon();

  auto monitors = create_monitors(names, cmd.config);
  if (!monitors) {
    std::cerr << "ebpfmon: " << monitors.error().message << "\n";
    return monitors.error().exit_code();
  }
  if (doctor) return run_doctor(cmd.config, *monitors, std::cout);
  return run_front_end(std::move(cmd.config), std::move(*monitors), daemon);
}
