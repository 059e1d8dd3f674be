/* net: the record shared by net.bpf.c and lib/monitors/net.cc, and the
 * filter maps user space fills. */
#ifndef EBPFMON_NET_H
#define EBPFMON_NET_H

#include "common.h"

/* What a record reports. */
#define NET_KIND_CLOSED 0      /* the connection ended (or never got going) */
#define NET_KIND_ESTABLISHED 1 /* --established: set up (out) or accepted (in) */

#define NET_DIR_OUT 0 /* connect() */
#define NET_DIR_IN 1  /* accepted from a listener */

/* How a connection ended (NET_KIND_CLOSED). */
#define NET_END_FIN 0
#define NET_END_RST 1
#define NET_END_REFUSED 2
#define NET_END_TIMEOUT 3

/* Who owned the connection, as far as the kernel knew at the close. */
#define NET_OWNER_NONE 0     /* accepted by nobody, and no listener seen */
#define NET_OWNER_TASK 1     /* the connecting or accepting process */
#define NET_OWNER_LISTENER 2 /* never accepted: the listening process */

struct net_event {
  __u64 ts_ns;       /* CLOCK_MONOTONIC */
  __u64 duration_ns; /* from connect() or the SYN's arrival to ts_ns */
  /* The owner's exec id: as exec.h's. */
  __u64 start_ns;
  __u64 exec_seq;
  __u64 cgroup_id;
  __u64 tx_bytes; /* payload acked by the peer (SYN and FIN taken off) */
  __u64 rx_bytes; /* payload received in order (FIN taken off) */
  __u32 pid;
  __u32 ppid;
  __u32 uid;
  __u32 retransmits;
  __u8 laddr[16]; /* IPv4: the first 4 bytes */
  __u8 raddr[16];
  __u16 lport;
  __u16 rport;
  __u8 family; /* 4 or 6 */
  __u8 direction;
  __u8 kind;
  __u8 end;
  __u8 owner;
  __u8 pad[7];
  char comm[EBPFMON_COMM_LEN];
};
EBPFMON_ASSERT_OFFSET(net_event, ts_ns, 0);
EBPFMON_ASSERT_OFFSET(net_event, duration_ns, 8);
EBPFMON_ASSERT_OFFSET(net_event, start_ns, 16);
EBPFMON_ASSERT_OFFSET(net_event, exec_seq, 24);
EBPFMON_ASSERT_OFFSET(net_event, cgroup_id, 32);
EBPFMON_ASSERT_OFFSET(net_event, tx_bytes, 40);
EBPFMON_ASSERT_OFFSET(net_event, rx_bytes, 48);
EBPFMON_ASSERT_OFFSET(net_event, pid, 56);
EBPFMON_ASSERT_OFFSET(net_event, ppid, 60);
EBPFMON_ASSERT_OFFSET(net_event, uid, 64);
EBPFMON_ASSERT_OFFSET(net_event, retransmits, 68);
EBPFMON_ASSERT_OFFSET(net_event, laddr, 72);
EBPFMON_ASSERT_OFFSET(net_event, raddr, 88);
EBPFMON_ASSERT_OFFSET(net_event, lport, 104);
EBPFMON_ASSERT_OFFSET(net_event, rport, 106);
EBPFMON_ASSERT_OFFSET(net_event, family, 108);
EBPFMON_ASSERT_OFFSET(net_event, direction, 109);
EBPFMON_ASSERT_OFFSET(net_event, kind, 110);
EBPFMON_ASSERT_OFFSET(net_event, end, 111);
EBPFMON_ASSERT_OFFSET(net_event, owner, 112);
EBPFMON_ASSERT_OFFSET(net_event, comm, 120);
EBPFMON_ASSERT_SIZE(net_event, 136);

/* --remote: a key of the LPM trie; IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d),
 * so one trie holds both families and a v4-mapped v6 socket matches a v4
 * CIDR. prefixlen counts bits of addr. */
struct net_cidr_key {
  __u32 prefixlen;
  __u8 addr[16];
};
EBPFMON_ASSERT_SIZE(net_cidr_key, 20);

#ifdef __cplusplus
namespace ebpfmon {
inline constexpr char kNetFilterPortsMap[] = "net_filter_ports";   /* u16 -> u8 */
inline constexpr char kNetFilterRemoteMap[] = "net_filter_remote"; /* net_cidr_key -> u8 */
}  // namespace ebpfmon
#endif

#endif
