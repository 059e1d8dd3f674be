// funcmon: calls of kernel functions matching globs, as events or counts.
#include <iostream>

#include "app/func_counts.h"
#include "app/options.h"
#include "app/runner.h"
#include "bpf/system.h"
#include "core/log.h"
#include "core/text.h"
#include "monitors/func.h"

namespace po = boost::program_options;
using namespace ebpfmon;

namespace {

// --list: what would be traced, and how, without attaching anything.
int list_functions(const Config& config) {
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
  auto s = FuncMonitor::select(config.func, *functions, caps);
  if (!s) {
    log_error(s.error().to_string());
    return s.error().exit_code();
  }
  const std::string backend = s->backend ? hook_type_name(*s->backend) : "none";
  for (const auto& f : s->traced) std::cout << f << "\t" << backend << "\n";
  std::cerr << "funcmon: " << s->matched.size() << " functions match, " << s->traced.size()
            << " would be traced (limit " << config.func.probe_limit << ")";
  if (!s->backend) std::cerr << "; none can be: " << s->why_no_backend;
  std::cerr << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ToolInfo tool{
      "funcmon", "funcmon [OPTIONS] PATTERN...",
      "Trace calls of kernel functions matching shell globs (default: the config's "
      "monitors.func.patterns), through fentry (BPF trampolines) or kprobes.",
      "  sudo funcmon 'vfs_*' --limit 10        # live table, output/func_*.csv\n"
      "  sudo funcmon 'vfs_*' 'do_sys_open*'    # several patterns\n"
      "  sudo funcmon --count 'tcp_*' --interval 5  # calls per function, funccount style\n"
      "  sudo funcmon --list 'vfs_*'            # what would be traced, and how\n"
      "  sudo funcmon --backend kprobe -p nginx 'vfs_read'\n"};
  ToolOptions extra;
  extra.positional = "pattern";
  // clang-format off
  extra.options.add_options()
      ("limit", po::value<std::string>()->value_name("N"),
       "trace at most N functions, the first by name (1..10000, default 10)")
      ("backend", po::value<std::string>()->value_name("B"),
       "auto (fentry, else kprobe; default), fentry or kprobe")
      ("count", "count calls per function in the kernel instead of writing events")
      ("interval", po::value<std::string>()->value_name("SECS"),
       "with --count: print the counts every SECS seconds (default: at exit only)")
      ("max-rate", po::value<std::string>()->value_name("N"),
       "at most N events per second, enforced in the kernel (0 = unlimited, the default)")
      ("list", "print the functions that would be traced and the backend, and exit");
  // clang-format on
  double interval = 0;
  bool list = false;
  extra.apply = [&](const po::variables_map& vm, Config& config) -> Result<void> {
    FuncSettings& f = config.func;
    auto text = [&](const char* name) { return vm[name].as<std::string>(); };
    if (vm.count("pattern")) {
      std::vector<std::string> patterns;
      for (const auto& p : vm["pattern"].as<std::vector<std::string>>()) {
        if (auto r = check_function_glob(p, "PATTERN"); !r) return r;
        patterns.push_back(p);
      }
      f.patterns = patterns;
    }
    if (auto r = read_option(vm, "limit", 1, 10000, f.probe_limit); !r) return r;
    if (auto r = read_option(vm, "backend", {"auto", "fentry", "kprobe"}, f.backend); !r) return r;
    if (auto r = read_option(vm, "max-rate", 0, 100000000, f.max_events_per_second); !r) return r;
    f.count_only = vm.count("count") > 0;
    if (vm.count("interval")) {
      if (!f.count_only) return Error::usage("--interval needs --count");
      auto secs = parse_seconds(text("interval"), "--interval");
      if (!secs) return secs.error();
      interval = *secs;
    }
    if (f.count_only) config.output.quiet = true;  // the table replaces the live events
    list = vm.count("list") > 0;
    return {};
  };
  CommandLine cmd = parse_command_line(argc, argv, tool, &extra);
  if (cmd.exit_code) return *cmd.exit_code;
  if (list) return list_functions(cmd.config);

  auto monitor = std::make_unique<FuncMonitor>();
  RunOptions options;
  std::unique_ptr<FuncCountReport> report;
  if (cmd.config.func.count_only) {
    report = std::make_unique<FuncCountReport>(*monitor, std::cout);
    options = report_every(*report, interval);
  }
  std::vector<std::unique_ptr<Monitor>> monitors;
  monitors.push_back(std::move(monitor));
  return run_monitors(cmd.config, std::move(monitors), options);
}
