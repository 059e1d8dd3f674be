// libFuzzer entry point: the CSV and JSON-lines writers (see checks.h).
#include <cstdio>
#include <cstdlib>

#include "checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken = ebpfmon::fuzz::check_formats(data, size);
  if (!broken.empty()) {
    std::fprintf(stderr, "fuzz_formats: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
