#include "bpf/event_buffer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ebpfmon {

int EventBuffer::on_ring_record(void* ctx, void* data, size_t size) {
  auto* self = static_cast<EventBuffer*>(ctx);
  self->handler_(data, size);
  ++self->consumed_;
  return 0;
}

void EventBuffer::on_perf_record(void* ctx, int /*cpu*/, void* data, uint32_t size) {
  auto* self = static_cast<EventBuffer*>(ctx);
  self->handler_(data, size);
  ++self->consumed_;
}

void EventBuffer::on_perf_lost(void* ctx, int /*cpu*/, unsigned long long count) {
  static_cast<EventBuffer*>(ctx)->lost_ += count;
}

Result<std::unique_ptr<EventBuffer>> EventBuffer::open(int map_fd, size_t perf_pages_per_cpu,
                                                       Handler handler) {
  bpf_map_info info{};
  __u32 info_len = sizeof info;
  if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len) != 0)
    return Error::runtime(std::string("cannot inspect the BPF events map: ") + std::strerror(errno));
  // The constructor is private: buffers exist only once opened.
  std::unique_ptr<EventBuffer> buffer(new EventBuffer(std::move(handler)));
  auto opened = info.type == BPF_MAP_TYPE_RINGBUF ? buffer->open_ring(map_fd)
                                                  : buffer->open_perf(map_fd, perf_pages_per_cpu);
  if (!opened) return opened.error();
  return buffer;
}

Result<void> EventBuffer::open_ring(int map_fd) {
  ring_ = ring_buffer__new(map_fd, on_ring_record, this, nullptr);
  if (ring_ == nullptr)
    return Error::runtime(std::string("cannot open the BPF ring buffer: ") + std::strerror(errno));
  return {};
}

Result<void> EventBuffer::open_perf(int map_fd, size_t pages_per_cpu) {
  perf_ = perf_buffer__new(map_fd, pages_per_cpu, on_perf_record, on_perf_lost, this, nullptr);
  if (perf_ == nullptr)
    return Error::runtime(std::string("cannot open the BPF perf buffer: ") + std::strerror(errno),
                          "raise the locked-memory limit or lower the buffer size");
  return {};
}

EventBuffer::~EventBuffer() {
  if (ring_ != nullptr) ring_buffer__free(ring_);
  if (perf_ != nullptr) perf_buffer__free(perf_);
}

int EventBuffer::epoll_fd() const {
  return ring_ != nullptr ? ring_buffer__epoll_fd(ring_) : perf_buffer__epoll_fd(perf_);
}

Result<size_t> EventBuffer::consume() {
  const size_t before = consumed_;
  const int rc = ring_ != nullptr ? ring_buffer__consume(ring_) : perf_buffer__consume(perf_);
  if (rc < 0 && rc != -EINTR)
    return Error::runtime(std::string("reading the BPF event buffer failed: ") + std::strerror(-rc));
  return consumed_ - before;
}

}  // namespace ebpfmon
