#include "monitors/syscall_fields.h"

#include "core/time_format.h"
#include "monitors/syscall_table.h"

namespace ebpfmon {

const SyscallFields& syscall_fields() {
  static const SyscallFields f;
  return f;
}

void set_duration(Event& event, uint64_t ns) {
  const SyscallFields& f = syscall_fields();
  event.set(f.duration_ns, ns);
  event.set(f.duration_us, static_cast<double>(ns) / 1e3);
  event.set(f.duration_ms, static_cast<double>(ns) / 1e6);
}

void set_call(Event& event, const CallIdentity& call, uint64_t duration_ns) {
  const SyscallFields& f = syscall_fields();
  event.values.resize(f.schema.fields.size());
  event.set(f.timestamp, call.entered);
  event.set(f.time_str, format_time_str(call.entered));
  event.set(f.monitor_type, "syscall");
  event.set(f.pid, call.pid);
  event.set(f.tid, call.tid);
  event.set(f.comm, std::string(call.comm));
  event.set(f.nr, call.nr);
  event.set(f.name, syscall_name(call.nr));
  event.set(f.category, call.category);
  set_duration(event, duration_ns);
}

}  // namespace ebpfmon
