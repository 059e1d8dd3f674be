#include "app/daemon.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "app/control_socket.h"

namespace ebpfmon {
namespace {

// One thing still going on, from the keys its event has: "pid 412 (flock)
// flock for 61.2 s, state S in locks_lock_inode_wait".
std::string in_flight_line(const nlohmann::json& e) {
  std::ostringstream out;
  out << "pid " << e.value("pid", 0) << " (" << e.value("comm", "") << ") "
      << e.value("syscall_name", "") << " for " << e.value("duration_ms", 0.0) / 1000 << " s";
  if (e.contains("task_state") && e["task_state"].is_string())
    out << ", state " << e["task_state"].get<std::string>();
  if (e.contains("wchan") && e["wchan"].is_string() && !e["wchan"].get<std::string>().empty())
    out << " in " << e["wchan"].get<std::string>();
  return out.str();
}

constexpr char kReadyMarker[] =
    "\x01"
    "ebpfmon-ready\n";

bool lock_is_free(const std::filesystem::path& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return true;
  const bool free = flock(fd, LOCK_EX | LOCK_NB) == 0;
  close(fd);
  return free;
}

pid_t read_pid(const std::filesystem::path& path) {
  std::ifstream in(path);
  long pid = 0;
  in >> pid;
  return pid > 0 ? static_cast<pid_t>(pid) : 0;
}

// The lock goes when the process closes its files, a moment before it has
// exited; a zombie has exited (its reaper may be slow, e.g. pid 1 in a container).
bool has_exited(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] == 'Z' ||
         line[paren + 2] == 'X';
}

}  // namespace

DaemonPaths daemon_paths() {
  const char* env = std::getenv("EBPFMON_RUN_DIR");
  return {env != nullptr && *env != '\0' ? env : "/run/ebpfmon"};
}

Result<PidFile> PidFile::acquire(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return Error::runtime("cannot open " + path.string() + ": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    (void)!pread(fd, pid, sizeof pid - 1, 0);
    close(fd);
    return Error::runtime("a daemon is already running (pid " +
                          std::string(pid, strcspn(pid, "\n")) + ", " + path.string() +
                          "); stop it with ebpfmon --daemon-stop");
  }
  return PidFile(fd, path);
}

PidFile::~PidFile() {
  if (fd_ < 0) return;
  if (written_) unlink(path_.c_str());
  close(fd_);
}

Result<void> PidFile::write_pid() {
  const std::string text = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_, 0) != 0 ||
      pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    return Error::runtime("cannot write " + path_.string() + ": " + std::strerror(errno));
  written_ = true;
  return {};
}

int run_detached(const std::filesystem::path& log_file,
                 const std::function<int(const std::function<void()>& ready)>& body) {
  int relay[2];
  if (pipe2(relay, O_CLOEXEC) != 0) {
    std::cerr << "ebpfmon: pipe: " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cout.flush();
  std::cerr.flush();
  const pid_t child = fork();
  if (child < 0) {
    std::cerr << "ebpfmon: fork: " << std::strerror(errno) << "\n";
    return 1;
  }
  if (child > 0) {
    close(relay[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(relay[0], buf, sizeof buf)) > 0) {
      text.append(buf, static_cast<size_t>(n));
      const size_t marker = text.find(kReadyMarker);
      if (marker != std::string::npos) {
        std::cerr << text.substr(0, marker) << "ebpfmon: daemon started (pid " << child << "); log "
                  << log_file.string() << "\n";
        return 0;
      }
    }
    std::cerr << text;
    int status = 0;
    waitpid(child, &status, 0);
    std::cerr << "ebpfmon: the daemon did not start\n";
    return 1;
  }
  // The child: its own session, no terminal; errors reach the parent until ready.
  close(relay[0]);
  setsid();
  const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  dup2(null_fd, STDIN_FILENO);
  dup2(null_fd, STDOUT_FILENO);
  dup2(relay[1], STDERR_FILENO);
  // From then on the log file (open_log_file) has what stderr would show.
  const auto ready = [&] {
    std::cerr.flush();
    (void)!write(STDERR_FILENO, kReadyMarker, sizeof kReadyMarker - 1);
    dup2(null_fd, STDERR_FILENO);
    close(relay[1]);
  };
  return body(ready);
}

void notify_systemd_ready() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || *path == '\0') return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const char msg[] = "READY=1";
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + std::strlen(path));
  (void)!sendto(fd, msg, sizeof msg - 1, 0, reinterpret_cast<sockaddr*>(&addr), len);
  close(fd);
}

int print_daemon_status(bool json) {
  bool no_daemon = false;
  auto reply = control_request(daemon_paths().socket(), "status", &no_daemon);
  if (!reply) {
    std::cerr << "ebpfmon: " << reply.error().to_string() << "\n";
    return no_daemon ? 3 : 1;
  }
  if (json) {
    std::cout << *reply;
    return 0;
  }
  const auto j = nlohmann::json::parse(*reply, nullptr, false);
  if (j.is_discarded()) {
    std::cerr << "ebpfmon: the daemon sent an unreadable status\n";
    return 1;
  }
  std::cout << "ebpfmon daemon: pid " << j["pid"] << ", up "
            << static_cast<long>(j["uptime_seconds"].get<double>()) << " s, config "
            << j["config"].get<std::string>() << "\n";
  for (const auto& m : j["monitors"]) {
    std::cout << "  " << m["name"].get<std::string>() << ": " << m["events_written"]
              << " events written, " << m["lost"]["total"] << " lost (kernel buffer "
              << m["lost"]["kernel_buffer"] << ", kernel map " << m["lost"]["kernel_map"]
              << ", user space " << m["lost"]["user_space"] << ", write errors "
              << m["lost"]["write_errors"] << ", export " << m["lost"]["export"] << "), "
              << m["rate_limited"] << " rate-limited\n"
              << "    file: " << m["file"].get<std::string>() << "\n    hooks:";
    for (const auto& h : m["hooks"]) std::cout << " " << h.get<std::string>() << ";";
    std::cout << "\n";
    if (m.contains("summary"))
      std::cout << "    summary: " << m["summary"].size()
                << " rows in its latest report (--json shows them)\n";
    if (m.contains("in_flight")) {
      std::cout << "    in flight: " << m["in_flight"].size() << " (--json shows them whole)\n";
      for (const auto& e : m["in_flight"]) std::cout << "      " << in_flight_line(e) << "\n";
    }
  }
  if (j.contains("export")) {
    const auto& e = j["export"];
    std::cout << "  export: " << (e.value("connected", false) ? "connected" : "not connected")
              << ", " << e.value("published", uint64_t{0}) << " published, "
              << e.value("acked", uint64_t{0}) << " acked, " << e.value("retried", uint64_t{0})
              << " retried, " << e.value("spool_bytes", uint64_t{0}) << " bytes spooled\n";
  }
  if (j.contains("output")) {
    const auto& o = j["output"];
    std::cout << "  output: " << o.value("files_removed", uint64_t{0})
              << " old event files removed (" << o.value("bytes_removed", uint64_t{0})
              << " bytes) to keep output.max_total_mb and output.max_age_days\n";
  }
  return 0;
}

int stop_daemon() {
  const DaemonPaths paths = daemon_paths();
  const pid_t pid = read_pid(paths.pid_file());
  bool no_daemon = false;
  auto reply = control_request(paths.socket(), "stop", &no_daemon);
  if (!reply) {
    std::cerr << "ebpfmon: " << reply.error().to_string() << "\n";
    return no_daemon ? 3 : 1;
  }
  // It has stopped when it has flushed, closed everything and exited,
  // releasing the pid file's lock.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!lock_is_free(paths.pid_file()) || (pid > 0 && !has_exited(pid))) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "ebpfmon: the daemon did not stop within 120 s\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cerr << "ebpfmon: daemon stopped\n";
  return 0;
}

}  // namespace ebpfmon
