// The one place libbcc is used: compile a request and describe the result
// as a CompiledObject. Only ebpfmon-compile links it.
#pragma once

#include <string>

#include "bpf/compiled_object.h"
#include "core/result.h"

namespace ebpfmon {

// Clang's and libbcc's output goes to `diagnostics` either way.
Result<CompiledObject> compile_with_bcc(const CompileRequest& request, std::string& diagnostics);

}  // namespace ebpfmon
