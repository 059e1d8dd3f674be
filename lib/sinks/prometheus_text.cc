#include "sinks/prometheus_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace ebpfmon {
namespace {

std::string escape(const std::string& text, bool quote) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

// Integers as integers (a count must not turn into 1.234e+06), other values
// in the shortest form that reads back the same.
std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  char buf[64];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", value);
    return buf;
  }
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

void write_labels(std::ostream& out, const MetricLabels& labels,
                  const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && extra == nullptr) return;
  out << '{';
  bool first = true;
  auto one = [&](const std::pair<std::string, std::string>& label) {
    out << (first ? "" : ",") << label.first << "=\"" << escape(label.second, true) << '"';
    first = false;
  };
  for (const auto& label : labels) one(label);
  if (extra != nullptr) one(*extra);
  out << '}';
}

const char* type_name(MetricFamily::Type type) {
  switch (type) {
    case MetricFamily::Type::Counter:
      return "counter";
    case MetricFamily::Type::Gauge:
      return "gauge";
    case MetricFamily::Type::Histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

void write_prometheus_text(std::ostream& out, const Metrics& metrics) {
  for (const MetricFamily& family : metrics) {
    out << "# HELP " << family.name << ' ' << escape(family.help, false) << '\n'
        << "# TYPE " << family.name << ' ' << type_name(family.type) << '\n';
    for (const MetricSample& s : family.samples) {
      out << family.name;
      write_labels(out, s.labels);
      out << ' ' << number(s.value) << '\n';
    }
    for (const HistogramSample& h : family.histograms) {
      for (const auto& [bound, count] : h.buckets) {
        const std::pair<std::string, std::string> le{"le", number(bound)};
        out << family.name << "_bucket";
        write_labels(out, h.labels, &le);
        out << ' ' << count << '\n';
      }
      const std::pair<std::string, std::string> inf{"le", "+Inf"};
      out << family.name << "_bucket";
      write_labels(out, h.labels, &inf);
      out << ' ' << h.count << '\n' << family.name << "_sum";
      write_labels(out, h.labels);
      out << ' ' << number(h.sum) << '\n' << family.name << "_count";
      write_labels(out, h.labels);
      out << ' ' << h.count << '\n';
    }
  }
}

}  // namespace ebpfmon
