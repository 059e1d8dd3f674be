#include "compile/output_capture.h"

#include <unistd.h>

#include <sstream>

namespace ebpfmon {

OutputCapture::OutputCapture() {
  std::fflush(stdout);
  std::fflush(stderr);
  file_ = std::tmpfile();
  if (file_ == nullptr) return;
  saved_out_ = dup(STDOUT_FILENO);
  saved_err_ = dup(STDERR_FILENO);
  dup2(fileno(file_), STDOUT_FILENO);
  dup2(fileno(file_), STDERR_FILENO);
}

std::string OutputCapture::finish() {
  if (file_ == nullptr) return {};
  std::fflush(stdout);
  std::fflush(stderr);
  dup2(saved_out_, STDOUT_FILENO);
  dup2(saved_err_, STDERR_FILENO);
  close(saved_out_);
  close(saved_err_);
  std::rewind(file_);
  std::string text, line;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) text.append(buf, n);
  std::fclose(file_);
  file_ = nullptr;
  std::istringstream lines(text);
  std::string kept;
  while (std::getline(lines, line)) {
    if (line.find("sha1 socket not available") != std::string::npos ||
        line.find("cannot get prog tag") != std::string::npos || line.empty())
      continue;
    kept += line + "\n";
  }
  return kept;
}

}  // namespace ebpfmon
