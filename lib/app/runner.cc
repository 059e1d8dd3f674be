#include "app/runner.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "app/control_socket.h"
#include "app/event_loop.h"
#include "app/metrics_server.h"
#include "app/monitor_output.h"
#include "app/report_clock.h"
#include "app/run_report.h"
#include "bpf/capabilities.h"
#include "bpf/kernel_headers.h"
#include "bpf/system.h"
#include "core/log.h"

namespace ebpfmon {
namespace {

int fail(const Error& error) {
  log_error(error.to_string());
  return error.exit_code();
}

std::string tracing_line(const std::vector<MonitorOutput>& outputs) {
  std::ostringstream line;
  line << "Tracing ";
  if (outputs.size() == 1) {
    line << outputs[0].monitor->what() << " (" << outputs[0].monitor->name() << ")";
  } else {
    for (size_t i = 0; i < outputs.size(); ++i)
      line << (i ? ", " : "") << outputs[i].monitor->name();
  }
  line << "... Ctrl-C to end.";
  return line.str();
}

// Reads whatever the kernel still holds; false on a read error.
bool drain(MonitorOutput& out) {
  for (EventBuffer* buffer : out.monitor->buffers()) {
    for (;;) {
      auto n = buffer->consume();
      if (!n) {
        log_error(out.monitor->name() + ": " + n.error().message);
        return false;
      }
      if (*n == 0) break;
    }
  }
  return true;
}

}  // namespace

RunOptions report_every(PeriodicReport& report, double seconds) {
  RunOptions options;
  options.interval = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  options.at_start = [&report] { report.start(); };
  options.every_interval = [&report] { return report.print_interval(); };
  options.at_exit = [&report] { return report.print_totals(); };
  return options;
}

int run_monitors(const Config& config, std::vector<std::unique_ptr<Monitor>> monitors,
                 const RunOptions& options) {
  signal(SIGPIPE, SIG_IGN);  // a closed stdout pipe is an error to report, not a death
  for (auto& monitor : monitors)
    if (auto r = monitor->check_settings(config); !r) return fail(r.error());
  if (auto r = check_bpf_privileges(program_name()); !r) return fail(r.error());
  if (auto r = ensure_trace_filesystems(); !r) return fail(r.error());
  auto headers = locate_kernel_headers(kernel_cache_dir());
  if (!headers) return fail(headers.error());
  log_debug("kernel struct layouts from " + headers->describe());

  // Signals are blocked from here on; one that arrives while we compile ends
  // the run as soon as it starts.
  auto loop = EventLoop::create();
  if (!loop) return fail(loop.error());

  Capabilities caps;
  std::vector<MonitorOutput> outputs;
  outputs.reserve(monitors.size());
  const RunInfo run{std::chrono::steady_clock::now(), std::chrono::system_clock::now(),
                    config.source};
  // Bound before anything compiles, so a busy port fails fast. Scrapes
  // arrive on the server's thread; the page is rendered on the loop's,
  // which alone touches monitors and sinks (so none is answered before the
  // Tracing line).
  std::unique_ptr<MetricsServer> metrics;
  if (config.metrics.enabled) {
    auto server = MetricsServer::start(config.metrics.listen, [&](MetricsServer::Reply reply) {
      (*loop)->post([&, reply = std::move(reply)] { reply(metrics_page(outputs, run)); });
    });
    if (!server) return fail(server.error());
    metrics = std::move(*server);
    const std::string where = "metrics: http://" + metrics->address() + "/metrics";
    std::cerr << where << std::endl;
    log_to_file(LogLevel::Info, where);
  }
  for (auto& monitor : monitors) {
    outputs.push_back(MonitorOutput{std::move(monitor), nullptr, nullptr});
    MonitorOutput* out = &outputs.back();
    if (auto r = out->monitor->start(config, caps, [out](const Event& e) { out->write(e); }); !r) {
      if (!options.skip_unavailable || r.error().exit_code() != 1) return fail(r.error());
      log_warning(out->monitor->name() +
                  ": unavailable on this machine, left out: " + r.error().message);
      outputs.pop_back();
    }
  }
  // LLVM has freed what it compiled with, but malloc keeps the pages; give
  // them back, so a long run's resident memory is what tracing needs.
  malloc_trim(0);
  if (outputs.empty())
    return fail(Error::runtime("none of the requested monitors can run on this machine"));

  const bool console = outputs.size() == 1 && !config.output.quiet;
  for (auto& out : outputs) {
    if (!out.monitor->writes_events()) continue;
    FileSinkOptions file_options;
    file_options.directory = config.output.directory;
    file_options.monitor = out.monitor->name();
    file_options.format = config.output.format;
    file_options.delimiter = config.output.csv_delimiter;
    file_options.include_header = config.output.include_header;
    file_options.buffer_events = config.output.buffer_size;
    file_options.max_file_bytes = uint64_t{config.output.max_file_mb} << 20;
    auto file = FileSink::open(file_options, out.monitor->schema());
    if (!file) return fail(file.error());
    out.file = std::move(*file);
    if (console)
      out.console = std::make_unique<ConsoleSink>(std::cout, out.monitor->schema(),
                                                  out.monitor->console_columns());
  }

  const bool live = console && isatty(STDOUT_FILENO);
  bool write_failed = false;
  auto flush_all = [&] {
    for (auto& out : outputs) {
      if (!out.file) continue;
      if (auto r = out.file->flush(); !r && !write_failed) {
        write_failed = true;
        log_error(r.error().to_string());
      }
      if (out.console) (void)out.console->flush();
    }
    if (write_failed) (*loop)->fail();
  };
  for (auto& out : outputs) {
    for (EventBuffer* buffer : out.monitor->buffers()) {
      MonitorOutput* o = &out;
      auto watched = (*loop)->watch(buffer->epoll_fd(), [o, buffer, live, &loop] {
        auto n = buffer->consume();
        if (!n) {
          log_error(o->monitor->name() + ": " + n.error().message);
          (*loop)->fail();
        }
        if (live && o->console) (void)o->console->flush();
      });
      if (!watched) return fail(watched.error());
    }
  }
  const auto flush_ms =
      std::chrono::milliseconds(static_cast<int64_t>(config.output.flush_interval * 1000));
  if (auto r = (*loop)->every(flush_ms, flush_all); !r) return fail(r.error());
  bool hook_failed = false;
  auto run_hook = [&](const std::function<Result<void>()>& hook) {
    if (!hook) return;
    if (auto r = hook(); !r) {
      log_error(r.error().to_string());
      hook_failed = true;
      (*loop)->fail();
    }
  };
  // Several monitors write files only; on a terminal, show that they are alive.
  if (outputs.size() > 1 && isatty(STDERR_FILENO)) {
    auto r = (*loop)->every(std::chrono::seconds(5),
                            [&] { std::cerr << status_line(outputs) << std::endl; });
    if (!r) return fail(r.error());
  }
  std::unique_ptr<ControlSocket> control;
  if (!options.control_socket.empty()) {
    auto socket = ControlSocket::listen(options.control_socket);
    if (!socket) return fail(socket.error());
    control = std::move(*socket);
    auto r = (*loop)->watch(control->fd(), [&] {
      control->serve_one([&](const std::string& command) -> std::string {
        if (command == "status") return status_json(outputs, run);
        if (command == "stop") {
          log_info("stopping on request from the control socket");
          (*loop)->request_stop();
          return "stopping\n";
        }
        return "unknown command\n";
      });
    });
    if (!r) return fail(r.error());
  }
  if (options.interval.count() > 0 && options.every_interval) {
    auto r = (*loop)->every(options.interval, [&] { run_hook(options.every_interval); });
    if (!r) return fail(r.error());
  }
  (*loop)->stop_after(std::chrono::milliseconds(static_cast<int64_t>(config.duration * 1000)));

  (*loop)->on_hangup([&] {
    reopen_log_file();
    log_info("SIGHUP: reopened the log and event files");
    for (auto& out : outputs)
      if (out.file)
        if (auto r = out.file->reopen(); !r) {
          log_error(r.error().to_string());
          write_failed = true;
          (*loop)->fail();
        }
  });
  std::cerr << tracing_line(outputs) << std::endl;
  log_to_file(LogLevel::Info, tracing_line(outputs));
  if (options.at_start) options.at_start();
  const EventLoop::StopReason reason = (*loop)->run();
  metrics.reset();  // nothing renders a page once the loop has stopped

  bool ok = reason != EventLoop::StopReason::Error;
  for (auto& out : outputs) out.monitor->stop();
  for (auto& out : outputs) ok = drain(out) && ok;
  flush_all();
  run_hook(options.at_exit);
  std::cout.flush();
  print_summary(outputs);
  return ok && !write_failed && !hook_failed ? 0 : 1;
}

}  // namespace ebpfmon
