#include "bpf/hook.h"

#include <utility>

namespace ebpfmon {

const char* hook_type_name(HookType type) {
  switch (type) {
    case HookType::Tracepoint: return "tracepoint";
    case HookType::RawTracepoint: return "raw tracepoint";
    case HookType::Kprobe: return "kprobe";
    case HookType::Fentry: return "fentry";
    case HookType::TaskIterator:
      return "iterator";
  }
  return "hook";
}

std::string bcc_function_name(HookType type, const std::string& target) {
  switch (type) {
    case HookType::Tracepoint: {
      // "category:event" is TRACEPOINT_PROBE(category, event).
      std::string name = "tracepoint__" + target;
      if (const size_t colon = name.find(':'); colon != std::string::npos)
        name.replace(colon, 1, "__");
      return name;
    }
    case HookType::RawTracepoint: return "raw_tracepoint__" + target;
    case HookType::Kprobe: return "kprobe__" + target;
    case HookType::Fentry: return "kfunc__" + target;
    case HookType::TaskIterator:
      return "bpf_iter__" + target;
  }
  return target;
}

HookSpec::HookSpec(HookType type, std::string target)
    : type(type), target(std::move(target)), function(bcc_function_name(type, this->target)) {}

HookSpec::HookSpec(HookType type, std::string target, std::string function)
    : type(type), target(std::move(target)), function(std::move(function)) {}

}  // namespace ebpfmon
