// syscallmon: system calls by category, with latency, errors and slow calls;
// an event stream and, with --summary, syscount-style tables.
#include <iostream>

#include "app/options.h"
#include "app/runner.h"
#include "app/syscall_summary.h"
#include "core/text.h"
#include "monitors/syscall.h"
#include "monitors/syscall_table.h"

namespace po = boost::program_options;
using namespace ebpfmon;

namespace {

Result<void> apply_categories(const std::string& text, SyscallSettings& s) {
  auto names = parse_word_list(text, "--category", "category");
  if (!names) return names.error();
  for (auto& [name, on] : s.monitor_categories) on = false;
  for (const std::string& name : *names) {
    if (!category_from_name(name)) {
      std::vector<std::string> known;
      for (auto& [k, on] : s.monitor_categories) known.push_back(k);
      std::string message = "--category: unknown category " + quote_for_message(name) + " (one of";
      for (auto& k : known) message += " " + k;
      return Error::usage(message + ")");
    }
    s.monitor_categories[name] = true;
  }
  return {};
}

// CAT=MS; "default" sets the seed's default_us.
Result<void> apply_threshold(const std::string& text, SyscallSettings& s) {
  const size_t eq = text.find('=');
  const std::string category = text.substr(0, eq);
  const std::string key = category == "default" ? "default_us" : category + "_ms";
  if (eq == std::string::npos || s.performance_thresholds.count(key) == 0)
    return Error::usage(
        "--threshold: expected CATEGORY=MS with CATEGORY one of file_io, network, "
        "memory, process, default; got " +
        quote_for_message(text));
  const std::string value = text.substr(eq + 1);
  char* end = nullptr;
  const double ms = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !(ms > 0) || ms > 3600000)
    return Error::usage("--threshold: " + quote_for_message(value) +
                        " is not a number of milliseconds greater than 0");
  s.performance_thresholds[key] = key == "default_us" ? ms * 1000 : ms;
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  ToolInfo tool{"syscallmon", "syscallmon [OPTIONS]",
                "Trace system calls by category with their latency and errors. Every call of a "
                "traced syscall is counted in the kernel; errors, slow calls and high-priority "
                "syscalls are written as events (sampling_strategy: intelligent).",
                "  sudo syscallmon                        # live table, output/syscall_*.csv\n"
                "  sudo syscallmon --errors-only -p nginx # failing calls of nginx\n"
                "  sudo syscallmon --summary 5            # syscount -L style table every 5 s\n"
                "  sudo syscallmon --summary --by category --histogram -d 10\n"
                "  sudo syscallmon --category network --threshold network=20\n"
                "  sudo syscallmon --syscall openat,read --sampling all --max-rate 0\n"};
  SummaryOptions summary;
  ToolOptions extra;
  // clang-format off
  extra.options.add_options()
      ("category", po::value<std::string>()->value_name("LIST"),
       "trace only these categories: file_io, network, memory, process, signal, time, other")
      ("syscall", po::value<std::string>()->value_name("LIST"),
       "trace exactly these syscalls (names or numbers), whatever their category")
      ("errors-only", "write only failed calls")
      ("slow-only", "write only slow calls (with --errors-only: either)")
      ("threshold", po::value<std::vector<std::string>>()->value_name("CAT=MS"),
       "a call slower than MS is slow (CAT: file_io, network, memory, process, default); "
       "repeatable")
      ("sampling", po::value<std::string>()->value_name("MODE"),
       "intelligent (errors, slow and high-priority calls), all, or sample (intelligent plus "
       "1 in --sample-rate of the rest)")
      ("sample-rate", po::value<std::string>()->value_name("N"), "1-in-N for --sampling sample")
      ("max-rate", po::value<std::string>()->value_name("N"),
       "at most N events per second, enforced in the kernel; the rest are counted as lost "
       "(0 = unlimited, default 1000)")
      ("summary", po::value<std::string>()->implicit_value("")->value_name("SECS"),
       "print a summary table every SECS seconds (none: at exit only) instead of the live "
       "event table; events are still written")
      ("by", po::value<std::string>()->value_name("WHAT"),
       "summary per syscall (default), category or process")
      ("histogram", "summary with a log2 latency histogram per row")
      ("top", po::value<std::string>()->value_name("N"), "summary rows shown (default 20, 0 = all)")
      ("list", "print every syscall this build knows, with its number and category, and exit");
  // clang-format on

  bool summary_on = false;
  bool list = false;
  extra.apply = [&](const po::variables_map& vm, Config& config) -> Result<void> {
    SyscallSettings& s = config.syscall;
    list = vm.count("list") > 0;
    auto text = [&](const char* name) { return vm[name].as<std::string>(); };
    if (vm.count("category"))
      if (auto r = apply_categories(text("category"), s); !r) return r;
    if (vm.count("syscall")) {
      auto names = parse_word_list(text("syscall"), "--syscall", "syscall");
      if (!names) return names.error();
      if (auto r = resolve_syscalls(*names, "--syscall"); !r) return r.error();
      s.syscalls = *names;
    }
    if (vm.count("errors-only")) s.show_errors_only = true;
    if (vm.count("slow-only")) s.show_slow_only = true;
    if (vm.count("threshold"))
      for (const auto& t : vm["threshold"].as<std::vector<std::string>>())
        if (auto r = apply_threshold(t, s); !r) return r;
    if (auto r = read_option(vm, "sampling", {"intelligent", "all", "sample"}, s.sampling_strategy);
        !r)
      return r;
    if (auto r = read_option(vm, "sample-rate", 1, 1000000000, s.sample_rate); !r) return r;
    if (auto r = read_option(vm, "max-rate", 0, 100000000, s.max_events_per_second); !r) return r;
    summary_on = vm.count("summary") > 0;
    if (!summary_on) {
      for (const char* needs : {"by", "histogram", "top"})
        if (vm.count(needs)) return Error::usage(std::string("--") + needs + " needs --summary");
      return {};
    }
    summary.interval = 0;
    if (!text("summary").empty()) {
      auto secs = parse_seconds(text("summary"), "--summary");
      if (!secs) return secs.error();
      summary.interval = *secs;
    }
    std::string by = "syscall";
    if (auto r = read_option(vm, "by", {"syscall", "category", "process"}, by); !r) return r;
    summary.by = by == "process"    ? SummaryGrouping::Process
                 : by == "category" ? SummaryGrouping::Category
                                    : SummaryGrouping::Syscall;
    s.count_by_process = summary.by == SummaryGrouping::Process;
    summary.histogram = vm.count("histogram") > 0;
    uint32_t top = 20;
    if (auto r = read_option(vm, "top", 0, 1000000, top); !r) return r;
    summary.top = top;
    config.output.quiet = true;  // the tables replace the live event table
    return {};
  };
  CommandLine cmd = parse_command_line(argc, argv, tool, &extra);
  if (cmd.exit_code) return *cmd.exit_code;
  if (list) {
    for (size_t k = 0; k < kSyscallNameCount; ++k)
      std::cout << kSyscallNames[k].nr << " " << kSyscallNames[k].name << " "
                << category_name(category_of_syscall(kSyscallNames[k].name)) << "\n";
    return 0;
  }

  auto monitor = std::make_unique<SyscallMonitor>();
  RunOptions options;
  std::unique_ptr<SyscallSummary> printer;
  if (summary_on) {
    printer = std::make_unique<SyscallSummary>(*monitor, summary, std::cout);
    options = report_every(*printer, summary.interval);
  }
  std::vector<std::unique_ptr<Monitor>> monitors;
  monitors.push_back(std::move(monitor));
  return run_monitors(cmd.config, std::move(monitors), options);
}
