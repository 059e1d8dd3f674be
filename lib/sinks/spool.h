// The export's on-disk spool: events that could not be published yet, kept
// in order across disconnections and restarts. Append-only chunk files
// (<dir>/chunk-<16 digits>.spool, 0600, in a 0700 directory); each record is
// framed as length (u32 LE) + CRC32 of the payload (u32 LE) + payload, so a
// torn tail left by a crash is found by its CRC on the next open, and the
// records it held are counted by its frames' lengths.
// How many records of the oldest chunk were acked is kept beside it
// (chunk-<16 digits>.acked), so a restart replays only the rest. Chunks are
// numbered from kFirstSeq up, which leaves numbers below for prepend().
// Not thread-safe: its owner serialises access.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace ebpfmon {

// One spooled event: what publishing it needs, and nothing else.
struct SpoolRecord {
  std::string msg_id;  // Nats-Msg-Id, kept so a replay is deduplicated
  std::string subject;
  std::string json;
};

// The framing, exposed for the unit tests.
std::string encode_spool_record(const SpoolRecord& record);
// Decodes the records of one chunk's bytes; stops at the first frame that is
// short or fails its CRC and reports how many bytes were good and how many
// records the damaged tail after them held.
struct DecodedChunk {
  std::vector<SpoolRecord> records;
  size_t good_bytes = 0;
  // One per frame of the tail that its header still delimits (a plausible
  // length that fits), whatever its CRC says, plus one for bytes no header
  // delimits (a frame cut short, a garbage length): how many records those
  // held cannot be known, but it was at least one.
  uint64_t torn_records = 0;
};
DecodedChunk decode_spool_chunk(const std::string& bytes);

class Spool {
 public:
  struct Options {
    std::filesystem::path directory = "/var/lib/ebpfmon/spool";
    uint64_t max_bytes = uint64_t{256} << 20;
    uint64_t chunk_bytes = uint64_t{1} << 20;  // a chunk is closed (fsynced) at this size
  };
  // Creates the directory (0700) if missing; finds the chunks a previous run
  // left, drops a torn tail (its records counted in torn_records()).
  static Result<std::unique_ptr<Spool>> open(const Options& options);

  static constexpr uint64_t kFirstSeq = uint64_t{1} << 40;

  // False when the spool is full (the caller counts the event lost).
  bool append(const SpoolRecord& record);
  // Puts records ahead of everything spooled, in their order (events older
  // than the spool's: an unacked batch, the in-memory queue), as one new
  // chunk, fsynced. Returns how many did not fit (the caller counts them lost).
  size_t prepend(const std::vector<SpoolRecord>& records);
  bool empty() const { return records_ == 0; }
  uint64_t bytes() const { return bytes_; }
  uint64_t records() const { return records_; }
  uint64_t torn_records() const { return torn_; }
  // The oldest records, in order, up to `max` of them, without removing them.
  // Closes the chunk being written when it is the only one left.
  std::vector<SpoolRecord> peek(size_t max);
  // Removes the first n records peek() returned; a chunk whose records are
  // all gone is deleted, else its progress file says how many are gone.
  void pop(size_t n);
  // fsyncs the chunk being written (called periodically and on close).
  void sync();
  ~Spool();

 private:
  explicit Spool(const Options& options) : options_(options) {}
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  Result<void> load_existing();
  bool start_chunk();
  void close_current();
  bool load_head();
  std::filesystem::path chunk_path(uint64_t seq) const;
  std::filesystem::path progress_path(uint64_t seq) const;
  uint64_t read_progress(uint64_t seq) const;
  void write_progress(uint64_t seq, uint64_t records);
  void remove_chunk(uint64_t seq);

  struct Chunk {
    uint64_t seq;
    uint64_t bytes;
  };
  Options options_;
  std::deque<Chunk> chunks_;  // closed chunks, oldest first
  UniqueFd current_;          // the chunk being appended to
  uint64_t current_seq_ = 0;
  uint64_t current_bytes_ = 0;
  uint64_t current_records_ = 0;
  uint64_t next_seq_ = kFirstSeq;
  // The oldest chunk's records, loaded for replay; head_pos_ of them are popped.
  std::vector<SpoolRecord> head_;
  size_t head_pos_ = 0;
  bool head_loaded_ = false;
  uint64_t bytes_ = 0;
  uint64_t records_ = 0;
  uint64_t torn_ = 0;
};

}  // namespace ebpfmon
