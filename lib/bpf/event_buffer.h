// Reads records from a BPF ring buffer, or a perf buffer where ring buffers
// are missing. Both are polled through one epoll fd from the event loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/result.h"

struct ring_buffer;
struct perf_buffer;

namespace ebpfmon {

class EventBuffer {
 public:
  // Called for every record, in the polling thread. Perf records are only
  // 4-byte aligned: copy out with memcpy.
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
  bool is_ring() const { return ring_ != nullptr; }

 private:
  explicit EventBuffer(Handler handler) : handler_(std::move(handler)) {}
  Result<void> open_ring(int map_fd);
  Result<void> open_perf(int map_fd, size_t pages_per_cpu);
  static int on_ring_record(void* ctx, void* data, size_t size);
  static void on_perf_record(void* ctx, int cpu, void* data, uint32_t size);
  static void on_perf_lost(void* ctx, int cpu, unsigned long long count);

  Handler handler_;
  ring_buffer* ring_ = nullptr;
  perf_buffer* perf_ = nullptr;
  uint64_t lost_ = 0;
  size_t consumed_ = 0;
};

}  // namespace ebpfmon
