#include "bpf/program.h"

#include <bcc/BPF.h>
#include <bcc/libbpf.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <vector>

#include "core/log.h"
#include "ebpf/common.h"

namespace ebpfmon {
namespace {

// libbcc and clang print straight to fds 1 and 2: compile diagnostics, and
// notices that are harmless here (a kernel without the crypto socket cannot
// compute program tags). Capturing both keeps stdout for event data and lets
// us put clang's diagnostics into our error message.
class OutputCapture {
 public:
  OutputCapture() {
    std::fflush(stdout);
    std::fflush(stderr);
    file_ = std::tmpfile();
    if (file_ == nullptr) return;
    saved_out_ = dup(STDOUT_FILENO);
    saved_err_ = dup(STDERR_FILENO);
    dup2(fileno(file_), STDOUT_FILENO);
    dup2(fileno(file_), STDERR_FILENO);
  }
  ~OutputCapture() { finish(); }
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;

  // Restores the fds and returns what was printed, minus known noise.
  std::string finish() {
    if (file_ == nullptr) return {};
    std::fflush(stdout);
    std::fflush(stderr);
    dup2(saved_out_, STDOUT_FILENO);
    dup2(saved_err_, STDERR_FILENO);
    close(saved_out_);
    close(saved_err_);
    std::rewind(file_);
    std::string text, line;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) text.append(buf, n);
    std::fclose(file_);
    file_ = nullptr;
    std::istringstream lines(text);
    std::string kept;
    while (std::getline(lines, line)) {
      if (line.find("sha1 socket not available") != std::string::npos ||
          line.find("cannot get prog tag") != std::string::npos || line.empty())
        continue;
      kept += line + "\n";
    }
    return kept;
  }

 private:
  FILE* file_ = nullptr;
  int saved_out_ = -1;
  int saved_err_ = -1;
};

std::mutex compile_mutex;

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Clang's first error and the lines after it. The warnings before it (every
// compile has some, about libbcc's own helper headers) belong to the debug
// log only, never to an error message.
std::string first_error(const std::string& text, size_t n) {
  const auto lines = lines_of(text);
  size_t start = 0;
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find(" error: ") != std::string::npos) {  // also "fatal error: "
      start = i;
      break;
    }
  std::string out;
  for (size_t i = start; i < lines.size() && i < start + n; ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

std::string first_lines(const std::string& text, size_t n) {
  std::string out;
  for (const auto& line : lines_of(text)) {
    if (n-- == 0) break;
    out += (out.empty() ? "" : " | ") + line;
  }
  return out;
}

// The verifier puts its verdict last.
std::string last_lines(const std::string& text, size_t n) {
  const auto lines = lines_of(text);
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

}  // namespace

Result<std::unique_ptr<BpfProgram>> BpfProgram::compile(const ProgramSpec& spec) {
  std::unique_ptr<BpfProgram> program(new BpfProgram());
  program->name_ = spec.name;
  std::vector<std::string> cflags;
  for (const auto& [name, value] : spec.defines)
    cflags.push_back("-D" + name + "=" + std::to_string(value));

  std::lock_guard<std::mutex> lock(compile_mutex);
  const auto start = std::chrono::steady_clock::now();
  // The table reader/writer engine only serves bcc's Python bindings.
  program->bpf_ = std::make_unique<ebpf::BPF>(0, nullptr, false);
  OutputCapture capture;
  ebpf::StatusTuple status = program->bpf_->init(std::string(spec.source), cflags);
  const std::string diagnostics = capture.finish();
  program->compile_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!diagnostics.empty()) log_debug("compiling " + spec.name + ":\n" + diagnostics);
  if (!status.ok()) {
    std::string detail = diagnostics.empty() ? status.msg() : first_error(diagnostics, 3);
    return Error::runtime("cannot compile the " + spec.name + " BPF program: " + detail,
                          "run with --verbose for the compiler's full output; "
                          "ebpfmon --doctor shows which kernel headers are in use");
  }
  program->bpf_->free_bcc_memory();
  log_debug("compiled " + spec.name + " in " + std::to_string(program->compile_seconds_) + " s");
  return program;
}

BpfProgram::~BpfProgram() {
  detach_all();
  buffers_.clear();  // before the maps they read go away with bpf_
}

Result<void> BpfProgram::attach(const HookSpec& hook) {
  OutputCapture capture;
  ebpf::StatusTuple status(0);
  switch (hook.type) {
    case HookType::Tracepoint:
      status = bpf_->attach_tracepoint(hook.target, hook.function);
      break;
    case HookType::RawTracepoint:
      status = bpf_->attach_raw_tracepoint(hook.target, hook.function);
      break;
    case HookType::Kprobe:
      status = bpf_->attach_kprobe(hook.target, hook.function, 0, BPF_PROBE_ENTRY);
      break;
    case HookType::Fentry: {
      // libbcc has no fentry attach call: load as a tracing program (the
      // kfunc__ name carries the target) and keep the link fd ourselves.
      int prog_fd = -1;
      status = bpf_->load_func(hook.function, BPF_PROG_TYPE_TRACING, prog_fd);
      if (status.ok()) {
        const int link = bpf_attach_kfunc(prog_fd);
        if (link < 0)
          status = ebpf::StatusTuple(-1, "bpf_attach_kfunc: " + std::string(strerror(-link)));
        else
          link_fds_.push_back(link);
      }
      break;
    }
  }
  const std::string diagnostics = capture.finish();
  if (!diagnostics.empty()) log_debug("attaching " + hook.describe() + ":\n" + diagnostics);
  if (!status.ok()) {
    std::string reason = first_lines(status.msg(), 1);
    if (!diagnostics.empty()) reason += " | " + last_lines(diagnostics, 2);
    return Error::runtime("cannot attach " + name_ + " to " + hook.describe() + ": " + reason,
                          "ebpfmon --doctor shows which hooks this kernel allows");
  }
  attached_.push_back(hook);
  return {};
}

// One hook at a time: libbcc's detach_all() keeps its records, so its
// destructor would detach (and close) everything a second time.
void BpfProgram::detach_all() {
  for (auto it = link_fds_.rbegin(); it != link_fds_.rend(); ++it) close(*it);
  link_fds_.clear();
  OutputCapture capture;
  for (auto it = attached_.rbegin(); it != attached_.rend(); ++it) {
    ebpf::StatusTuple status(0);
    switch (it->type) {
      case HookType::Tracepoint: status = bpf_->detach_tracepoint(it->target); break;
      case HookType::RawTracepoint: status = bpf_->detach_raw_tracepoint(it->target); break;
      case HookType::Kprobe: status = bpf_->detach_kprobe(it->target, BPF_PROBE_ENTRY); break;
      case HookType::Fentry: break;  // its link fd is closed above
    }
    if (!status.ok()) log_warning("detaching " + name_ + " from " + it->describe() + ": " + status.msg());
  }
  attached_.clear();
  const std::string diagnostics = capture.finish();
  if (!diagnostics.empty()) log_debug("detaching " + name_ + ":\n" + diagnostics);
}

Result<int> BpfProgram::map_fd(const std::string& name) const {
  const int fd = bpf_->get_table(name).get_fd();
  if (fd < 0) return Error::runtime("the " + name_ + " BPF program has no map named " + name);
  return fd;
}

Result<EventBuffer*> BpfProgram::open_events(EventBuffer::Handler handler,
                                             size_t perf_pages_per_cpu) {
  auto fd = map_fd(kEventsMap);
  if (!fd) return fd.error();
  auto buffer = EventBuffer::open(*fd, perf_pages_per_cpu, std::move(handler));
  if (!buffer) return buffer.error();
  buffers_.push_back(std::move(*buffer));
  return buffers_.back().get();
}

}  // namespace ebpfmon
