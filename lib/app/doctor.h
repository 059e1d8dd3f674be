// ebpfmon --doctor: what this machine can trace, and how, found out by
// trying (the same capability probes the monitors use).
#pragma once

#include <memory>
#include <ostream>
#include <vector>

#include "core/config.h"
#include "monitors/monitor.h"

namespace ebpfmon {

// Prints the report; returns 0 when at least one of `monitors` can run, else 1.
// `config` decides their programs, hence whether each is in the cache.
int run_doctor(const Config& config, const std::vector<std::unique_ptr<Monitor>>& monitors,
               std::ostream& out);

}  // namespace ebpfmon
