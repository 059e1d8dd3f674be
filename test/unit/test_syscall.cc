// The syscall table from the build's headers, this project's categories,
// errno names, and the latency summaries' arithmetic and rendering.
#include <doctest/doctest.h>

#include <sstream>

#include "core/latency_stats.h"
#include "ebpf/syscall.h"
#include "monitors/syscall_table.h"
#include "sinks/latency_table.h"

using namespace ebpfmon;

TEST_CASE("names and numbers come from <asm/unistd.h>") {
  REQUIRE(kSyscallNameCount > 300);
#if defined(__x86_64__)
  CHECK(syscall_name(0) == "read");
  CHECK(syscall_name(257) == "openat");
  CHECK(syscall_name(110) == "getppid");
  CHECK(syscall_number("openat") == 257);
#endif
  CHECK(syscall_name(100000) == "syscall_100000");
  CHECK(syscall_number("syscall_7") == 7);
  CHECK(syscall_number("12") == 12);
  CHECK_FALSE(syscall_number("no_such_call").has_value());
  for (size_t i = 1; i < kSyscallNameCount; ++i)
    CHECK(kSyscallNames[i - 1].nr < kSyscallNames[i].nr);
}

TEST_CASE("categories") {
  CHECK(std::string(category_name(category_of_syscall("openat"))) == "file_io");
  CHECK(std::string(category_name(category_of_syscall("connect"))) == "network");
  CHECK(std::string(category_name(category_of_syscall("mmap"))) == "memory");
  CHECK(std::string(category_name(category_of_syscall("getppid"))) == "process");
  CHECK(std::string(category_name(category_of_syscall("kill"))) == "signal");
  CHECK(std::string(category_name(category_of_syscall("clock_nanosleep"))) == "time");
  CHECK(std::string(category_name(category_of_syscall("reboot"))) == "other");
  CHECK(category_from_name("network") == SYSCALL_CAT_NETWORK);
  CHECK_FALSE(category_from_name("disk").has_value());
}

TEST_CASE("errno names from the C library") {
  CHECK(errno_name(0) == "SUCCESS");
  CHECK(errno_name(3) == "SUCCESS");
  CHECK(errno_name(-2) == "ENOENT");
  CHECK(errno_name(-11) == "EAGAIN");
  CHECK(errno_name(-4000) == "E4000");
  CHECK(errno_name(-4096) == "SUCCESS");  // an address, not an errno
}

TEST_CASE("resolve_syscalls names the bad item and suggests") {
  CHECK(resolve_syscalls({"read", "59"}, "x").value() == std::vector<int>{0, 59});
  auto typo = resolve_syscalls({"opne"}, "--syscall");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message == "--syscall: unknown syscall 'opne' (did you mean 'open'?)");
  CHECK(typo.error().exit_code() == 2);
  auto big = resolve_syscalls({"511"}, "high_priority_syscalls");
  REQUIRE_FALSE(big);
  CHECK(big.error().message.find("out of range (0..510)") != std::string::npos);
}

namespace {
LatencyStats calls(std::initializer_list<uint64_t> durations) {
  LatencyStats s;
  for (uint64_t d : durations) {
    ++s.count;
    s.total_ns += d;
    s.max_ns = std::max(s.max_ns, d);
    size_t bucket = 0;
    while (bucket + 1 < kLatencyBuckets && LatencyStats::bucket_high(bucket) <= d) ++bucket;
    ++s.hist[bucket];
  }
  return s;
}
}  // namespace

TEST_CASE("percentiles stay inside their bucket and under the max") {
  const LatencyStats s = calls({100, 100, 100, 100, 5000});
  CHECK(s.percentile_ns(0.5) >= 64);
  CHECK(s.percentile_ns(0.5) < 128);
  CHECK(s.percentile_ns(0.99) <= 5000);
  CHECK(s.percentile_ns(0.99) >= 4096);
  CHECK(LatencyStats{}.percentile_ns(0.5) == 0);
}

TEST_CASE("since() subtracts counts and bounds the interval's max") {
  LatencyStats before = calls({100, 7000});
  LatencyStats after = before;
  after.add(calls({300}));
  LatencyStats d = after.since(before);
  CHECK(d.count == 1);
  CHECK(d.total_ns == 300);
  CHECK(d.max_ns <= 300);  // never more than the interval's total
  CHECK(d.max_ns >= 256);  // within its bucket
  after.add(calls({9000}));
  d = after.since(before);
  CHECK(d.max_ns == 9000);  // a new overall max is exact
}

TEST_CASE("latency table and histogram rendering") {
  LatencyTable t;
  t.title = "title";
  t.key_headings = {"SYSCALL", "CATEGORY"};
  t.rows.push_back({{"openat", "file_io"}, calls({1000, 3000})});
  std::ostringstream out;
  write_latency_table(out, t);
  const std::string text = out.str();
  CHECK(text.rfind("title\nSYSCALL", 0) == 0);
  CHECK(text.find("openat  file_io") != std::string::npos);
  // total 4000 ns = 0.004 ms; the max, 3000 ns, in us
  CHECK(text.find("      0.0     ") != std::string::npos);
  CHECK(text.find("3.0\n") != std::string::npos);
  for (size_t from = 0, nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1)
    CHECK(nl - from <= 80);
  // A long key is cut, so the row still fits.
  t.rows = {{{"a_very_long_syscall_name", "file_io"}, calls({1000})}};
  std::ostringstream cut;
  write_latency_table(cut, t);
  CHECK(cut.str().find("a_very_long_\xe2\x80\xa6 file_io") != std::string::npos);
  std::ostringstream hist;
  write_log2_histogram(hist, "openat (ns):", calls({1000, 3000, 3000}));
  CHECK(hist.str() ==
        "openat (ns):\n"
        "[512, 1K)                    1 |@@@@@@@@@@@@@@@@@@@@                    |\n"
        "[1K, 2K)                     0 |                                        |\n"
        "[2K, 4K)                     2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
}
