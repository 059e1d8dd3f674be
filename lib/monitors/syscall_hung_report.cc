// The scan for calls that hang (--hung), SyscallMonitor's side: what to
// plan, each scan, the event of a call found hanging, and what hangs now.
#include <chrono>
#include <cstring>

#include "bpf/kernel_btf.h"
#include "bpf/kernel_layouts.h"
#include "core/cgroups.h"
#include "core/log.h"
#include "monitors/syscall.h"
#include "monitors/syscall_fields.h"
#include "monitors/syscall_table.h"

namespace ebpfmon {

void SyscallMonitor::add_hung_plan(Plan& plan, Capabilities& caps) const {
  if (!caps.has(Feature::TaskIterator)) {
    plan.warnings.push_back("syscall: calls that hang are not reported (--hung): " +
                            caps.status(Feature::TaskIterator).detail);
    return;
  }
  plan.defines.emplace_back("SYSCALL_HUNG_NS", static_cast<int64_t>(settings_.hung_after * 1e9));
  plan.hooks.emplace_back(HookType::TaskIterator, "task");
  // Calls already in flight at the start are adopted from their saved
  // registers (bpf_task_pt_regs, Linux 5.15+).
  const KernelBtf btf;
  auto state = task_state_layout(btf);
  if (state) plan.defines.insert(plan.defines.end(), state->begin(), state->end());
  if (state && btf.has_enumerator("bpf_func_id", "BPF_FUNC_task_pt_regs")) {
    plan.defines.emplace_back("SYSCALL_HUNG_ADOPT", 1);
  } else {
    plan.warnings.push_back(
        "syscall: calls already in flight at the start are not seen hanging: the kernel has no "
        "bpf_task_pt_regs (Linux 5.15+)");
  }
  // A quarter of the threshold, 1 to 5 s: a hang is reported at most that
  // late. A scan of 10,000 threads takes about 7 ms (docs/PERFORMANCE.md).
  // --hung-now: two scans at once, the first adopting the calls in flight.
  const auto quarter = std::chrono::milliseconds(static_cast<int64_t>(settings_.hung_after * 250));
  plan.tick_period = settings_.hung_now ? std::chrono::milliseconds(50)
                                        : std::clamp(quarter, std::chrono::milliseconds(1000),
                                                     std::chrono::milliseconds(5000));
}

void SyscallMonitor::tick() {
  if (finished()) return;
  ++scans_;
  hung_calls_.prune();
  auto found = program()->read_iterator(HookSpec(HookType::TaskIterator, "task"));
  if (!found) {
    if (!hung_scan_failed_)
      log_warning("syscall: the scan for calls that hang failed: " + found.error().message);
    hung_scan_failed_ = true;
    return;
  }
  for (size_t at = 0; at + sizeof(syscall_hung_candidate) <= found->size();
       at += sizeof(syscall_hung_candidate)) {
    syscall_hung_candidate call;
    std::memcpy(&call, found->data() + at, sizeof call);
    report_hung(call);
  }
}

void SyscallMonitor::report_hung(const syscall_hung_candidate& call) {
  // Most calls found are waits (futex, epoll_wait): judged by the kernel's
  // state alone, with no /proc read.
  if (!hung_policy_.is_hang(call.nr, task_state_letter(call.state), false)) return;
  const std::optional<BlockedThread> thread = read_blocked_thread(call.pid, call.tid, call.nr);
  if (!thread) return;  // gone since
  // An adopted call's number came from saved registers, which a thread
  // asleep in a page fault also has: it must be in that syscall.
  const bool adopted = call.flags & SYSCALL_EV_ADOPTED;
  if (adopted &&
      (!thread->registers || (!thread->kernel_stack.empty() &&
                              thread->kernel_stack.find("entry_SYSCALL") == std::string::npos)))
    return;
  std::optional<FdTarget> first_fd;
  if (thread->registers) first_fd = read_fd_target(call.pid, thread->args[0]);
  if (!hung_policy_.is_hang(call.nr, thread->state, first_fd && first_fd->waits())) return;
  // The call's exit writes it, whatever the sampling, if it is still this call.
  auto reported = program()->map<uint32_t, uint64_t>(kSyscallHungReportedMap);
  if (reported) (void)reported->update(call.tid, call.ts_ns);

  const SyscallFields& f = syscall_fields();
  Event event;
  set_call(event,
           {clock().to_wall(call.ts_ns), call.pid, call.tid,
            std::string_view(call.comm, strnlen(call.comm, sizeof call.comm)), call.nr,
            category_name(category_of(call.nr))},
           call.elapsed_ns);
  event.set_none(f.cpu);
  event.set_none(f.ret);
  event.set_none(f.error_name);
  event.set(f.is_error, false);
  event.set(f.is_slow, call.elapsed_ns > class_of(call.nr).slow_ns);
  fill_cgroup_values(event, f.cgroup, cgroup_id_of_process(call.pid).value_or(0));
  const SyscallArgSpecs* specs = args_ ? args_->find(call.nr) : nullptr;
  std::optional<RenderedArgs> rendered;
  if (specs != nullptr && thread->registers) {
    syscall_event e{};
    e.nr = call.nr;
    std::copy(thread->args.begin(), thread->args.end(), e.args);
    const std::string captures =
        captures_from_proc(call.pid, *specs, thread->args, settings_.string_bytes, &e.captures);
    rendered = args_->render(e, captures);
  }
  if (rendered) {
    event.set(f.args, std::move(rendered->args));
    event.set(f.args_truncated, rendered->truncated);
  } else {
    event.set_none(f.args);
    event.set_none(f.args_truncated);
  }
  event.set_none(f.ret_target);
  event.set(f.hung, true);
  event.set(f.in_flight_at_start, adopted);
  event.set(f.task_state, std::string(1, thread->state));
  event.set(f.wchan, thread->wchan);
  if (thread->kernel_stack.empty())
    event.set_none(f.kernel_stack);
  else
    event.set(f.kernel_stack, thread->kernel_stack);
  emit(event);
  hung_calls_.add(call.pid, call.tid, call.nr, call.ts_ns, std::move(event));
}

std::vector<Event> SyscallMonitor::in_flight() const {
  const auto now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             std::chrono::steady_clock::now().time_since_epoch())
                                             .count());
  std::vector<Event> out;
  for (const auto& [tid, call] : hung_calls_.calls()) {
    Event e = call.event;
    set_duration(e, now > call.entered_ns ? now - call.entered_ns : 0);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ebpfmon
