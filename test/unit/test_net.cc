// net: its records decoded (laid out as ebpf/net.h has them, every field
// compared by name), and the CIDR blocks --remote takes.
#include <arpa/inet.h>
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <sstream>
#include <string>

#include "core/ip_address.h"
#include "decoded_event.h"
#include "ebpf/net.h"
#include "monitors/net.h"
#include "monitors/net_summary.h"
#include "sinks/report_text.h"

using namespace ebpfmon;
using ebpfmon::test::boot_id;
using ebpfmon::test::ContainerCgroup;
using ebpfmon::test::fields_by_name;
using nlohmann::json;

namespace {

net_event ipv6_close(uint64_t cgroup_id) {
  net_event e{};
  e.ts_ns = 2'000'000'000;
  e.duration_ns = 1'250'000;
  e.start_ns = 55'000;
  e.exec_seq = 2;
  e.cgroup_id = cgroup_id;
  e.tx_bytes = 12345;
  e.rx_bytes = 777;
  e.pid = 4242;
  e.ppid = 1;
  e.uid = 1000;
  e.retransmits = 3;
  REQUIRE(inet_pton(AF_INET6, "fd00::1", e.laddr) == 1);
  REQUIRE(inet_pton(AF_INET6, "2001:db8::7", e.raddr) == 1);
  e.lport = 41000;
  e.rport = 443;
  e.family = 6;
  e.direction = NET_DIR_OUT;
  e.kind = NET_KIND_CLOSED;
  e.end = NET_END_RST;
  e.owner = NET_OWNER_TASK;
  std::strcpy(e.comm, "curl");
  return e;
}

}  // namespace

TEST_CASE("decode: net records, a closed IPv6 connection and an accepted IPv4 one") {
  ContainerCgroup cgroup;
  NetMonitor monitor{NetSettings{}};
  net_event e = ipv6_close(cgroup.id());
  Event closed;
  REQUIRE(monitor.decode(&e, sizeof e, closed));
  const json expected = {{"comm", "curl"},
                         {"uid", 1000},
                         {"pid", 4242},
                         {"ppid", 1},
                         {"event", "close"},
                         {"direction", "out"},
                         {"family", 6},
                         {"laddr", "fd00::1"},
                         {"lport", 41000},
                         {"raddr", "2001:db8::7"},
                         {"rport", 443},
                         {"tx_bytes", 12345},
                         {"rx_bytes", 777},
                         {"duration_ms", 1.25},
                         {"retransmits", 3},
                         {"end", "rst"},
                         {"exec_id", boot_id() + ":55000:4242:2"},
                         {"cgroup_id", cgroup.id()},
                         {"container_id", ContainerCgroup::kContainerId}};
  CHECK(fields_by_name(monitor, closed) == expected);

  // --established, accepted: no bytes, end or retransmits yet; IPv4 in the
  // first four bytes.
  net_event in{};
  in.ts_ns = 3'000'000'000;
  in.duration_ns = 500'000;
  in.pid = 10;
  std::strcpy(in.comm, "nginx");
  REQUIRE(inet_pton(AF_INET, "10.1.2.3", in.laddr) == 1);
  REQUIRE(inet_pton(AF_INET, "192.0.2.9", in.raddr) == 1);
  in.lport = 80;
  in.rport = 50000;
  in.family = 4;
  in.direction = NET_DIR_IN;
  in.kind = NET_KIND_ESTABLISHED;
  in.owner = NET_OWNER_TASK;
  in.cgroup_id = cgroup.id();
  Event accepted;
  REQUIRE(monitor.decode(&in, sizeof in, accepted));
  const json fields = fields_by_name(monitor, accepted);
  CHECK(fields["event"] == "established");
  CHECK(fields["direction"] == "in");
  CHECK(fields["laddr"] == "10.1.2.3");
  CHECK(fields["raddr"] == "192.0.2.9");
  CHECK(fields["tx_bytes"].is_null());
  CHECK(fields["rx_bytes"].is_null());
  CHECK(fields["retransmits"].is_null());
  CHECK(fields["end"] == "");

  // Nobody accepted it and no listener was seen: no owner.
  e.owner = NET_OWNER_NONE;
  Event orphan;
  REQUIRE(monitor.decode(&e, sizeof e, orphan));
  const json none = fields_by_name(monitor, orphan);
  CHECK(none["pid"].is_null());
  CHECK(none["comm"].is_null());
  CHECK(none["exec_id"] == "");

  // Malformed: short, a family or an end that does not exist.
  CHECK_FALSE(monitor.decode(&e, sizeof e - 1, orphan));
  e.family = 5;
  CHECK_FALSE(monitor.decode(&e, sizeof e, orphan));
  e.family = 4;
  e.end = 9;
  CHECK_FALSE(monitor.decode(&e, sizeof e, orphan));
}

TEST_CASE("parse_cidr: IPv4 blocks held IPv4-mapped, IPv6 as they are") {
  auto v4 = parse_cidr("10.0.0.0/8");
  REQUIRE(v4);
  CHECK(v4->prefix_bits == 96 + 8);
  CHECK(v4->addr[10] == 0xff);
  CHECK(v4->addr[11] == 0xff);
  CHECK(v4->addr[12] == 10);
  auto host = parse_cidr("127.0.0.1");
  REQUIRE(host);
  CHECK(host->prefix_bits == 128);
  auto v6 = parse_cidr("fd00::/8");
  REQUIRE(v6);
  CHECK(v6->prefix_bits == 8);
  CHECK(v6->addr[0] == 0xfd);
  CHECK(parse_cidr("::1")->prefix_bits == 128);
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0/8",
                          "host.example", "10.0.0.0/0008", "1.2.3.4/-1"})
    CHECK_MESSAGE(!parse_cidr(bad), bad);
  CHECK(parse_cidr("0.0.0.0/0")->prefix_bits == 96);
}

TEST_CASE("net summary: rows per process, busiest first, exact counts, --top, as text") {
  auto tally = std::make_shared<NetTally>("process");
  const auto ended = [&](uint64_t pid, const char* comm, bool failed, uint64_t tx, uint64_t rx,
                         uint64_t ms) {
    EndedConnection c;
    c.remote = "127.0.0.1";
    c.pid = pid;
    c.comm = comm;
    c.failed = failed;
    c.tx_bytes = tx;
    c.rx_bytes = rx;
    c.lifetime_ns = ms * 1'000'000;
    tally->add(c);
  };
  ended(10, "curl", false, 100, 2000, 5);
  ended(10, "curl", true, 0, 0, 1);
  ended(20, "nginx", false, 2000, 100, 5);
  ended(20, "nginx", false, 3000, 200, 7);
  ended(20, "nginx", false, 1, 1, 9);
  ended(30, "ssh", false, 7, 7, 100);
  NetSummarySettings settings;
  settings.by = "process";
  settings.shown.top = 2;
  NetSummary summary(tally, settings);
  auto report = summary.take_interval();
  REQUIRE(report);
  REQUIRE(report->tables.size() == 1);
  const ReportTable& t = report->tables[0];
  CHECK(t.rows_omitted == 1);
  REQUIRE(t.rows.size() == 2);
  // pid, comm, connections, failed, tx, rx, p50, p99
  CHECK(std::get<uint64_t>(t.rows[0].values[0]) == 20);
  CHECK(std::get<uint64_t>(t.rows[0].values[2]) == 3);
  CHECK(std::get<uint64_t>(t.rows[0].values[3]) == 0);
  CHECK(std::get<uint64_t>(t.rows[0].values[4]) == 5001);
  CHECK(std::get<uint64_t>(t.rows[0].values[5]) == 301);
  CHECK(std::get<std::string>(t.rows[1].values[1]) == "curl");
  CHECK(std::get<uint64_t>(t.rows[1].values[3]) == 1);
  CHECK(t.title.find(": 6 connections, 1 failed (by process)") != std::string::npos);
  std::ostringstream text;
  write_report_text(text, *report);
  CAPTURE(text.str());
  CHECK(text.str().find("\nPID COMM  CONNECTIONS FAILED TX_BYTES RX_BYTES P50_MS P99_MS\n"
                        "20  nginx           3      0     5001      301    7.2    9.0\n") !=
        std::string::npos);
  CHECK(text.str().find("(top 2 of 3 rows; --top 0 shows all)") != std::string::npos);
  // The interval was taken: the next one is empty; the whole run has all.
  CHECK(summary.take_interval()->tables[0].rows.empty());
  CHECK(summary.take_whole_run()->tables[0].rows.size() == 2);
}
