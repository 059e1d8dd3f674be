#include "monitors/net.h"

#include <sys/socket.h>

#include <cstring>

#include "bpf/kernel_layouts.h"
#include "bpf_sources.h"
#include "core/ip_address.h"
#include "core/top_rows.h"
#include "ebpf/net.h"
#include "monitors/process_context.h"
#include "monitors/registry.h"

namespace ebpfmon {
namespace {

// net's columns, in order: each declared once, with the handle decode()
// sets it through.
struct NetFields {
  Schema schema;
  TaskFields task = add_task_fields(schema);
  FieldOf<std::string> event = schema.add<std::string>(
      "event",
      "`close` when the connection ended (or a connect failed), `established` when it "
      "was set up (`--established`)");
  FieldOf<std::string> direction = schema.add<std::string>(
      "direction", "`out` for a connect, `in` for a connection accepted from a listener");
  FieldOf<uint64_t> family = schema.add<uint64_t>("family", "4 or 6");
  FieldOf<std::string> laddr = schema.add<std::string>("laddr", "local address");
  FieldOf<uint64_t> lport = schema.add<uint64_t>("lport", "local port");
  FieldOf<std::string> raddr = schema.add<std::string>("raddr", "remote address");
  FieldOf<uint64_t> rport = schema.add<uint64_t>("rport", "remote port");
  FieldOf<uint64_t> tx_bytes = schema.add<uint64_t>(
      "tx_bytes", "payload bytes sent and acknowledged by the peer (`close` only)");
  FieldOf<uint64_t> rx_bytes =
      schema.add<uint64_t>("rx_bytes", "payload bytes received (`close` only)");
  FieldOf<double> duration_ms = schema.add<double>(
      "duration_ms",
      "since connect() or the SYN's arrival: to the end (`close`), or to the set-up or "
      "accept() (`established`)");
  FieldOf<uint64_t> retransmits =
      schema.add<uint64_t>("retransmits", "segments retransmitted (`close` only)");
  FieldOf<std::string> end = schema.add<std::string>(
      "end",
      "how it ended: `fin`, `rst`, `refused`, or `timeout` (a connect that never got an "
      "answer, or a connection that timed out); empty for `established`");
  FieldOf<std::string> exec_id =
      schema.add<std::string>("exec_id", "the exec id of the owning process's image");
  CgroupFields cgroup = add_cgroup_fields(schema, CgroupColumns::IdAndContainer);
};

const NetFields& fields() {
  static const NetFields f;
  return f;
}

constexpr const char* kEndNames[] = {"fin", "rst", "refused", "timeout"};

Result<void> check_port(const RawValue& item) {
  const std::string& s = item.text;
  const bool digits =
      !s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoul(s) < 1 || std::stoul(s) > 65535)
    return value_error(item, "expected a port number, 1..65535");
  return {};
}

Result<void> check_cidr(const RawValue& item) {
  if (!parse_cidr(item.text))
    return value_error(item, "expected an address or CIDR block (10.0.0.0/8, fd00::/8)");
  return {};
}

}  // namespace

NetMonitor::NetMonitor(const NetSettings& settings) : settings_(settings) {
  if (settings_.summary.shown.on) tally_ = std::make_shared<NetTally>(settings_.summary.by);
}

std::unique_ptr<PeriodicReport> NetMonitor::report() const {
  if (!tally_) return nullptr;
  return std::make_unique<NetSummary>(tally_, settings_.summary);
}

const Schema& NetMonitor::schema() const {
  return fields().schema;
}

std::vector<ConsoleColumn> NetMonitor::console_columns() const {
  const NetFields& f = fields();
  return {{"TIME", f.task.timestamp, 12}, {"COMM", f.task.comm, 16}, {"PID", f.task.pid, 8},
          {"DIR", f.direction, 4},        {"LADDR", f.laddr, 16},    {"LPORT", f.lport, 6},
          {"RADDR", f.raddr, 16},         {"RPORT", f.rport, 6},     {"TX", f.tx_bytes, 10},
          {"RX", f.rx_bytes, 10},         {"MS", f.duration_ms, 10}, {"END", f.end, 0}};
}

SettingsSection NetMonitor::settings_table() {
  using S = NetSettings;
  return SettingsTable<S>(kName)
      .boolean("established", "established", &S::established,
               "also an event when a connection is set up (connect) or accepted")
      .words("ports", "port", &S::ports, "port", check_port, "ports 1..65535",
             "only connections to or accepted on these ports (the remote port of a connect, "
             "the local port of an accepted connection; decided in the kernel)")
      .words("remote", "remote", &S::remote, "CIDR block", check_cidr,
             "addresses or CIDR blocks, IPv4 or IPv6",
             "only connections whose remote address is in one of these blocks (decided in the "
             "kernel)",
             "CIDR[,CIDR]")
      .integer("container_series", "", &S::container_series, 1, 1000,
               "/metrics: per-container series for the K busiest containers, the rest summed "
               "as container=\"other\"")
      .with([](SettingsTable<S>& t) {
        add_summary_flags(
            t, [](S& s) -> SummarySettings& { return s.summary.shown; }, "of the connections");
        // Not --by: in ebpfmon a flag reads the same for every monitor, and
        // syscall's --by has other rows.
        t.choice(
             "", "per", [](S& s) -> std::string& { return s.summary.by; },
             {"remote", "process", "container"},
             "summary rows per remote address, process or container", "WHAT")
            .needs("summary");
      })
      .with(add_buffer_kb<S>)
      .build();
}

Result<BpfMonitor::Plan> NetMonitor::plan(Capabilities& /*caps*/) const {
  auto tcp = tcp_sock_layout(KernelBtf());
  if (!tcp)
    return Error::runtime(
        "the net monitor needs struct tcp_sock's layout (its byte counters) from the kernel's "
        "BTF, which this kernel does not provide (/sys/kernel/btf/vmlinux)");
  Plan plan;
  plan.defines = std::move(*tcp);
  plan.ring_buffer_bytes = size_t{settings_.buffer_kb} << 10;
  plan.source = bpf_sources::net_bpf;
  if (settings_.established) plan.defines.emplace_back("NET_ESTABLISHED_EVENTS", 1);
  if (!settings_.ports.empty())
    plan.defines.emplace_back("NET_FILTER_PORTS", static_cast<int64_t>(settings_.ports.size()));
  if (!settings_.remote.empty())
    plan.defines.emplace_back("NET_FILTER_REMOTE", static_cast<int64_t>(settings_.remote.size()));
  plan.hooks = {{HookType::Tracepoint, "sock:inet_sock_set_state"},
                {HookType::Tracepoint, "syscalls:sys_exit_accept4"},
                {HookType::Tracepoint, "syscalls:sys_exit_accept"}};
  return plan;
}

Result<void> NetMonitor::configure(const BpfProgram& program) {
  const uint8_t yes = 1;
  if (!settings_.ports.empty()) {
    auto ports = program.map<uint16_t, uint8_t>(kNetFilterPortsMap);
    if (!ports) return ports.error();
    for (const std::string& port : settings_.ports)
      if (auto r = ports->update(static_cast<uint16_t>(std::stoul(port)), yes); !r) return r;
  }
  if (!settings_.remote.empty()) {
    auto blocks = program.map<net_cidr_key, uint8_t>(kNetFilterRemoteMap);
    if (!blocks) return blocks.error();
    for (const std::string& text : settings_.remote) {
      const Cidr cidr = *parse_cidr(text);  // checked when read
      net_cidr_key key{};
      key.prefixlen = cidr.prefix_bits;
      std::memcpy(key.addr, cidr.addr.data(), sizeof key.addr);
      if (auto r = blocks->update(key, yes); !r) return r;
    }
  }
  return {};
}

bool NetMonitor::decode(const void* data, size_t size, Event& event) {
  if (size < sizeof(net_event)) return false;
  net_event e;
  std::memcpy(&e, data, sizeof e);
  if ((e.family != 4 && e.family != 6) || e.end > NET_END_TIMEOUT) return false;
  const NetFields& f = fields();
  event.values.resize(f.schema.fields.size());
  fill_task_values(event, f.task, {clock().to_wall(e.ts_ns), e.comm, e.uid, e.pid, e.ppid});
  const bool closed = e.kind == NET_KIND_CLOSED;
  event.set(f.event, std::string(closed ? "close" : "established"));
  event.set(f.direction, std::string(e.direction == NET_DIR_OUT ? "out" : "in"));
  event.set(f.family, uint64_t{e.family});
  const int family = e.family == 4 ? AF_INET : AF_INET6;
  event.set(f.laddr, ip_address_text(family, e.laddr));
  event.set(f.lport, uint64_t{e.lport});
  event.set(f.raddr, ip_address_text(family, e.raddr));
  event.set(f.rport, uint64_t{e.rport});
  event.set(f.duration_ms, static_cast<double>(e.duration_ns) / 1e6);
  if (closed) {
    event.set(f.tx_bytes, e.tx_bytes);
    event.set(f.rx_bytes, e.rx_bytes);
    event.set(f.retransmits, uint64_t{e.retransmits});
    event.set(f.end, std::string(kEndNames[e.end]));
  } else {
    event.set_none(f.tx_bytes);
    event.set_none(f.rx_bytes);
    event.set_none(f.retransmits);
    event.set(f.end, std::string());
  }
  if (e.owner == NET_OWNER_NONE) {
    // Accepted by nobody, on a listener opened before we started.
    for (FieldRef unknown :
         {FieldRef(f.task.comm), FieldRef(f.task.uid), FieldRef(f.task.pid), FieldRef(f.task.ppid),
          FieldRef(f.cgroup.cgroup_id), FieldRef(f.cgroup.container_id)})
      event.set_none(unknown);
    event.set(f.exec_id, std::string());
  } else {
    event.set(f.exec_id, format_exec_id(e.start_ns, e.pid, e.exec_seq));
    fill_cgroup_values(event, f.cgroup, e.cgroup_id);
  }
  if (closed) {
    const auto* container = std::get_if<std::string>(&event.values[f.cgroup.container_id.index]);
    EndedConnection c;
    c.remote = event.get(f.raddr);
    c.pid = e.owner == NET_OWNER_NONE ? 0 : e.pid;
    c.comm = e.owner == NET_OWNER_NONE ? std::string() : event.get(f.task.comm);
    c.container = container ? *container : std::string();
    c.failed = e.end == NET_END_REFUSED || (e.end == NET_END_TIMEOUT && e.tx_bytes == 0 &&
                                            e.rx_bytes == 0 && e.direction == NET_DIR_OUT);
    c.tx_bytes = e.tx_bytes;
    c.rx_bytes = e.rx_bytes;
    c.lifetime_ns = e.duration_ns;
    count(c, e.direction == NET_DIR_OUT, e.end);
  }
  return true;
}

void NetMonitor::count(const EndedConnection& c, bool outgoing, uint8_t end) {
  ++ended_[outgoing ? 0 : 1][end];
  bytes_[0] += c.tx_bytes;
  bytes_[1] += c.rx_bytes;
  Counts& mine = by_container_[c.container.empty() ? "host" : c.container];
  ++mine.connections;
  mine.tx_bytes += c.tx_bytes;
  mine.rx_bytes += c.rx_bytes;
  if (tally_) tally_->add(c);
}

// Connections by direction and end, bytes each way, and per container the
// busiest `container_series` (the rest as "other", as syscall's).
Result<Metrics> NetMonitor::metrics() const {
  const auto counter = [](const char* name, const char* help) {
    return MetricFamily{name, help, MetricFamily::Type::Counter, {}, {}};
  };
  MetricFamily closed = counter("ebpfmon_net_connections_total",
                                "TCP connections that ended, by direction and how they ended");
  for (size_t d = 0; d < 2; ++d)
    for (size_t i = 0; i < std::size(kEndNames); ++i)
      closed.samples.push_back({{{"direction", d == 0 ? "out" : "in"}, {"end", kEndNames[i]}},
                                static_cast<double>(ended_[d][i])});
  MetricFamily bytes = counter("ebpfmon_net_bytes_total",
                               "Payload bytes of the connections that ended: tx sent, rx received");
  bytes.samples = {{{{"direction", "tx"}}, static_cast<double>(bytes_[0])},
                   {{{"direction", "rx"}}, static_cast<double>(bytes_[1])}};
  MetricFamily per_container =
      counter("ebpfmon_net_container_connections_total",
              "TCP connections that ended, by container (host: no container; other: the rest)");
  MetricFamily container_bytes = counter("ebpfmon_net_container_bytes_total",
                                         "Payload bytes by container: tx sent, rx received");
  const auto ranked = top_and_other(
      by_container_, settings_.container_series, [](const Counts& c) { return c.connections; },
      [](Counts& sum, const Counts& c) {
        sum.connections += c.connections;
        sum.tx_bytes += c.tx_bytes;
        sum.rx_bytes += c.rx_bytes;
      });
  for (const auto& [container, c] : ranked) {
    per_container.samples.push_back(
        {{{"container", container}}, static_cast<double>(c.connections)});
    container_bytes.samples.push_back(
        {{{"container", container}, {"direction", "tx"}}, static_cast<double>(c.tx_bytes)});
    container_bytes.samples.push_back(
        {{{"container", container}, {"direction", "rx"}}, static_cast<double>(c.rx_bytes)});
  }
  return Metrics{std::move(closed), std::move(bytes), std::move(per_container),
                 std::move(container_bytes)};
}

EBPFMON_REGISTER_MONITOR(NetMonitor, NetSettings, ByDefault::Off, {})

}  // namespace ebpfmon
