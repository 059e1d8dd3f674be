// The export to NATS JetStream: one connection, one publishing thread and one
// spool for every monitor of a run. The event loop only enqueues (bounded
// queue, overflow into the spool); the thread publishes asynchronously with
// a bounded window of unacked messages and counts an event exported only
// when JetStream acks it. While no server is reachable events go to the
// spool and are replayed, in order, when one is back; each keeps its
// Nats-Msg-Id (<host>:<run>:<monitor>:<seq>), so a republish is deduplicated.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/metrics.h"
#include "core/result.h"
#include "sinks/spool.h"

namespace ebpfmon {

struct ExportCounts {
  uint64_t published = 0;  // handed to the client the first time
  uint64_t acked = 0;
  uint64_t retried = 0;  // published again after a failed or missing ack
  uint64_t lost = 0;     // the spool was full
  uint64_t spool_bytes = 0;
  uint64_t spooled = 0;  // records in the spool now
  uint64_t torn = 0;     // records a crash left torn in the spool
  bool connected = false;
};

class NatsExporter {
 public:
  // Connects once; a server that cannot be reached is a warning (the events
  // spool) unless settings.required; an authentication or TLS failure is an
  // error. Replays what a previous run left in the spool.
  static Result<std::shared_ptr<NatsExporter>> start(const ExportSettings& settings);
  ~NatsExporter();

  // The event loop's side: never blocks on the network. False when the
  // event is lost (queue full and spool full).
  bool enqueue(const std::string& monitor, uint64_t seq, std::string json);
  std::string subject_for(const std::string& monitor) const;
  const std::string& host() const { return host_; }
  // Events of this run's monitor acked so far.
  uint64_t acked_for(const std::string& monitor) const;
  ExportCounts counts() const;
  Metrics metrics() const;  // ebpfmon_export_*
  std::string destination() const;
  // At exit: waits up to drain_timeout for the queue and spool to be acked,
  // spools the rest, syncs, stops the thread. Idempotent.
  void finish();

  struct Impl;  // the libnats handles
  // From libnats' thread: JetStream stored (or refused) this message.
  void on_ack(const std::string& msg_id, bool ok);

 private:
  NatsExporter() = default;
  void run();
  bool connect_once(bool at_start, Error* error);
  bool ensure_stream();
  bool publish_batch(std::vector<SpoolRecord>& batch);
  // Puts `unacked` (taken from the queue) and the queue ahead of the spool.
  void spool_queue_locked(std::vector<SpoolRecord> unacked = {});

  ExportSettings settings_;
  std::string host_, run_id_;
  std::unique_ptr<Impl> impl_;

  mutable std::mutex mutex_;  // the queue, the spool, spooling_ and the counts
  std::condition_variable wake_;
  std::deque<SpoolRecord> queue_;
  std::unique_ptr<Spool> spool_;
  bool spooling_ = false;  // new events go to the spool, behind what is there
  ExportCounts counts_;
  std::map<std::string, uint64_t> acked_by_monitor_;
  std::set<std::string> acked_ids_;  // of the batch being published

  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::atomic<bool> connected_{false};
  bool stream_ready_ = false;
  std::string stream_error_;  // why the stream could not be made, last time (said once)
  std::thread thread_;
};

}  // namespace ebpfmon
