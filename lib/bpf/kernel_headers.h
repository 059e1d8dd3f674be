// Where BCC finds kernel struct layouts.
//
// BCC compiles against a kernel "build" tree. When the running kernel's own
// headers are installed we use them unchanged. Otherwise we generate a minimal
// tree from the kernel's BTF (/sys/kernel/btf/vmlinux), whose layouts are by
// definition the running kernel's, and point BCC_KERNEL_SOURCE at it. Headers
// of another kernel version are never used: their struct offsets are wrong.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace ebpfmon {

struct KernelHeaders {
  enum class Kind { Installed, GeneratedFromBtf };
  Kind kind;
  std::filesystem::path root;  // the tree BCC compiles against
  // Changes whenever the layouts may have: part of the program cache's key.
  std::string fingerprint;

  std::string describe() const;
};

// Finds installed headers for the running kernel, or generates (and caches)
// a BTF-derived tree under cache_dir. Sets BCC_KERNEL_SOURCE for the latter.
Result<KernelHeaders> locate_kernel_headers(const std::filesystem::path& cache_dir);

// $EBPFMON_CACHE_DIR, else /var/cache/ebpfmon.
std::filesystem::path kernel_cache_dir();

// Generates the BTF-derived tree into dir (exposed for tests). btf_path is
// normally /sys/kernel/btf/vmlinux.
Result<void> generate_btf_kernel_tree(const std::filesystem::path& btf_path,
                                      const std::filesystem::path& dir);

}  // namespace ebpfmon
