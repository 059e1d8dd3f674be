#include "app/control_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ebpfmon {
namespace {

Result<sockaddr_un> address_of(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof addr.sun_path)
    return Error::usage("control socket path too long: " + path.string());
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  return addr;
}

// A client that stalls must not stall the daemon's event loop.
void set_timeouts(int fd) {
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string read_all(int fd, char stop_at) {
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (stop_at != '\0' && text.find(stop_at) != std::string::npos) break;
  }
  return text;
}

}  // namespace

Result<std::unique_ptr<ControlSocket>> ControlSocket::listen(const std::filesystem::path& path) {
  auto addr = address_of(path);
  if (!addr) return addr.error();
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Error::runtime(std::string("control socket: ") + std::strerror(errno));
  unlink(path.c_str());
  const mode_t old = umask(0177);  // created 0600: status and stop are root's
  const int bound = bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  umask(old);
  if (bound != 0 || ::listen(fd, 8) != 0) {
    const int err = errno;
    close(fd);
    return Error::runtime("cannot listen on " + path.string() + ": " + std::strerror(err));
  }
  return std::unique_ptr<ControlSocket>(new ControlSocket(fd, path));
}

ControlSocket::~ControlSocket() {
  close(fd_);
  unlink(path_.c_str());
}

void ControlSocket::serve_one(const std::function<std::string(const std::string&)>& respond) {
  const int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  set_timeouts(client);
  std::string command = read_all(client, '\n');
  command = command.substr(0, command.find('\n'));
  const std::string reply = respond(command);
  for (size_t done = 0; done < reply.size();) {
    const ssize_t n = write(client, reply.data() + done, reply.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(client);
}

Result<std::string> control_request(const std::filesystem::path& path, const std::string& command,
                                    bool* no_daemon) {
  auto addr = address_of(path);
  if (!addr) return addr.error();
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::runtime(std::string("socket: ") + std::strerror(errno));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    const int err = errno;
    close(fd);
    if (err == EACCES || err == EPERM)
      return Error::runtime("not allowed to ask the daemon (" + path.string() + ": " +
                                std::strerror(err) + ")",
                            "run it as root, as the daemon runs");
    if (no_daemon != nullptr) *no_daemon = true;
    return Error::runtime("no daemon is running (" + path.string() + ": " + std::strerror(err) + ")");
  }
  set_timeouts(fd);
  const std::string line = command + "\n";
  if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    close(fd);
    return Error::runtime("cannot send to " + path.string());
  }
  shutdown(fd, SHUT_WR);
  std::string reply = read_all(fd, '\0');
  close(fd);
  return reply;
}

}  // namespace ebpfmon
