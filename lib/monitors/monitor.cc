#include "monitors/monitor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "bpf/system.h"
#include "core/cgroups.h"
#include "core/log.h"
#include "core/timer_fd.h"
#include "core/unique_fd.h"
#include "ebpf/common.h"

namespace ebpfmon {
namespace {

// Defines every program gets: how to emit events, the filters in use and
// which process to ignore (our own).
std::vector<std::pair<std::string, int64_t>> common_defines(const Filters& filters,
                                                            Capabilities& caps, size_t ring_bytes) {
  std::vector<std::pair<std::string, int64_t>> defines;
  if (caps.has(Feature::RingBuffer)) {
    defines.emplace_back("EBPFMON_RINGBUF_PAGES",
                         static_cast<int64_t>(ring_bytes / static_cast<size_t>(getpagesize())));
    // A quarter of the ring since the last wake-up wakes the reader: three
    // quarters stay for what comes while it wakes.
    defines.emplace_back("EBPFMON_WAKE_BYTES", static_cast<int64_t>(ring_bytes / 4));
    defines.emplace_back("EBPFMON_WAKE_AFTER_NS", kWakeAfter.count());
  }
  defines.emplace_back("EBPFMON_NR_CPUS", possible_cpus());
  if (!caps.has(Feature::FallthroughLoops)) defines.emplace_back("EBPFMON_UNROLL_LOOPS", 1);
  // The value is the map's capacity: the number of distinct items given.
  if (!filters.pids.empty()) defines.emplace_back("EBPFMON_FILTER_PIDS", filters.pids.size());
  if (!filters.uids.empty()) defines.emplace_back("EBPFMON_FILTER_UIDS", filters.uids.size());
  if (!filters.comms.empty()) defines.emplace_back("EBPFMON_FILTER_COMMS", filters.comms.size());
  if (!filters.cgroup.empty()) defines.emplace_back("EBPFMON_FILTER_CGROUP", 1);
  if (!filters.container.empty()) defines.emplace_back("EBPFMON_FILTER_CONTAINER", 1);
  return defines;
}

}  // namespace

Result<void> read_summary(const RawValue& value, SummarySettings& summary) {
  summary.on = true;
  summary.interval = 0;
  if (value.kind == RawValue::Kind::Scalar && value.text.empty()) return {};
  auto secs = read_seconds(value);
  if (!secs) return secs.error();
  summary.interval = *secs;
  return {};
}

Setting buffer_kb_setting() {
  Setting s;
  s.key = "buffer_kb";
  s.flag = "buffer-kb";
  s.value_name = "KIB";
  s.help =
      "the kernel ring buffer's size in KiB: a larger one rides out longer bursts; "
      "kernels before 5.8 have no ring buffer and use 256 KiB of perf buffer per CPU";
  s.accepts = "a power of two, 64..1048576";
  s.kind = SettingKind::Integer;
  return s;
}

Result<uint32_t> read_buffer_kb(const RawValue& value) {
  constexpr uint64_t kMin = 64, kMax = 1u << 20;
  auto kb = read_integer(value, kMin, kMax);
  if (!kb || (*kb & (*kb - 1)) != 0)
    return value_error(value, "expected a power of two from 64 to 1048576 (KiB)");
  return static_cast<uint32_t>(*kb);
}

Result<BpfMonitor::Plan> BpfMonitor::checked_plan(Capabilities& caps) const {
  auto plan = this->plan(caps);
  if (!plan) return plan.error();
  if (auto r = caps.require_hook_targets(name(), plan->hooks); !r) return r.error();
  return plan;
}

Result<BpfMonitor::Prepared> BpfMonitor::prepare(const Config& config, Capabilities& caps) const {
  auto plan = checked_plan(caps);
  if (!plan) return plan.error();
  ProgramSpec spec{name(), plan->source,
                   common_defines(config.filters, caps, plan->ring_buffer_bytes), plan->hooks};
  spec.defines.insert(spec.defines.end(), plan->defines.begin(), plan->defines.end());
  if (plan->max_events_per_second > 0)
    spec.defines.emplace_back("EBPFMON_MAX_RATE", plan->max_events_per_second);
  return Prepared{std::move(*plan), std::move(spec)};
}

Result<ProgramSpec> BpfMonitor::program_spec(const Config& config, Capabilities& caps) {
  auto prepared = prepare(config, caps);
  if (!prepared) return prepared.error();
  prepared_ = std::move(*prepared);
  return prepared_->spec;
}

Result<void> BpfMonitor::start(const Config& config, Capabilities& caps, ProgramLoader& loader,
                               EventConsumer consumer) {
  if (!prepared_) {
    auto prepared = prepare(config, caps);
    if (!prepared) return prepared.error();
    prepared_ = std::move(*prepared);
  }
  std::optional<Prepared> prepared = std::move(prepared_);
  prepared_.reset();
  Plan* plan = &prepared->plan;
  for (const std::string& warning : plan->warnings) log_warning(warning);
  auto program = loader.load(prepared->spec);
  if (!program) return program.error();
  program_ = std::move(*program);
  if (auto r = fill_filter_maps(config.filters); !r) return r;
  if (auto r = configure(*program_); !r) return r;

  consumer_ = std::move(consumer);
  auto redactor = Redactor::make(config.redact);
  if (!redactor) return redactor.error();
  redactor_ = std::move(*redactor);
  auto buffer = program_->open_events(
      [this](const void* data, size_t size) {
        if (!decode(data, size, scratch_))
          ++malformed_;
        else
          deliver(scratch_);
      },
      plan->perf_pages_per_cpu);
  if (!buffer) return buffer.error();
  buffer_ = *buffer;
  log_debug(name() + ": events through the " + (buffer_->is_ring() ? "ring buffer" : "perf buffer"));

  const auto attach_start = std::chrono::steady_clock::now();
  for (const HookSpec& hook : plan->hooks) {
    if (auto r = program_->attach(hook); !r) {
      program_->detach_all();
      return r;
    }
    log_debug(name() + ": attached " + hook.describe());
  }
  const double attach_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - attach_start).count();
  log_debug(name() + ": " + std::to_string(plan->hooks.size()) + " hooks attached in " +
            std::to_string(attach_seconds) + " s");
  if (plan->tick_period.count() > 0) {
    tick_timer_ = UniqueFd(make_timer_fd(plan->tick_period, true));
    if (!tick_timer_) {
      program_->detach_all();
      return Error::runtime(name() + ": cannot start its timer: " + strerror(errno));
    }
  }
  adopt(*plan);
  return {};
}

// Masked before the filters see it, so a filter on a secret matches nothing.
void BpfMonitor::deliver(Event& event) {
  const bool masked = redactor_.apply(schema(), event);
  if (!wanted(event)) return;
  consumer_(event);
  redacted_ += masked;
}

void BpfMonitor::emit(Event& event) {
  deliver(event);
  ++emitted_;
}

namespace {

// Puts each item's key into the named set map (value 1 = "allowed").
template <class Items, class ToKey>
Result<void> fill_set(const BpfProgram& program, const std::string& name, const Items& items,
                      ToKey to_key) {
  if (items.empty()) return {};
  using Key = decltype(to_key(items.front()));
  auto map = program.map<Key, uint8_t>(name);
  if (!map) return map.error();
  for (const auto& item : items)
    if (auto r = map->update(to_key(item), 1); !r) return r;
  return {};
}

}  // namespace

Result<void> BpfMonitor::fill_filter_maps(const Filters& filters) {
  auto self = program_->map<uint32_t, uint32_t>(kSelfMap);
  if (!self) return self.error();
  if (auto r = self->update(0, static_cast<uint32_t>(getpid())); !r) return r;
  const auto same = [](uint32_t id) { return id; };
  if (auto r = fill_set(*program_, kFilterPidsMap, filters.pids, same); !r) return r;
  if (auto r = fill_set(*program_, kFilterUidsMap, filters.uids, same); !r) return r;
  if (auto r = fill_set(*program_, kFilterCommsMap, filters.comms,
                        [](const std::string& comm) {
                          ebpfmon_comm key{};
                          comm.copy(key.name, sizeof key.name - 1);
                          return key;
                        });
      !r)
    return r;
  if (!filters.cgroup.empty()) {
    // The kernel keeps its own reference to the cgroup: the fd can go.
    auto mount = find_cgroup_v2();
    if (!mount) return mount.error();
    const std::filesystem::path dir = mount->path / filters.cgroup.substr(1);
    UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return Error::runtime("cannot open cgroup " + dir.string() + ": " + strerror(errno));
    auto map = program_->map<uint32_t, uint32_t>(kFilterCgroupMap);
    if (!map) return map.error();
    if (auto r = map->update(0, static_cast<uint32_t>(fd.get())); !r) return r;
  }
  if (!filters.container.empty()) {
    ebpfmon_container_filter f{};
    f.len = static_cast<uint32_t>(filters.container.size());
    filters.container.copy(f.id, sizeof f.id);
    auto map = program_->map<uint32_t, ebpfmon_container_filter>(kFilterContainerMap);
    if (!map) return map.error();
    if (auto r = map->update(0, f); !r) return r;
  }
  return {};
}

Result<std::vector<HookSpec>> BpfMonitor::planned_hooks(Capabilities& caps) const {
  auto plan = checked_plan(caps);
  if (!plan) return plan.error();
  return plan->hooks;
}

void BpfMonitor::stop() {
  tick_timer_.reset();
  if (program_) program_->detach_all();
}

std::vector<int> BpfMonitor::poll_fds() const {
  std::vector<int> fds;
  if (buffer_ != nullptr) fds.push_back(buffer_->epoll_fd());
  if (tick_timer_) fds.push_back(tick_timer_.get());
  return fds;
}

Result<size_t> BpfMonitor::consume() {
  if (buffer_ == nullptr) return size_t{0};
  emitted_ = 0;
  uint64_t expirations = 0;
  if (tick_timer_ && read(tick_timer_.get(), &expirations, sizeof expirations) > 0) tick();
  auto n = buffer_->consume();
  if (!n) return Error::runtime(name() + ": " + n.error().message);
  return *n + emitted_;
}

Result<void> BpfMonitor::drain() {
  for (;;) {
    auto n = consume();
    if (!n) return n.error();
    if (*n == 0) return {};
  }
}

std::vector<HookSpec> BpfMonitor::hooks() const {
  return program_ ? program_->attached() : std::vector<HookSpec>{};
}

KernelLosses BpfMonitor::losses() const {
  KernelLosses losses;
  losses.user_space = malformed_;
  if (!program_) return losses;
  if (buffer_ != nullptr) losses.kernel_buffer = buffer_->lost();
  auto counts = program_->percpu_map<uint32_t, uint64_t>(kLossesMap);
  if (!counts) {
    log_warning(counts.error().message);
    return losses;
  }
  auto read = [&](uint32_t stage) {
    auto n = counts->sum(stage);
    if (!n) log_warning(n.error().message);
    return n ? *n : 0;
  };
  losses.kernel_buffer += read(EBPFMON_LOSS_KERNEL_BUFFER);
  losses.kernel_map = read(EBPFMON_LOSS_KERNEL_MAP);
  losses.rate_limit = read(EBPFMON_LOSS_RATE_LIMIT);
  return losses;
}

}  // namespace ebpfmon
