// A whole file's bytes, read-only: mapped where the file allows it (the
// kernel's BTF does from 6.16 on), else read into memory. /sys/kernel/btf
// gives at most a page per read(): mapped, its 5 MiB cost no copy and no
// 1,300 system calls.
#pragma once

#include <cstddef>
#include <string>

#include "core/result.h"

namespace ebpfmon {

class FileBytes {
 public:
  static Result<FileBytes> open(const std::string& path);
  explicit FileBytes(std::string bytes) : owned_(std::move(bytes)) {}
  FileBytes() = default;
  FileBytes(FileBytes&& other) noexcept;
  FileBytes& operator=(FileBytes&& other) noexcept;
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  ~FileBytes();

  const char* data() const { return mapped_ != nullptr ? mapped_ : owned_.data(); }
  size_t size() const { return mapped_ != nullptr ? mapped_size_ : owned_.size(); }

 private:
  void unmap();
  const char* mapped_ = nullptr;
  size_t mapped_size_ = 0;
  std::string owned_;
};

}  // namespace ebpfmon
