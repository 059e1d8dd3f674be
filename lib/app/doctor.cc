#include "app/doctor.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "bpf/capabilities.h"
#include "bpf/compile_helper.h"
#include "bpf/kernel_btf.h"
#include "bpf/kernel_headers.h"
#include "bpf/kernel_layouts.h"
#include "bpf/program_loader.h"
#include "bpf/system.h"
#include "core/cgroups.h"
#include "core/text.h"
#include "monitors/syscall_signatures.h"

namespace ebpfmon {
namespace {

// The root cgroup's kernfs id.
constexpr uint64_t kRootCgroupId = 1;

// "raw tracepoint sys_enter, raw tracepoint sys_exit"; many hooks of one
// type as "fentry x10 (vfs_read, vfs_write, vfs_open, ...)".
std::string summarize(const std::vector<HookSpec>& hooks) {
  std::map<std::string, std::vector<std::string>> by_type;
  std::vector<std::string> order;
  for (const HookSpec& h : hooks) {
    auto& targets = by_type[hook_type_name(h.type)];
    if (targets.empty()) order.push_back(hook_type_name(h.type));
    targets.push_back(h.target);
  }
  std::string text;
  for (const std::string& type : order) {
    const auto& targets = by_type[type];
    if (!text.empty()) text += "; ";
    if (targets.size() > 3) {
      text += type + " x" + std::to_string(targets.size()) + " (" + targets[0] + ", " + targets[1] +
              ", " + targets[2] + ", ...)";
      continue;
    }
    for (size_t i = 0; i < targets.size(); ++i) text += (i ? ", " : "") + type + " " + targets[i];
  }
  return text;
}

void row(std::ostream& out, const std::string& what, bool ok, const std::string& detail) {
  std::string label = what + ":";
  label.resize(std::max<size_t>(label.size() + 1, 17), ' ');
  out << "  " << label << (ok ? "yes  " : "no   ") << detail << "\n";
}

// Where compiled programs are kept, and which monitor would start from
// there rather than compile (a compile costs about a second each).
void report_program_cache(const Config& config,
                          const std::vector<std::unique_ptr<Monitor>>& monitors,
                          const Result<KernelHeaders>& headers, bool privileged, Capabilities& caps,
                          std::ostream& out) {
  out << "\nprogram cache\n";
  const std::string helper = compile_helper_path();
  const bool runnable = access(helper.c_str(), X_OK) == 0;
  row(out, "compile helper", runnable,
      runnable ? helper + " (runs on a cache miss)" : helper + " is missing or not executable");
  ProgramLoader loader(ProgramCache::standard(!config.program_cache),
                       headers ? headers->fingerprint : "");
  const ProgramCache& cache = loader.cache();
  if (!cache.enabled()) {
    row(out, "directory", false, cache.off_reason() + ": every start compiles");
    return;
  }
  const auto usage = cache.usage();
  row(out, "directory", true,
      cache.dir().string() + " (" + std::to_string(usage.entries) + " entries, " +
          size_text(usage.bytes) + " of " + size_text(cache.max_bytes()) + ")");
  if (!privileged || !headers) return;
  for (const auto& monitor : monitors) {
    auto spec = monitor->program_spec(config, caps);
    if (!spec) continue;  // the monitors section says why
    const bool hit = loader.cached(*spec);
    row(out, monitor->name(), hit,
        hit ? "cached: starts without compiling" : "not cached: compiles at its next start");
  }
}

}  // namespace

int run_doctor(const Config& config, const std::vector<std::unique_ptr<Monitor>>& monitors,
               std::ostream& out) {
  utsname u{};
  uname(&u);
  out << "ebpfmon doctor\n\nmachine\n";
  row(out, "kernel", true, std::string(u.release) + " " + u.machine);
  const auto privileges = check_bpf_privileges("ebpfmon");
  row(out, "privileges", privileges.ok(),
      privileges ? (geteuid() == 0 ? "root" : "CAP_BPF and CAP_PERFMON")
                 : privileges.error().message);
  const auto mounts = ensure_trace_filesystems();
  row(out, "tracefs", mounts.ok(), mounts ? "mounted" : mounts.error().message);
  const bool btf = std::filesystem::exists("/sys/kernel/btf/vmlinux");
  row(out, "BTF", btf, btf ? "/sys/kernel/btf/vmlinux" : "absent (CONFIG_DEBUG_INFO_BTF is off)");
  const auto headers = locate_kernel_headers(kernel_cache_dir());
  row(out, "struct layouts", headers.ok(), headers ? headers->describe() : headers.error().message);

  const auto cgroup = find_cgroup_v2();
  row(out, "cgroup v2", cgroup.ok(),
      cgroup ? cgroup->path.string() + (cgroup->hybrid ? " (hybrid: v1 controllers beside it)"
                                                       : " (unified)")
             : cgroup.error().message + ": cgroup, container_id and pod_uid stay empty, "
                                        "--cgroup and --container cannot be used");

  out << "\ncontext fields\n";
  const bool names = cgroup && !CgroupNames::shared().lookup(kRootCgroupId).path.empty();
  row(out, "cgroup paths", names,
      names ? "cgroup ids resolve to paths (kernfs file handles), containers and pods from them"
            : "cgroup ids cannot be resolved: cgroup, container_id and pod_uid stay empty");
  const KernelBtf kernel_btf;
  const bool mounts_layout = kernel_btf.member_offset("mount", "mnt_parent").has_value();
  row(out, "cwd, exe", mounts_layout,
      mounts_layout ? "built in the kernel, across mounts (struct mount from BTF)"
                    : "stop at mount points and are marked path_truncated (no struct mount in BTF)");
  const bool audit = kernel_btf.member_offset("task_struct", "loginuid").has_value();
  row(out, "auid, sessionid", audit,
      audit ? "task_struct.loginuid, sessionid" : "no audit fields in BTF: they stay 4294967295");
  const bool mntns = kernel_btf.member_offset("mnt_namespace", "ns").has_value();
  row(out, "mntns", mntns, mntns ? "struct mnt_namespace from BTF" : "no layout in BTF: stays 0");
  row(out, "ancestors, tty", true, "real_parent chain and signal->tty, read at exec time");
  const SyscallSignatures signatures = SyscallSignatures::load(tracefs_events_dir());
  row(out, "syscall args", signatures.from_tracefs() > 0,
      "names and types of " + std::to_string(signatures.from_tracefs()) +
          " syscalls from tracefs formats, " + std::to_string(signatures.from_builtin()) +
          " from the built-in table (kernel " + SyscallSignatures::built_in_kernel_release() + ")");
  const bool unix_paths = unix_socket_layout(kernel_btf).has_value();
  row(out, "unix sockets", unix_paths,
      unix_paths ? "fd targets name a unix socket's path (struct unix_sock from BTF)"
                 : "no layout of struct unix_sock in BTF: unix socket fds show their inode");
  const bool adopts = task_state_layout(kernel_btf).has_value() &&
                      kernel_btf.has_enumerator("bpf_func_id", "BPF_FUNC_task_pt_regs");
  std::ifstream own_stack("/proc/self/stack");
  std::string frame;
  const bool stacks = static_cast<bool>(std::getline(own_stack, frame));
  row(out, "kernel stacks", stacks,
      stacks ? "a hung call's kernel stack is read from /proc/<pid>/stack"
             : "/proc/<pid>/stack is not readable here (CONFIG_STACKTRACE off, or not root): "
               "hung calls show no kernel stack");
  row(out, "hung calls at start", adopts,
      adopts ? "calls already in flight when syscallmon starts are seen (bpf_task_pt_regs)"
             : "calls in flight before the start are not seen hanging (needs bpf_task_pt_regs, "
               "Linux 5.15+); the task iterator line below says whether any are");

  out << "\nhooks (each tried for real)\n";
  Capabilities caps;
  for (int i = 0; i < kFeatureCount; ++i) {
    const auto f = static_cast<Feature>(i);
    const FeatureStatus& st = caps.status(f);
    row(out, feature_name(f), st.available, st.detail);
  }
  // Where each monitor's hooks are looked up before it starts; a missing one
  // is named in its row below.
  const std::string events = tracefs_events_dir();
  row(out, "hook names", !events.empty() && btf,
      (events.empty() ? "tracepoints cannot be looked up: tracefs is not mounted"
                      : "tracepoints looked up in " + events) +
          (btf ? ", raw tracepoints in BTF (btf_trace_<name>)"
               : "; raw tracepoints are not (no BTF): attaching tells"));

  out << "\nmonitors\n";
  size_t runnable = 0;
  for (const auto& monitor : monitors) {
    auto hooks = privileges ? monitor->planned_hooks(caps)
                            : Result<std::vector<HookSpec>>(privileges.error());
    runnable += hooks.ok();
    row(out, monitor->name(), hooks.ok(), hooks ? summarize(*hooks) : hooks.error().message);
  }
  report_program_cache(config, monitors, headers, privileges.ok(), caps, out);
  out << "\n" << runnable << " of " << monitors.size() << " monitors can run here.\n";
  return runnable > 0 ? 0 : 1;
}

}  // namespace ebpfmon
