#include "core/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace ebpfmon {
namespace {

constexpr unsigned kMappedBits = 96;  // ::ffff: before an IPv4 address

}  // namespace

std::string ip_address_text(int family, const void* addr) {
  char buf[INET6_ADDRSTRLEN];
  return inet_ntop(family, addr, buf, sizeof buf) ? buf : "?";
}

std::optional<Cidr> parse_cidr(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  Cidr cidr;
  unsigned max_bits = 128;
  unsigned base = 0;
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    cidr.addr[10] = cidr.addr[11] = 0xff;
    std::memcpy(&cidr.addr[12], &v4, sizeof v4);
    max_bits = 32;
    base = kMappedBits;
  } else if (inet_pton(AF_INET6, address.c_str(), cidr.addr.data()) != 1) {
    return std::nullopt;
  }
  unsigned bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    bits = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      bits = bits * 10 + static_cast<unsigned>(c - '0');
    }
    if (bits > max_bits) return std::nullopt;
  }
  cidr.prefix_bits = base + bits;
  return cidr;
}

}  // namespace ebpfmon
