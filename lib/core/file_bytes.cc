#include "core/file_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

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
  // Not mappable: read it, sized by st_size when the file has one.
  std::vector<char> owned(st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0);
  size_t done = 0;
  for (;;) {
    if (done == owned.size()) owned.resize(owned.size() + (1 << 16));
    const ssize_t n = ::read(fd.get(), owned.data() + done, owned.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::runtime("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  owned.resize(done);
  bytes.owned_ = std::move(owned);
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
