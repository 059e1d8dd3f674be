// The version meson's project() declares, for --version and /metrics.
#pragma once

namespace ebpfmon {

constexpr const char* kVersion = EBPFMON_VERSION;  // set by meson.build

}  // namespace ebpfmon
