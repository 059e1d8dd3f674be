#include "core/listen_address.h"

#include <arpa/inet.h>

#include <string_view>

namespace ebpfmon {
namespace {

bool is_ip_address(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

Result<ListenAddress> parse_listen_address(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return Error::usage("metrics address '" + text + "': " + why +
                        " (e.g. 127.0.0.1:9464, [::1]:9464, or 0.0.0.0:9464 for every interface)");
  };
  ListenAddress out;
  out.host = "127.0.0.1";
  std::string port = text;
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos) {
    out.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']')
      out.host = out.host.substr(1, out.host.size() - 2);
    if (out.host.empty()) return bad("give the address to listen on");
  }
  if (out.host == "localhost") out.host = "127.0.0.1";
  if (!is_ip_address(out.host)) return bad("'" + out.host + "' is not an IP address");
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535)
    return bad("the port must be a number from 0 to 65535");
  out.port = static_cast<uint16_t>(std::stoul(port));
  return out;
}

}  // namespace ebpfmon
