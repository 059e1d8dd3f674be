// Layouts of kernel structs that no header exports, from the kernel's BTF,
// as the -D numbers the BPF programs read. Each is said once here and used
// by every monitor whose program needs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bpf/kernel_btf.h"

namespace ebpfmon {

using Defines = std::vector<std::pair<std::string, int64_t>>;

// struct mount (fs/mount.h): EBPFMON_MOUNT_*, which let path.bpf.h cross
// mount points. Nothing when the BTF lacks it.
std::optional<Defines> mount_layout(const KernelBtf& btf);

// struct unix_sock's address (net/unix/af_unix.h): EBPFMON_UNIX_*, which
// give a unix socket's bound path. Nothing when the BTF lacks it.
std::optional<Defines> unix_socket_layout(const KernelBtf& btf);

// task_struct's state (`__state` since 5.14, `state` before): EBPFMON_TASK_STATE;
// and, where the kernel keeps scheduler info (CONFIG_SCHED_INFO), when the
// task last got a CPU: EBPFMON_TASK_LAST_ARRIVAL (sched_info.last_arrival,
// the scheduler's clock, which follows CLOCK_MONOTONIC closely).
std::optional<Defines> task_state_layout(const KernelBtf& btf);

// struct tcp_sock's counters (linux/tcp.h, which only a real build tree
// has): EBPFMON_TCP_* offsets of bytes_acked, bytes_received (u64),
// snd_una, write_seq and total_retrans (u32). Nothing when the BTF lacks it.
std::optional<Defines> tcp_sock_layout(const KernelBtf& btf);

}  // namespace ebpfmon
