// The Prometheus text exposition format (version 0.0.4), as /metrics serves it.
#pragma once

#include <ostream>
#include <string>

#include "core/metrics.h"

namespace ebpfmon {

constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// HELP and TYPE once per family, then its samples; label values escaped.
void write_prometheus_text(std::ostream& out, const Metrics& metrics);

}  // namespace ebpfmon
