// A monitor turns kernel records into events. The shared machinery (compile
// with filters, attach, open the event buffer, count losses) lives in
// BpfMonitor; a concrete monitor only says what to compile, where to attach
// and how to decode one record.
#pragma once

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bpf/capabilities.h"
#include "bpf/hook.h"
#include "bpf/program.h"
#include "bpf/program_loader.h"
#include "core/config.h"
#include "core/event.h"
#include "core/metrics.h"
#include "core/redact.h"
#include "core/report_clock.h"
#include "core/result.h"
#include "core/settings.h"
#include "core/time_format.h"
#include "core/unique_fd.h"

namespace ebpfmon {

// Events that did not reach a sink, by stage. Write errors are the sinks' to
// count. rate_limit is no loss: max_events_per_second chose not to write them.
struct KernelLosses {
  uint64_t kernel_buffer = 0;  // ring buffer full, or perf buffer overrun
  uint64_t kernel_map = 0;     // in-flight tracking map full
  uint64_t rate_limit = 0;     // not written, by max_events_per_second
  uint64_t user_space = 0;     // records user space could not decode
};

using EventConsumer = std::function<void(const Event&)>;

class Monitor {
 public:
  virtual ~Monitor() = default;
  virtual std::string name() const = 0;
  virtual const Schema& schema() const = 0;
  virtual std::vector<ConsoleColumn> console_columns() const = 0;
  // What the Tracing line says is being traced: "process executions".
  virtual std::string what() const = 0;
  // The hooks start() would attach, decided from the settings and the
  // kernel's capabilities without compiling or changing anything (ebpfmon
  // --doctor); the error says why the monitor cannot run here.
  virtual Result<std::vector<HookSpec>> planned_hooks(Capabilities& caps) const = 0;

  // Usage errors the settings alone reveal, such as nothing left to trace.
  // Run before any kernel work (privileges, layouts, compiling), so a bad
  // config exits 2 with or without root.
  virtual Result<void> check_settings() const { return {}; }

  // What start() will load, decided as planned_hooks() is: the runner
  // compiles the programs of several monitors at once, and the doctor asks
  // whether each is in the program cache. The plan is kept for start(),
  // which is then given the same config and capabilities, so it is not
  // made twice (exec's parses the kernel's BTF).
  virtual Result<ProgramSpec> program_spec(const Config& config, Capabilities& caps) = 0;

  // Loads (from the program cache or a compile), fills the filter maps and
  // attaches. Events go to `consumer` from consume() and drain().
  virtual Result<void> start(const Config& config, Capabilities& caps, ProgramLoader& loader,
                             EventConsumer consumer) = 0;
  // Detaches every hook; buffers stay readable for draining.
  virtual void stop() = 0;
  // The event loop watches these fds and calls consume() when one is ready.
  virtual std::vector<int> poll_fds() const = 0;
  // Hands every record available now to the consumer; returns how many.
  virtual Result<size_t> consume() = 0;
  // After stop(): reads until the kernel holds nothing more.
  virtual Result<void> drain() = 0;
  virtual std::vector<HookSpec> hooks() const = 0;
  // False for a monitor that only counts in the kernel (funcmon --count):
  // then no event file is made.
  virtual bool writes_events() const { return true; }
  virtual KernelLosses losses() const = 0;
  // Events written with a secret masked (`redact`).
  virtual uint64_t redacted() const { return 0; }
  // What /metrics shows beyond events written and lost (the runner's):
  // the monitor's own counts, from its maps or its decoder.
  virtual Result<Metrics> metrics() const { return Metrics{}; }
  // The monitor's own summary (syscall --summary, func --count), when its
  // settings ask for one: the runner takes a report every interval and at
  // exit, hands it to the sinks, and then shows no live event table.
  virtual std::unique_ptr<PeriodicReport> report() const { return nullptr; }
  // What is still going on, as events of the monitor's schema (syscall: the
  // calls reported hung and not yet returned, timed to now): the daemon's
  // status shows them.
  virtual std::vector<Event> in_flight() const { return {}; }
  // True once a one-shot monitor has said all it had to (syscallmon
  // --hung-now): the run then stops as on SIGTERM.
  virtual bool finished() const { return false; }
};

// buffer_kb (--buffer-kb), which every BPF monitor's settings have: the
// size of its ring buffer in KiB, a power of two.
Setting buffer_kb_setting();
Result<uint32_t> read_buffer_kb(const RawValue& value);
template <class S>
void add_buffer_kb(SettingsTable<S>& table) {
  table.custom(
      buffer_kb_setting(),
      [](const RawValue& v, S& s) -> Result<void> {
        auto kb = read_buffer_kb(v);
        if (!kb) return kb.error();
        s.buffer_kb = *kb;
        return {};
      },
      [](const S& s) { return std::to_string(s.buffer_kb); });
}

// --summary [SECS] and --top N, for a monitor whose summary table replaces
// its live table (syscall, net): every SECS seconds, or at exit only.
struct SummarySettings {
  bool on = false;
  double interval = 0;  // seconds; 0 = at exit only
  uint32_t top = 15;    // rows per table, 0 = all: an interval's table fits 80x24
};
Result<void> read_summary(const RawValue& value, SummarySettings& summary);
// `get` gives the settings' SummarySettings: [](S& s) -> SummarySettings& {...}.
template <class S, class Get>
void add_summary_flags(SettingsTable<S>& table, Get get, const char* rows) {
  Setting flag;
  flag.flag = "summary";
  flag.value_name = "SECS";
  flag.implicit_value = "";
  flag.help = std::string("print a summary table ") + rows +
              " every SECS seconds (none: at exit only) instead of the live event table; events "
              "are still written";
  flag.accepts = "(0, 31536000] or nothing";
  table.custom(
      flag, [get](const RawValue& v, S& s) { return read_summary(v, get(s)); },
      [get](const S& s) {
        const SummarySettings& shown = get(const_cast<S&>(s));
        return shown.on ? show_number_text(shown.interval) : std::string("off");
      });
  table
      .integer(
          "", "top", [get](S& s) -> uint32_t& { return get(s).top; }, 0, 1000000,
          "summary rows shown (0 = all)")
      .needs("summary");
}

// Delivery: a record wakes a monitor's reader when none did for kWakeAfter
// or a quarter of its ring went in since the last wake-up
// (ebpf/common.bpf.h); the runner reads whatever came without a wake-up
// every kTailRead.
constexpr std::chrono::nanoseconds kWakeAfter = std::chrono::milliseconds(20);
constexpr std::chrono::milliseconds kTailRead{100};

class BpfMonitor : public Monitor {
 public:
  Result<ProgramSpec> program_spec(const Config& config, Capabilities& caps) final;
  Result<void> start(const Config& config, Capabilities& caps, ProgramLoader& loader,
                     EventConsumer consumer) final;
  void stop() final;
  std::vector<int> poll_fds() const final;
  Result<size_t> consume() final;
  Result<void> drain() final;
  std::vector<HookSpec> hooks() const final;
  KernelLosses losses() const final;
  uint64_t redacted() const final { return redacted_; }
  Result<std::vector<HookSpec>> planned_hooks(Capabilities& caps) const final;
  // Decodes one record, laid out as the BPF side sends it, into `event`;
  // false when the record is malformed (counted as a user-space loss).
  // Public so that a test can hand it records it built.
  virtual bool decode(const void* data, size_t size, Event& event) = 0;

 protected:
  struct Plan {
    std::string source;
    std::vector<std::pair<std::string, int64_t>> defines;  // monitor-specific
    std::vector<HookSpec> hooks;
    size_t ring_buffer_bytes = 0;         // from buffer_kb: a power of two
    size_t perf_pages_per_cpu = 64;       // power of two
    uint32_t max_events_per_second = 0;   // 0 = unlimited
    std::vector<std::string> warnings;    // logged by start(), not by --doctor
    std::chrono::milliseconds tick_period{0};  // how often tick() runs once started; 0: never
    std::any state;                       // what planning found that start() keeps (adopt())
  };
  // What to compile and attach, from the monitor's settings and the
  // kernel's capabilities; changes nothing. Errors are usage errors (bad
  // settings) or runtime errors (a hook this kernel lacks).
  virtual Result<Plan> plan(Capabilities& caps) const = 0;
  // Takes what start() keeps of the plan, once it is compiled and attached.
  virtual void adopt(Plan& /*plan*/) {}
  // Whether a decoded event is written; false drops it on purpose (a user
  // space filter such as execmon --name), which is no loss.
  virtual bool wanted(const Event& /*event*/) const { return true; }
  // Fills the monitor's own maps once compiled, before anything attaches.
  virtual Result<void> configure(const BpfProgram& /*program*/) { return {}; }

  // Work the kernel does not start (syscall's scan for calls that hang),
  // every plan.tick_period while started, on the event loop's thread.
  virtual void tick() {}
  // An event made in user space (by tick()), written as decoded ones are.
  void emit(Event& event);

  const MonotonicClock& clock() const { return clock_; }
  const BpfProgram* program() const { return program_.get(); }

 private:
  struct Prepared {
    Plan plan;
    ProgramSpec spec;
  };
  // plan(), then whether the kernel has each tracepoint it names: a missing
  // one is an error naming it before anything compiles.
  Result<Plan> checked_plan(Capabilities& caps) const;
  Result<Prepared> prepare(const Config& config, Capabilities& caps) const;
  Result<void> fill_filter_maps(const Filters& filters);
  // Masks secrets, then hands the event on if the monitor wants it.
  void deliver(Event& event);

  std::optional<Prepared> prepared_;  // from program_spec(), until start()
  std::unique_ptr<BpfProgram> program_;
  EventBuffer* buffer_ = nullptr;
  UniqueFd tick_timer_;  // a timerfd, while there is a tick_period
  size_t emitted_ = 0;   // by tick(), for consume()'s count
  Redactor redactor_;
  uint64_t redacted_ = 0;
  EventConsumer consumer_;
  Event scratch_;
  MonotonicClock clock_;
  uint64_t malformed_ = 0;
};

}  // namespace ebpfmon
