#include "monitors/syscall_arg_text.h"

#include <arpa/inet.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "core/ip_address.h"
#include "core/text.h"
#include "monitors/syscall_arg_names.h"

namespace ebpfmon {
namespace {

void append_hex_byte(std::string& out, unsigned char c) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out += buf;
}

std::string ipv4_text(const void* addr) {
  return ip_address_text(AF_INET, addr);
}

std::string ipv6_text(const void* addr) {
  return "[" + ip_address_text(AF_INET6, addr) + "]";
}

std::string endpoint(int family, const void* addr, uint16_t port) {
  return (family == AF_INET ? ipv4_text(addr) : ipv6_text(addr)) + ":" + std::to_string(port);
}

// sun_path as given: abstract names (a leading NUL) as @name.
std::string unix_path_text(std::string_view path) {
  if (!path.empty() && path[0] == '\0') {
    std::string rest(path.substr(1));
    return "@" + rest;
  }
  return std::string(path.substr(0, path.find('\0')));
}

// "TCP", "UDP", "UNIX-STREAM": strace -yy's names for a socket.
std::string socket_kind(const syscall_capture& c) {
  if (c.family == AF_INET || c.family == AF_INET6) {
    switch (c.protocol) {
      case IPPROTO_TCP:
        return c.family == AF_INET ? "TCP" : "TCPv6";
      case IPPROTO_UDP:
        return c.family == AF_INET ? "UDP" : "UDPv6";
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6:
        return c.family == AF_INET ? "ICMP" : "ICMPv6";
      default:
        return (c.family == AF_INET ? "INET:" : "INET6:") + std::to_string(c.protocol);
    }
  }
  if (c.family == AF_UNIX) {
    switch (c.type) {
      case SOCK_STREAM:
        return "UNIX-STREAM";
      case SOCK_DGRAM:
        return "UNIX-DGRAM";
      case SOCK_SEQPACKET:
        return "UNIX-SEQPACKET";
      default:
        return "UNIX";
    }
  }
  std::string domain = name_arg(ArgNames::SocketDomain, c.family);
  return domain.rfind("AF_", 0) == 0 ? domain.substr(3) : domain;
}

std::string socket_text(const syscall_capture& c, std::string_view data) {
  std::string text = "socket:" + socket_kind(c);
  if (c.family == AF_INET || c.family == AF_INET6) {
    text += " " + endpoint(c.family, c.saddr, c.sport);
    if (c.dport != 0) text += "->" + endpoint(c.family, c.daddr, c.dport);
    return text;
  }
  if (c.family == AF_UNIX && !data.empty()) return text + " " + unix_path_text(data);
  return text + ":[" + std::to_string(c.ino) + "]";
}

// The kernel's names run from the file up to the root, each with its NUL.
std::string path_text(const syscall_capture& c, std::string_view data) {
  std::vector<std::string_view> names;
  for (size_t pos = 0; pos < data.size();) {
    const size_t end = data.find('\0', pos);
    const size_t stop = end == std::string_view::npos ? data.size() : end;
    names.push_back(data.substr(pos, stop - pos));
    pos = stop + 1;
  }
  std::string path = c.flags & SYSCALL_CAPTURE_CUT ? "..." : "";
  for (auto it = names.rbegin(); it != names.rend(); ++it) path += "/" + std::string(*it);
  if (path.empty()) path = "/";
  if (c.flags & SYSCALL_CAPTURE_DELETED) path += " (deleted)";
  return path;
}

// A file of no mount, named as /proc/PID/fd names it.
std::string pseudo_text(const syscall_capture& c, std::string_view name) {
  const std::string ino = "[" + std::to_string(c.ino) + "]";
  switch (c.magic) {
    case PIPEFS_MAGIC:
      return "pipe:" + ino;
    case ANON_INODE_FS_MAGIC:
      return "anon_inode:" + std::string(name);
    default:
      return name.empty() ? ino : std::string(name);
  }
}

}  // namespace

std::string quoted_string(std::string_view bytes, bool cut) {
  std::string out = "\"";
  for (size_t i = 0; i < bytes.size();) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x80) {
      const Utf8Sequence seq = scan_utf8_sequence(
          reinterpret_cast<const unsigned char*>(bytes.data()) + i, bytes.size() - i);
      if (seq.valid) {
        out.append(bytes.substr(i, seq.length));
        i += seq.length;
        continue;
      }
      append_hex_byte(out, c);
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      append_hex_byte(out, c);
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += "\"";
  if (cut) out += "...";
  return out;
}

std::string sockaddr_text(std::string_view bytes) {
  sa_family_t family = 0;
  if (bytes.size() < sizeof family) return "{}";
  std::memcpy(&family, bytes.data(), sizeof family);
  if (family == AF_INET && bytes.size() >= sizeof(sockaddr_in)) {
    sockaddr_in in;
    std::memcpy(&in, bytes.data(), sizeof in);
    return endpoint(AF_INET, &in.sin_addr, ntohs(in.sin_port));
  }
  if (family == AF_INET6 && bytes.size() >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    std::memcpy(&in6, bytes.data(), sizeof in6);
    return endpoint(AF_INET6, &in6.sin6_addr, ntohs(in6.sin6_port));
  }
  if (family == AF_UNIX) {
    std::string_view path = bytes.substr(offsetof(sockaddr_un, sun_path));
    if (path.empty()) return "unix:";  // an unnamed (autobind) address
    return "unix:" + unix_path_text(path);
  }
  if (family == AF_NETLINK && bytes.size() >= sizeof(sockaddr_nl)) {
    sockaddr_nl nl;
    std::memcpy(&nl, bytes.data(), sizeof nl);
    return "netlink:" + std::to_string(nl.nl_pid);
  }
  return "family " + std::to_string(family);
}

std::string fd_target_text(const syscall_capture& capture, std::string_view data) {
  switch (capture.found) {
    case SYSCALL_FOUND_PATH:
      return path_text(capture, data);
    case SYSCALL_FOUND_SOCKET:
      return socket_text(capture, data);
    case SYSCALL_FOUND_PSEUDO:
      return pseudo_text(capture, data);
    case SYSCALL_FOUND_TEXT:
      return std::string(data);
    default:
      return "";
  }
}

}  // namespace ebpfmon
