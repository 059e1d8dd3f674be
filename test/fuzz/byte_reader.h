// Turns fuzz bytes into typed values. Every read succeeds: past the end it
// yields zeros and empty strings, so any input decodes to some event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace ebpfmon::fuzz {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }

  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }

  // memcpy, not a cast: any bit pattern, NaN and infinities included.
  template <class T>
  T raw() {
    unsigned char bytes[sizeof(T)] = {};
    for (unsigned char& b : bytes) b = byte();
    T value;
    std::memcpy(&value, bytes, sizeof value);
    return value;
  }

  // A length byte, then that many bytes: short strings keep the mutator's
  // attention on delimiters, quotes, CR/LF and broken UTF-8.
  std::string string() {
    const size_t length = byte();
    const size_t n = length < size_ - pos_ ? length : size_ - pos_;  // pos_ <= size_
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace ebpfmon::fuzz
