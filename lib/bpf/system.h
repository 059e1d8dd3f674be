// Small facts about the machine that BPF programs depend on.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace ebpfmon {

// Number of possible CPUs (per-CPU map values come in this many slots).
int possible_cpus();

// Mounts tracefs at /sys/kernel/tracing and debugfs at /sys/kernel/debug when
// they are missing (libbcc 0.26 reads tracepoint formats under the latter).
Result<void> ensure_trace_filesystems();

// Root, or the capabilities that loading and attaching BPF programs need.
Result<void> check_bpf_privileges(const std::string& tool);

// Where tracefs lists the kernel's tracepoints (/sys/kernel/tracing/events,
// or under debugfs); empty when tracefs is not mounted.
std::string tracefs_events_dir();

// The kernel's tracepoint id directory for "category:name", e.g.
// /sys/kernel/tracing/events/syscalls/sys_enter_execve; empty when absent.
std::string tracepoint_dir(const std::string& category_and_name);

}  // namespace ebpfmon
