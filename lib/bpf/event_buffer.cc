#include "bpf/event_buffer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace ebpfmon {

// What the kernel puts in a perf buffer: a sample (our record, copied out
// to be delivered in time order) or a count of those it could not put there.
bpf_perf_event_ret EventBuffer::on_perf_event(void* ctx, int /*cpu*/, perf_event_header* event) {
  auto* self = static_cast<EventBuffer*>(ctx);
  const auto* body = reinterpret_cast<const unsigned char*>(event) + sizeof *event;
  if (event->type == PERF_RECORD_SAMPLE) {  // u32 size, then the record
    uint32_t size = 0;
    std::memcpy(&size, body, sizeof size);
    PerfRecord record{0, self->perf_bytes_.size(), size};
    if (size >= sizeof record.ts_ns)
      std::memcpy(&record.ts_ns, body + sizeof size, sizeof record.ts_ns);
    self->perf_bytes_.insert(self->perf_bytes_.end(), body + sizeof size,
                             body + sizeof size + size);
    self->perf_batch_.push_back(record);
  } else if (event->type == PERF_RECORD_LOST) {  // u64 id, u64 lost
    uint64_t lost = 0;
    std::memcpy(&lost, body + sizeof(uint64_t), sizeof lost);
    self->lost_ += lost;
  }
  return LIBBPF_PERF_EVENT_CONT;
}

Result<std::unique_ptr<EventBuffer>> EventBuffer::open(int map_fd, size_t perf_pages_per_cpu,
                                                       Handler handler) {
  bpf_map_info info{};
  __u32 info_len = sizeof info;
  if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len) != 0)
    return Error::runtime(std::string("cannot inspect the BPF events map: ") + std::strerror(errno));
  // The constructor is private: buffers exist only once opened.
  std::unique_ptr<EventBuffer> buffer(new EventBuffer(std::move(handler)));
  auto opened = info.type == BPF_MAP_TYPE_RINGBUF ? buffer->open_ring(map_fd, info.max_entries)
                                                  : buffer->open_perf(map_fd, perf_pages_per_cpu);
  if (!opened) return opened.error();
  return buffer;
}

Result<void> EventBuffer::open_ring(int map_fd, size_t data_bytes) {
  page_bytes_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  ring_bytes_ = data_bytes;
  // The kernel lays the map out as: the consumer page (ours, writable), the
  // producer page, then the data (both read-only).
  void* consumer = mmap(nullptr, page_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (consumer == MAP_FAILED)
    return Error::runtime(std::string("cannot map the BPF ring buffer: ") + std::strerror(errno));
  consumer_pos_ = static_cast<uint64_t*>(consumer);
  void* producer = mmap(nullptr, page_bytes_ + ring_bytes_, PROT_READ, MAP_SHARED, map_fd,
                        static_cast<off_t>(page_bytes_));
  if (producer == MAP_FAILED)
    return Error::runtime(std::string("cannot map the BPF ring buffer: ") + std::strerror(errno));
  producer_pos_ = static_cast<const uint64_t*>(producer);
  ring_data_ = static_cast<const unsigned char*>(producer) + page_bytes_;
  ring_epoll_ = UniqueFd(epoll_create1(EPOLL_CLOEXEC));
  epoll_event ev{};
  ev.events = EPOLLIN;
  if (!ring_epoll_ || epoll_ctl(ring_epoll_.get(), EPOLL_CTL_ADD, map_fd, &ev) != 0)
    return Error::runtime(std::string("cannot poll the BPF ring buffer: ") + std::strerror(errno));
  return {};
}

// As libbpf's ringbuf_process_ring: a record's 8-byte header holds its
// length with a busy bit (still being written: stop there) and a discard
// bit (skip it). Each record is released as soon as it is handled, so the
// kernel can reuse the space while the rest are read.
size_t EventBuffer::consume_ring() {
  const size_t mask = ring_bytes_ - 1;
  uint64_t consumer = __atomic_load_n(consumer_pos_, __ATOMIC_ACQUIRE);
  size_t records = 0;
  bool progress = true;
  while (progress) {
    progress = false;
    const uint64_t producer = __atomic_load_n(producer_pos_, __ATOMIC_ACQUIRE);
    while (consumer < producer) {
      const size_t at = consumer & mask;
      const auto* header = reinterpret_cast<const uint32_t*>(ring_data_ + at);
      const uint32_t word = __atomic_load_n(header, __ATOMIC_ACQUIRE);
      if (word & BPF_RINGBUF_BUSY_BIT) return records;
      const uint32_t size = word & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
      consumer += (size + BPF_RINGBUF_HDR_SZ + 7) & ~uint64_t{7};
      progress = true;
      if (!(word & BPF_RINGBUF_DISCARD_BIT)) {
        // Headers are 8-byte aligned in a power-of-two area, so only the
        // sample can wrap.
        const size_t start = (at + BPF_RINGBUF_HDR_SZ) & mask;
        const size_t first = std::min<size_t>(size, ring_bytes_ - start);
        if (first == size) {
          handler_(ring_data_ + start, size);
        } else {
          wrapped_.resize(size);
          std::memcpy(wrapped_.data(), ring_data_ + start, first);
          std::memcpy(wrapped_.data() + first, ring_data_, size - first);
          handler_(wrapped_.data(), size);
        }
        ++records;
      }
      __atomic_store_n(consumer_pos_, consumer, __ATOMIC_RELEASE);
    }
  }
  return records;
}

// As on the ring buffer, the reader is woken per batch: once a quarter of
// a CPU's buffer is waiting (libbpf's perf_buffer__new wakes it for every
// record); the runner's timer reads the rest. A read takes every CPU's
// buffer, one after another, and delivers the lot by timestamp, so that a
// record is not handled before an earlier one from another CPU (an exec's
// parent_exec_id needs its parent's exec first).
Result<void> EventBuffer::open_perf(int map_fd, size_t pages_per_cpu) {
  perf_event_attr attr{};
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_BPF_OUTPUT;
  attr.sample_type = PERF_SAMPLE_RAW;
  attr.sample_period = 1;
  attr.watermark = 1;
  attr.wakeup_watermark =
      static_cast<uint32_t>(pages_per_cpu * static_cast<size_t>(getpagesize()) / 4);
  perf_ = perf_buffer__new_raw(map_fd, pages_per_cpu, &attr, on_perf_event, this, nullptr);
  if (perf_ == nullptr)
    return Error::runtime(std::string("cannot open the BPF perf buffer: ") + std::strerror(errno),
                          "raise the locked-memory limit or lower the buffer size");
  return {};
}

size_t EventBuffer::deliver_perf_batch() {
  std::stable_sort(perf_batch_.begin(), perf_batch_.end(),
                   [](const PerfRecord& a, const PerfRecord& b) { return a.ts_ns < b.ts_ns; });
  for (const PerfRecord& r : perf_batch_) handler_(perf_bytes_.data() + r.offset, r.size);
  const size_t records = perf_batch_.size();
  perf_batch_.clear();
  perf_bytes_.clear();
  return records;
}

EventBuffer::~EventBuffer() {
  if (consumer_pos_ != nullptr) munmap(consumer_pos_, page_bytes_);
  if (producer_pos_ != nullptr)
    munmap(const_cast<uint64_t*>(producer_pos_), page_bytes_ + ring_bytes_);
  if (perf_ != nullptr) perf_buffer__free(perf_);
}

int EventBuffer::epoll_fd() const {
  return is_ring() ? ring_epoll_.get() : perf_buffer__epoll_fd(perf_);
}

Result<size_t> EventBuffer::consume() {
  if (is_ring()) return consume_ring();
  const int rc = perf_buffer__consume(perf_);
  const size_t records = deliver_perf_batch();
  if (rc < 0 && rc != -EINTR)
    return Error::runtime(std::string("reading the BPF event buffer failed: ") + std::strerror(-rc));
  return records;
}

}  // namespace ebpfmon
