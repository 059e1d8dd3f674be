// Runs ebpfmon-compile, the helper process that alone links libbcc and LLVM:
// the tools start it only when the program cache misses, and the memory a
// compile takes (tens of MB) goes away with it.
#pragma once

#include <string>
#include <vector>

#include "bpf/compiled_object.h"
#include "core/result.h"

namespace ebpfmon {

// $EBPFMON_COMPILER, else ebpfmon-compile beside the running tool (a build
// tree), else where it is installed (<libexecdir>/ebpfmon).
std::string compile_helper_path();

// Compiles each request in a helper of its own, as many at once as there are
// CPUs; the results are in the requests' order. Clang's diagnostics go to
// the debug log.
std::vector<Result<CompiledObject>> compile_in_helpers(const std::vector<CompileRequest>& requests);

}  // namespace ebpfmon
