// libFuzzer entry point: the YAML config loader (see checks.h).
#include <cstdio>
#include <cstdlib>

#include "checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken = ebpfmon::fuzz::check_config(data, size);
  if (!broken.empty()) {
    std::fprintf(stderr, "fuzz_config: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
