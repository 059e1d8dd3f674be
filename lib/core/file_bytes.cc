#include "core/file_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/fd_io.h"
#include "core/unique_fd.h"

namespace ebpfmon {

Result<FileBytes> FileBytes::open(const std::string& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0)
    return Error::runtime("cannot read " + path + ": " + std::strerror(errno));
  FileBytes bytes;
  if (st.st_size > 0) {
    void* at =
        ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (at != MAP_FAILED) {
      bytes.mapped_ = static_cast<const char*>(at);
      bytes.mapped_size_ = static_cast<size_t>(st.st_size);
      return bytes;
    }
  }
  // Not mappable: read it.
  if (st.st_size > 0) bytes.owned_.reserve(static_cast<size_t>(st.st_size));
  if (!read_all(fd.get(), bytes.owned_))
    return Error::runtime("cannot read " + path + ": " + std::strerror(errno));
  return bytes;
}

FileBytes::FileBytes(FileBytes&& other) noexcept
    : mapped_(std::exchange(other.mapped_, nullptr)),
      mapped_size_(std::exchange(other.mapped_size_, 0)),
      owned_(std::move(other.owned_)) {}

FileBytes& FileBytes::operator=(FileBytes&& other) noexcept {
  if (this != &other) {
    unmap();
    mapped_ = std::exchange(other.mapped_, nullptr);
    mapped_size_ = std::exchange(other.mapped_size_, 0);
    owned_ = std::move(other.owned_);
  }
  return *this;
}

FileBytes::~FileBytes() {
  unmap();
}

void FileBytes::unmap() {
  if (mapped_ != nullptr) ::munmap(const_cast<char*>(mapped_), mapped_size_);
  mapped_ = nullptr;
}

}  // namespace ebpfmon
