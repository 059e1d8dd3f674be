// libFuzzer entry point: compiled objects, program cache entries and compile
// requests, the bytes the tools read from the cache and the helper (checks.h).
#include <cstdio>
#include <cstdlib>

#include "checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken = ebpfmon::fuzz::check_program(data, size);
  if (!broken.empty()) {
    std::fprintf(stderr, "fuzz_program: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
