#include "bpf/program_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bpf/kernel_headers.h"
#include "core/fd_io.h"
#include "core/log.h"
#include "core/sha256.h"
#include "core/unique_fd.h"

namespace ebpfmon {
namespace fs = std::filesystem;
namespace {

constexpr char kEntryMagic[8] = {'E', 'B', 'P', 'F', 'M', 'C', 'E', '1'};
constexpr size_t kDigestBytes = 32;
constexpr size_t kHeaderBytes = sizeof kEntryMagic + kDigestBytes;
constexpr const char* kSuffix = ".prog";
constexpr uint64_t kMaxEntryBytes = 64ull << 20;

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Why an entry (or the directory) must not be trusted; empty when it may.
std::string distrust(const struct stat& st, bool directory) {
  if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
    return directory ? "not a directory" : "not a regular file";
  if (st.st_uid != geteuid())
    return "owned by uid " + std::to_string(st.st_uid) + ", not " + std::to_string(geteuid());
  if ((st.st_mode & 077) != 0) return "mode " + mode_text(st.st_mode) + " lets others in";
  return {};
}

bool is_entry(const fs::path& path) {
  const std::string name = path.filename().string();
  return name.size() > std::strlen(kSuffix) && name[0] != '.' &&
         name.compare(name.size() - std::strlen(kSuffix), std::string::npos, kSuffix) == 0;
}

// Reads and checks an entry; the error is why it was refused.
Result<CompiledObject> read_entry(const fs::path& path, bool touch) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return Error::runtime(std::strerror(errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Error::runtime(std::strerror(errno));
  if (const std::string why = distrust(st, false); !why.empty()) return Error::runtime(why);
  if (static_cast<uint64_t>(st.st_size) > kMaxEntryBytes)
    return Error::runtime("larger than any program (" + std::to_string(st.st_size) + " bytes)");
  std::string bytes;
  if (!read_all(fd.get(), bytes)) return Error::runtime(std::strerror(errno));
  auto object = parse_cache_entry(bytes);
  if (object && touch) futimens(fd.get(), nullptr);  // least recently used goes first
  return object;
}

}  // namespace

std::string make_cache_entry(const CompiledObject& object) {
  const std::string payload = object.serialize();
  const auto digest = Sha256::of(payload);
  std::string entry(kEntryMagic, sizeof kEntryMagic);
  entry.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return entry + payload;
}

Result<CompiledObject> parse_cache_entry(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes ||
      std::memcmp(bytes.data(), kEntryMagic, sizeof kEntryMagic) != 0)
    return Error::runtime(bytes.size() < kHeaderBytes ? "truncated" : "not a cache entry");
  const std::string_view payload = bytes.substr(kHeaderBytes);
  const auto digest = Sha256::of(payload);
  if (std::memcmp(bytes.data() + sizeof kEntryMagic, digest.data(), kDigestBytes) != 0)
    return Error::runtime("checksum mismatch (truncated or changed since it was written)");
  return CompiledObject::parse(payload);
}

ProgramCache::ProgramCache(fs::path dir, uint64_t max_bytes)
    : dir_(std::move(dir)), max_bytes_(max_bytes) {
  if (dir_.empty()) off_reason_ = "off";
}

ProgramCache ProgramCache::standard(bool disabled) {
  const char* env = std::getenv("EBPFMON_CACHE");
  if (disabled || (env != nullptr && std::string(env) == "off")) {
    ProgramCache off{fs::path()};
    off.off_reason_ = disabled ? "off (--no-cache)" : "off (EBPFMON_CACHE=off)";
    return off;
  }
  return ProgramCache(kernel_cache_dir() / "programs");
}

fs::path ProgramCache::entry_path(const std::string& key) const {
  return dir_ / (key + kSuffix);
}

bool ProgramCache::ready() {
  if (!enabled()) return false;
  std::error_code ec;
  fs::create_directories(dir_.parent_path(), ec);
  if (mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    log_warning("program cache off: cannot create " + dir_.string() + ": " + std::strerror(errno));
    off_reason_ = "off (cannot create " + dir_.string() + ")";
    dir_.clear();
    return false;
  }
  struct stat st {};
  const std::string why = lstat(dir_.c_str(), &st) != 0 ? std::strerror(errno) : distrust(st, true);
  if (!why.empty()) {
    log_warning("program cache off: " + dir_.string() + " is " + why +
                "; remove it or set EBPFMON_CACHE_DIR");
    off_reason_ = "off (" + dir_.string() + ": " + why + ")";
    dir_.clear();
    return false;
  }
  return true;
}

std::optional<CompiledObject> ProgramCache::find(const std::string& key) {
  if (!ready()) return std::nullopt;
  const fs::path path = entry_path(key);
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return std::nullopt;
  auto object = read_entry(path, true);
  if (object) return std::move(*object);
  discard(key, object.error().message);
  return std::nullopt;
}

bool ProgramCache::has(const std::string& key) const {
  return enabled() && read_entry(entry_path(key), false).ok();
}

void ProgramCache::discard(const std::string& key, const std::string& why) {
  if (!enabled()) return;
  const fs::path path = entry_path(key);
  log_warning("program cache: " + path.string() + " refused (" + why +
              "); removed, compiling again");
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    log_warning("program cache: cannot remove " + path.string() + ": " + std::strerror(errno));
}

void ProgramCache::store(const std::string& key, const CompiledObject& object) {
  if (!ready()) return;
  const fs::path path = entry_path(key);
  const fs::path staging =
      dir_ / ("." + key + "." + std::to_string(getpid()) + "." + std::to_string(gettid()) + ".tmp");
  UniqueFd fd(open(staging.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  bool ok = fd && fchmod(fd.get(), 0600) == 0 && write_all(fd.get(), make_cache_entry(object)) &&
            fsync(fd.get()) == 0;
  const int err = errno;
  fd.reset();
  if (ok) ok = rename(staging.c_str(), path.c_str()) == 0;
  if (!ok) {
    log_warning("program cache: cannot write " + path.string() + ": " +
                std::strerror(ok ? errno : err));
    unlink(staging.c_str());
    return;
  }
  evict();
}

ProgramCache::Usage ProgramCache::usage() const {
  Usage usage;
  std::error_code ec;
  if (!enabled()) return usage;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (!is_entry(entry.path())) continue;
    ++usage.entries;
    usage.bytes += entry.file_size(ec);
  }
  return usage;
}

void ProgramCache::evict() {
  struct Entry {
    fs::path path;
    uint64_t bytes;
    struct timespec used;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(dir_, ec)) {
    struct stat st {};
    if (!is_entry(item.path()) || lstat(item.path().c_str(), &st) != 0) continue;
    entries.push_back({item.path(), static_cast<uint64_t>(st.st_size), st.st_mtim});
    total += static_cast<uint64_t>(st.st_size);
  }
  if (total <= max_bytes_) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.used.tv_sec != b.used.tv_sec ? a.used.tv_sec < b.used.tv_sec
                                          : a.used.tv_nsec < b.used.tv_nsec;
  });
  // The newest stays even alone over the bound: it is the one just written.
  for (size_t i = 0; i + 1 < entries.size() && total > max_bytes_; ++i) {
    if (unlink(entries[i].path.c_str()) == 0) total -= entries[i].bytes;
    log_debug("program cache: evicted " + entries[i].path.string());
  }
}

}  // namespace ebpfmon
