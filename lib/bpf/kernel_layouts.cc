#include "bpf/kernel_layouts.h"

namespace ebpfmon {
namespace {

struct Member {
  const char* define;
  const char* type;
  const char* member;
};

// All of the members, or nothing: a half-known layout is not usable.
std::optional<Defines> offsets(const KernelBtf& btf, std::initializer_list<Member> members) {
  Defines out;
  for (const Member& m : members) {
    auto offset = btf.member_offset(m.type, m.member);
    if (!offset) return std::nullopt;
    out.emplace_back(m.define, *offset);
  }
  return out;
}

}  // namespace

std::optional<Defines> mount_layout(const KernelBtf& btf) {
  return offsets(btf, {{"EBPFMON_MOUNT_MNT", "mount", "mnt"},
                       {"EBPFMON_MOUNT_PARENT", "mount", "mnt_parent"},
                       {"EBPFMON_MOUNT_MOUNTPOINT", "mount", "mnt_mountpoint"}});
}

std::optional<Defines> unix_socket_layout(const KernelBtf& btf) {
  return offsets(btf, {{"EBPFMON_UNIX_SOCK_ADDR", "unix_sock", "addr"},
                       {"EBPFMON_UNIX_ADDRESS_LEN", "unix_address", "len"},
                       {"EBPFMON_UNIX_ADDRESS_NAME", "unix_address", "name"}});
}

std::optional<Defines> tcp_sock_layout(const KernelBtf& btf) {
  return offsets(btf, {{"EBPFMON_TCP_BYTES_ACKED", "tcp_sock", "bytes_acked"},
                       {"EBPFMON_TCP_BYTES_RECEIVED", "tcp_sock", "bytes_received"},
                       {"EBPFMON_TCP_SND_UNA", "tcp_sock", "snd_una"},
                       {"EBPFMON_TCP_WRITE_SEQ", "tcp_sock", "write_seq"},
                       {"EBPFMON_TCP_TOTAL_RETRANS", "tcp_sock", "total_retrans"}});
}

std::optional<Defines> task_state_layout(const KernelBtf& btf) {
  auto layout = offsets(btf, {{"EBPFMON_TASK_STATE", "task_struct", "__state"}});
  if (!layout) layout = offsets(btf, {{"EBPFMON_TASK_STATE", "task_struct", "state"}});
  if (!layout) return std::nullopt;
  const auto sched_info = btf.member_offset("task_struct", "sched_info");
  const auto last_arrival = btf.member_offset("sched_info", "last_arrival");
  if (sched_info && last_arrival)
    layout->emplace_back("EBPFMON_TASK_LAST_ARRIVAL", *sched_info + *last_arrival);
  return layout;
}

}  // namespace ebpfmon
