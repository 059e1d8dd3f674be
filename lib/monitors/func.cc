#include "monitors/func.h"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>

#include "bpf/system.h"
#include "bpf_sources.h"
#include "core/filters.h"
#include "core/log.h"
#include "ebpf/func.h"
#include "monitors/func_counts.h"
#include "monitors/process_context.h"
#include "monitors/registry.h"

namespace ebpfmon {
namespace {

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
         (settings_.count_only ? ", counting" : "");
}

namespace {

// Globs over kernel function names (check_function_glob): a non-empty YAML
// sequence, or funcmon's PATTERN arguments.
Result<void> read_patterns(const RawValue& value, FuncSettings& s) {
  if (value.kind != RawValue::Kind::Sequence || value.items.empty())
    return value_error(value, "expected a non-empty sequence of function name globs");
  std::vector<std::string> patterns;
  for (const RawValue& item : value.items) {
    if (item.kind != RawValue::Kind::Scalar)
      return value_error(item, "expected a function name glob");
    if (auto r = check_function_glob(item.text, item.where); !r) return r;
    if (std::find(patterns.begin(), patterns.end(), item.text) == patterns.end())
      patterns.push_back(item.text);
  }
  s.patterns = std::move(patterns);
  return {};
}

}  // namespace

SettingsSection FuncMonitor::settings_table() {
  using S = FuncSettings;
  Setting patterns;
  patterns.key = "patterns";
  patterns.help = "shell globs over kernel function names (funcmon: its PATTERN arguments)";
  patterns.accepts = "globs of letters, digits and _.*?[]!-";
  return SettingsTable<S>(kName)
      .custom(patterns, read_patterns, [](const S& s) { return show_list_text(s.patterns); })
      .integer("probe_limit", "limit", &S::probe_limit, 1, 10000,
               "trace at most N functions, the first by name")
      .integer("max_events_per_second", "max-rate", &S::max_events_per_second, 0, 100000000,
               "at most N events per second, enforced in the kernel (0 = unlimited)")
      .choice("backend", "backend", &S::backend, {"auto", "fentry", "kprobe"},
              "fentry (BPF trampolines) or kprobes; auto: fentry, else kprobes", "B")
      .boolean("", "count", &S::count_only,
               "count calls per function in the kernel instead of writing events")
      .seconds("", "interval", &S::interval,
               "with --count: print the counts every SECS seconds (without it: at exit only)")
      .needs("count")
      .with(add_buffer_kb<S>)
      .build();
}

std::unique_ptr<PeriodicReport> FuncMonitor::report() const {
  if (!settings_.count_only) return nullptr;
  return std::make_unique<FuncCountReport>(*this, settings_.interval);
}

namespace {

// func's columns, in order: each declared once, with the handle decode()
// sets it through.
struct FuncFields {
  Schema schema;
  FieldOf<Timestamp> timestamp = schema.add<Timestamp>(
      "timestamp", "when the function was called: Unix time, seconds with 6 decimals");
  FieldOf<std::string> time_str = schema.add<std::string>(
      "time_str", "when the function was called: local time, `[YYYY-mm-dd HH:MM:SS.mmm]`");
  FieldOf<uint64_t> pid = schema.add<uint64_t>("pid", "the calling process's id");
  FieldOf<uint64_t> ppid = schema.add<uint64_t>("ppid", "its real parent's process id");
  FieldOf<uint64_t> uid = schema.add<uint64_t>("uid", "its real user id");
  FieldOf<std::string> comm = schema.add<std::string>("comm", "the calling thread's name");
  FieldOf<std::string> func_name = schema.add<std::string>(
      "func_name", "the kernel function (its address in hex if kallsyms does not name it)");
  CgroupFields cgroup = add_cgroup_fields(schema, CgroupColumns::IdAndContainer);
};

const FuncFields& fields() {
  static const FuncFields f;
  return f;
}

}  // namespace

const Schema& FuncMonitor::schema() const {
  return fields().schema;
}

std::vector<ConsoleColumn> FuncMonitor::console_columns() const {
  const FuncFields& f = fields();
  return {{"TIME", f.timestamp, 12}, {"COMM", f.comm, 16}, {"PID", f.pid, 8},
          {"PPID", f.ppid, 8},       {"UID", f.uid, 6},    {"FUNC", f.func_name, 0}};
}

std::string FuncMonitor::missing_func_ip(const KernelBtf& btf) {
  if (!btf.available() || btf.has_enumerator("bpf_func_id", "BPF_FUNC_get_func_ip")) return "";
  return "this kernel lacks bpf_get_func_ip, by which an fentry program names its function "
         "(Linux 5.15 or later has it)";
}

Result<FuncMonitor::Selection> FuncMonitor::select(const FuncSettings& settings,
                                                   const KernelFunctions& functions,
                                                   Capabilities& caps) {
  Selection s;
  const bool want_fentry = settings.backend == "fentry" || settings.backend == "auto";
  const bool want_kprobe = settings.backend == "kprobe" || settings.backend == "auto";
  const std::string no_func_ip = missing_func_ip(KernelBtf());
  std::vector<std::string> reasons;
  if (want_fentry && no_func_ip.empty() && caps.has(Feature::Fentry)) {
    s.backend = HookType::Fentry;
  } else if (want_kprobe && caps.has(Feature::Kprobe)) {
    s.backend = HookType::Kprobe;
  } else {
    if (want_kprobe) reasons.push_back("kprobes: " + caps.status(Feature::Kprobe).detail);
    if (want_fentry)
      reasons.push_back("fentry: " +
                        (no_func_ip.empty() ? caps.status(Feature::Fentry).detail : no_func_ip));
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

Result<BpfMonitor::Plan> FuncMonitor::plan(Capabilities& caps) const {
  const FuncSettings& settings = settings_;
  auto loaded = KernelFunctions::load();
  if (!loaded) return loaded.error();
  auto functions = std::make_shared<const KernelFunctions>(std::move(*loaded));
  auto selection = select(settings, *functions, caps);
  if (!selection) return selection.error();
  if (!selection->backend)
    return Error::runtime("cannot trace kernel functions: " + selection->why_no_backend);
  const Selection& s = *selection;
  Plan plan;
  if (s.matched.size() > s.traced.size()) {
    std::string kept;
    for (const auto& f : s.traced) kept += (kept.empty() ? "" : " ") + f;
    plan.warnings.push_back("func: " + std::to_string(s.matched.size()) + " functions match " +
                            join_patterns(settings.patterns) + "; tracing the first " +
                            std::to_string(s.traced.size()) +
                            " (raise --limit / probe_limit for more): " + kept);
  }
  plan.max_events_per_second = settings.max_events_per_second;
  plan.ring_buffer_bytes = size_t{settings.buffer_kb} << 10;
  if (settings.count_only) plan.defines.emplace_back("FUNC_COUNT_ONLY", 1);
  // One address per function (see func.bpf.c); room for twice that.
  plan.defines.emplace_back("FUNC_COUNT_SLOTS", static_cast<int64_t>(2 * s.traced.size() + 16));
  plan.source = bpf_sources::func_bpf;
  for (const std::string& f : s.traced) {
    if (!is_identifier(f)) return Error::runtime("func: unexpected kernel symbol name " + f);
    if (s.backend == HookType::Fentry) {
      const HookSpec& hook = plan.hooks.emplace_back(HookType::Fentry, f);
      plan.source +=
          "int " + hook.function + "(unsigned long long *ctx) { return func_hit(ctx); }\n";
    } else {
      plan.hooks.emplace_back(HookType::Kprobe, f, EBPFMON_NAME(FUNC_KPROBE_FN));
    }
  }
  plan.defines.emplace_back(s.backend == HookType::Fentry ? "FUNC_FENTRY" : "FUNC_KPROBE", 1);
  plan.state = std::move(functions);
  return plan;
}

void FuncMonitor::adopt(Plan& plan) {
  functions_ = std::any_cast<std::shared_ptr<const KernelFunctions>>(plan.state);
  traced_ = plan.hooks.size();
}

int FuncMonitor::list(const Config& config, std::ostream& out) {
  const FuncSettings& settings = config.settings<FuncSettings>(kName);
  if (auto r = check_bpf_privileges("funcmon"); !r) {
    log_error(r.error().to_string());
    return r.error().exit_code();
  }
  if (auto r = ensure_trace_filesystems(); !r) {
    log_error(r.error().to_string());
    return r.error().exit_code();
  }
  auto functions = KernelFunctions::load();
  if (!functions) {
    log_error(functions.error().to_string());
    return functions.error().exit_code();
  }
  Capabilities caps;
  auto s = select(settings, *functions, caps);
  if (!s) {
    log_error(s.error().to_string());
    return s.error().exit_code();
  }
  const std::string backend = s->backend ? hook_type_name(*s->backend) : "none";
  for (const auto& f : s->traced) out << f << "\t" << backend << "\n";
  std::string line = "funcmon: " + std::to_string(s->matched.size()) + " functions match, " +
                     std::to_string(s->traced.size()) + " would be traced (limit " +
                     std::to_string(settings.probe_limit) + ")";
  if (!s->backend) line += "; none can be: " + s->why_no_backend;
  std::cerr << line << "\n";
  return 0;
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
  const FuncFields& f = fields();
  event.values.resize(f.schema.fields.size());
  event.set(f.timestamp, ts);
  event.set(f.time_str, format_time_str(ts));
  event.set(f.pid, e.pid);
  event.set(f.ppid, e.ppid);
  event.set(f.uid, e.uid);
  event.set(f.comm, std::string(e.comm, strnlen(e.comm, sizeof e.comm)));
  event.set(f.func_name, std::move(function));
  fill_cgroup_values(event, f.cgroup, e.cgroup_id);
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

EBPFMON_REGISTER_MONITOR(FuncMonitor, FuncSettings, ByDefault::On,
                         (MonitorListing{
                             "print the functions that would be traced and the backend, and exit",
                             FuncMonitor::list}))

}  // namespace ebpfmon
