#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/event_file.h"
#include "sinks/summary_file.h"
#include "temp_dir.h"

using namespace ebpfmon;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(previous_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t previous_;
};

Schema test_schema() { return Schema{{{"pid", ValueType::UInt}, {"comm", ValueType::String}}}; }

// Every record of test_schema() with a 4-digit pid is "NNNN,comm\n": 10 bytes.
Event test_event(uint64_t pid) { return Event{{pid, std::string("comm")}}; }

FileSinkOptions options_in(const fs::path& directory) {
  FileSinkOptions options;
  options.directory = directory;
  options.monitor = "exec";
  return options;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

mode_t permission_bits(const fs::path& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::vector<fs::path> files_in(const fs::path& directory) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// The timestamp part of a file name, as FileSink builds it.
std::string name_timestamp(time_t when) {
  tm local{};
  REQUIRE(localtime_r(&when, &local) != nullptr);
  char text[32];
  REQUIRE(strftime(text, sizeof text, "%Y%m%d_%H%M%S", &local) > 0);
  return text;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// For "<monitor>_YYYYmmdd_HHMMSS[_N].<extension>": N, or 0 without a suffix;
// -1 for a name of any other shape.
int name_suffix(std::string_view name, std::string_view monitor, std::string_view extension) {
  const std::string prefix = std::string(monitor) + "_";
  const std::string ending = "." + std::string(extension);
  constexpr size_t kTimestampSize = 15;  // YYYYmmdd_HHMMSS
  if (name.size() < prefix.size() + kTimestampSize + ending.size()) return -1;
  if (name.substr(0, prefix.size()) != prefix) return -1;
  if (name.substr(name.size() - ending.size()) != ending) return -1;
  const std::string_view timestamp = name.substr(prefix.size(), kTimestampSize);
  if (!all_digits(timestamp.substr(0, 8)) || timestamp[8] != '_' ||
      !all_digits(timestamp.substr(9)))
    return -1;
  std::string_view rest = name.substr(prefix.size() + kTimestampSize);
  rest.remove_suffix(ending.size());
  if (rest.empty()) return 0;
  if (rest[0] != '_' || !all_digits(rest.substr(1)) || rest[1] == '0') return -1;
  return std::stoi(std::string(rest.substr(1)));
}

std::unique_ptr<FileSink> open_sink(const FileSinkOptions& options, const Schema& schema) {
  auto opened = FileSink::open(options, schema);
  if (!opened) FAIL("FileSink::open: " << opened.error().to_string());
  return std::move(opened).value();
}

}  // namespace

TEST_CASE("FileSink names the file <monitor>_<timestamp>.<ext>") {
  TempDir dir;
  const Schema schema = test_schema();
  auto sink = open_sink(options_in(dir.path()), schema);
  CHECK(sink->path().parent_path() == dir.path());
  const std::string name = sink->path().filename().string();
  CHECK(name_suffix(name, "exec", "csv") == 0);

  FileSinkOptions jsonl = options_in(dir.path());
  jsonl.format = FileFormat::Jsonl;
  jsonl.monitor = "syscall";
  auto json_sink = open_sink(jsonl, schema);
  CHECK(name_suffix(json_sink->path().filename().string(), "syscall", "jsonl") == 0);
}

TEST_CASE("FileSink writes the CSV header at open, and none for JSON lines") {
  TempDir dir;
  const Schema schema = test_schema();
  FileSinkOptions csv = options_in(dir.path());
  csv.delimiter = ';';
  auto csv_sink = open_sink(csv, schema);
  CHECK(read_file(csv_sink->path()) == "pid;comm\n");

  FileSinkOptions no_header = options_in(dir.path());
  no_header.monitor = "noheader";
  no_header.include_header = false;
  auto bare = open_sink(no_header, schema);
  CHECK(read_file(bare->path()).empty());

  FileSinkOptions jsonl = options_in(dir.path());
  jsonl.format = FileFormat::Jsonl;
  auto json_sink = open_sink(jsonl, schema);
  CHECK(read_file(json_sink->path()).empty());
  json_sink->write(test_event(1234));
  REQUIRE(json_sink->flush().ok());
  const auto object = nlohmann::json::parse(read_file(json_sink->path()));
  CHECK(object["pid"].get<uint64_t>() == 1234);
  CHECK(object["comm"].get<std::string>() == "comm");
}

TEST_CASE("FileSink creates files 0640 whatever the umask") {
  TempDir dir;
  const Schema schema = test_schema();
  {
    const ScopedUmask open_mask(0);
    auto sink = open_sink(options_in(dir.path()), schema);
    CHECK(permission_bits(sink->path()) == 0640);
  }
  {
    const ScopedUmask tight_mask(077);
    FileSinkOptions options = options_in(dir.path());
    options.monitor = "func";
    auto sink = open_sink(options, schema);
    CHECK(permission_bits(sink->path()) == 0640);
  }
}

TEST_CASE("FileSink creates missing directories 0750, parents included") {
  TempDir dir;
  const Schema schema = test_schema();
  const ScopedUmask open_mask(0);
  const fs::path nested = dir.path() / "a" / "b" / "c";
  auto sink = open_sink(options_in(nested), schema);
  CHECK(sink->path().parent_path() == nested);
  CHECK(permission_bits(dir.path() / "a") == 0750);
  CHECK(permission_bits(nested) == 0750);
}

TEST_CASE("FileSink reports a directory it cannot create") {
  TempDir dir;
  const Schema schema = test_schema();
  std::ofstream(dir.path() / "plainfile") << "x";
  auto opened = FileSink::open(options_in(dir.path() / "plainfile" / "sub"), schema);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().kind == Error::Kind::Runtime);
  CHECK(opened.error().message.find((dir.path() / "plainfile").string()) != std::string::npos);
  CHECK(opened.error().message.find("Not a directory") != std::string::npos);
  CHECK(opened.error().hint.find("--output-dir") != std::string::npos);

  auto file_as_dir = FileSink::open(options_in(dir.path() / "plainfile"), schema);
  REQUIRE_FALSE(file_as_dir.ok());
  CHECK(file_as_dir.error().message.find("plainfile") != std::string::npos);
}

TEST_CASE("FileSink never clobbers an existing file: it adds a suffix") {
  TempDir dir;
  const Schema schema = test_schema();
  // Both opens must fall in the same second for the names to collide.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto first = open_sink(options_in(dir.path()), schema);
    first->write(test_event(1111));
    REQUIRE(first->flush().ok());
    auto second = open_sink(options_in(dir.path()), schema);
    auto third = open_sink(options_in(dir.path()), schema);
    const std::string stem = first->path().stem().string();
    if (third->path().stem().string().rfind(stem, 0) != 0) continue;
    CHECK(second->path().filename().string() == stem + "_1.csv");
    CHECK(third->path().filename().string() == stem + "_2.csv");
    CHECK(read_file(first->path()) == "pid,comm\n1111,comm\n");
    CHECK(read_file(second->path()) == "pid,comm\n");
    return;
  }
  FAIL("the clock kept crossing second boundaries");
}

TEST_CASE("FileSink does not follow a symlink at its file name") {
  TempDir dir;
  const Schema schema = test_schema();
  const fs::path victim = dir.path() / "victim";
  const fs::path existing = dir.path() / "existing";
  std::ofstream(existing) << "precious\n";
  // Plant links at the names of this second and the next few, dangling and not.
  const time_t now = ::time(nullptr);
  std::vector<fs::path> links;
  for (time_t t = now; t < now + 3; ++t) {
    links.push_back(dir.path() / ("exec_" + name_timestamp(t) + ".csv"));
    fs::create_symlink(t == now ? victim : existing, links.back());
  }

  auto sink = open_sink(options_in(dir.path()), schema);
  sink->write(test_event(2222));
  REQUIRE(sink->flush().ok());

  CHECK(std::find(links.begin(), links.end(), sink->path()) == links.end());
  CHECK(name_suffix(sink->path().filename().string(), "exec", "csv") == 1);
  CHECK_FALSE(fs::is_symlink(sink->path()));
  CHECK_FALSE(fs::exists(victim));
  CHECK(read_file(existing) == "precious\n");
  CHECK(read_file(sink->path()) == "pid,comm\n2222,comm\n");
}

TEST_CASE("FileSink buffers events until buffer_events or flush") {
  TempDir dir;
  const Schema schema = test_schema();
  FileSinkOptions options = options_in(dir.path());
  options.buffer_events = 3;
  auto sink = open_sink(options, schema);
  const std::string header = "pid,comm\n";

  sink->write(test_event(1001));
  sink->write(test_event(1002));
  CHECK(read_file(sink->path()) == header);
  CHECK(sink->written() == 0);

  sink->write(test_event(1003));
  CHECK(read_file(sink->path()) == header + "1001,comm\n1002,comm\n1003,comm\n");
  CHECK(sink->written() == 3);

  sink->write(test_event(1004));
  CHECK(sink->written() == 3);
  REQUIRE(sink->flush().ok());
  CHECK(sink->written() == 4);
  CHECK(sink->dropped() == 0);
  CHECK(read_file(sink->path()) == header + "1001,comm\n1002,comm\n1003,comm\n1004,comm\n");
  CHECK(sink->flush().ok());  // nothing buffered: nothing happens
}

TEST_CASE("FileSink flushes what is buffered when destroyed") {
  TempDir dir;
  const Schema schema = test_schema();
  fs::path path;
  {
    auto sink = open_sink(options_in(dir.path()), schema);
    path = sink->path();
    sink->write(test_event(3001));
    CHECK(read_file(path) == "pid,comm\n");
  }
  CHECK(read_file(path) == "pid,comm\n3001,comm\n");
}

TEST_CASE("FileSink rolls over to a new file at max_file_bytes") {
  TempDir dir;
  const Schema schema = test_schema();
  FileSinkOptions options = options_in(dir.path());
  options.buffer_events = 100;
  options.max_file_bytes = 9 + 2 * 10;  // header and two records
  const std::string header = "pid,comm\n";
  {
    auto sink = open_sink(options, schema);
    for (uint64_t pid = 1001; pid <= 1005; ++pid) sink->write(test_event(pid));
    REQUIRE(sink->flush().ok());
    CHECK(sink->written() == 5);
    CHECK(sink->dropped() == 0);
  }
  const std::vector<fs::path> files = files_in(dir.path());
  REQUIRE(files.size() == 3);
  std::string all_records;
  for (const fs::path& file : files) {
    CHECK(permission_bits(file) == 0640);
    CHECK(name_suffix(file.filename().string(), "exec", "csv") >= 0);
    const std::string text = read_file(file);
    CHECK(fs::file_size(file) <= options.max_file_bytes);
    REQUIRE(text.rfind(header, 0) == 0);
    all_records += text.substr(header.size());
  }
  // Files of one second sort in creation order (plain name, _1, _2) only
  // when they share the second; compare as a set of lines instead.
  std::vector<std::string> lines;
  std::istringstream in(all_records);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  CHECK(lines ==
        std::vector<std::string>{"1001,comm", "1002,comm", "1003,comm", "1004,comm", "1005,comm"});
}

TEST_CASE("FileSink with a retention: rolling over keeps the directory under its limit") {
  TempDir dir;
  const Schema schema = test_schema();
  FileSinkOptions options = options_in(dir.path());
  options.buffer_events = 1;
  options.max_file_bytes = 9 + 3 * 10;  // header and three records
  // Room for two full files: each roll-over removes the oldest beyond them.
  options.retention = std::make_shared<OutputRetention>(
      dir.path(), std::vector<std::string>{"exec"}, RetentionLimits{2 * 39, 0});
  auto sink = open_sink(options, schema);
  uint64_t pid = 1001;
  for (; pid <= 1030; ++pid) {
    sink->write(test_event(pid));
    uint64_t total = 0;
    for (const fs::path& file : files_in(dir.path())) total += fs::file_size(file);
    // The current file is never removed; what it adds past its last
    // roll-over is all the directory holds beyond the limit.
    CHECK(total <= 2 * 39 + 39);
    CHECK(fs::exists(sink->path()));
  }
  REQUIRE(sink->flush().ok());
  CHECK(sink->written() == 30);
  CHECK(sink->dropped() == 0);
  // Ten files were written, three records each; the newest two or three stay.
  const uint64_t removed = options.retention->files_removed();
  CHECK(removed >= 7);
  CHECK(files_in(dir.path()).size() == 10 - removed);
  CHECK(options.retention->bytes_removed() == removed * 39);
  // The records kept are the newest: the last file ends with the last pid.
  const std::string text = read_file(sink->path());
  CHECK(text.substr(text.size() - 10) == "1030,comm\n");
}

TEST_CASE("FileSink: a record larger than max_file_bytes still goes into a fresh file") {
  TempDir dir;
  const Schema schema = test_schema();
  FileSinkOptions options = options_in(dir.path());
  options.format = FileFormat::Jsonl;
  options.buffer_events = 1;
  options.max_file_bytes = 5;
  {
    auto sink = open_sink(options, schema);
    sink->write(test_event(1001));
    sink->write(test_event(1002));
    CHECK(sink->written() == 2);
  }
  const std::vector<fs::path> files = files_in(dir.path());
  REQUIRE(files.size() == 2);
  for (const fs::path& file : files) {
    const std::string text = read_file(file);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  }
}

// RLIMIT_FSIZE makes write(2) fail with EFBIG part-way through, as a full
// disk would, without needing a small file system.
TEST_CASE("FileSink: a write error truncates to the last complete line and drops the rest") {
  TempDir dir;
  const Schema schema = test_schema();
  FileSinkOptions options = options_in(dir.path());
  options.buffer_events = 2;
  auto sink = open_sink(options, schema);
  const std::string header = "pid,comm\n";

  sink->write(test_event(1001));
  sink->write(test_event(1002));
  REQUIRE(sink->written() == 2);

  rlimit previous{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &previous) == 0);
  const auto previous_handler = signal(SIGXFSZ, SIG_IGN);
  rlimit limited = previous;
  limited.rlim_cur = header.size() + 3 * 10 + 5;  // room for half of the fourth line
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limited) == 0);

  sink->write(test_event(1003));
  sink->write(test_event(1004));  // partial write, then EFBIG
  const Result<void> first_error = sink->flush();
  sink->write(test_event(1005));
  const Result<void> second_error = sink->flush();

  REQUIRE(setrlimit(RLIMIT_FSIZE, &previous) == 0);
  signal(SIGXFSZ, previous_handler);

  REQUIRE_FALSE(first_error.ok());
  CHECK(first_error.error().message ==
        "cannot write " + sink->path().string() + ": " + std::strerror(EFBIG));
  REQUIRE_FALSE(second_error.ok());
  CHECK(second_error.error().message == first_error.error().message);
  CHECK(sink->written() == 2);
  CHECK(sink->dropped() == 3);
  CHECK(read_file(sink->path()) == header + "1001,comm\n1002,comm\n");

  sink->write(test_event(1006));
  CHECK(sink->dropped() == 4);
  CHECK(read_file(sink->path()) == header + "1001,comm\n1002,comm\n");
}

TEST_CASE("SummaryFile writes each report whole to summary_<monitor>_<stamp>.jsonl") {
  TempDir dir;
  FileSinkOptions options = options_in(dir.path());
  options.monitor = "func";
  options.format = FileFormat::Csv;  // reports are JSON lines whatever the events' format
  auto opened = SummaryFile::open(options);
  REQUIRE(opened.ok());
  auto& sink = *opened;
  std::vector<fs::path> files(fs::directory_iterator(dir.path()), fs::directory_iterator{});
  REQUIRE(files.size() == 1);
  const std::string name = files[0].filename().string();
  CHECK(name.rfind("summary_func_", 0) == 0);
  CHECK(name.size() == std::string("summary_func_20250912_143045.jsonl").size());
  CHECK(name.substr(name.size() - 6) == ".jsonl");

  Report report;
  report.time = Timestamp{1726123845000000000};
  report.seconds = 5;
  ReportTable table{"counts",
                    "title",
                    TableKind::Counts,
                    1,
                    Schema{{{"func", ValueType::String}, {"count", ValueType::UInt}}},
                    {},
                    0};
  table.rows = {Event{{std::string("vfs_read"), uint64_t{3}}},
                Event{{std::string("vfs_write"), uint64_t{1}}}};
  report.tables.push_back(table);
  REQUIRE(sink->write_report(report).ok());  // on disk at once, not at the next flush
  const std::string first =
      "{\"time\":1726123845.000000,\"kind\":\"interval\",\"seconds\":5.0,\"table\":\"counts\","
      "\"func\":\"vfs_read\",\"count\":3}\n"
      "{\"time\":1726123845.000000,\"kind\":\"interval\",\"seconds\":5.0,\"table\":\"counts\","
      "\"func\":\"vfs_write\",\"count\":1}\n";
  CHECK(read_file(files[0]) == first);
  CHECK(report_jsonl(report) == first);

  // A write error is the report's to return, and the file keeps whole lines.
  rlimit previous{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &previous) == 0);
  const auto previous_handler = signal(SIGXFSZ, SIG_IGN);
  rlimit limited = previous;
  limited.rlim_cur = first.size() + 10;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limited) == 0);
  report.span = Report::Span::WholeRun;
  const Result<void> failed = sink->write_report(report);
  REQUIRE(setrlimit(RLIMIT_FSIZE, &previous) == 0);
  signal(SIGXFSZ, previous_handler);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message ==
        "cannot write " + files[0].string() + ": " + std::strerror(EFBIG));
  CHECK(read_file(files[0]) == first);
}
