// ebpfmon --daemon: the pid file that keeps one instance, detaching from the
// terminal, and the --daemon-status / --daemon-stop clients.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "core/result.h"

namespace ebpfmon {

// /run/ebpfmon (or $EBPFMON_RUN_DIR): ebpfmon.pid and ebpfmon.sock.
struct DaemonPaths {
  std::filesystem::path dir;
  std::filesystem::path pid_file() const { return dir / "ebpfmon.pid"; }
  std::filesystem::path socket() const { return dir / "ebpfmon.sock"; }
};
DaemonPaths daemon_paths();

// The pid file, locked with flock for as long as the process (and any child
// it forks) keeps it open. A second instance finds it locked and refuses; a
// file left by a dead daemon is not locked and is taken over.
class PidFile {
 public:
  static Result<PidFile> acquire(const std::filesystem::path& path);
  PidFile(PidFile&& other) noexcept
      : fd_(other.fd_), path_(std::move(other.path_)), written_(other.written_) {
    other.fd_ = -1;
    other.written_ = false;
  }
  PidFile(const PidFile&) = delete;
  // Removes the file if this process wrote it, while still holding its
  // lock, so no stale pid (maybe reused) is left for logrotate to signal.
  ~PidFile();
  Result<void> write_pid();  // this process's pid, after a fork

 private:
  PidFile(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::filesystem::path path_;
  bool written_ = false;
};

// Forks. The parent relays the child's stderr until the child calls
// `ready` (then prints that the daemon started and exits 0) or dies (exit 1).
// The child runs `body` in a new session with stdin and stdout on /dev/null,
// and stderr too after `ready` (the log file, opened before, has it all);
// returns body's result in the child. `log_file` is named in the message.
int run_detached(const std::filesystem::path& log_file,
                 const std::function<int(const std::function<void()>& ready)>& body);

// Tells systemd (Type=notify) that the service is ready, when NOTIFY_SOCKET
// is set; nothing otherwise.
void notify_systemd_ready();

// Clients; exit codes: 0, 1 (runtime error) or 3 (no daemon running).
int print_daemon_status(bool json);
int stop_daemon();

}  // namespace ebpfmon
