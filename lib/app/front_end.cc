#include "app/front_end.h"

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>

#include "app/daemon.h"
#include "app/runner.h"
#include "core/log.h"

namespace ebpfmon {

int run_front_end(Config config, std::vector<std::unique_ptr<Monitor>> monitors, bool daemon) {
  const auto log_file = std::filesystem::absolute(config.logging.file);
  if (auto r = open_log_file(log_file, log_level_from_name(config.logging.level),
                             config.logging.backup_count);
      !r) {
    std::cerr << "ebpfmon: " << r.error().to_string() << "\n";
    return 1;
  }
  const bool under_systemd = std::getenv("NOTIFY_SOCKET") != nullptr;
  if ((daemon || under_systemd) && config.output.to_stdout()) {
    std::cerr << "ebpfmon: a daemon has no stdout to write events to (-o -): give -o DIR\n";
    return 2;
  }
  set_log_file_only(under_systemd);
  RunOptions options;
  options.skip_unavailable = true;
  if (!daemon && !under_systemd) {
    log_info("ebpfmon started; configuration: " + config.source);
    return run_monitors(config, std::move(monitors), options);
  }

  // A daemon: one instance, a control socket, paths that do not depend on
  // where it was started from. A second one says in the shared log that
  // it was refused, not that it started.
  config.output.directory = std::filesystem::absolute(config.output.directory).string();
  const DaemonPaths paths = daemon_paths();
  auto pid_file = PidFile::acquire(paths.pid_file());
  if (!pid_file) {
    log_error("refused to start: " + pid_file.error().message);
    return 1;
  }
  log_info("ebpfmon started; configuration: " + config.source);
  options.how_to_end =
      under_systemd ? "systemctl stop ebpfmon ends it." : "ebpfmon --daemon-stop ends it.";
  options.control_socket = paths.socket();
  options.hangup_reopens = true;
  auto run = [&](std::function<void()> ready) {
    if (auto r = pid_file->write_pid(); !r) {
      std::cerr << "ebpfmon: " << r.error().message << "\n";
      return 1;
    }
    options.at_start = std::move(ready);
    return run_monitors(config, std::move(monitors), options);
  };
  if (under_systemd) return run(notify_systemd_ready);
  return run_detached(log_file, run);
}

}  // namespace ebpfmon
