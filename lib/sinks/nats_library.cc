#include "sinks/nats_library.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace ebpfmon {
namespace {

// The soname the build linked against (meson.build); Debian's libnats3.4.
constexpr const char* kSoname = EBPFMON_LIBNATS_SONAME;

}  // namespace

Result<const NatsLibrary*> load_nats_library() {
  static std::once_flag once;
  static NatsLibrary library;
  static std::string error;
  std::call_once(once, [] {
    // Never closed: libnats keeps threads and state until the process ends.
    void* handle = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      error = dlerror();
      return;
    }
#define EBPFMON_NATS_RESOLVE(name)                                          \
  library.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name)); \
  if (library.name == nullptr && error.empty()) error = std::string(kSoname) + ": no " #name;
    EBPFMON_NATS_FUNCTIONS(EBPFMON_NATS_RESOLVE)
#undef EBPFMON_NATS_RESOLVE
  });
  if (!error.empty())
    return Error::runtime("export: cannot load the NATS client library: " + error,
                          "install libnats3.4 (the export to NATS JetStream needs it)");
  return &library;
}

}  // namespace ebpfmon
