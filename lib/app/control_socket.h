// The daemon's control socket: a root-only (0600) unix stream socket that
// answers one command per connection ("status", "stop") with one reply.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"

namespace ebpfmon {

class ControlSocket {
 public:
  // Replaces a stale socket file (the caller holds the pid-file lock, so no
  // live daemon owns it).
  static Result<std::unique_ptr<ControlSocket>> listen(const std::filesystem::path& path);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  int fd() const { return fd_; }
  // Accepts one client and answers its command with respond(command).
  void serve_one(const std::function<std::string(const std::string&)>& respond);

 private:
  ControlSocket(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::filesystem::path path_;
};

// Client side: sends `command`, returns the reply. A runtime error when no
// daemon listens (then *no_daemon is set: the caller exits 3) or when the
// caller may not ask (the socket is root's: an error saying so, exit 1).
Result<std::string> control_request(const std::filesystem::path& path, const std::string& command,
                                    bool* no_daemon = nullptr);

}  // namespace ebpfmon
