// The export's server list, checked where it is given (--export, the
// config's export.nats.servers) so a typo is a usage error at start.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ebpfmon {

// "nats://a:4222,tls://b:4443" or one URL: each checked (scheme nats or tls,
// a host, a port 1..65535); a usage error names `where` and the bad one.
Result<std::vector<std::string>> parse_nats_urls(const std::string& list, std::string_view where);

}  // namespace ebpfmon
