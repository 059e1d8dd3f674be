#include "app/run_report.h"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "core/log.h"
#include "core/text.h"
#include "core/version.h"
#include "sinks/formats.h"
#include "sinks/prometheus_text.h"
#include "sinks/summary_file.h"

namespace ebpfmon {

uint64_t MonitorOutput::written() const {
  uint64_t n = 0;
  for (const auto& sink : sinks)
    if (sink->keeps_events()) n = std::max(n, sink->written());
  return n;
}

// An event is lost to writing only when no sink kept it.
uint64_t MonitorOutput::write_errors() const {
  bool any = false;
  uint64_t n = 0;
  for (const auto& sink : sinks) {
    if (!sink->keeps_events()) continue;
    n = any ? std::min(n, sink->dropped()) : sink->dropped();
    any = true;
  }
  return n;
}

std::string MonitorOutput::destination() const {
  std::string where;
  for (const auto& sink : sinks)
    if (sink->keeps_events() && !sink->destination().empty())
      where += (where.empty() ? "" : ", ") + sink->destination();
  return where;
}

Losses read_losses(const MonitorOutput& out) {
  const KernelLosses l = out.monitor->losses();
  // An event no sink kept is lost at the export when only the export keeps
  // events (--format none), else at writing.
  bool exports = false, writes = false;
  for (const auto& sink : out.sinks)
    if (sink->keeps_events())
      (std::string_view(sink->loss_stage()) == "export" ? exports : writes) = true;
  const bool only_export = exports && !writes;
  const uint64_t unkept = out.write_errors();
  return {{{"kernel_buffer", "kernel buffer", l.kernel_buffer},
           {"kernel_map", "kernel map", l.kernel_map},
           {"user_space", "user space", l.user_space},
           {"write_errors", "write errors", only_export ? 0 : unkept},
           {"export", "export", only_export ? unkept : 0}},
          l.rate_limit};
}

uint64_t Losses::total() const {
  uint64_t sum = 0;
  for (const LossStage& s : stages) sum += s.count;
  return sum;
}

// The counts of a part the monitors' sinks share (one exporter, one output
// directory), from the /metrics families named ebpfmon_<part>_*: the first
// sink that has a family answers. Keys drop the prefix and "_total".
nlohmann::json shared_counts(const std::vector<MonitorOutput>& outputs, const std::string& part) {
  const std::string prefix = "ebpfmon_" + part + "_";
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& out : outputs)
    for (const auto& sink : out.sinks)
      for (const MetricFamily& family : sink->metrics())
        if (starts_with(family.name, prefix) && family.samples.size() == 1) {
          std::string key = family.name.substr(prefix.size());
          if (ends_with(key, "_total")) key.resize(key.size() - 6);
          if (counts.contains(key)) continue;
          const double v = family.samples[0].value;
          if (key == "connected")
            counts[key] = v != 0;
          else
            counts[key] = static_cast<uint64_t>(v);
        }
  return counts;
}

std::string status_json(const std::vector<MonitorOutput>& outputs, const RunInfo& run) {
  nlohmann::json j;
  j["pid"] = getpid();
  j["uptime_seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run.started).count();
  j["config"] = run.config_source;
  j["monitors"] = nlohmann::json::array();
  for (const auto& out : outputs) {
    nlohmann::json m;
    m["name"] = out.monitor->name();
    m["hooks"] = nlohmann::json::array();
    for (const HookSpec& h : out.monitor->hooks()) m["hooks"].push_back(h.describe());
    m["events_written"] = out.written();
    const Losses losses = read_losses(out);
    for (const LossStage& s : losses.stages) m["lost"][s.key] = s.count;
    m["lost"]["total"] = losses.total();
    m["rate_limited"] = losses.rate_limited;
    m["redacted"] = out.monitor->redacted();
    m["file"] = out.destination();
    // The rows of the latest report, as its summary file has them.
    if (out.latest_report) {
      m["summary"] = nlohmann::json::array();
      std::istringstream rows(report_jsonl(*out.latest_report));
      for (std::string row; std::getline(rows, row);)
        m["summary"].push_back(nlohmann::json::parse(row));
    }
    // What is still going on (syscall: calls hanging now), as event lines.
    if (const std::vector<Event> going = out.monitor->in_flight(); !going.empty()) {
      m["in_flight"] = nlohmann::json::array();
      for (const Event& e : going) {
        std::string line;
        append_jsonl_record(line, out.monitor->schema(), e);
        m["in_flight"].push_back(nlohmann::json::parse(line));
      }
    }
    j["monitors"].push_back(m);
  }
  // The export's and the output directory's own counts.
  for (const char* part : {"export", "output"})
    if (auto counts = shared_counts(outputs, part); !counts.empty()) j[part] = counts;
  return j.dump() + "\n";
}

std::string metrics_page(const std::vector<MonitorOutput>& outputs, const RunInfo& run) {
  using Type = MetricFamily::Type;
  MetricFamily info{"ebpfmon_build_info", "ebpfmon's version", Type::Gauge, {}, {}};
  info.samples.push_back({{{"version", kVersion}}, 1});
  MetricFamily start{
      "ebpfmon_start_time_seconds", "When this run started, in Unix time", Type::Gauge, {}, {}};
  start.samples.push_back(
      {{}, std::chrono::duration<double>(run.started_wall.time_since_epoch()).count()});
  MetricFamily written{
      "ebpfmon_events_written_total", "Events written to the event files", Type::Counter, {}, {}};
  MetricFamily lost{"ebpfmon_events_lost_total",
                    "Events lost, by the stage that lost them",
                    Type::Counter,
                    {},
                    {}};
  MetricFamily limited{"ebpfmon_events_rate_limited_total",
                       "Events a configured max_events_per_second chose not to write (no loss)",
                       Type::Counter,
                       {},
                       {}};
  MetricFamily redacted{"ebpfmon_events_redacted_total",
                        "Events written with a secret masked (redact)",
                        Type::Counter,
                        {},
                        {}};
  MetricFamily errors{"ebpfmon_metrics_read_failed",
                      "1 when a monitor's own metrics could not be read for this page",
                      Type::Gauge,
                      {},
                      {}};
  Metrics own;  // the monitors' families, after the runner's
  for (const auto& out : outputs) {
    const std::string name = out.monitor->name();
    written.samples.push_back({{{"monitor", name}}, static_cast<double>(out.written())});
    const Losses losses = read_losses(out);
    for (const LossStage& s : losses.stages)
      lost.samples.push_back({{{"monitor", name}, {"stage", s.key}}, static_cast<double>(s.count)});
    limited.samples.push_back({{{"monitor", name}}, static_cast<double>(losses.rate_limited)});
    redacted.samples.push_back({{{"monitor", name}}, static_cast<double>(out.monitor->redacted())});
    auto m = out.monitor->metrics();
    errors.samples.push_back({{{"monitor", name}}, m ? 0.0 : 1.0});
    if (m) {
      for (MetricFamily& family : *m) own.push_back(std::move(family));
    } else {
      log_warning(name + ": metrics: " + m.error().message);
    }
  }
  Metrics page;
  for (MetricFamily* family : {&info, &start, &written, &lost, &limited, &redacted, &errors})
    page.push_back(std::move(*family));
  for (const auto& out : outputs)
    for (const auto& sink : out.sinks)
      for (MetricFamily& family : sink->metrics())
        if (std::none_of(page.begin(), page.end(),
                         [&](const MetricFamily& f) { return f.name == family.name; }))
          page.push_back(std::move(family));
  for (MetricFamily& family : own) page.push_back(std::move(family));
  std::ostringstream text;
  write_prometheus_text(text, page);
  return text.str();
}

// "exec: 20000 events written, 0 lost", then ", K rate-limited" when K > 0.
std::string written_and_lost(const MonitorOutput& out, const Losses& losses) {
  std::string text = std::to_string(out.written()) + " events written, " +
                     std::to_string(losses.total()) + " lost";
  if (losses.rate_limited > 0) text += ", " + std::to_string(losses.rate_limited) + " rate-limited";
  return text;
}

void print_summary(const std::vector<MonitorOutput>& outputs) {
  std::vector<std::string> lines;
  std::vector<Losses> all;
  for (const auto& out : outputs) {
    const Losses losses = read_losses(out);
    all.push_back(losses);
    std::ostringstream line;
    line << out.monitor->name() << ": lost by stage:";
    for (size_t i = 0; i < losses.stages.size(); ++i)
      line << (i ? ", " : " ") << losses.stages[i].label << " " << losses.stages[i].count;
    line << "; rate-limited (not lost) " << losses.rate_limited << "; redacted "
         << out.monitor->redacted();
    if (!out.destination().empty()) line << "; file " << out.destination();
    lines.push_back(line.str());
  }
  for (size_t i = 0; i < outputs.size(); ++i)
    lines.push_back(outputs[i].monitor->name() + ": " + written_and_lost(outputs[i], all[i]));
  // Not a loss: those events had been written, and kept as long as asked.
  const nlohmann::json output = shared_counts(outputs, "output");
  if (output.value("files_removed", uint64_t{0}) > 0)
    lines.push_back("output: " + std::to_string(output["files_removed"].get<uint64_t>()) +
                    " old event files removed (" +
                    size_text(output["bytes_removed"].get<uint64_t>()) +
                    ") to keep output.max_total_mb and output.max_age_days");
  for (const auto& line : lines) log_report(line);
}

std::string status_line(const std::vector<MonitorOutput>& outputs) {
  std::ostringstream line;
  line << "status:";
  for (const auto& out : outputs)
    line << " " << out.monitor->name() << " " << written_and_lost(out, read_losses(out)) << ";";
  return line.str();
}

}  // namespace ebpfmon
