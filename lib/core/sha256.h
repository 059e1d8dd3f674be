// SHA-256 (FIPS 180-4): the program cache's keys and checksums. A cache entry
// becomes code in the kernel, so its check must not be one a stray write can
// pass by accident.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ebpfmon {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  Sha256& update(std::string_view bytes);
  // A field of a key: its length goes first, so ("ab","c") and ("a","bc")
  // differ.
  Sha256& field(std::string_view bytes);
  Digest finish();

  static Digest of(std::string_view bytes) { return Sha256().update(bytes).finish(); }
  static std::string hex(const Digest& digest);

 private:
  void block(const uint8_t* p);

  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t length_ = 0;
};

}  // namespace ebpfmon
