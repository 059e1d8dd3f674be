#include "sinks/nats_exporter.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "core/log.h"
#include "sinks/nats_library.h"

namespace ebpfmon {
namespace {

constexpr size_t kQueueMax = 65536;   // events waiting in memory for the thread
constexpr size_t kWindow = 512;       // unacked async publishes at a time
constexpr int64_t kAckWaitMs = 5000;  // a batch's acks not back by then are retried
// Between retries of a batch, doubling.
constexpr std::chrono::milliseconds kFirstRetryPause{100}, kLastRetryPause{2000};
// A batch waits this long for more events before it is published (unless
// the window fills): at a steady trickle each batch otherwise held one event,
// and every batch costs a round of thread wake-ups and a wait for its acks.
constexpr auto kLinger = std::chrono::milliseconds(2);

// Set by the first NatsExporter::start, before any other call into it.
const NatsLibrary* nats = nullptr;

struct NatsDelete {
  void operator()(natsOptions* p) const { nats->natsOptions_Destroy(p); }
  void operator()(natsConnection* p) const { nats->natsConnection_Destroy(p); }
  void operator()(jsCtx* p) const { nats->jsCtx_Destroy(p); }
  void operator()(natsMsg* p) const { nats->natsMsg_Destroy(p); }
  void operator()(jsStreamInfo* p) const { nats->jsStreamInfo_Destroy(p); }
};
template <class T>
using NatsPtr = std::unique_ptr<T, NatsDelete>;

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::string random_run_id() {
  std::random_device rd;
  const uint64_t v = (uint64_t{rd()} << 32) | rd();
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(v));
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

// The monitor field of <host>:<run>:<monitor>:<seq>, when the run is ours.
std::string monitor_of(const std::string& id, const std::string& host, const std::string& run) {
  const std::string prefix = host + ":" + run + ":";
  if (id.compare(0, prefix.size(), prefix) != 0) return {};
  const size_t end = id.find(':', prefix.size());
  return end == std::string::npos ? std::string() : id.substr(prefix.size(), end - prefix.size());
}

void ack_handler(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  const char* id = nullptr;
  if (nats->natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id != nullptr)
    static_cast<NatsExporter*>(closure)->on_ack(id, pa != nullptr && pae == nullptr);
  nats->natsMsg_Destroy(msg);
}

}  // namespace

struct NatsExporter::Impl {
  NatsPtr<natsOptions> options;
  NatsPtr<natsConnection> connection;
  NatsPtr<jsCtx> js;
};

Result<std::shared_ptr<NatsExporter>> NatsExporter::start(const ExportSettings& settings) {
  auto library = load_nats_library();
  if (!library) return library.error();
  nats = *library;
  std::shared_ptr<NatsExporter> e(new NatsExporter());  // private constructor
  e->settings_ = settings;
  e->host_ = hostname();
  e->run_id_ = random_run_id();
  e->impl_ = std::make_unique<Impl>();
  Spool::Options spool_options;
  spool_options.directory = settings.spool_dir;
  spool_options.max_bytes = settings.spool_bytes;
  auto spool = Spool::open(spool_options);
  if (!spool) return spool.error();
  e->spool_ = std::move(*spool);
  e->counts_.torn = e->spool_->torn_records();
  if (e->spool_->torn_records() > 0)
    log_warning("export: the spool held " + std::to_string(e->spool_->torn_records()) +
                " torn record(s) from a crash; counted as lost");
  if (!e->spool_->empty()) {
    e->spooling_ = true;  // what a previous run left goes first
    log_info("export: replaying " + std::to_string(e->spool_->records()) +
             " spooled event(s) from a previous run");
  }

  natsOptions* options = nullptr;
  if (nats->natsOptions_Create(&options) != NATS_OK) return Error::runtime("export: out of memory");
  e->impl_->options.reset(options);
  std::vector<const char*> servers;
  for (const auto& s : settings.servers) servers.push_back(s.c_str());
  bool tls = false;
  for (const auto& s : settings.servers) tls = tls || s.rfind("tls://", 0) == 0;
  natsStatus s =
      nats->natsOptions_SetServers(options, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = nats->natsOptions_SetMaxReconnect(options, -1);
  if (s == NATS_OK) s = nats->natsOptions_SetReconnectWait(options, 500);
  if (s == NATS_OK) s = nats->natsOptions_SetTimeout(options, 2000);
  if (s == NATS_OK) s = nats->natsOptions_SetNoRandomize(options, false);
  // Messages published while reconnecting are buffered by the client; ours
  // are retried from our own batch instead.
  if (s == NATS_OK) s = nats->natsOptions_SetReconnectBufSize(options, 8 << 20);
  if (s == NATS_OK && !settings.credentials.empty())
    s = nats->natsOptions_SetUserCredentialsFromFiles(options, settings.credentials.c_str(),
                                                      nullptr);
  if (s == NATS_OK && (tls || !settings.tls_ca.empty()))
    s = nats->natsOptions_SetSecure(options, true);
  if (s == NATS_OK && !settings.tls_ca.empty())
    s = nats->natsOptions_LoadCATrustedCertificates(options, settings.tls_ca.c_str());
  if (s == NATS_OK && !settings.tls_cert.empty())
    s = nats->natsOptions_LoadCertificatesChain(options, settings.tls_cert.c_str(),
                                                settings.tls_key.c_str());
  if (s != NATS_OK)
    return Error::usage(std::string("export: ") + nats->natsStatus_GetText(s) + ": " +
                        nats->nats_GetLastError(nullptr));

  Error error;
  if (!e->connect_once(true, &error)) {
    if (!error.message.empty()) return error;
    if (settings.required)
      return Error::runtime("export: no NATS server reachable at " + e->destination() +
                            " (--export-required)");
    log_warning("export: no NATS server reachable at " + e->destination() +
                "; events go to the spool " + settings.spool_dir + " until one is");
  }
  e->thread_ = std::thread([raw = e.get()] { raw->run(); });
  return e;
}

// One attempt. An authentication or TLS failure is final (error set);
// anything else is "not yet" and the thread tries again.
bool NatsExporter::connect_once(bool at_start, Error* error) {
  natsConnection* nc = nullptr;
  const natsStatus s = nats->natsConnection_Connect(&nc, impl_->options.get());
  if (s != NATS_OK) {
    const std::string why =
        std::string(nats->natsStatus_GetText(s)) + " (" + nats->nats_GetLastError(nullptr) + ")";
    if (s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED) {
      *error = Error::runtime("export: " + destination() + ": authentication failed: " + why);
    } else if (s == NATS_SSL_ERROR) {
      *error = Error::runtime("export: " + destination() + ": TLS failed: " + why);
    } else {
      error->message.clear();
    }
    if (!at_start && !error->message.empty()) log_error(error->message);
    return false;
  }
  impl_->connection.reset(nc);
  jsOptions js_options;
  nats->jsOptions_Init(&js_options);
  js_options.PublishAsync.MaxPending = static_cast<int64_t>(kWindow);
  js_options.PublishAsync.AckHandler = ack_handler;
  js_options.PublishAsync.AckHandlerClosure = this;
  jsCtx* js = nullptr;
  if (nats->natsConnection_JetStream(&js, nc, &js_options) != NATS_OK) {
    impl_->connection.reset();
    return false;
  }
  impl_->js.reset(js);
  connected_ = true;
  if (!at_start) log_info("export: connected to " + destination());
  return true;
}

// The stream is made when missing; one that exists is used as it is.
bool NatsExporter::ensure_stream() {
  if (stream_ready_) return true;
  jsStreamInfo* info = nullptr;
  jsErrCode code{};
  natsStatus s =
      nats->js_GetStreamInfo(&info, impl_->js.get(), settings_.stream.c_str(), nullptr, &code);
  if (s == NATS_OK) {
    nats->jsStreamInfo_Destroy(info);
    return stream_ready_ = true;
  }
  if (s != NATS_NOT_FOUND) return false;
  std::string wildcard = subject_for("*");
  const size_t placeholder = settings_.subject.find('<');
  if (placeholder != std::string::npos) {
    // ebpfmon.<host>.<monitor> -> ebpfmon.> : every host's subjects in one stream
    wildcard = settings_.subject.substr(0, placeholder) + ">";
  }
  const char* subjects[] = {wildcard.c_str()};
  jsStreamConfig config;
  nats->jsStreamConfig_Init(&config);
  config.Name = settings_.stream.c_str();
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Replicas = static_cast<int64_t>(settings_.replicas);
  config.MaxAge = static_cast<int64_t>(settings_.max_age * 1e9);
  if (settings_.max_bytes > 0) config.MaxBytes = static_cast<int64_t>(settings_.max_bytes);
  s = nats->js_AddStream(&info, impl_->js.get(), &config, nullptr, &code);
  if (s != NATS_OK) {
    // Tried again every 200 ms: while a cluster forms, replicas cannot be
    // placed until every peer has joined. Each reason is said once.
    const std::string why =
        std::string(nats->natsStatus_GetText(s)) + " (" + nats->nats_GetLastError(nullptr) + ")";
    if (why != stream_error_)
      log_warning("export: cannot create stream " + settings_.stream + " yet: " + why +
                  "; trying again");
    stream_error_ = why;
    return false;
  }
  nats->jsStreamInfo_Destroy(info);
  log_info("export: created stream " + settings_.stream + " for " + wildcard);
  return stream_ready_ = true;
}

std::string NatsExporter::subject_for(const std::string& monitor) const {
  return replace_all(replace_all(settings_.subject, "<host>", host_), "<monitor>", monitor);
}

std::string NatsExporter::destination() const {
  std::string out;
  for (const auto& s : settings_.servers) out += (out.empty() ? "" : ",") + s;
  return out;
}

bool NatsExporter::enqueue(const std::string& monitor, uint64_t seq, std::string json) {
  SpoolRecord record{host_ + ":" + run_id_ + ":" + monitor + ":" + std::to_string(seq),
                     subject_for(monitor), std::move(json)};
  std::lock_guard<std::mutex> lock(mutex_);
  if (!spooling_ && queue_.size() < kQueueMax) {
    queue_.push_back(std::move(record));
    if (queue_.size() == 1 || queue_.size() == kWindow) wake_.notify_one();
    return true;
  }
  // Behind whatever is spooled already, so the order holds.
  spooling_ = true;
  if (spool_->append(record)) return true;
  ++counts_.lost;
  return false;
}

// Whatever is spooled is newer than the queue: the event loop spools only
// once the queue is full, and queues again only once both are empty. So the
// queue, and before it a batch taken from it, go ahead of the spool.
void NatsExporter::spool_queue_locked(std::vector<SpoolRecord> unacked) {
  if (unacked.empty() && queue_.empty()) return;
  unacked.reserve(unacked.size() + queue_.size());
  for (SpoolRecord& r : queue_) unacked.push_back(std::move(r));
  queue_.clear();
  counts_.lost += spool_->prepend(unacked);
  spooling_ = true;
}

void NatsExporter::on_ack(const std::string& msg_id, bool ok) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!ok) return;  // retried with its batch
  acked_ids_.insert(msg_id);
}

// Publishes the batch until every message is acked; false when the
// connection went or the run is ending (the caller keeps the rest).
bool NatsExporter::publish_batch(std::vector<SpoolRecord>& batch) {
  bool first = true;
  // While a stream has no leader its nacks come back at once: a retry
  // without a pause would resend the batch in a tight loop.
  auto pause = kFirstRetryPause;
  while (!batch.empty()) {
    for (const auto& r : batch) {
      natsMsg* raw = nullptr;
      if (nats->natsMsg_Create(&raw, r.subject.c_str(), nullptr, r.json.data(),
                               static_cast<int>(r.json.size())) != NATS_OK)
        return false;
      NatsPtr<natsMsg> msg(raw);
      nats->natsMsgHeader_Set(msg.get(), "Nats-Msg-Id", r.msg_id.c_str());
      natsMsg* handed = msg.release();
      if (nats->js_PublishMsgAsync(impl_->js.get(), &handed, nullptr) != NATS_OK) {
        nats->natsMsg_Destroy(handed);  // still ours when the publish failed
        break;
      }
    }
    jsPubOptions wait;
    nats->jsPubOptions_Init(&wait);
    wait.MaxWait = kAckWaitMs;
    (void)nats->js_PublishAsyncComplete(impl_->js.get(), &wait);
    std::vector<SpoolRecord> missing;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (first) counts_.published += batch.size();
      for (auto& r : batch) {
        if (acked_ids_.erase(r.msg_id) > 0) {
          ++counts_.acked;
          const std::string m = monitor_of(r.msg_id, host_, run_id_);
          if (!m.empty()) ++acked_by_monitor_[m];
        } else {
          missing.push_back(std::move(r));
        }
      }
    }
    // Late acks of what was given up on are dropped from the client's list;
    // the retry republishes with the same ids, which JetStream deduplicates.
    natsMsgList pending{};
    if (nats->js_PublishAsyncGetPendingList(&pending, impl_->js.get()) == NATS_OK)
      nats->natsMsgList_Destroy(&pending);
    batch = std::move(missing);
    first = false;
    if (batch.empty()) return true;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      counts_.retried += batch.size();
    }
    if (nats->natsConnection_Status(impl_->connection.get()) != NATS_CONN_STATUS_CONNECTED) {
      connected_ = false;
      return false;
    }
    if (stopping_ && finished_) return false;
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, pause, [this] { return stopping_ && finished_; });
    pause = std::min(pause * 2, kLastRetryPause);
  }
  return true;
}

void NatsExporter::run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point deadline = Clock::time_point::max();
  auto last_sync = Clock::now();
  for (;;) {
    if (stopping_ && deadline == Clock::time_point::max())
      deadline = Clock::now() +
                 std::chrono::milliseconds(static_cast<int64_t>(settings_.drain_timeout * 1000));
    const bool out_of_time = Clock::now() >= deadline;
    if (Clock::now() - last_sync > std::chrono::seconds(1)) {
      std::lock_guard<std::mutex> lock(mutex_);
      spool_->sync();
      last_sync = Clock::now();
    }
    if (!impl_->connection && !out_of_time) {
      Error error;
      if (!connect_once(false, &error)) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          spool_queue_locked();
        }
        if (stopping_) break;
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait_for(lock, std::chrono::milliseconds(500));
        continue;
      }
    }
    connected_ = impl_->connection &&
                 nats->natsConnection_Status(impl_->connection.get()) == NATS_CONN_STATUS_CONNECTED;
    if (out_of_time || (!connected_ && stopping_)) break;
    if (!connected_ || !ensure_stream()) {
      std::unique_lock<std::mutex> lock(mutex_);
      spool_queue_locked();
      wake_.wait_for(lock, std::chrono::milliseconds(200));
      continue;
    }
    std::vector<SpoolRecord> batch;
    bool from_spool = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!queue_.empty() && queue_.size() < kWindow && !stopping_)
        wake_.wait_for(lock, kLinger, [this] { return queue_.size() >= kWindow || stopping_; });
      if (!queue_.empty()) {
        while (!queue_.empty() && batch.size() < kWindow) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      } else if (!spool_->empty()) {
        batch = spool_->peek(kWindow);
        from_spool = true;
      } else {
        spooling_ = false;
        if (stopping_) break;
        wake_.wait_for(lock, std::chrono::milliseconds(200));
        continue;
      }
    }
    const size_t n = batch.size();
    const bool done = publish_batch(batch);
    std::lock_guard<std::mutex> lock(mutex_);
    if (from_spool) {
      if (done) spool_->pop(n);
    } else if (!done) {
      spool_queue_locked(std::move(batch));  // not acked: on disk, oldest first
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  spool_queue_locked();
  spool_->sync();
}

void NatsExporter::finish() {
  if (finished_.exchange(true)) return;
  stopping_ = true;
  wake_.notify_one();
  if (!thread_.joinable()) return;  // start() failed: its error says it all
  thread_.join();
  const ExportCounts c = counts();
  const std::string line = "export: " + std::to_string(c.published) + " published, " +
                           std::to_string(c.acked) + " acked, " + std::to_string(c.retried) +
                           " retried, " + std::to_string(c.lost) + " lost (spool full), " +
                           std::to_string(c.spooled) + " left in the spool " + settings_.spool_dir +
                           " (" + std::to_string(c.spool_bytes) + " bytes)";
  // Part of the exit summary: what the stream got and what waits for the next run.
  log_report(line);
}

NatsExporter::~NatsExporter() {
  finish();
  impl_->js.reset();
  impl_->connection.reset();
}

uint64_t NatsExporter::acked_for(const std::string& monitor) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = acked_by_monitor_.find(monitor);
  return it == acked_by_monitor_.end() ? 0 : it->second;
}

ExportCounts NatsExporter::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  ExportCounts c = counts_;
  c.spool_bytes = spool_->bytes();
  c.spooled = spool_->records() + queue_.size();
  c.connected = connected_;
  return c;
}

}  // namespace ebpfmon

namespace ebpfmon {

Metrics NatsExporter::metrics() const {
  using Type = MetricFamily::Type;
  const ExportCounts c = counts();
  auto one = [](const char* name, const char* help, Type type, double v) {
    return MetricFamily{name, help, type, {{{}, v}}, {}};
  };
  return {
      one("ebpfmon_export_published_total", "Events handed to the NATS client (first attempts)",
          Type::Counter, static_cast<double>(c.published)),
      one("ebpfmon_export_acked_total", "Events JetStream acknowledged", Type::Counter,
          static_cast<double>(c.acked)),
      one("ebpfmon_export_retried_total", "Publishes repeated after a failed or missing ack",
          Type::Counter, static_cast<double>(c.retried)),
      one("ebpfmon_export_spool_bytes", "Bytes waiting in the export's on-disk spool", Type::Gauge,
          static_cast<double>(c.spool_bytes)),
      one("ebpfmon_export_connected", "1 while connected to a NATS server", Type::Gauge,
          c.connected ? 1.0 : 0.0),
  };
}

}  // namespace ebpfmon
