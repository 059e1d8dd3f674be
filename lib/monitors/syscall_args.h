// syscallmon's arguments: how each argument of each syscall is shown, from
// the kernel's names and types (SyscallSignatures) and our table of named
// value sets (syscall_arg_names.h), and what the kernel reads behind them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "ebpf/syscall.h"
#include "monitors/syscall_arg_names.h"
#include "monitors/syscall_signatures.h"

namespace ebpfmon {

enum class ArgShow : uint8_t {
  Signed,    // decimal
  Unsigned,  // decimal
  Pointer,   // hex, NULL for 0: output buffers and structs are never read
  Fd,        // the number and what it points to: 3</var/log/app.log>
  DirFd,     // AT_FDCWD, or as Fd
  String,    // a path or name read from user memory, quoted
  Sockaddr,  // an address read from user memory: 127.0.0.1:9
  Named,     // a flag set or an enum by name: O_RDONLY|O_CLOEXEC
};

struct ArgSpec {
  std::string name;  // the kernel's: filename, uservaddr
  ArgShow show = ArgShow::Signed;
  ArgNames names = ArgNames::OpenFlags;  // with ArgShow::Named
  bool wide = true;                      // 64 bits; false: the register's low 32 are the value
};

struct SyscallArgSpecs {
  std::vector<ArgSpec> args;
  bool returns_fd = false;
};

// One event's arguments, rendered.
struct RenderedArgs {
  ValueRecord args;        // keyed by the kernel's names; its text is the strace-like line
  uint64_t truncated = 0;  // strings and paths cut at --string-bytes
  std::string ret_target;  // what a returned fd points to
};

class SyscallArgTable {
 public:
  explicit SyscallArgTable(const SyscallSignatures& signatures);
  const SyscallArgSpecs* find(int nr) const;
  // What the kernel reads behind the arguments of `nr` (syscall_class's
  // capture_arg and capture_kind): strings and addresses first, then fds.
  void set_captures(int nr, syscall_class& out) const;

  // The event's arguments; `captures` are the record's bytes after the
  // event: its capture headers, each followed by its data padded to 8
  // (SYSCALL_CAPTURE_BYTES). Nothing when they run past the record.
  std::optional<RenderedArgs> render(const syscall_event& event, std::string_view captures) const;

 private:
  std::vector<std::optional<SyscallArgSpecs>> specs_;  // by number
};

// Appends one capture as the kernel packs it: the header (its len set to
// data's size), the data, zeros to 8 bytes. For captures made in user space
// (a call that hangs, read from /proc) and tests.
void append_capture(std::string& captures, syscall_capture header, std::string_view data);

// The kernel's SYSCALL_DATA_POW2 for --string-bytes: the power of two >= it
// and a name (each capture reads into an area twice that).
size_t capture_data_pow2(uint32_t string_bytes);

}  // namespace ebpfmon
