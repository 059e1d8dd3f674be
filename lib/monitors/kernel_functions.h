// Which kernel functions funcmon may trace, and which function an
// instruction address belongs to.
//
// Candidates are the text symbols of /proc/kallsyms that are also in
// tracefs available_filter_functions (when the kernel lets us read it), minus
// the kprobe blacklist, minus the tracing machinery itself and compiler
// clones (names with a '.'), deduplicated and sorted by name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace ebpfmon {

struct KernelFunctionSources {
  std::filesystem::path kallsyms = "/proc/kallsyms";
  std::filesystem::path filter_functions;  // empty: look under tracefs and debugfs
  std::filesystem::path blacklist = "/sys/kernel/debug/kprobes/blacklist";
};

class KernelFunctions {
 public:
  static Result<KernelFunctions> load(const KernelFunctionSources& sources = {});

  // Candidates matching the globs: the first glob's matches by name, then
  // the next glob's new ones, and so on. So `vfs_read 'vfs_*' --limit 10`
  // keeps vfs_read whatever the limit.
  std::vector<std::string> matching(const std::vector<std::string>& globs) const;
  // The function whose text contains `address`; "" when none does.
  std::string name_at(uint64_t address) const;
  bool filter_list_checked() const { return filter_list_checked_; }
  const std::vector<std::string>& candidates() const { return candidates_; }

  // Those of `names` that the kernel's BTF describes as functions: the only
  // ones an fentry program can attach to.
  static std::vector<std::string> with_btf(const std::vector<std::string>& names);

  // The tracing machinery, which probes must not recurse into, and symbols
  // that are never attachable (see kernel_functions.cc).
  static bool is_excluded(const std::string& name);

 private:
  struct Symbol {
    uint64_t address;
    std::string name;
  };
  std::vector<Symbol> text_;             // every text symbol, by address
  std::vector<std::string> candidates_;  // sorted, unique
  bool filter_list_checked_ = false;
};

}  // namespace ebpfmon
