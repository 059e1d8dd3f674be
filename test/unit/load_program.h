// Compiles a program with the helper (no cache) and loads it, as a tool does.
#pragma once

#include <filesystem>

#include "bpf/program_loader.h"

namespace ebpfmon {

inline Result<std::unique_ptr<BpfProgram>> load_uncached(const ProgramSpec& spec) {
  ProgramLoader loader(ProgramCache(std::filesystem::path()), "unit test");
  return loader.load(spec);
}

}  // namespace ebpfmon
