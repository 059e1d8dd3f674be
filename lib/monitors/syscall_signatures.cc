#include "monitors/syscall_signatures.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "core/fd_io.h"
#include "core/unique_fd.h"
#include "monitors/syscall_table.h"

namespace ebpfmon {
namespace {

constexpr size_t kMaxSyscallArgs = 6;

// A row of the generated table: arguments after the last are {nullptr, nullptr}.
struct BuiltInArg {
  const char* type;
  const char* name;
};
struct BuiltInSignature {
  const char* name;  // the tracepoint's: "sendfile64"
  BuiltInArg args[kMaxSyscallArgs];
};

#include "monitors/syscall_signatures_builtin.inc"

// A tracepoint is named after the kernel function (its SYSCALL_DEFINE); these
// x86_64 syscalls are numbered in <asm/unistd.h> under another name.
struct TracepointAlias {
  const char* syscall;
  const char* tracepoint;
};
constexpr TracepointAlias kTracepointAliases[] = {
    {"fstat", "newfstat"},      {"lstat", "newlstat"}, {"stat", "newstat"},
    {"sendfile", "sendfile64"}, {"uname", "newuname"}, {"umount2", "umount"},
};

const char* tracepoint_name(const char* syscall) {
  for (const TracepointAlias& alias : kTracepointAliases)
    if (std::strcmp(alias.syscall, syscall) == 0) return alias.tracepoint;
  return syscall;
}

const BuiltInSignature* find_built_in(const char* tracepoint) {
  const auto* end = std::end(kBuiltInSignatures);
  const auto* it = std::lower_bound(std::begin(kBuiltInSignatures), end, tracepoint,
                                    [](const BuiltInSignature& row, const char* name) {
                                      return std::strcmp(row.name, name) < 0;
                                    });
  return it != end && std::strcmp(it->name, tracepoint) == 0 ? it : nullptr;
}

SyscallSignature from_row(const char* syscall, const BuiltInSignature& row) {
  SyscallSignature signature{syscall, {}};
  for (const BuiltInArg& arg : row.args) {
    if (arg.type == nullptr) break;
    signature.args.push_back({arg.type, arg.name});
  }
  return signature;
}

// The line starting at `pos`, without its newline; `pos` moves past it.
std::string_view next_line(std::string_view text, size_t& pos) {
  const size_t end = std::min(text.find('\n', pos), text.size());
  const std::string_view line = text.substr(pos, end - pos);
  pos = end + 1;
  return line;
}

std::string_view trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// "field:const char * filename;\toffset:24;..." -> {"const char *", "filename"}.
std::optional<SyscallArg> parse_field(std::string_view line) {
  constexpr std::string_view kField = "field:";
  const size_t semicolon = line.find(';');
  if (line.substr(0, kField.size()) != kField || semicolon == std::string_view::npos)
    return std::nullopt;
  const std::string_view declaration = line.substr(kField.size(), semicolon - kField.size());
  const size_t space = declaration.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view type = trim(declaration.substr(0, space));
  const std::string_view name = declaration.substr(space + 1);
  if (type.empty() || name.empty()) return std::nullopt;
  return SyscallArg{std::string(type), std::string(name)};
}

// Tracefs formats are generated text of about a kilobyte: one open, read to end.
bool read_format(int syscalls_dir, const char* tracepoint, std::string& text) {
  const std::string path = std::string("sys_enter_") + tracepoint + "/format";
  const UniqueFd fd(openat(syscalls_dir, path.c_str(), O_RDONLY | O_CLOEXEC));
  text.clear();
  return fd && read_all(fd.get(), text);
}

}  // namespace

std::optional<SyscallSignature> SyscallSignatures::parse_format(std::string_view name,
                                                                std::string_view text) {
  constexpr std::string_view kEnterName = "name: sys_enter_";
  constexpr std::string_view kNrField = "field:int __syscall_nr;";
  if (text.substr(0, kEnterName.size()) != kEnterName) return std::nullopt;
  size_t pos = text.find(kNrField);
  if (pos == std::string_view::npos) return std::nullopt;
  next_line(text, pos);
  // The arguments are the fields after __syscall_nr, up to the blank line.
  SyscallSignature signature{std::string(name), {}};
  while (pos < text.size()) {
    const std::string_view line = trim(next_line(text, pos));
    if (line.empty()) break;
    auto arg = parse_field(line);
    if (!arg) return std::nullopt;
    // Kernels that copy user strings into the event append them as __data_loc
    // fields: copies of arguments, not arguments.
    if (arg->type.rfind("__data_loc", 0) == 0) continue;
    if (signature.args.size() == kMaxSyscallArgs) return std::nullopt;
    signature.args.push_back(std::move(*arg));
  }
  return signature;
}

// At monitor start: on 6.18 x86_64 its 340 formats cost about 1.5 ms, most of it
// tracefs printing them, so each is one openat under one open directory and one
// read to end, parsed without regexes.
SyscallSignatures SyscallSignatures::load(const std::string& events_dir) {
  SyscallSignatures loaded;
  loaded.entries_.reserve(kSyscallNameCount);
  const UniqueFd syscalls_dir(events_dir.empty() ? -1
                                                 : open((events_dir + "/syscalls").c_str(),
                                                        O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::string text;
  for (size_t i = 0; i < kSyscallNameCount; ++i) {
    const SyscallName& syscall = kSyscallNames[i];
    const char* tracepoint = tracepoint_name(syscall.name);
    std::optional<SyscallSignature> parsed;
    if (syscalls_dir && read_format(syscalls_dir.get(), tracepoint, text))
      parsed = parse_format(syscall.name, text);
    if (parsed) {
      loaded.entries_.push_back({syscall.nr, SignatureSource::Tracefs, std::move(*parsed)});
      ++loaded.from_tracefs_;
    } else if (const BuiltInSignature* row = find_built_in(tracepoint)) {
      loaded.entries_.push_back(
          {syscall.nr, SignatureSource::BuiltIn, from_row(syscall.name, *row)});
    }
  }
  return loaded;
}

const SyscallSignatures::Entry* SyscallSignatures::entry(int nr) const {
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), nr,
                                   [](const Entry& e, int n) { return e.nr < n; });
  return it != entries_.end() && it->nr == nr ? &*it : nullptr;
}

const SyscallSignature* SyscallSignatures::find(int nr) const {
  const Entry* e = entry(nr);
  return e != nullptr ? &e->signature : nullptr;
}

SignatureSource SyscallSignatures::source(int nr) const {
  const Entry* e = entry(nr);
  return e != nullptr ? e->source : SignatureSource::BuiltIn;
}

size_t SyscallSignatures::from_tracefs() const {
  return from_tracefs_;
}

size_t SyscallSignatures::from_builtin() const {
  return entries_.size() - from_tracefs_;
}

const char* SyscallSignatures::built_in_kernel_release() {
  return kBuiltInKernelRelease;
}

}  // namespace ebpfmon
