#include "bpf/attach.h"

#include <bpf/bpf.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "bpf/system.h"

namespace ebpfmon {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// One event on CPU 0 for every task: for tracepoints and kprobes the
// program then runs wherever the hook fires, as libbpf and libbcc attach.
Result<UniqueFd> attach_perf_event(int prog_fd, perf_event_attr& attr, const std::string& what) {
  attr.size = sizeof attr;
  UniqueFd event(
      static_cast<int>(syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC)));
  if (!event) return Error::runtime("creating the " + what + " event failed: " + errno_text());
  if (ioctl(event.get(), PERF_EVENT_IOC_SET_BPF, prog_fd) != 0)
    return Error::runtime("attaching to the " + what + " event failed: " + errno_text());
  if (ioctl(event.get(), PERF_EVENT_IOC_ENABLE, 0) != 0)
    return Error::runtime("enabling the " + what + " event failed: " + errno_text());
  return event;
}

}  // namespace

unsigned kprobe_pmu_type() {
  std::ifstream type_file("/sys/bus/event_source/devices/kprobe/type");
  unsigned type = 0;
  return type_file >> type ? type : 0;
}

Result<unsigned long long> tracepoint_id(const std::string& category_and_name) {
  const std::string dir = tracepoint_dir(category_and_name);
  std::ifstream id_file(dir + "/id");
  unsigned long long id = 0;
  if (dir.empty() || !(id_file >> id))
    return Error::runtime("tracefs has no tracepoint " + category_and_name +
                          " (is tracefs mounted at /sys/kernel/tracing?)");
  return id;
}

Result<UniqueFd> attach_tracepoint(int prog_fd, const std::string& category_and_name) {
  auto id = tracepoint_id(category_and_name);
  if (!id) return id.error();
  perf_event_attr attr{};
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.config = *id;
  attr.sample_period = 1;
  return attach_perf_event(prog_fd, attr, "tracepoint " + category_and_name);
}

Result<UniqueFd> attach_raw_tracepoint(int prog_fd, const std::string& name) {
  UniqueFd link(bpf_raw_tracepoint_open(name.c_str(), prog_fd));
  if (!link) return Error::runtime("opening raw tracepoint " + name + " failed: " + errno_text());
  return link;
}

Result<UniqueFd> attach_kprobe(int prog_fd, const std::string& function) {
  const unsigned type = kprobe_pmu_type();
  if (type == 0)
    return Error::runtime(
        "this kernel was built without kprobes (no kprobe PMU in "
        "/sys/bus/event_source/devices)");
  perf_event_attr attr{};
  attr.type = type;
  attr.config1 = reinterpret_cast<uint64_t>(function.c_str());
  attr.sample_period = 1;
  return attach_perf_event(prog_fd, attr, "kprobe " + function);
}

Result<UniqueFd> attach_fentry(int prog_fd) {
  UniqueFd link(bpf_raw_tracepoint_open(nullptr, prog_fd));
  if (!link) return Error::runtime("opening the BPF trampoline failed: " + errno_text());
  return link;
}

Result<UniqueFd> attach_iterator(int prog_fd) {
  UniqueFd link(bpf_link_create(prog_fd, 0, BPF_TRACE_ITER, nullptr));
  if (!link) return Error::runtime("creating the iterator's link failed: " + errno_text());
  return link;
}

Result<std::string> read_iterator(int link_fd) {
  UniqueFd iter(bpf_iter_create(link_fd));
  if (!iter) return Error::runtime("starting the iterator failed: " + errno_text());
  std::string out;
  char chunk[16384];
  for (;;) {
    const ssize_t n = read(iter.get(), chunk, sizeof chunk);
    if (n == 0) return out;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::runtime("reading the iterator failed: " + errno_text());
    out.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace ebpfmon
