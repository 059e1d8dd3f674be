// Config files: found, opened and trusted before a byte of them is parsed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/config.h"
#include "core/text.h"

namespace ebpfmon {
namespace {

namespace fs = std::filesystem;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The config decides which kernel functions get probed, so as root it must
// be as trusted as the binary: owned by root and writable by nobody else.
Result<void> check_trusted(const std::string& path, const struct stat& st) {
  if (geteuid() != 0) return {};
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error::usage(path + ": refusing a config file that other users can write (mode " + mode +
                        "); run chmod go-w " + path);
  }
  if (st.st_uid != 0) {
    return Error::usage(path + ": refusing a config file owned by uid " +
                        std::to_string(st.st_uid) + ", not root; run chown root " + path);
  }
  return {};
}

// open + fstat rather than stat + open: the checks apply to the very file
// that gets read, not to whatever the name pointed at a moment earlier.
Result<std::string> read_config_text(const std::string& path) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return Error::usage(path + ": no such file");
    return Error::usage(path + ": " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::usage(path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return Error::usage(path + ": " + std::strerror(EISDIR));
  if (!S_ISREG(st.st_mode)) return Error::usage(path + ": not a regular file");
  if (Result<void> trusted = check_trusted(path, st); !trusted) return trusted.error();

  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::usage(path + ": " + std::strerror(errno));
    }
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace

Result<Config> load_config_file(const std::filesystem::path& path) {
  Result<std::string> text = read_config_text(path.string());
  if (!text) return printable(text.error());
  return parse_config(text.value(), path.string());
}

Result<Config> load_config(const std::optional<std::filesystem::path>& explicit_path) {
  if (explicit_path) return load_config_file(*explicit_path);
  for (const char* candidate : {"./monitor_config.yaml", "/etc/ebpfmon/monitor_config.yaml"}) {
    // symlink_status: a dangling link is reported by load_config_file, not skipped.
    std::error_code ec;
    if (fs::exists(fs::symlink_status(candidate, ec))) return load_config_file(candidate);
  }
  return Config{};
}

}  // namespace ebpfmon
