// Each syscall's argument names and C types, for showing a syscall's
// arguments: from the running kernel's syscall tracepoint formats
// (<events>/syscalls/sys_enter_<name>/format), else from a table generated
// from one kernel's formats (scripts/gen-syscall-signatures).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ebpfmon {

struct SyscallArg {
  std::string type;  // as the format says: "const char *", "unsigned int", "umode_t"
  std::string name;  // "filename"
};

struct SyscallSignature {
  std::string name;              // "openat"
  std::vector<SyscallArg> args;  // at most 6, in register order
};

enum class SignatureSource { Tracefs, BuiltIn };

class SyscallSignatures {
 public:
  // Every syscall this build knows (kSyscallNames in monitors/syscall_table.h), from
  // <events_dir>/syscalls/sys_enter_<name>/format where it exists and parses, otherwise from
  // the built-in table. events_dir "" (tracefs not mounted): built-in only.
  static SyscallSignatures load(const std::string& events_dir);
  // nullptr: no signature from either source for this number.
  const SyscallSignature* find(int nr) const;
  // Where the signature of `nr` came from (only meaningful when find(nr) is not null).
  SignatureSource source(int nr) const;
  size_t from_tracefs() const;  // how many came from each source, for --doctor
  size_t from_builtin() const;
  // One parse of one format file's text; nullopt when it is not a syscall format.
  static std::optional<SyscallSignature> parse_format(std::string_view name,
                                                      std::string_view format_text);
  // The `uname -r` of the kernel the built-in table was generated from.
  static const char* built_in_kernel_release();

 private:
  struct Entry {
    int nr;
    SignatureSource source;
    SyscallSignature signature;
  };
  const Entry* entry(int nr) const;

  std::vector<Entry> entries_;  // sorted by number
  size_t from_tracefs_ = 0;
};

}  // namespace ebpfmon
