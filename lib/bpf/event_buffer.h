// Reads records from a BPF ring buffer, or a perf buffer where ring buffers
// are missing. Both are polled through one epoll fd from the event loop.
#pragma once

#include <bpf/libbpf.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace ebpfmon {

class EventBuffer {
 public:
  // Called for every record, in the polling thread, in the order the kernel
  // stamped them. Every record starts with its kernel timestamp (a u64,
  // CLOCK_MONOTONIC: ts_ns in each event of ebpf/*.h). Copy out with memcpy.
  using Handler = std::function<void(const void* data, size_t size)>;

  // A ring buffer or a perf buffer, as the map's type says (the BPF program
  // was compiled with BPF_RINGBUF_OUTPUT or BPF_PERF_OUTPUT).
  static Result<std::unique_ptr<EventBuffer>> open(int map_fd, size_t perf_pages_per_cpu,
                                                   Handler handler);
  ~EventBuffer();
  EventBuffer(const EventBuffer&) = delete;
  EventBuffer& operator=(const EventBuffer&) = delete;

  int epoll_fd() const;
  // Reads everything available without blocking. Returns records read.
  Result<size_t> consume();
  // Records the kernel dropped and reported to us (perf buffer only; ring
  // buffer losses are counted by the BPF program itself).
  uint64_t lost() const { return lost_; }
  bool is_ring() const { return ring_data_ != nullptr; }

 private:
  explicit EventBuffer(Handler handler) : handler_(std::move(handler)) {}
  Result<void> open_ring(int map_fd, size_t data_bytes);
  Result<void> open_perf(int map_fd, size_t pages_per_cpu);
  size_t consume_ring();
  static bpf_perf_event_ret on_perf_event(void* ctx, int cpu, perf_event_header* event);
  size_t deliver_perf_batch();

  Handler handler_;
  // The ring buffer is read here rather than with libbpf's ring_buffer,
  // which maps the data area twice so that a record wrapping around the end
  // reads contiguously: that doubles the buffer's resident memory. Mapped
  // once, a wrapping record (rare) is copied into wrapped_ instead.
  uint64_t* consumer_pos_ = nullptr;        // the page we write
  const uint64_t* producer_pos_ = nullptr;  // the page the kernel writes, then the data
  const unsigned char* ring_data_ = nullptr;
  size_t ring_bytes_ = 0;  // a power of two
  size_t page_bytes_ = 0;
  UniqueFd ring_epoll_;
  std::vector<unsigned char> wrapped_;
  perf_buffer* perf_ = nullptr;
  // A perf buffer read's records, from every CPU's buffer, copied out to be
  // delivered by timestamp: the buffers are read one CPU after another.
  struct PerfRecord {
    uint64_t ts_ns;
    size_t offset;  // in perf_bytes_
    uint32_t size;
  };
  std::vector<PerfRecord> perf_batch_;
  std::vector<unsigned char> perf_bytes_;
  uint64_t lost_ = 0;
};

}  // namespace ebpfmon
