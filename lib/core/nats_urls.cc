#include "core/nats_urls.h"

#include <algorithm>

namespace ebpfmon {

Result<std::vector<std::string>> parse_nats_urls(const std::string& list, std::string_view where) {
  std::vector<std::string> urls;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string url = list.substr(start, comma - start);
    start = comma + 1;
    const size_t scheme = url.find("://");
    const std::string name = scheme == std::string::npos ? "" : url.substr(0, scheme);
    const std::string rest = scheme == std::string::npos ? "" : url.substr(scheme + 3);
    const size_t colon = rest.rfind(':');
    const std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
    const std::string port = colon == std::string::npos ? "" : rest.substr(colon + 1);
    bool port_ok = !port.empty() && port.size() <= 5 &&
                   port.find_first_not_of("0123456789") == std::string::npos &&
                   std::stoul(port) > 0 && std::stoul(port) < 65536;
    if ((name != "nats" && name != "tls") || host.empty() ||
        host.find_first_of("/@ ") != std::string::npos || !port_ok)
      return Error::usage(std::string(where) + ": '" + url + "' is not a NATS server URL",
                          "expected nats://HOST:PORT[,nats://HOST2:PORT...]");
    urls.push_back(url);
  }
  return urls;
}

}  // namespace ebpfmon
