// Where events go. Sinks know nothing of BPF; monitors know nothing of files.
#pragma once

#include <cstdint>
#include <string>

#include "core/event.h"
#include "core/result.h"

namespace ebpfmon {

class Sink {
 public:
  virtual ~Sink() = default;
  // Accepts one event; may buffer it. Never throws.
  virtual void write(const Event& event) = 0;
  // Writes out whatever is buffered. An error is reported once and the sink
  // stops accepting events (they are counted in dropped()).
  virtual Result<void> flush() = 0;
  // Events this sink accepted but could not deliver (write errors).
  virtual uint64_t dropped() const { return 0; }
  // Events delivered to their destination.
  virtual uint64_t written() const { return 0; }
};

}  // namespace ebpfmon
