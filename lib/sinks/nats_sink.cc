#include "sinks/nats_sink.h"

#include "sinks/formats.h"

namespace ebpfmon {

void NatsSink::write(const Event& event) {
  line_.clear();
  append_jsonl_record(line_, schema_, event);
  // The row is one object ended by "}\n": the two fields go before its brace.
  while (!line_.empty() && (line_.back() == '\n' || line_.back() == '}')) {
    const bool brace = line_.back() == '}';
    line_.pop_back();
    if (brace) break;
  }
  line_ += line_.size() > 1 ? ",\"host\":" : "\"host\":";
  append_json_string(line_, exporter_->host());
  line_ += ",\"monitor\":";
  append_json_string(line_, monitor_);
  line_ += '}';
  if (!exporter_->enqueue(monitor_, ++seq_, line_)) ++lost_;
}

}  // namespace ebpfmon
