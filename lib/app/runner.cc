#include "app/runner.h"

#include <malloc.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "app/control_socket.h"
#include "app/event_loop.h"
#include "app/metrics_server.h"
#include "app/monitor_output.h"
#include "app/run_report.h"
#include "bpf/capabilities.h"
#include "bpf/kernel_headers.h"
#include "bpf/system.h"
#include "core/filters.h"
#include "core/log.h"
#include "monitors/registry.h"
#include "sinks/open_sinks.h"

namespace ebpfmon {
namespace {

// The columns of the terminal stdout is, or 0 when it is none (a pipe, a
// file: then lines are never cut). $COLUMNS wins, as for ps and ls.
size_t terminal_width() {
  if (!isatty(STDOUT_FILENO)) return 0;
  if (const char* columns = std::getenv("COLUMNS")) {
    const long n = std::strtol(columns, nullptr, 10);
    if (n > 0) return static_cast<size_t>(n);
  }
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// One live table for every monitor shown: one monitor, or several whose
// rows share one heading (execmon --exits: exec and exit rows), none of
// which makes a report of its own instead.
bool one_live_table(const std::vector<MonitorOutput>& outputs) {
  if (outputs.empty()) return false;
  const auto headings = [](const MonitorOutput& out) {
    std::vector<std::string> h;
    for (const ConsoleColumn& c : out.monitor->console_columns()) h.push_back(c.heading);
    return h;
  };
  const std::vector<std::string> first = headings(outputs[0]);
  return std::all_of(outputs.begin(), outputs.end(), [&](const MonitorOutput& out) {
    return !out.report && headings(out) == first;
  });
}

// One run, phase by phase. Every phase returns an error that ends the run
// before tracing; after the Tracing line only finish() decides the exit code.
class Run {
 public:
  Run(const Config& config, std::vector<std::unique_ptr<Monitor>> monitors,
      const RunOptions& options)
      : config_(config), options_(options), monitors_(std::move(monitors)) {}

  int execute();

 private:
  Result<void> check_machine();
  Result<void> start_metrics();
  Result<void> start_monitors();
  Result<void> open_outputs();
  Result<void> watch_monitors();
  Result<void> schedule_timers();
  Result<void> serve_control_socket();
  void reopen_files();
  void flush_all();
  void run_report(MonitorOutput& out, Result<Report> (PeriodicReport::*take)());
  std::string tracing_line() const;
  int finish(EventLoop::StopReason reason);

  const Config& config_;
  const RunOptions& options_;
  std::vector<std::unique_ptr<Monitor>> monitors_;  // until started
  std::unique_ptr<EventLoop> loop_;
  Capabilities caps_;
  std::unique_ptr<ProgramLoader> programs_;
  std::vector<MonitorOutput> outputs_;
  RunInfo info_{std::chrono::steady_clock::now(), std::chrono::system_clock::now(), config_.source};
  std::unique_ptr<MetricsServer> metrics_;
  std::unique_ptr<ControlSocket> control_;
  bool write_failed_ = false;
  bool report_failed_ = false;
  bool live_table_ = false;  // the monitors' events shown as they come, in one table
};

int fail(const Error& error) {
  log_error(error.to_string());
  return error.exit_code();
}

int Run::execute() {
  signal(SIGPIPE, SIG_IGN);  // a closed stdout pipe is an error to report, not a death
  for (auto phase :
       {&Run::check_machine, &Run::start_metrics, &Run::start_monitors, &Run::open_outputs,
        &Run::watch_monitors, &Run::schedule_timers, &Run::serve_control_socket})
    if (auto r = (this->*phase)(); !r) return fail(r.error());
  log_report(tracing_line());
  for (auto& out : outputs_)
    if (out.report) out.report->start();
  if (options_.at_start) options_.at_start();
  return finish(loop_->run());
}

Result<void> Run::check_machine() {
  for (auto& monitor : monitors_)
    if (auto r = monitor->check_settings(); !r) return r;
  // One stream of one schema: a reader of several monitors' events on one
  // stdout could not tell them apart (nor CSV headers from rows).
  if (config_.output.to_stdout() && monitors_.size() > 1)
    return Error::usage("-o - writes one monitor's events to stdout; " +
                            std::to_string(monitors_.size()) + " monitors need a directory",
                        "give -o DIR, or run one monitor");
  if (auto r = check_bpf_privileges(program_name()); !r) return r;
  for (const std::string& absent : absent_filter_targets(config_.filters))
    log_warning(absent + "; tracing anyway (it may start later)");
  if (auto r = ensure_trace_filesystems(); !r) return r;
  auto headers = locate_kernel_headers(kernel_cache_dir());
  if (!headers) return headers.error();
  log_debug("kernel struct layouts from " + headers->describe());
  programs_ = std::make_unique<ProgramLoader>(ProgramCache::standard(!config_.program_cache),
                                              headers->fingerprint);
  // Signals are blocked from here on; one that arrives while we compile ends
  // the run as soon as it starts.
  auto loop = EventLoop::create();
  if (!loop) return loop.error();
  loop_ = std::move(*loop);
  return {};
}

// Bound before anything compiles, so a busy port fails fast. Scrapes arrive
// on the server's thread; the page is rendered on the loop's, which alone
// touches monitors and sinks (so none is answered before the Tracing line).
Result<void> Run::start_metrics() {
  if (!config_.metrics.enabled) return {};
  auto server = MetricsServer::start(config_.metrics.listen, [this](MetricsServer::Reply reply) {
    loop_->post([this, reply = std::move(reply)] { reply(metrics_page(outputs_, info_)); });
  });
  if (!server) return server.error();
  metrics_ = std::move(*server);
  log_report("metrics: http://" + metrics_->address() + "/metrics");
  return {};
}

Result<void> Run::start_monitors() {
  if (monitors_.size() > 1) {
    // Those whose program is not cached compile at once, in helpers; a
    // monitor that cannot plan says why when it starts.
    std::vector<ProgramSpec> specs;
    for (const auto& monitor : monitors_)
      if (auto spec = monitor->program_spec(config_, caps_)) specs.push_back(std::move(*spec));
    programs_->prepare(specs);
  }
  outputs_.reserve(monitors_.size());
  for (auto& monitor : monitors_) {
    outputs_.push_back(MonitorOutput{std::move(monitor), {}, nullptr, std::nullopt});
    MonitorOutput* out = &outputs_.back();
    if (auto r = out->monitor->start(config_, caps_, *programs_,
                                     [out](const Event& e) { out->write(e); });
        !r) {
      if (!options_.skip_unavailable || r.error().exit_code() != 1) return r;
      // One short line; the reasons (often several, a sentence each) are
      // the doctor's to give, and the debug log's.
      const std::string& why = r.error().message;
      log_warning(out->monitor->name() + ": left out: " + why.substr(0, why.find(':')) +
                  " here (ebpfmon --doctor says why)");
      log_debug(out->monitor->name() + ": " + why);
      outputs_.pop_back();
    }
  }
  monitors_.clear();
  programs_.reset();
  // Planning parsed the kernel's BTF (megabytes, freed), but malloc keeps
  // the pages; give them back, so a long run's resident memory is what
  // tracing needs.
  malloc_trim(0);
  if (outputs_.empty())
    return Error::runtime("none of the requested monitors can run on this machine");
  return {};
}

// A single monitor shows its events live unless -q, or unless it makes a
// report of its own instead (syscall --summary, func --count), whose tables
// the console shows.
Result<void> Run::open_outputs() {
  for (auto& out : outputs_) out.report = out.monitor->report();
  std::shared_ptr<NatsExporter> exporter;  // shared by the monitors' sinks
  if (!config_.export_nats.servers.empty()) {
    auto started = NatsExporter::start(config_.export_nats);
    if (!started) return started.error();
    exporter = std::move(*started);
  }
  // With -o - stdout carries the events: no live table, and a report's
  // tables go to stderr.
  const bool to_stdout = config_.output.to_stdout();
  std::shared_ptr<OutputRetention> retention;  // shared by the monitors' files
  const RetentionLimits limits{uint64_t{config_.output.max_total_mb} << 20,
                               config_.output.max_age_days};
  if (!to_stdout && config_.output.files && limits.any())
    retention =
        std::make_shared<OutputRetention>(config_.output.directory, registered_monitors(), limits);
  live_table_ = one_live_table(outputs_) && !config_.output.quiet && !to_stdout;
  std::ostream* report_console = to_stdout ? &std::cerr : &std::cout;
  for (auto& out : outputs_) {
    SinkRequest request;
    request.monitor = out.monitor->name();
    request.schema = &out.monitor->schema();
    request.console_columns = out.monitor->console_columns();
    request.file = out.monitor->writes_events();
    request.console = live_table_ ? &std::cout : nullptr;
    request.console_width = terminal_width();
    request.console_heading = &out == &outputs_.front();
    request.exporter = exporter;
    request.retention = retention;
    request.reports = out.report != nullptr;
    request.report_console = out.report ? report_console : nullptr;
    auto sinks = open_sinks(config_.output, request);
    if (!sinks) return sinks.error();
    out.sinks = std::move(*sinks);
  }
  return {};
}

Result<void> Run::watch_monitors() {
  for (auto& out : outputs_) {
    MonitorOutput* o = &out;
    const auto read = [this, o] {
      if (auto n = o->monitor->consume(); !n) {
        log_error(n.error().message);
        loop_->fail();
      }
      if (o->monitor->finished()) loop_->request_stop();
      // The live table and a stream to stdout show each batch as it comes,
      // on a terminal or into a pipe (`execmon | grep x`).
      for (auto& sink : o->sinks)
        if (!sink->keeps_events() || sink->streams()) (void)sink->flush();
    };
    for (int fd : out.monitor->poll_fds())
      if (auto watched = loop_->watch(fd, read); !watched) return watched.error();
    // What the kernel wrote without waking us (ebpf/common.bpf.h).
    if (auto r = loop_->every(kTailRead, read); !r) return r;
  }
  return {};
}

Result<void> Run::schedule_timers() {
  const auto flush_ms =
      std::chrono::milliseconds(static_cast<int64_t>(config_.output.flush_interval * 1000));
  if (auto r = loop_->every(flush_ms, [this] { flush_all(); }); !r) return r;
  for (auto& out : outputs_) {
    if (out.report == nullptr || out.report->interval() <= 0) continue;
    const auto period =
        std::chrono::milliseconds(static_cast<int64_t>(out.report->interval() * 1000));
    MonitorOutput* o = &out;
    auto r = loop_->every(period, [this, o] { run_report(*o, &PeriodicReport::take_interval); });
    if (!r) return r;
  }
  // Several monitors write files only; on a terminal, show that they are alive.
  if (outputs_.size() > 1 && !live_table_ && isatty(STDERR_FILENO)) {
    auto r = loop_->every(std::chrono::seconds(5),
                          [this] { std::cerr << status_line(outputs_) << std::endl; });
    if (!r) return r;
  }
  loop_->stop_after(std::chrono::milliseconds(static_cast<int64_t>(config_.duration * 1000)));
  if (options_.hangup_reopens) loop_->on_hangup([this] { reopen_files(); });
  return {};
}

Result<void> Run::serve_control_socket() {
  if (options_.control_socket.empty()) return {};
  auto socket = ControlSocket::listen(options_.control_socket);
  if (!socket) return socket.error();
  control_ = std::move(*socket);
  return loop_->watch(control_->fd(), [this] {
    control_->serve_one([this](const std::string& command) -> std::string {
      if (command == "status") return status_json(outputs_, info_);
      if (command == "stop") {
        log_info("stopping on request from the control socket");
        loop_->request_stop();
        return "stopping\n";
      }
      return "unknown command\n";
    });
  });
}

void Run::reopen_files() {
  reopen_log_file();
  log_info("SIGHUP: reopened the log and event files");
  for (auto& out : outputs_)
    for (auto& sink : out.sinks)
      if (auto r = sink->reopen(); !r) {
        log_error(r.error().to_string());
        write_failed_ = true;
        loop_->fail();
      }
}

void Run::flush_all() {
  for (auto& out : outputs_)
    for (auto& sink : out.sinks)
      if (auto r = sink->flush(); !r && sink->keeps_events() && !write_failed_) {
        write_failed_ = true;
        log_error(r.error().to_string());
      }
  if (write_failed_) loop_->fail();
}

// Takes the monitor's report and hands it to every sink; the latest stays
// for the status.
void Run::run_report(MonitorOutput& out, Result<Report> (PeriodicReport::*take)()) {
  auto report = ((*out.report).*take)();
  if (!report) {
    log_error(report.error().to_string());
    report_failed_ = true;
    loop_->fail();
    return;
  }
  for (auto& sink : out.sinks)
    if (auto r = sink->write_report(*report); !r) {
      log_error(r.error().to_string());
      report_failed_ = true;
      loop_->fail();
    }
  out.latest_report = std::move(*report);
}

std::string Run::tracing_line() const {
  std::ostringstream line;
  line << "Tracing ";
  if (outputs_.size() == 1) {
    line << outputs_[0].monitor->what() << " (" << outputs_[0].monitor->name() << ")";
  } else {
    for (size_t i = 0; i < outputs_.size(); ++i)
      line << (i ? ", " : "") << outputs_[i].monitor->name();
  }
  line << "... " << options_.how_to_end;
  return line.str();
}

int Run::finish(EventLoop::StopReason reason) {
  metrics_.reset();  // nothing renders a page once the loop has stopped
  bool ok = reason != EventLoop::StopReason::Error;
  for (auto& out : outputs_) out.monitor->stop();
  for (auto& out : outputs_) {
    if (auto r = out.monitor->drain(); !r) {
      log_error(r.error().message);
      ok = false;
    }
  }
  flush_all();
  for (auto& out : outputs_)
    for (auto& sink : out.sinks) sink->finish();  // the export's last acks, before the counts
  for (auto& out : outputs_)
    if (out.report) run_report(out, &PeriodicReport::take_whole_run);
  std::cout.flush();
  print_summary(outputs_);
  return ok && !write_failed_ && !report_failed_ ? 0 : 1;
}

}  // namespace

int run_monitors(const Config& config, std::vector<std::unique_ptr<Monitor>> monitors,
                 const RunOptions& options) {
  return Run(config, std::move(monitors), options).execute();
}

}  // namespace ebpfmon
