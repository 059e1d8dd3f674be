/* net: one record per TCP connection when it ends (and, with
 * NET_ESTABLISHED_EVENTS, one when it is set up), from the state changes of
 * sock:inet_sock_set_state.
 *
 * The close often runs in softirq, where current is whoever the packet
 * interrupted, so the owner is recorded while it is current: at connect()
 * (CLOSE -> SYN_SENT runs in the caller) or at the return of accept(). A
 * connection nobody accepted keeps the owner of its listener (CLOSE ->
 * LISTEN runs in listen()'s caller), found by the local port. Per socket,
 * the state lives in net_socks from its first state change to CLOSE. */
#include <linux/sched.h>
#include <net/sock.h>

#include "common.bpf.h"
#include "net.h"
#include "task_fd.bpf.h"

/* include/net/tcp_states.h; the tracepoint's own numbering. */
#define NET_TCP_ESTABLISHED 1
#define NET_TCP_SYN_SENT 2
#define NET_TCP_SYN_RECV 3
#define NET_TCP_FIN_WAIT1 4
#define NET_TCP_FIN_WAIT2 5
#define NET_TCP_CLOSE 7
#define NET_TCP_LAST_ACK 9
#define NET_TCP_LISTEN 10
#define NET_TCP_CLOSING 11

#define NET_AF_INET 2
#define NET_IPPROTO_TCP 6
#define NET_ETIMEDOUT 110
#define NET_ECONNREFUSED 111
#define NET_SOCK_DONE 1 /* enum sock_flags: set by tcp_fin(), the peer's FIN */

#define NET_SOCKETS 65536
#define NET_LISTENERS 4096

/* The process a connection belongs to, recorded while it was current. */
struct net_owner {
  struct ebpfmon_task task;
  u32 ppid;
  u64 start_ns;
  u64 exec_seq;
  u64 cgroup_id;
};

struct net_tuple {
  u8 laddr[16];
  u8 raddr[16];
  u16 lport;
  u16 rport;
  u8 family; /* 4 or 6 */
  u8 pad[3];
};

struct net_sock {
  u64 start_ns; /* CLOCK_MONOTONIC at SYN_SENT or SYN_RECV */
  struct net_owner owner;
  struct net_tuple tuple; /* as at SYN_RECV: what accept() reports */
  u8 direction;
  u8 owner_kind;
  u8 established;
  u8 fin_sent;
};

/* sock:inet_sock_set_state's record (its format in tracefs; stable since
 * 4.16). BCC declares its own struct for it only at the probe, after the
 * helpers that read it. */
struct net_state_args {
  u64 common; /* common_type, common_flags, common_preempt_count, common_pid */
  const void *skaddr;
  int oldstate;
  int newstate;
  u16 sport; /* host order */
  u16 dport;
  u16 family;
  u16 protocol;
  u8 saddr[4];
  u8 daddr[4];
  u8 saddr_v6[16];
  u8 daddr_v6[16];
};

/* LRU: a socket whose CLOSE we never see (none known) cannot pin a slot. */
BPF_TABLE("lru_hash", u64, struct net_sock, net_socks, NET_SOCKETS);
BPF_TABLE("lru_hash", u16, struct net_owner, net_listeners, NET_LISTENERS);

#ifdef NET_FILTER_PORTS
BPF_HASH(net_filter_ports, u16, u8, NET_FILTER_PORTS);
#endif
#ifdef NET_FILTER_REMOTE
BPF_LPM_TRIE(net_filter_remote, struct net_cidr_key, u8, NET_FILTER_REMOTE);
#endif

static __always_inline void net_record_owner(struct net_owner *o) {
  ebpfmon_task_record(&o->task);
  o->ppid = ebpfmon_current_ppid();
  ebpfmon_task_exec_id((const void *)bpf_get_current_task(), &o->start_ns, &o->exec_seq);
  o->cgroup_id = bpf_get_current_cgroup_id();
}

/* Whether an owner filter (-p, -u, --pid, --cgroup, --container) is set:
 * then a connection whose owner is unknown is not shown. */
#if defined(EBPFMON_FILTER_PIDS) || defined(EBPFMON_FILTER_UIDS) ||                           \
    defined(EBPFMON_FILTER_COMMS) || defined(EBPFMON_FILTER_CGROUP) ||                        \
    defined(EBPFMON_FILTER_CONTAINER)
#define NET_OWNER_FILTERED 1
#else
#define NET_OWNER_FILTERED 0
#endif

static __always_inline void net_read_tuple(struct net_tuple *t,
                                           struct net_state_args *args) {
  t->lport = args->sport;
  t->rport = args->dport;
  if (args->family == NET_AF_INET) {
    t->family = 4;
    __builtin_memcpy(t->laddr, args->saddr, 4);
    __builtin_memcpy(t->raddr, args->daddr, 4);
  } else {
    t->family = 6;
    __builtin_memcpy(t->laddr, args->saddr_v6, 16);
    __builtin_memcpy(t->raddr, args->daddr_v6, 16);
  }
}

/* --port (the service port: the remote one of a connect, the local one of
 * an accepted connection) and --remote, judged when the socket appears. */
static __always_inline bool net_endpoints_allowed(u16 service_port,
                                                  struct net_state_args *args) {
#ifdef NET_FILTER_PORTS
  if (!net_filter_ports.lookup(&service_port))
    return false;
#endif
#ifdef NET_FILTER_REMOTE
  struct net_cidr_key key = {.prefixlen = 128};
  if (args->family == NET_AF_INET) {
    key.addr[10] = 0xff;
    key.addr[11] = 0xff;
    __builtin_memcpy(&key.addr[12], args->daddr, 4);
  } else {
    __builtin_memcpy(key.addr, args->daddr_v6, 16);
  }
  if (!net_filter_remote.lookup(&key))
    return false;
#endif
  return true;
}

static __always_inline void net_fill_event(struct net_event *e, const struct net_sock *s,
                                           const struct net_tuple *t, u8 kind) {
  e->ts_ns = bpf_ktime_get_ns();
  e->kind = kind;
  e->direction = s->direction;
  e->owner = s->owner_kind;
  e->pid = s->owner.task.tgid;
  e->uid = s->owner.task.uid;
  e->ppid = s->owner.ppid;
  __builtin_memcpy(e->comm, s->owner.task.comm, EBPFMON_COMM_LEN);
  e->start_ns = s->owner.start_ns;
  e->exec_seq = s->owner.exec_seq;
  e->cgroup_id = s->owner.cgroup_id;
  __builtin_memcpy(e->laddr, t->laddr, 16);
  __builtin_memcpy(e->raddr, t->raddr, 16);
  e->lport = t->lport;
  e->rport = t->rport;
  e->family = t->family;
}

/* CLOSE -> SYN_SENT, in connect()'s caller. */
static __always_inline void net_connecting(struct net_state_args *args,
                                           u64 sk) {
  struct net_sock s = {};
  net_record_owner(&s.owner);
  if (!ebpfmon_task_allowed(&s.owner.task) || !net_endpoints_allowed(args->dport, args))
    return;
  s.start_ns = bpf_ktime_get_ns();
  s.direction = NET_DIR_OUT;
  s.owner_kind = NET_OWNER_TASK;
  if (net_socks.update(&sk, &s) != 0)
    ebpfmon_count_loss(EBPFMON_LOSS_KERNEL_MAP);
}

/* -> SYN_RECV: a listener's child, in softirq. Its owner is the listener's
 * until accept() returns it. */
static __always_inline void net_arriving(struct net_state_args *args,
                                         u64 sk) {
  if (!net_endpoints_allowed(args->sport, args))
    return;
  struct net_sock s = {};
  u16 port = args->sport;
  struct net_owner *listener = net_listeners.lookup(&port);
  if (listener) {
    s.owner = *listener;
    s.owner_kind = NET_OWNER_LISTENER;
  }
  s.start_ns = bpf_ktime_get_ns();
  s.direction = NET_DIR_IN;
  net_read_tuple(&s.tuple, args);
  if (net_socks.update(&sk, &s) != 0)
    ebpfmon_count_loss(EBPFMON_LOSS_KERNEL_MAP);
}

/* Payload bytes from the socket's counters, which also count sequence
 * space: bytes_acked the SYN of a connect (an accepted socket starts past
 * its SYN-ACK) and our FIN once acked; bytes_received the peer's FIN (the
 * peer's SYN is not counted). */
static __always_inline void net_read_counters(struct net_event *e, const struct net_sock *s,
                                              u64 sk) {
  /* struct tcp_sock is in no header of the BTF tree: its offsets come from
   * BTF (kernel_layouts.cc), the member sizes are those of every kernel
   * since 4.19. */
  const char *tp = (const char *)sk;
  u64 acked = 0, received = 0;
  u32 snd_una = 0, write_seq = 0;
  unsigned long flags = 0;
  bpf_probe_read_kernel(&acked, sizeof(acked), tp + EBPFMON_TCP_BYTES_ACKED);
  bpf_probe_read_kernel(&received, sizeof(received), tp + EBPFMON_TCP_BYTES_RECEIVED);
  bpf_probe_read_kernel(&snd_una, sizeof(snd_una), tp + EBPFMON_TCP_SND_UNA);
  bpf_probe_read_kernel(&write_seq, sizeof(write_seq), tp + EBPFMON_TCP_WRITE_SEQ);
  bpf_probe_read_kernel(&e->retransmits, sizeof(e->retransmits), tp + EBPFMON_TCP_TOTAL_RETRANS);
  ebpfmon_read_kernel(flags, (struct sock *)sk, struct sock, __sk_common.skc_flags);
  u64 syn = s->established && s->direction == NET_DIR_OUT ? 1 : 0;
  u64 fin = s->fin_sent && snd_una == write_seq ? 1 : 0;
  e->tx_bytes = acked > syn + fin ? acked - syn - fin : 0;
  u64 peer_fin = (flags >> NET_SOCK_DONE) & 1;
  e->rx_bytes = received > peer_fin ? received - peer_fin : 0;
}

static __always_inline u8 net_end(const struct net_sock *s, int oldstate, u64 sk) {
  int err = 0;
  ebpfmon_read_kernel(err, (struct sock *)sk, struct sock, sk_err);
  if (!s->established)
    return err == NET_ECONNREFUSED ? NET_END_REFUSED : NET_END_TIMEOUT;
  if (err == NET_ETIMEDOUT)
    return NET_END_TIMEOUT;
  if (err == 0 && (oldstate == NET_TCP_FIN_WAIT1 || oldstate == NET_TCP_FIN_WAIT2 ||
                   oldstate == NET_TCP_CLOSING || oldstate == NET_TCP_LAST_ACK))
    return NET_END_FIN;
  return NET_END_RST;
}

/* -> CLOSE: the record, then the socket is forgotten. */
static __always_inline void net_closed(struct net_state_args *args, u64 sk,
                                       struct net_sock *s) {
  bool shown = s->owner_kind == NET_OWNER_TASK ||
               (s->owner_kind == NET_OWNER_LISTENER ? ebpfmon_task_allowed(&s->owner.task)
                                                    : !NET_OWNER_FILTERED);
  if (shown) {
    struct net_event e = {};
    struct net_tuple t = {};
    net_read_tuple(&t, args);
    net_fill_event(&e, s, &t, NET_KIND_CLOSED);
    e.duration_ns = e.ts_ns - s->start_ns;
    e.end = net_end(s, args->oldstate, sk);
    net_read_counters(&e, s, sk);
    ebpfmon_emit(args, &e, sizeof(e));
  }
  net_socks.delete(&sk);
}

static __always_inline int net_state_changed(struct net_state_args *args) {
  if (args->protocol != NET_IPPROTO_TCP)
    return 0;
  u64 sk = (u64)args->skaddr;
  int newstate = args->newstate;
  if (newstate == NET_TCP_SYN_SENT) {
    net_connecting(args, sk);
    return 0;
  }
  if (newstate == NET_TCP_SYN_RECV) {
    net_arriving(args, sk);
    return 0;
  }
  if (newstate == NET_TCP_LISTEN) {
    struct net_owner o = {};
    u16 port = args->sport;
    net_record_owner(&o);
    net_listeners.update(&port, &o);
    return 0;
  }
  if (args->oldstate == NET_TCP_LISTEN && newstate == NET_TCP_CLOSE) {
    u16 port = args->sport;
    net_listeners.delete(&port);
    return 0;
  }
  struct net_sock *s = net_socks.lookup(&sk);
  if (!s)
    return 0;
  if (newstate == NET_TCP_ESTABLISHED) {
    s->established = 1;
#ifdef NET_ESTABLISHED_EVENTS
    if (s->direction == NET_DIR_OUT) {
      struct net_event e = {};
      struct net_tuple t = {};
      net_read_tuple(&t, args);
      net_fill_event(&e, s, &t, NET_KIND_ESTABLISHED);
      e.duration_ns = e.ts_ns - s->start_ns;
      ebpfmon_emit(args, &e, sizeof(e));
    }
#endif
  } else if (newstate == NET_TCP_FIN_WAIT1 || newstate == NET_TCP_LAST_ACK) {
    s->fin_sent = 1; /* our FIN is queued: it takes one byte of sequence space */
  } else if (newstate == NET_TCP_CLOSE) {
    net_closed(args, sk, s);
  }
  return 0;
}

TRACEPOINT_PROBE(sock, inet_sock_set_state) {
  return net_state_changed((struct net_state_args *)args);
}

/* accept() returned fd: its process owns the connection from now on. */
static __always_inline int net_accepted(void *ctx, long fd) {
  struct file *f = ebpfmon_fd_file(fd);
  if (!f)
    return 0;
  u64 sk = (u64)ebpfmon_file_sock(f);
  struct net_sock *s = net_socks.lookup(&sk);
  if (!s || s->direction != NET_DIR_IN)
    return 0;
  net_record_owner(&s->owner);
  s->owner_kind = NET_OWNER_TASK;
  if (!ebpfmon_task_allowed(&s->owner.task)) {
    net_socks.delete(&sk);
    return 0;
  }
#ifdef NET_ESTABLISHED_EVENTS
  struct net_event e = {};
  net_fill_event(&e, s, &s->tuple, NET_KIND_ESTABLISHED);
  e.duration_ns = e.ts_ns - s->start_ns;
  ebpfmon_emit(ctx, &e, sizeof(e));
#endif
  return 0;
}

TRACEPOINT_PROBE(syscalls, sys_exit_accept4) {
  return net_accepted(args, args->ret);
}

TRACEPOINT_PROBE(syscalls, sys_exit_accept) {
  return net_accepted(args, args->ret);
}
