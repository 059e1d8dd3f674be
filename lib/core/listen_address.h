// "ADDR:PORT" as --metrics and metrics.listen take it.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace ebpfmon {

struct ListenAddress {
  std::string host;   // a numeric IPv4 or IPv6 address, without brackets
  uint16_t port = 0;  // 0: any free port
};

// "127.0.0.1:9464", "[::1]:9464", "localhost:9464", or a bare port (then
// loopback). The error (a usage error) names the value and shows examples.
Result<ListenAddress> parse_listen_address(const std::string& text);

}  // namespace ebpfmon
