#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "core/config.h"
#include "core/listen_address.h"
#include "sinks/prometheus_text.h"

using namespace ebpfmon;

namespace {

std::string render(const Metrics& metrics) {
  std::ostringstream out;
  write_prometheus_text(out, metrics);
  return out.str();
}

}  // namespace

TEST_CASE("prometheus text: a counter with escaped labels and exact counts") {
  MetricFamily f{"ebpfmon_func_calls_total",
                 "Calls of \\ traced\nfunctions",
                 MetricFamily::Type::Counter,
                 {},
                 {}};
  f.samples.push_back({{{"function", "a\"b\\c\nd"}}, 12345678});
  f.samples.push_back({{}, 0.25});
  CHECK(render({f}) ==
        "# HELP ebpfmon_func_calls_total Calls of \\\\ traced\\nfunctions\n"
        "# TYPE ebpfmon_func_calls_total counter\n"
        "ebpfmon_func_calls_total{function=\"a\\\"b\\\\c\\nd\"} 12345678\n"
        "ebpfmon_func_calls_total 0.25\n");
}

TEST_CASE("prometheus text: a histogram has cumulative buckets, +Inf, sum and count") {
  MetricFamily f{"lat_seconds", "latency", MetricFamily::Type::Histogram, {}, {}};
  HistogramSample h;
  h.labels = {{"category", "file_io"}};
  h.buckets = {{1e-9, 1}, {2e-9, 3}};
  h.sum = 1.5e-8;
  h.count = 4;
  f.histograms.push_back(h);
  CHECK(render({f}) ==
        "# HELP lat_seconds latency\n# TYPE lat_seconds histogram\n"
        "lat_seconds_bucket{category=\"file_io\",le=\"1e-09\"} 1\n"
        "lat_seconds_bucket{category=\"file_io\",le=\"2e-09\"} 3\n"
        "lat_seconds_bucket{category=\"file_io\",le=\"+Inf\"} 4\n"
        "lat_seconds_sum{category=\"file_io\"} 1.5e-08\n"
        "lat_seconds_count{category=\"file_io\"} 4\n");
}

TEST_CASE("prometheus text: a Unix time keeps its digits") {
  MetricFamily f{"t", "t", MetricFamily::Type::Gauge, {}, {}};
  f.samples.push_back({{}, 1795744360.125});
  CHECK(render({f}).find("\nt 1795744360.125\n") != std::string::npos);
}

TEST_CASE("listen addresses") {
  auto a = parse_listen_address("127.0.0.1:9464");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 9464);
  a = parse_listen_address("[::1]:0");
  REQUIRE(a);
  CHECK(a->host == "::1");
  CHECK(a->port == 0);
  a = parse_listen_address("9100");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  a = parse_listen_address("localhost:1");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  for (const char* bad : {"", ":9464", "example.com:80", "1.2.3.4:65536", "1.2.3.4:", "1.2.3.4:x",
                          "[::1]", "1.2.3.4:-1", "1.2.3.4:123456"}) {
    auto r = parse_listen_address(bad);
    CHECK_MESSAGE(!r, bad);
    if (!r) {
      CHECK(r.error().exit_code() == 2);
      CHECK(r.error().message.find(std::string("'") + bad + "'") != std::string::npos);
    }
  }
}

TEST_CASE("config: metrics section") {
  auto c = parse_config("metrics:\n  enabled: true\n  listen: \"[::1]:9464\"\n", "m.yaml");
  REQUIRE(c);
  CHECK(c->metrics.enabled);
  CHECK(c->metrics.listen == "[::1]:9464");
  c = parse_config("metrics:\n  listen: nowhere:1\n", "m.yaml");
  REQUIRE(!c);
  CHECK(c.error().message.rfind("m.yaml:2:11: metrics.listen: metrics address 'nowhere:1'", 0) ==
        0);
  c = parse_config("metrics:\n  enable: true\n", "m.yaml");
  REQUIRE(!c);
  CHECK(c.error().message.find("did you mean 'enabled'") != std::string::npos);
}
