#include "sinks/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/fd_io.h"
#include "core/log.h"

namespace ebpfmon {
namespace {

namespace fs = std::filesystem;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u16(std::string& out, size_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}
uint32_t get_u32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(s[at + i])} << (8 * i);
  return v;
}
size_t get_u16(const std::string& s, size_t at) {
  return size_t{static_cast<unsigned char>(s[at])} |
         (size_t{static_cast<unsigned char>(s[at + 1])} << 8);
}
uint32_t crc_of(const char* data, size_t n) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(n)));
}

constexpr size_t kFrameHeader = 8;
constexpr uint32_t kMinPayload = 4;          // the two u16 lengths of an empty record
constexpr uint32_t kMaxPayload = 64u << 20;  // a length beyond this is garbage, not a record

// The size of the frame at `at` as its header says, when the header is whole,
// its length plausible and the frame within `bytes`; 0 when no frame can be
// delimited there. The CRC covers only the payload, so a damaged frame whose
// header survived still says where the next one starts.
size_t frame_size(const std::string& bytes, size_t at) {
  if (bytes.size() - at < kFrameHeader) return 0;
  const uint32_t n = get_u32(bytes, at);
  if (n < kMinPayload || n > kMaxPayload || bytes.size() - at - kFrameHeader < n) return 0;
  return kFrameHeader + n;
}

// payload = u16 id length, id, u16 subject length, subject, json.
bool decode_payload(const std::string& bytes, size_t at, size_t n, SpoolRecord& out) {
  if (n < 4) return false;
  const size_t id_len = get_u16(bytes, at);
  if (2 + id_len + 2 > n) return false;
  const size_t subject_len = get_u16(bytes, at + 2 + id_len);
  if (4 + id_len + subject_len > n) return false;
  out.msg_id = bytes.substr(at + 2, id_len);
  out.subject = bytes.substr(at + 4 + id_len, subject_len);
  out.json = bytes.substr(at + 4 + id_len + subject_len, n - 4 - id_len - subject_len);
  return true;
}

Result<std::string> read_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  std::string bytes;
  if (!fd || !read_all(fd.get(), bytes))
    return Error::runtime(path.string() + ": " + std::strerror(errno));
  return bytes;
}

}  // namespace

std::string encode_spool_record(const SpoolRecord& record) {
  std::string payload;
  put_u16(payload, record.msg_id.size());
  payload += record.msg_id;
  put_u16(payload, record.subject.size());
  payload += record.subject;
  payload += record.json;
  std::string frame;
  frame.reserve(kFrameHeader + payload.size());
  put_u32(frame, static_cast<uint32_t>(payload.size()));
  put_u32(frame, crc_of(payload.data(), payload.size()));
  frame += payload;
  return frame;
}

DecodedChunk decode_spool_chunk(const std::string& bytes) {
  DecodedChunk out;
  size_t at = 0;
  for (size_t size; (size = frame_size(bytes, at)) > 0; at += size) {
    const size_t n = size - kFrameHeader;
    if (crc_of(bytes.data() + at + kFrameHeader, n) != get_u32(bytes, at + 4)) break;
    SpoolRecord record;
    if (!decode_payload(bytes, at + kFrameHeader, n, record)) break;
    out.records.push_back(std::move(record));
  }
  out.good_bytes = at;
  // The torn tail, cut off by the caller: each frame still delimited was a
  // record; the first byte no header delimits starts at least one more, and
  // nothing after it can be told apart.
  while (at < bytes.size()) {
    ++out.torn_records;
    const size_t size = frame_size(bytes, at);
    if (size == 0) break;
    at += size;
  }
  return out;
}

Result<std::unique_ptr<Spool>> Spool::open(const Options& options) {
  std::unique_ptr<Spool> spool(new Spool(options));  // private constructor
  std::error_code ec;
  fs::create_directories(options.directory, ec);
  if (ec) return Error::runtime("spool " + options.directory.string() + ": " + ec.message());
  // Events are what the host did: root only.
  if (::chmod(options.directory.c_str(), 0700) != 0)
    return Error::runtime("spool " + options.directory.string() + ": " + std::strerror(errno));
  if (auto r = spool->load_existing(); !r) return r.error();
  return spool;
}

fs::path Spool::chunk_path(uint64_t seq) const {
  char name[40];
  std::snprintf(name, sizeof name, "chunk-%016llu.spool", static_cast<unsigned long long>(seq));
  return options_.directory / name;
}

fs::path Spool::progress_path(uint64_t seq) const {
  char name[40];
  std::snprintf(name, sizeof name, "chunk-%016llu.acked", static_cast<unsigned long long>(seq));
  return options_.directory / name;
}

uint64_t Spool::read_progress(uint64_t seq) const {
  auto text = read_file(progress_path(seq));
  if (!text) return 0;
  unsigned long long n = 0;
  return std::sscanf(text->c_str(), "%llu", &n) == 1 ? n : 0;
}

// Replaced whole (rename), so a crash leaves the old count or the new one;
// an old one only republishes what JetStream may still deduplicate.
void Spool::write_progress(uint64_t seq, uint64_t records) {
  const fs::path path = progress_path(seq);
  const fs::path staging = path.string() + ".tmp";
  UniqueFd fd(::open(staging.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  const std::string text = std::to_string(records) + "\n";
  if (!fd || !write_all(fd.get(), text) || ::rename(staging.c_str(), path.c_str()) != 0)
    log_warning("spool " + path.string() + ": " + std::strerror(errno) +
                " (a restart would publish this chunk's acked events again)");
}

void Spool::remove_chunk(uint64_t seq) {
  std::error_code ec;
  fs::remove(chunk_path(seq), ec);
  fs::remove(progress_path(seq), ec);
}

// Every chunk is read once at start: its records are counted and a torn tail
// (a crash between a write and its fsync) is cut off and its records counted
// as lost, so the next appends and replays see only whole records. The
// records a chunk's progress file says were acked are skipped.
Result<void> Spool::load_existing() {
  std::vector<uint64_t> seqs, progress;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.directory, ec)) {
    const std::string name = entry.path().filename().string();
    unsigned long long seq = 0;
    char tail[8] = {};
    if (std::sscanf(name.c_str(), "chunk-%16llu.%6s", &seq, tail) != 2) continue;
    if (std::strcmp(tail, "spool") == 0) seqs.push_back(seq);
    if (std::strcmp(tail, "acked") == 0) progress.push_back(seq);
    if (std::strcmp(tail, "acked.") == 0) fs::remove(entry.path(), ec);  // a staging file
  }
  if (ec) return Error::runtime("spool " + options_.directory.string() + ": " + ec.message());
  std::sort(seqs.begin(), seqs.end());
  for (uint64_t seq : progress)  // of a chunk that is gone
    if (!std::binary_search(seqs.begin(), seqs.end(), seq)) fs::remove(progress_path(seq), ec);
  for (uint64_t seq : seqs) {
    auto bytes = read_file(chunk_path(seq));
    if (!bytes) return bytes.error();
    DecodedChunk decoded = decode_spool_chunk(*bytes);
    if (decoded.torn_records > 0) {
      torn_ += decoded.torn_records;
      if (::truncate(chunk_path(seq).c_str(), static_cast<off_t>(decoded.good_bytes)) != 0)
        return Error::runtime(chunk_path(seq).string() + ": " + std::strerror(errno));
    }
    next_seq_ = std::max(next_seq_, seq + 1);
    const uint64_t acked = read_progress(seq);
    if (acked >= decoded.records.size()) {
      remove_chunk(seq);
      continue;
    }
    chunks_.push_back({seq, decoded.good_bytes});
    bytes_ += decoded.good_bytes;
    records_ += decoded.records.size() - acked;
  }
  return {};
}

bool Spool::start_chunk() {
  current_seq_ = next_seq_++;
  current_ =
      UniqueFd(::open(chunk_path(current_seq_).c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  current_bytes_ = 0;
  current_records_ = 0;
  if (!current_) {
    log_warning("spool " + chunk_path(current_seq_).string() + ": " + std::strerror(errno));
    return false;
  }
  return true;
}

size_t Spool::prepend(const std::vector<SpoolRecord>& records) {
  if (records.empty()) return 0;
  const bool open_chunk = current_ && current_records_ > 0;
  uint64_t front = 0;
  if (!chunks_.empty())
    front = chunks_.front().seq;
  else if (open_chunk)
    front = current_seq_;
  size_t lost = 0;
  // Nothing to go ahead of, or a spool from before kFirstSeq left no number
  // below its first chunk: behind, which only matters to the order.
  if (front <= 1) {
    for (const SpoolRecord& r : records) lost += append(r) ? 0 : 1;
    return lost;
  }
  const uint64_t seq = front - 1;
  std::string bytes;
  size_t kept = 0;
  for (const SpoolRecord& r : records) {
    std::string frame = encode_spool_record(r);
    if (bytes_ + bytes.size() + frame.size() > options_.max_bytes) break;
    bytes += frame;
    ++kept;
  }
  lost = records.size() - kept;
  if (kept == 0) return lost;
  UniqueFd fd(
      ::open(chunk_path(seq).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd || !write_all(fd.get(), bytes) || ::fsync(fd.get()) != 0) {
    log_warning("spool " + chunk_path(seq).string() + ": " + std::strerror(errno));
    remove_chunk(seq);
    return records.size();
  }
  chunks_.push_front({seq, bytes.size()});
  bytes_ += bytes.size();
  records_ += kept;
  // The head now is the new chunk; the old one's progress is on disk.
  head_.clear();
  head_pos_ = 0;
  head_loaded_ = false;
  return lost;
}

bool Spool::append(const SpoolRecord& record) {
  const std::string frame = encode_spool_record(record);
  if (bytes_ + frame.size() > options_.max_bytes) return false;
  if (!current_ && !start_chunk()) return false;
  size_t done = 0;
  while (done < frame.size()) {
    const ssize_t n = ::write(current_.get(), frame.data() + done, frame.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // A partial frame would be a torn record: cut it off and give up on it.
      if (::ftruncate(current_.get(), static_cast<off_t>(current_bytes_)) != 0) close_current();
      return false;
    }
    done += static_cast<size_t>(n);
  }
  current_bytes_ += frame.size();
  ++current_records_;
  bytes_ += frame.size();
  ++records_;
  if (current_bytes_ >= options_.chunk_bytes) close_current();
  return true;
}

void Spool::close_current() {
  if (!current_) return;
  ::fsync(current_.get());
  current_.reset();
  if (current_records_ > 0)
    chunks_.push_back({current_seq_, current_bytes_});
  else
    ::unlink(chunk_path(current_seq_).c_str());
}

void Spool::sync() {
  if (current_) ::fsync(current_.get());
}

bool Spool::load_head() {
  if (head_loaded_) return true;
  if (chunks_.empty()) close_current();
  if (chunks_.empty()) return false;
  auto bytes = read_file(chunk_path(chunks_.front().seq));
  if (!bytes) {
    log_warning(bytes.error().message);
    return false;
  }
  head_ = decode_spool_chunk(*bytes).records;
  head_pos_ = std::min<uint64_t>(read_progress(chunks_.front().seq), head_.size());
  head_loaded_ = true;
  return true;
}

std::vector<SpoolRecord> Spool::peek(size_t max) {
  std::vector<SpoolRecord> out;
  if (!load_head()) return out;
  for (size_t i = head_pos_; i < head_.size() && out.size() < max; ++i) out.push_back(head_[i]);
  return out;
}

void Spool::pop(size_t n) {
  if (!head_loaded_) return;
  n = std::min(n, head_.size() - head_pos_);
  head_pos_ += n;
  records_ -= std::min<uint64_t>(records_, n);
  if (head_pos_ < head_.size()) {
    write_progress(chunks_.front().seq, head_pos_);
    return;
  }
  remove_chunk(chunks_.front().seq);
  bytes_ -= std::min(bytes_, chunks_.front().bytes);
  chunks_.pop_front();
  head_.clear();
  head_pos_ = 0;
  head_loaded_ = false;
}

Spool::~Spool() {
  close_current();
}

}  // namespace ebpfmon
