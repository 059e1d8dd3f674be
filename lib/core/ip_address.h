// IP addresses as text, and CIDR blocks as the filters take them. IPv4 is
// also held IPv4-mapped (::ffff:a.b.c.d), so one table of blocks serves both
// families, as the kernel shows a dual-stack socket's IPv4 peer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ebpfmon {

// "127.0.0.1" for AF_INET (4 bytes at addr), "::1" for AF_INET6 (16 bytes).
std::string ip_address_text(int family, const void* addr);

struct Cidr {
  std::array<uint8_t, 16> addr{};  // IPv6, or IPv4-mapped
  unsigned prefix_bits = 0;        // of addr: an IPv4 /8 is 104
};

// "10.0.0.0/8", "fd00::/8", or an address alone (all its bits). Nothing
// when the text is not one, or the prefix is out of range.
std::optional<Cidr> parse_cidr(std::string_view text);

}  // namespace ebpfmon
