#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "sinks/spool.h"

using namespace ebpfmon;
namespace fs = std::filesystem;

namespace {

class SpoolDir {
 public:
  SpoolDir() {
    char tmpl[] = "/tmp/ebpfmon-spool-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path_ = fs::path(tmpl) / "spool";
  }
  ~SpoolDir() { fs::remove_all(path_.parent_path()); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

SpoolRecord record(int i) {
  return {"host:run:exec:" + std::to_string(i), "ebpfmon.host.exec",
          "{\"seq\":" + std::to_string(i) + "}"};
}

Spool::Options options(const fs::path& dir, uint64_t chunk = 1 << 20, uint64_t max = 1 << 30) {
  Spool::Options o;
  o.directory = dir;
  o.chunk_bytes = chunk;
  o.max_bytes = max;
  return o;
}

}  // namespace

TEST_CASE("spool framing: a record round-trips, a flipped byte or a cut frame is torn") {
  std::string bytes = encode_spool_record(record(1)) + encode_spool_record(record(2));
  DecodedChunk whole = decode_spool_chunk(bytes);
  REQUIRE(whole.records.size() == 2);
  CHECK(whole.torn_records == 0);
  CHECK(whole.records[1].msg_id == "host:run:exec:2");
  CHECK(whole.records[1].subject == "ebpfmon.host.exec");
  CHECK(whole.records[1].json == "{\"seq\":2}");

  std::string cut = bytes.substr(0, bytes.size() - 3);
  DecodedChunk torn = decode_spool_chunk(cut);
  CHECK(torn.records.size() == 1);
  CHECK(torn.torn_records == 1);
  CHECK(torn.good_bytes == encode_spool_record(record(1)).size());

  std::string flipped = bytes;
  flipped[flipped.size() - 1] ^= 1;
  CHECK(decode_spool_chunk(flipped).records.size() == 1);
  CHECK(decode_spool_chunk(flipped).torn_records == 1);
}

TEST_CASE("spool framing: a tail no header delimits counts as one record, not one per byte") {
  const std::string good = encode_spool_record(record(1));
  // A crash can leave a hole (zeros) where pages never reached the disk:
  // zero is no frame's length, so what the hole held cannot be counted.
  DecodedChunk hole = decode_spool_chunk(good + std::string(4096, '\0'));
  CHECK(hole.records.size() == 1);
  CHECK(hole.torn_records == 1);
  CHECK(hole.good_bytes == good.size());
  // A header whose length runs past the end: everything after it is one
  // unknown record, even if it looks like frames.
  std::string garbage = good + encode_spool_record(record(2)) + encode_spool_record(record(3));
  garbage[good.size() + 3] = '\x7f';
  DecodedChunk long_length = decode_spool_chunk(garbage);
  CHECK(long_length.records.size() == 1);
  CHECK(long_length.torn_records == 1);
}

TEST_CASE("spool: records come back in order across chunks and a reopen; popped chunks go") {
  SpoolDir dir;
  {
    auto spool = Spool::open(options(dir.path(), 200));
    REQUIRE(spool);
    for (int i = 0; i < 50; ++i) REQUIRE((*spool)->append(record(i)));
    CHECK((*spool)->records() == 50);
  }
  struct stat st {};
  REQUIRE(::stat(dir.path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  auto spool = Spool::open(options(dir.path(), 200));
  REQUIRE(spool);
  CHECK((*spool)->records() == 50);
  CHECK((*spool)->torn_records() == 0);
  int next = 0;
  while (!(*spool)->empty()) {
    auto batch = (*spool)->peek(7);
    REQUIRE_FALSE(batch.empty());
    for (const auto& r : batch) CHECK(r.msg_id == record(next++).msg_id);
    (*spool)->pop(batch.size());
  }
  CHECK(next == 50);
  CHECK((*spool)->bytes() == 0);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  CHECK(files == 0);
}

TEST_CASE("spool: a torn tail is cut off and counted on the next open") {
  SpoolDir dir;
  {
    auto spool = Spool::open(options(dir.path()));
    REQUIRE(spool);
    for (int i = 0; i < 3; ++i) REQUIRE((*spool)->append(record(i)));
  }
  fs::path chunk = fs::directory_iterator(dir.path())->path();
  {
    std::ofstream f(chunk, std::ios::app | std::ios::binary);
    f << encode_spool_record(record(3)).substr(0, 10);
  }
  auto spool = Spool::open(options(dir.path()));
  REQUIRE(spool);
  CHECK((*spool)->torn_records() == 1);
  CHECK((*spool)->records() == 3);
  REQUIRE((*spool)->append(record(4)));
  auto all = (*spool)->peek(10);
  REQUIRE(all.size() == 3);  // the oldest chunk first; record 4 is in the next
  CHECK(all[2].msg_id == record(2).msg_id);
  (*spool)->pop(3);
  auto rest = (*spool)->peek(10);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].msg_id == record(4).msg_id);
}

// A crash that tore several records: their headers were written, their
// payloads damaged. Each one that its header still delimits was an event,
// and the last, cut short mid-frame, was one more.
TEST_CASE("spool: a torn tail counts every record it held") {
  SpoolDir dir;
  {
    auto spool = Spool::open(options(dir.path()));
    REQUIRE(spool);
    for (int i = 0; i < 3; ++i) REQUIRE((*spool)->append(record(i)));
  }
  fs::path chunk = fs::directory_iterator(dir.path())->path();
  const uintmax_t good_size = fs::file_size(chunk);
  {
    std::ofstream f(chunk, std::ios::app | std::ios::binary);
    for (int i = 3; i < 6; ++i) {
      std::string damaged = encode_spool_record(record(i));
      damaged[damaged.size() - 2] ^= 0x20;  // in the payload: the CRC fails
      f << damaged;
    }
    f << encode_spool_record(record(6));  // whole, but behind damaged ones
    f << encode_spool_record(record(7)).substr(0, 13);
  }
  auto spool = Spool::open(options(dir.path()));
  REQUIRE(spool);
  CHECK((*spool)->torn_records() == 5);
  CHECK((*spool)->records() == 3);
  CHECK(fs::file_size(chunk) == good_size);
  auto all = (*spool)->peek(10);
  REQUIRE(all.size() == 3);
  CHECK(all[2].msg_id == record(2).msg_id);
}

TEST_CASE("spool: full means append refuses") {
  SpoolDir dir;
  const uint64_t one = encode_spool_record(record(1)).size();
  auto spool = Spool::open(options(dir.path(), 1 << 20, one * 2));
  REQUIRE(spool);
  CHECK((*spool)->append(record(1)));
  CHECK((*spool)->append(record(2)));
  CHECK_FALSE((*spool)->append(record(3)));
  CHECK((*spool)->records() == 2);
}

namespace {

// Every record the spool will give, popping as a publisher would.
std::vector<std::string> drain_ids(Spool& spool) {
  std::vector<std::string> ids;
  for (auto batch = spool.peek(7); !batch.empty(); batch = spool.peek(7)) {
    for (const auto& r : batch) ids.push_back(r.msg_id);
    spool.pop(batch.size());
  }
  return ids;
}

std::vector<std::string> ids_of(int from, int to) {
  std::vector<std::string> ids;
  for (int i = from; i < to; ++i) ids.push_back(record(i).msg_id);
  return ids;
}

}  // namespace

TEST_CASE("spool: acked records of a chunk are not replayed after a reopen") {
  SpoolDir dir;
  {
    auto spool = Spool::open(options(dir.path()));
    REQUIRE(spool);
    for (int i = 0; i < 20; ++i) REQUIRE((*spool)->append(record(i)));
    auto batch = (*spool)->peek(8);
    REQUIRE(batch.size() == 8);
    (*spool)->pop(8);  // acked; the chunk still holds 12
    CHECK((*spool)->records() == 12);
  }
  auto spool = Spool::open(options(dir.path()));
  REQUIRE(spool);
  CHECK((*spool)->records() == 12);
  CHECK(drain_ids(**spool) == ids_of(8, 20));
  CHECK((*spool)->empty());
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  CHECK(files == 0);  // chunks and their progress files, all gone once acked
}

TEST_CASE("spool: prepend puts older records ahead of the spool, across chunks and a reopen") {
  SpoolDir dir;
  {
    auto spool = Spool::open(options(dir.path(), 256));  // small chunks: several of them
    REQUIRE(spool);
    for (int i = 100; i < 130; ++i) REQUIRE((*spool)->append(record(i)));
    auto batch = (*spool)->peek(3);
    (*spool)->pop(3);  // 100..102 acked
    std::vector<SpoolRecord> older;
    for (int i = 50; i < 60; ++i) older.push_back(record(i));
    CHECK((*spool)->prepend(older) == 0);
    CHECK((*spool)->records() == 37);
    std::vector<SpoolRecord> oldest{record(1), record(2)};
    CHECK((*spool)->prepend(oldest) == 0);
  }
  auto spool = Spool::open(options(dir.path(), 256));
  REQUIRE(spool);
  std::vector<std::string> want = ids_of(1, 3);
  for (const auto& id : ids_of(50, 60)) want.push_back(id);
  for (const auto& id : ids_of(103, 130)) want.push_back(id);
  CHECK(drain_ids(**spool) == want);
}

TEST_CASE("spool: prepend into an empty spool appends; into a full one counts what did not fit") {
  SpoolDir dir;
  const size_t frame = encode_spool_record(record(0)).size();
  auto spool = Spool::open(options(dir.path(), 1 << 20, 5 * frame));
  REQUIRE(spool);
  CHECK((*spool)->prepend({record(8), record(9)}) == 0);  // frames of one size
  CHECK((*spool)->prepend({record(1), record(2), record(3), record(4)}) == 1);  // one too many
  CHECK(drain_ids(**spool) == std::vector<std::string>{record(1).msg_id, record(2).msg_id,
                                                       record(3).msg_id, record(8).msg_id,
                                                       record(9).msg_id});
}
