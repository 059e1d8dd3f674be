#include "bpf/compile_helper.h"

#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>

#include "core/fd_io.h"
#include "core/log.h"
#include "core/unique_fd.h"

extern char** environ;

namespace ebpfmon {
namespace {

// Request and replies travel through memory files: no pipe to fill while
// the other side waits, and no thread to drain one.
UniqueFd memory_file(const char* name, const std::string& contents = {}) {
  UniqueFd fd(memfd_create(name, MFD_CLOEXEC));
  if (!fd || !write_all(fd.get(), contents)) return UniqueFd();
  lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

std::string read_from_start(int fd) {
  std::string out;
  if (lseek(fd, 0, SEEK_SET) == 0) read_all(fd, out);
  return out;
}

struct Helper {
  size_t index = 0;
  pid_t pid = -1;
  UniqueFd out;
  UniqueFd err;
  std::chrono::steady_clock::time_point started;
};

Error helper_error(const std::string& name, const std::string& what) {
  return Error::runtime("cannot compile the " + name + " BPF program: " + what,
                        "ebpfmon-compile is installed with the tools; EBPFMON_COMPILER names "
                        "another one");
}

Result<Helper> spawn_helper(const std::string& path, const CompileRequest& request, size_t index) {
  UniqueFd in = memory_file("ebpfmon-compile-request", request.serialize());
  Helper helper{index, -1, memory_file("ebpfmon-compile-out"), memory_file("ebpfmon-compile-err"),
                std::chrono::steady_clock::now()};
  if (!in || !helper.out || !helper.err)
    return helper_error(request.name, std::string("memfd_create: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, helper.out.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, helper.err.get(), STDERR_FILENO);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  // The signal mask is inherited: a Ctrl-C during start-up ends the run once
  // the compile is done (the tool's own signals are blocked by then too).
  const int rc = posix_spawn(&helper.pid, path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return helper_error(request.name, "cannot run " + path + ": " + std::strerror(rc));
  return helper;
}

std::string last_line(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (text.empty()) return "no message";
  return text.substr(text.rfind('\n') + 1);
}

Result<CompiledObject> finish_helper(const std::string& path, Helper& helper,
                                     const CompileRequest& request) {
  int status = 0;
  while (waitpid(helper.pid, &status, 0) < 0 && errno == EINTR) {
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - helper.started).count();
  const std::string out = read_from_start(helper.out.get());
  const std::string diagnostics = read_from_start(helper.err.get());
  if (!diagnostics.empty()) log_debug("compiling " + request.name + ":\n" + diagnostics);
  if (WIFSIGNALED(status))
    return helper_error(request.name, path + " died of signal " + std::to_string(WTERMSIG(status)));
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 1) {
    // The helper's own error: its message and hint, one line each.
    const size_t newline = out.find('\n');
    std::string message = out.substr(0, newline);
    std::string hint = newline == std::string::npos ? "" : out.substr(newline + 1);
    while (!hint.empty() && hint.back() == '\n') hint.pop_back();
    // LLVM's fatal errors (a stack over 512 bytes) end the helper before it
    // can write one: its last diagnostic says why.
    if (message.empty())
      return helper_error(request.name, path + " failed: " + last_line(diagnostics));
    return Error::runtime(message, hint);
  }
  if (code != 0)
    return helper_error(request.name, path + " exited with " + std::to_string(code) + ": " +
                                          diagnostics.substr(0, diagnostics.find('\n')));
  auto object = CompiledObject::parse(out);
  if (!object) return helper_error(request.name, object.error().message);
  log_debug("compiled " + request.name + " in " + std::to_string(seconds) + " s (" + path + ")");
  return object;
}

size_t usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? static_cast<size_t>(n) : 1;
}

}  // namespace

std::string compile_helper_path() {
  if (const char* env = std::getenv("EBPFMON_COMPILER"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto beside = self.parent_path() / "ebpfmon-compile";
    if (access(beside.c_str(), X_OK) == 0) return beside.string();
  }
  return EBPFMON_COMPILER_PATH;  // set by meson.build
}

std::vector<Result<CompiledObject>> compile_in_helpers(
    const std::vector<CompileRequest>& requests) {
  const std::string path = compile_helper_path();
  std::vector<std::optional<Result<CompiledObject>>> results(requests.size());
  std::deque<Helper> running;
  const size_t parallel = usable_cpus();
  size_t next = 0;
  while (next < requests.size() || !running.empty()) {
    if (next < requests.size() && running.size() < parallel) {
      auto helper = spawn_helper(path, requests[next], next);
      if (helper)
        running.push_back(std::move(*helper));
      else
        results[next] = helper.error();
      ++next;
      continue;
    }
    Helper& oldest = running.front();
    results[oldest.index] = finish_helper(path, oldest, requests[oldest.index]);
    running.pop_front();
  }
  std::vector<Result<CompiledObject>> out;
  out.reserve(results.size());
  for (auto& result : results) out.push_back(std::move(*result));
  return out;
}

}  // namespace ebpfmon
