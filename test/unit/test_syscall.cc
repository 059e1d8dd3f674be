// The syscall table from the build's headers, this project's categories,
// errno names, and the latency summaries' arithmetic and rendering.
#include <doctest/doctest.h>

#include <iterator>
#include <sstream>

#include "core/latency_stats.h"
#include "core/report.h"
#include "ebpf/syscall.h"
#include "monitors/syscall_table.h"
#include "sinks/report_text.h"
#include "sinks/summary_file.h"

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
  // The kernel's restart codes, which no C library names (include/linux/errno.h).
  CHECK(errno_name(-512) == "ERESTARTSYS");
  CHECK(errno_name(-513) == "ERESTARTNOINTR");
  CHECK(errno_name(-514) == "ERESTARTNOHAND");
  CHECK(errno_name(-516) == "ERESTART_RESTARTBLOCK");
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
  for (uint64_t d : durations) s.add_call(d);
  return s;
}
}  // namespace

TEST_CASE("a call's bucket: the one whose bounds in µs hold it, as the kernel's") {
  for (uint64_t ns : {0ull, 1ull, 499ull, 500ull, 999ull, 1000ull, 1999ull, 2000ull, 4096000ull,
                      268'435'456'000ull}) {
    CAPTURE(ns);
    const size_t b = LatencyStats::bucket_of(ns);
    const double us = static_cast<double>(ns) / 1e3;
    CHECK(LatencyStats::bucket_low_us(b) <= us);
    if (b + 1 < kLatencyBuckets) CHECK(us < LatencyStats::bucket_high_us(b));
  }
}

TEST_CASE("percentiles stay inside their bucket and under the max") {
  const LatencyStats s = calls({100, 100, 100, 100, 5000});
  CHECK(s.percentile_ns(0.5) >= 62);  // [0.0625, 0.125) µs
  CHECK(s.percentile_ns(0.5) < 125);
  CHECK(s.percentile_ns(0.99) <= 5000);
  CHECK(s.percentile_ns(0.99) >= 4000);  // [4, 8) µs
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
  CHECK(d.max_ns >= 250);  // within its bucket, [0.25, 0.5) µs
  after.add(calls({9000}));
  d = after.since(before);
  CHECK(d.max_ns == 9000);  // a new overall max is exact
}

namespace {

// A report of one Latency table keyed by syscall and category, with a row
// per (syscall, stats), and their histograms after it.
Report latency_report(const std::vector<std::pair<std::string, LatencyStats>>& rows) {
  Report report;
  const Schema keys{{{"syscall", ValueType::String}, {"category", ValueType::String}}};
  ReportTable table{"summary", "title", TableKind::Latency, 2, keys, {}, 0};
  ReportTable hist{"histogram", "latency (us)", TableKind::Histogram, 2, keys, {}, 0};
  for (const auto& f : latency_fields()) table.columns.fields.push_back(f);
  for (const auto& f : histogram_fields()) hist.columns.fields.push_back(f);
  for (const auto& [name, stats] : rows) {
    Event row{{name, std::string("file_io")}};
    append_latency_values(row.values, stats);
    table.rows.push_back(row);
    append_histogram_rows(hist, {name, std::string("file_io")}, stats);
  }
  report.tables = {table, hist};
  return report;
}

}  // namespace

TEST_CASE("a report's latency table and histograms as text") {
  Report report = latency_report({{"openat", calls({1000, 3000})}});
  report.tables.pop_back();
  std::ostringstream out;
  write_report_text(out, report);
  const std::string text = out.str();
  CHECK(text.rfind("title\nSYSCALL", 0) == 0);
  CHECK(text.find("openat  file_io") != std::string::npos);
  // One unit, µs: the total 4000 ns, the max 3000 ns.
  CHECK(text.find("TOTAL(us)") != std::string::npos);
  CHECK(text.find("       4.0 ") != std::string::npos);
  CHECK(text.find("3.0\n") != std::string::npos);
  for (size_t from = 0, nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1)
    CHECK(nl - from <= 80);
  // A long key is cut, so the row still fits.
  report = latency_report({{"a_very_long_syscall_name", calls({1000})}});
  report.tables.pop_back();
  report.tables[0].rows_omitted = 4;
  std::ostringstream cut;
  write_report_text(cut, report);
  CHECK(cut.str().find("a_very_long_\xe2\x80\xa6 file_io") != std::string::npos);
  CHECK(cut.str().find("\n(top 1 of 5 rows; --top 0 shows all)\n\n") != std::string::npos);
  report = latency_report({{"openat", calls({1000, 3000, 3000})}, {"read", calls({0})}});
  report.tables.erase(report.tables.begin());
  std::ostringstream hist;
  write_report_text(hist, report);
  CHECK(hist.str() ==
        "\nopenat file_io latency (us):\n"
        "[1, 2)                       1 |@@@@@@@@@@@@@@@@@@@@                    |\n"
        "[2, 4)                       2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
        "\nread file_io latency (us):\n"
        "[0, 0.000977)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n");
}

TEST_CASE("a report's rows as JSON lines: the report's time and kind, then the table's columns") {
  Report report = latency_report({{"openat", calls({1000, 3000})}});
  report.span = Report::Span::WholeRun;
  report.time = Timestamp{1726123845123456000};
  report.seconds = 2.5;
  const std::string text = report_jsonl(report);
  CHECK(text.rfind("{\"time\":1726123845.123456,\"kind\":\"whole_run\",\"seconds\":2.5,"
                   "\"table\":\"summary\",\"syscall\":\"openat\",\"category\":\"file_io\","
                   "\"count\":2,\"errors\":0,\"slow\":0,\"total_ns\":4000,",
                   0) == 0);
  // The histogram's rows follow: [1, 2) and [2, 4) µs, bounds in ns.
  CHECK(text.find("\"table\":\"histogram\",\"syscall\":\"openat\",\"category\":\"file_io\","
                  "\"low_ns\":2000.0,\"high_ns\":4000.0,\"count\":1}\n") != std::string::npos);
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  CHECK(lines == 3);
}

TEST_CASE("a latency column widens to its widest value: none runs into the next") {
  // 20 minutes in one call: P50, P99 and MAX need 10 digits.
  Report report = latency_report({{"futex", calls({1'200'000'000'000})}});
  report.tables.pop_back();
  std::ostringstream out;
  write_report_text(out, report);
  const std::string text = out.str();
  const size_t row = text.find("futex");
  REQUIRE(row != std::string::npos);
  std::istringstream cells(text.substr(row, text.find('\n', row) - row));
  std::vector<std::string> words{std::istream_iterator<std::string>(cells), {}};
  REQUIRE(words.size() == 9);       // syscall, category and seven values, apart
  CHECK(words[5] == "1200000000");  // TOTAL(us)
  CHECK(words[8] == "1200000000");  // MAX(us)
}
