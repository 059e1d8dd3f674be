#include "monitors/func.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>

#include "core/log.h"
#include "ebpf/func.h"
#include "monitors/registry.h"

namespace ebpfmon::bpf_sources {
extern const char func_bpf[];
}

namespace ebpfmon {
namespace {

enum Column : size_t { kTimestamp, kTimeStr, kPid, kPpid, kUid, kComm, kFuncName };

// Function names become C identifiers in the fentry stubs; they come from
// the kernel's symbol table, and are checked again here all the same.
bool is_identifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string join_patterns(const std::vector<std::string>& patterns) {
  std::string out;
  for (const auto& p : patterns) out += (out.empty() ? "'" : ", '") + p + "'";
  return out;
}

}  // namespace

std::string FuncMonitor::what() const {
  return std::to_string(traced_) + " kernel function" + (traced_ == 1 ? "" : "s") +
         (count_only_ ? ", counting" : "");
}

const Schema& FuncMonitor::schema() const {
  static const Schema schema{{
      {"timestamp", ValueType::Time},
      {"time_str", ValueType::String},
      {"pid", ValueType::UInt},
      {"ppid", ValueType::UInt},
      {"uid", ValueType::UInt},
      {"comm", ValueType::String},
      {"func_name", ValueType::String},
  }};
  return schema;
}

std::vector<ConsoleColumn> FuncMonitor::console_columns() const {
  return {{"TIME", kTimeStr, 25}, {"COMM", kComm, 16}, {"PID", kPid, 8},
          {"PPID", kPpid, 8},     {"UID", kUid, 6},    {"FUNC", kFuncName, 0}};
}

Result<FuncMonitor::Selection> FuncMonitor::select(const FuncSettings& settings,
                                                   const KernelFunctions& functions,
                                                   Capabilities& caps) {
  Selection s;
  const bool want_fentry = settings.backend == "fentry" || settings.backend == "auto";
  const bool want_kprobe = settings.backend == "kprobe" || settings.backend == "auto";
  std::vector<std::string> reasons;
  if (want_fentry && caps.has(Feature::Fentry)) {
    s.backend = HookType::Fentry;
  } else if (want_kprobe && caps.has(Feature::Kprobe)) {
    s.backend = HookType::Kprobe;
  } else {
    if (want_kprobe) reasons.push_back("kprobes: " + caps.status(Feature::Kprobe).detail);
    if (want_fentry) reasons.push_back("fentry: " + caps.status(Feature::Fentry).detail);
    for (size_t i = 0; i < reasons.size(); ++i) s.why_no_backend += (i ? "; " : "") + reasons[i];
  }

  s.matched = functions.matching(settings.patterns);
  // A trampoline needs the function's BTF; kprobes only its symbol.
  if (s.backend == HookType::Fentry) s.matched = KernelFunctions::with_btf(s.matched);
  if (s.matched.empty())
    return Error::usage("no traceable kernel function matches " + join_patterns(settings.patterns) +
                        (functions.filter_list_checked() ? "" : " (in /proc/kallsyms)"));
  s.traced.assign(s.matched.begin(),
                  s.matched.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(
                                          s.matched.size(), settings.probe_limit)));
  return s;
}

Result<BpfMonitor::Plan> FuncMonitor::plan(const Config& config, Capabilities& caps) {
  const FuncSettings& settings = config.func;
  auto functions = KernelFunctions::load();
  if (!functions) return functions.error();
  functions_ = std::move(*functions);
  if (!functions_->filter_list_checked())
    log_debug(
        "func: tracefs available_filter_functions is not readable; candidates come from "
        "/proc/kallsyms alone");
  auto selection = select(settings, *functions_, caps);
  if (!selection) return selection.error();
  if (!selection->backend)
    return Error::runtime("cannot trace kernel functions: " + selection->why_no_backend);
  const Selection& s = *selection;
  if (s.matched.size() > s.traced.size()) {
    std::string kept;
    for (const auto& f : s.traced) kept += (kept.empty() ? "" : " ") + f;
    log_warning("func: " + std::to_string(s.matched.size()) + " functions match " +
                join_patterns(settings.patterns) + "; tracing the first " +
                std::to_string(s.traced.size()) +
                " (raise --limit / probe_limit for more): " + kept);
  }
  traced_ = s.traced.size();
  count_only_ = settings.count_only;

  Plan plan;
  plan.max_events_per_second = settings.max_events_per_second;
  if (count_only_) plan.defines.emplace_back("FUNC_COUNT_ONLY", 1);
  // bpf_get_func_ip gives one address per function; room for twice that.
  plan.defines.emplace_back("FUNC_COUNT_SLOTS", static_cast<int64_t>(2 * traced_ + 16));
  source_ = bpf_sources::func_bpf;
  for (const std::string& f : s.traced) {
    if (!is_identifier(f)) return Error::runtime("func: unexpected kernel symbol name " + f);
    if (s.backend == HookType::Fentry) {
      const HookSpec& hook = plan.hooks.emplace_back(HookType::Fentry, f);
      source_ += "int " + hook.function + "(unsigned long long *ctx) { return func_hit(ctx); }\n";
    } else {
      plan.hooks.emplace_back(HookType::Kprobe, f, EBPFMON_NAME(FUNC_KPROBE_FN));
    }
  }
  plan.defines.emplace_back(s.backend == HookType::Fentry ? "FUNC_FENTRY" : "FUNC_KPROBE", 1);
  plan.source = source_;
  return plan;
}

Result<Metrics> FuncMonitor::metrics() const {
  auto counts = read_counts();
  if (!counts) return counts.error();
  MetricFamily calls{"ebpfmon_func_calls_total",
                     "Calls of traced kernel functions",
                     MetricFamily::Type::Counter,
                     {},
                     {}};
  for (const Count& c : *counts)
    calls.samples.push_back({{{"function", c.function}}, static_cast<double>(c.calls)});
  return Metrics{std::move(calls)};
}

bool FuncMonitor::decode(const void* data, size_t size, Event& event) {
  if (size < sizeof(func_event)) return false;
  func_event e;
  std::memcpy(&e, data, sizeof e);
  const Timestamp ts = clock().to_wall(e.ts_ns);
  std::string function = functions_ ? functions_->name_at(e.ip) : "";
  if (function.empty()) {
    std::ostringstream hex;
    hex << "0x" << std::hex << e.ip;
    function = hex.str();
  }
  event.values.resize(schema().fields.size());
  event.values[kTimestamp] = ts;
  event.values[kTimeStr] = format_time_str(ts);
  event.values[kPid] = uint64_t{e.pid};
  event.values[kPpid] = uint64_t{e.ppid};
  event.values[kUid] = uint64_t{e.uid};
  event.values[kComm] = std::string(e.comm, strnlen(e.comm, sizeof e.comm));
  event.values[kFuncName] = std::move(function);
  return true;
}

Result<std::vector<FuncMonitor::Count>> FuncMonitor::read_counts() const {
  std::vector<Count> counts;
  if (program() == nullptr) return counts;
  auto per_ip = program()->percpu_map<uint64_t, uint64_t>(kFuncCountsMap);
  if (!per_ip) return per_ip.error();
  auto ips = per_ip->keys();
  if (!ips) return ips.error();
  std::map<std::string, uint64_t> by_name;
  for (uint64_t ip : *ips) {
    auto calls = per_ip->sum(ip);
    if (!calls) return calls.error();
    by_name[functions_->name_at(ip)] += *calls;
  }
  for (auto& [name, calls] : by_name) counts.push_back({name, calls});
  return counts;
}

EBPFMON_REGISTER_MONITOR(FuncMonitor, "func")

}  // namespace ebpfmon
