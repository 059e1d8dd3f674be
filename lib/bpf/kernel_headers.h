// Where BCC finds kernel struct layouts.
//
// BCC compiles against a kernel "build" tree. When the kernel has BTF
// (/sys/kernel/btf/vmlinux), whose layouts are by definition the running
// kernel's, we generate a minimal tree from it and point BCC_KERNEL_SOURCE at
// it. Otherwise the running kernel's own installed headers are used
// unchanged. Headers of another kernel version are never used: their struct
// offsets are wrong.
#pragma once

#include <cstddef>
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

// Generates (and caches) a BTF-derived tree under cache_dir, or without BTF
// finds installed headers for the running kernel. Sets BCC_KERNEL_SOURCE for
// the former.
Result<KernelHeaders> locate_kernel_headers(const std::filesystem::path& cache_dir);

// $EBPFMON_CACHE_DIR, else /var/cache/ebpfmon.
std::filesystem::path kernel_cache_dir();

// The kernel a BTF-derived tree describes.
struct KernelDescription {
  std::filesystem::path btf;     // its BTF: raw, or an ELF with a .BTF section
  std::string release;           // as uname -r says it: gives LINUX_VERSION_CODE
  std::filesystem::path config;  // its .config, gzipped or not
};

// The running kernel: /sys/kernel/btf/vmlinux, uname, /proc/config.gz (or
// /boot/config-<release> without it).
KernelDescription running_kernel();

// Generates the BTF-derived tree into dir (exposed for tests, which also
// generate trees of kernels other than the running one).
Result<void> generate_btf_kernel_tree(const KernelDescription& kernel,
                                      const std::filesystem::path& dir);

// The helper ids (BPF_FUNC_*) that libbcc's helpers.h names, read from the
// libbcc built against (scripts/gen_bcc_helper_names.py).
extern const char* const kBccHelperIds[];
extern const size_t kBccHelperIdCount;

}  // namespace ebpfmon
