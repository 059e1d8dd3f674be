// syscall's event columns (its field table) and how a call's event starts,
// shared by the decoder (syscall.cc) and the scan for calls that hang
// (syscall_hung_report.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"
#include "monitors/process_context.h"

namespace ebpfmon {

// syscall's columns, in order: each declared once, with the handle decode()
// sets it through.
struct SyscallFields {
  Schema schema;
  FieldOf<Timestamp> timestamp =
      schema.add<Timestamp>("timestamp",
                            "when the call entered the kernel: Unix time, seconds "
                            "with 6 decimals");
  FieldOf<std::string> time_str = schema.add<std::string>(
      "time_str", "when the call entered the kernel: local time, `[YYYY-mm-dd HH:MM:SS.mmm]`");
  FieldOf<std::string> monitor_type = schema.add<std::string>("monitor_type", "always `syscall`");
  FieldOf<uint64_t> pid = schema.add<uint64_t>("pid", "process id (thread group id)");
  FieldOf<uint64_t> tid = schema.add<uint64_t>("tid", "thread id");
  FieldOf<uint64_t> cpu = schema.add<uint64_t>("cpu", "the CPU the call returned on");
  FieldOf<std::string> comm = schema.add<std::string>("comm", "thread name");
  FieldOf<int64_t> nr = schema.add<int64_t>("syscall_nr", "the syscall's number");
  FieldOf<std::string> name = schema.add<std::string>(
      "syscall_name",
      "its name, from `<asm/unistd.h>` of the build machine (`syscall_<nr>` for numbers newer "
      "than those headers)");
  FieldOf<std::string> category = schema.add<std::string>("category", "see the table below");
  FieldOf<int64_t> ret = schema.add<int64_t>(
      "ret_val",
      "the return value; an address returned (mmap, mremap, brk, shmat) in hex in CSV and the "
      "console, a number in JSON");
  FieldOf<std::string> error_name = schema.add<std::string>(
      "error_name", "`SUCCESS` or the errno's name (`ENOENT`), from the C library");
  FieldOf<uint64_t> duration_ns =
      schema.add<uint64_t>("duration_ns", "the call's latency in nanoseconds");
  FieldOf<double> duration_us =
      schema.add<double>("duration_us", "the call's latency in microseconds");
  FieldOf<double> duration_ms =
      schema.add<double>("duration_ms", "the call's latency in milliseconds");
  FieldOf<bool> is_error = schema.add<bool>("is_error", "`true` when the call returned an errno");
  FieldOf<bool> is_slow = schema.add<bool>(
      "is_slow_call", "`true` when the call took longer than its category's threshold");
  CgroupFields cgroup = add_cgroup_fields(schema, CgroupColumns::IdAndContainer);
  FieldOf<ValueRecord> args = schema.add_user_text<ValueRecord>(
      "args",
      "the arguments: CSV and console as strace writes them, without the name (`AT_FDCWD, "
      "\"/etc/x\", O_RDONLY`); JSON an object keyed by the kernel's argument names, fds with "
      "`<name>_target` beside them; empty with `--no-args`");
  FieldOf<uint64_t> args_truncated = schema.add<uint64_t>(
      "args_truncated", "how many strings and paths in `args` were cut at `--string-bytes`");
  FieldOf<std::string> ret_target = schema.add<std::string>(
      "ret_target", "what a returned fd points to (openat, socket, accept4, dup...)");
  FieldOf<bool> hung = schema.add<bool>(
      "hung",
      "`true` for a call reported while still in flight past `--hung` (its `ret_val` and "
      "`error_name` empty, its duration so far), and for that call's return");
  FieldOf<bool> in_flight_at_start = schema.add<bool>(
      "in_flight_at_start",
      "`true` for a hung call that entered before the monitor started: its entry time is "
      "estimated as when its thread last got a CPU");
  FieldOf<std::string> task_state = schema.add<std::string>(
      "task_state",
      "a hung call's thread: `R` running, `S` sleeping, `D` uninterruptible (as `ps` shows); "
      "empty otherwise");
  FieldOf<std::string> wchan =
      schema.add<std::string>("wchan", "where a hung call's thread sleeps in the kernel");
  FieldOf<std::string> kernel_stack = schema.add<std::string>(
      "kernel_stack",
      "a hung call's kernel stack, innermost frame first, `; ` between frames (empty where "
      "the kernel does not show it)");
};

const SyscallFields& syscall_fields();

// What a call's event says of its thread and syscall, whether it returned
// (decode) or still hangs (report_hung).
struct CallIdentity {
  Timestamp entered;
  uint32_t pid;
  uint32_t tid;
  std::string_view comm;
  int nr;
  std::string category;
};

// Sets the fields every call's event has; `event`'s storage is reused
// (decode's scratch event).
void set_call(Event& event, const CallIdentity& call, uint64_t duration_ns);
// duration_ns, _us and _ms.
void set_duration(Event& event, uint64_t ns);

}  // namespace ebpfmon
