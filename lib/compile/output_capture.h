// libbcc and clang print straight to fds 1 and 2: compile diagnostics, and
// notices that are harmless here (a kernel without the crypto socket cannot
// compute program tags). Capturing both keeps the helper's stdout for the
// compiled object and lets its error message quote clang.
#pragma once

#include <cstdio>
#include <string>

namespace ebpfmon {

class OutputCapture {
 public:
  OutputCapture();
  ~OutputCapture() { finish(); }
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;

  // Restores the fds and returns what was printed, minus known noise.
  std::string finish();

 private:
  FILE* file_ = nullptr;
  int saved_out_ = -1;
  int saved_err_ = -1;
};

}  // namespace ebpfmon
