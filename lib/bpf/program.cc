#include "bpf/program.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <sstream>
#include <thread>

#include "bpf/attach.h"
#include "bpf/kernel_btf.h"
#include "core/log.h"
#include "ebpf/common.h"

namespace ebpfmon {
namespace {

// The verifier puts its verdict last.
std::string last_lines(const std::string& text, size_t n) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

// Kernel object names hold 15 characters.
std::string object_name(const std::string& name) {
  return name.substr(0, BPF_OBJ_NAME_LEN - 1);
}

// The program type a hook loads as, and for tracing programs their attach
// type and the kernel function whose BTF id they are loaded with.
CompileRequest::Function function_for(const HookSpec& hook) {
  switch (hook.type) {
    case HookType::Tracepoint:
      return {hook.function, BPF_PROG_TYPE_TRACEPOINT, 0, ""};
    case HookType::RawTracepoint:
      return {hook.function, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, ""};
    case HookType::Kprobe:
      return {hook.function, BPF_PROG_TYPE_KPROBE, 0, ""};
    case HookType::Fentry:
      return {hook.function, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, hook.target};
    case HookType::TaskIterator:
      return {hook.function, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, "bpf_iter_" + hook.target};
  }
  return {hook.function, BPF_PROG_TYPE_UNSPEC, 0, ""};
}

}  // namespace

CompileRequest ProgramSpec::request() const {
  CompileRequest request{name, std::string(source), defines, {}};
  std::set<std::string> seen;
  for (const HookSpec& hook : hooks)
    if (seen.insert(hook.function).second) request.functions.push_back(function_for(hook));
  return request;
}

Result<std::unique_ptr<BpfProgram>> BpfProgram::load(const std::string& name,
                                                     const CompiledObject& object) {
  std::unique_ptr<BpfProgram> program(new BpfProgram());
  program->name_ = name;
  if (auto r = program->create_maps(object); !r) return r.error();
  std::unique_ptr<KernelBtf> kernel;  // only tracing programs need the kernel's BTF ids
  std::vector<KernelLoad> loads;
  std::vector<std::pair<std::string, size_t>> uses;  // function -> its load
  for (const CompiledFunction& f : object.functions) {
    KernelLoad load{&f, program->patched(object, f), 0, {}, {}};
    if (f.prog_type == BPF_PROG_TYPE_TRACING) {
      if (!kernel) kernel = std::make_unique<KernelBtf>();
      load.attach_btf_id = kernel->function_id(f.attach_function.c_str());
      if (load.attach_btf_id == 0)
        return Error::runtime("cannot load the " + name + " BPF program: " + f.attach_function +
                              " is not in the kernel's BTF");
    }
    // Identical code of one type loads once (exec's sys_exit_execve and
    // sys_exit_execveat); each fentry program has its own target.
    auto same = std::find_if(loads.begin(), loads.end(), [&](const KernelLoad& l) {
      return f.prog_type != BPF_PROG_TYPE_TRACING && l.function->prog_type == f.prog_type &&
             l.instructions == load.instructions;
    });
    if (same == loads.end()) same = loads.insert(loads.end(), std::move(load));
    uses.emplace_back(f.name, static_cast<size_t>(same - loads.begin()));
  }
  if (auto r = program->load_in_parallel(object, loads); !r) return r.error();
  for (const auto& [function, index] : uses) program->functions_[function] = loads[index].fd.get();
  for (KernelLoad& l : loads) program->loaded_.push_back(std::move(l.fd));
  return program;
}

Result<void> BpfProgram::create_maps(const CompiledObject& object) {
  if (!object.btf.empty()) {
    btf_ = UniqueFd(bpf_btf_load(object.btf.data(), object.btf.size(), nullptr));
    if (!btf_)
      log_debug(name_ + ": the kernel refused the maps' BTF (" + std::strerror(errno) +
                "); creating them without it");
  }
  for (const CompiledMap& m : object.maps) {
    bpf_map_create_opts opts{};
    opts.sz = sizeof opts;
    opts.map_flags = m.flags;
    if (btf_ && m.btf_value_type_id != 0) {
      opts.btf_fd = static_cast<__u32>(btf_.get());
      opts.btf_key_type_id = m.btf_key_type_id;
      opts.btf_value_type_id = m.btf_value_type_id;
    }
    const auto type = static_cast<bpf_map_type>(m.type);
    const std::string kernel_name = object_name(m.name);
    UniqueFd fd(
        bpf_map_create(type, kernel_name.c_str(), m.key_size, m.value_size, m.max_entries, &opts));
    if (!fd && opts.btf_fd != 0) {  // as libbcc does: the types are only for display
      opts.btf_fd = opts.btf_key_type_id = opts.btf_value_type_id = 0;
      fd = UniqueFd(bpf_map_create(type, kernel_name.c_str(), m.key_size, m.value_size,
                                   m.max_entries, &opts));
    }
    if (!fd)
      return Error::runtime(
          "cannot create the " + name_ + " BPF map " + m.name + ": " + std::strerror(errno),
          "ebpfmon --doctor shows what this kernel allows");
    maps_[m.name] = std::move(fd);
  }
  return {};
}

std::vector<uint8_t> BpfProgram::patched(const CompiledObject& object,
                                         const CompiledFunction& f) const {
  std::vector<bpf_insn> insns(f.instructions.size() / sizeof(bpf_insn));
  std::memcpy(insns.data(), f.instructions.data(), f.instructions.size());
  for (const MapReference& ref : f.map_references)
    insns[ref.instruction].imm = maps_.at(object.maps[ref.map].name).get();
  std::vector<uint8_t> bytes(f.instructions.size());
  std::memcpy(bytes.data(), insns.data(), bytes.size());
  return bytes;
}

// The verifier runs in the loading thread, and exec's two large programs
// take it about 45 and 20 ms here: loaded side by side on two CPUs, the start
// waits for the longest only. A few threads take the loads in turn (funcmon
// may have thousands of fentry programs).
Result<void> BpfProgram::load_in_parallel(const CompiledObject& object,
                                          std::vector<KernelLoad>& loads) const {
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next++; i < loads.size(); i = next++) load_in_kernel(object, loads[i]);
  };
  const size_t threads =
      std::min<size_t>(loads.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& t : helpers) t.join();
  for (const KernelLoad& l : loads)
    if (!l.fd) return l.error;
  return {};
}

void BpfProgram::load_in_kernel(const CompiledObject& object, KernelLoad& load) const {
  const CompiledFunction& f = *load.function;
  bpf_prog_load_opts opts{};
  opts.sz = sizeof opts;
  if (f.prog_type == BPF_PROG_TYPE_TRACING) {
    opts.expected_attach_type = static_cast<bpf_attach_type>(f.attach_type);
    opts.attach_btf_id = static_cast<__u32>(load.attach_btf_id);
  } else {
    opts.kern_version = object.kernel_version;
  }
  const auto type = static_cast<bpf_prog_type>(f.prog_type);
  const std::string kernel_name = object_name(f.name);
  const auto* insns = reinterpret_cast<const bpf_insn*>(load.instructions.data());
  const size_t count = load.instructions.size() / sizeof(bpf_insn);
  const auto start = std::chrono::steady_clock::now();
  load.fd = UniqueFd(
      bpf_prog_load(type, kernel_name.c_str(), object.license.c_str(), insns, count, &opts));
  if (load.fd) {
    // The verifier's work is most of a warm start: worth seeing per program.
    if (log_enabled(LogLevel::Debug)) {
      const std::chrono::duration<double, std::milli> took =
          std::chrono::steady_clock::now() - start;
      bpf_prog_info info{};
      uint32_t size = sizeof info;
      bpf_obj_get_info_by_fd(load.fd.get(), &info, &size);
      log_debug(name_ + ": the verifier took " + std::to_string(took.count()) + " ms over " +
                std::to_string(info.verified_insns) + " instructions for " + f.name + " (" +
                std::to_string(count) + " long)");
    }
    return;
  }
  const int err = errno;
  // Again with the verifier's log, only to say why.
  std::string log(1 << 20, '\0');
  opts.log_level = 1;
  opts.log_buf = log.data();
  opts.log_size = static_cast<__u32>(log.size());
  UniqueFd(bpf_prog_load(type, kernel_name.c_str(), object.license.c_str(), insns, count, &opts));
  log.resize(std::strlen(log.c_str()));
  if (!log.empty()) log_debug("verifier on " + f.name + ":\n" + log);
  std::string reason = std::strerror(err);
  if (!log.empty()) reason += " | " + last_lines(log, 2);
  load.error =
      Error::runtime("the kernel refused the " + name_ + " BPF program (" + f.name + "): " + reason,
                     "run with --verbose for the verifier's log");
}

BpfProgram::~BpfProgram() {
  detach_all();
  buffers_.clear();  // before the maps they read go away
}

Result<void> BpfProgram::attach(const HookSpec& hook) {
  const auto fn = functions_.find(hook.function);
  if (fn == functions_.end())
    return Error::runtime("cannot attach " + name_ + " to " + hook.describe() +
                          ": the program has no function " + hook.function);
  const int prog = fn->second;
  Result<UniqueFd> link = Error::runtime("unknown hook type");
  switch (hook.type) {
    case HookType::Tracepoint:
      link = attach_tracepoint(prog, hook.target);
      break;
    case HookType::RawTracepoint:
      link = attach_raw_tracepoint(prog, hook.target);
      break;
    case HookType::Kprobe:
      link = attach_kprobe(prog, hook.target);
      break;
    case HookType::Fentry:
      link = attach_fentry(prog);
      break;
    case HookType::TaskIterator:
      link = attach_iterator(prog);
      break;
  }
  if (!link)
    return Error::runtime(
        "cannot attach " + name_ + " to " + hook.describe() + ": " + link.error().message,
        "ebpfmon --doctor shows which hooks this kernel allows");
  attached_.push_back(hook);
  links_.push_back(std::move(*link));
  return {};
}

Result<std::string> BpfProgram::read_iterator(const HookSpec& hook) const {
  for (size_t i = 0; i < attached_.size(); ++i)
    if (attached_[i].type == HookType::TaskIterator && attached_[i].function == hook.function)
      return ebpfmon::read_iterator(links_[i].get());
  return Error::runtime(name_ + ": " + hook.describe() + " is not attached");
}

void BpfProgram::detach_all() {
  while (!links_.empty()) links_.pop_back();  // newest first
  attached_.clear();
}

Result<int> BpfProgram::map_fd(const std::string& name) const {
  const auto it = maps_.find(name);
  if (it == maps_.end())
    return Error::runtime("the " + name_ + " BPF program has no map named " + name);
  return it->second.get();
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
