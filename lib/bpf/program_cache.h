// Compiled programs kept on disk, so that a tool whose program did not
// change starts without the compile helper (and without LLVM). An entry
// becomes code in the kernel: one that is not ours alone, or not exactly
// what was written, is removed with a warning and never loaded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "bpf/compiled_object.h"

namespace ebpfmon {

class ProgramCache {
 public:
  static constexpr uint64_t kDefaultMaxBytes = 64ull << 20;

  // A cache in `dir`; an empty path is a cache that is off.
  explicit ProgramCache(std::filesystem::path dir, uint64_t max_bytes = kDefaultMaxBytes);
  // <EBPFMON_CACHE_DIR or /var/cache/ebpfmon>/programs, off when `disabled`
  // (--no-cache) or EBPFMON_CACHE=off.
  static ProgramCache standard(bool disabled);

  bool enabled() const { return !dir_.empty(); }
  const std::filesystem::path& dir() const { return dir_; }
  // Why it is off ("--no-cache", "EBPFMON_CACHE=off"), for the doctor.
  const std::string& off_reason() const { return off_reason_; }

  // The entry for `key`, marked as just used. An entry that fails a check
  // is removed and a warning says why.
  std::optional<CompiledObject> find(const std::string& key);
  // Whether a valid entry exists, without touching it (ebpfmon --doctor).
  bool has(const std::string& key) const;
  // Written beside its final name and renamed, so a reader (or another tool
  // storing the same key) sees a whole entry or none. Failures only warn:
  // the program still runs, uncached.
  void store(const std::string& key, const CompiledObject& object);
  // Removes an entry the kernel refused.
  void discard(const std::string& key, const std::string& why);

  struct Usage {
    size_t entries = 0;
    uint64_t bytes = 0;
  };
  Usage usage() const;
  uint64_t max_bytes() const { return max_bytes_; }

  std::filesystem::path entry_path(const std::string& key) const;

 private:
  bool ready();  // creates the directory, or turns the cache off saying why
  void evict();

  std::filesystem::path dir_;
  uint64_t max_bytes_;
  std::string off_reason_;
};

// Checks and unwraps one entry's bytes: exposed for tests and the fuzzer.
Result<CompiledObject> parse_cache_entry(std::string_view bytes);
std::string make_cache_entry(const CompiledObject& object);

}  // namespace ebpfmon
