#include "monitors/syscall_args.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "core/text.h"
#include "monitors/syscall_arg_text.h"
#include "monitors/syscall_table.h"

namespace ebpfmon {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The C types of syscall arguments that are not 64-bit unsigned, by how
// they read: the register's low 32 bits, and whether signed.
struct IntType {
  std::string_view name;
  bool wide;
  bool is_signed;
};
constexpr IntType kIntTypes[] = {
    {"int", false, true},           {"pid_t", false, true},     {"timer_t", false, true},
    {"mqd_t", false, true},         {"key_t", false, true},     {"rwf_t", false, true},
    {"key_serial_t", false, true},  {"clockid_t", false, true}, {"__s32", false, true},
    {"unsigned int", false, false}, {"unsigned", false, false}, {"u32", false, false},
    {"__u32", false, false},        {"uid_t", false, false},    {"gid_t", false, false},
    {"qid_t", false, false},        {"umode_t", false, false},  {"long", true, true},
    {"loff_t", true, true},         {"off_t", true, true},
};

// `char *` arguments that are strings the caller passes in (mount's).
constexpr std::string_view kMutableStringNames[] = {"filename", "dev_name", "dir_name", "type"};
// `const char *` arguments that are bytes, not strings.
constexpr std::string_view kByteBufferNames[] = {"buf", "u_msg_ptr"};

// `unsigned long` arguments that are addresses.
constexpr std::string_view kAddressNames[] = {"addr", "start", "brk", "new_addr"};

template <class Range>
bool contains(const Range& range, std::string_view name) {
  for (std::string_view n : range)
    if (n == name) return true;
  return false;
}

// dfd, olddfd and newdfd are DirFd in the names table; these are the rest.
bool is_fd_name(std::string_view name) {
  return name == "fd" || ends_with(name, "fd") || starts_with(name, "fd_");
}

// Syscalls whose return value is a new fd.
constexpr std::string_view kFdReturning[] = {
    "open",
    "openat",
    "openat2",
    "creat",
    "socket",
    "accept",
    "accept4",
    "dup",
    "dup2",
    "dup3",
    "eventfd",
    "eventfd2",
    "epoll_create",
    "epoll_create1",
    "signalfd",
    "signalfd4",
    "timerfd_create",
    "inotify_init",
    "inotify_init1",
    "fanotify_init",
    "memfd_create",
    "memfd_secret",
    "pidfd_open",
    "pidfd_getfd",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "open_by_handle_at",
    "open_tree",
    "fsopen",
    "fsmount",
    "fspick",
    "landlock_create_ruleset",
};

ArgSpec arg_spec(const SyscallSignature& sig, size_t i) {
  const SyscallArg& arg = sig.args[i];
  ArgSpec spec;
  spec.name = arg.name;
  std::string_view type = arg.type;
  if (starts_with(type, "const ")) type.remove_prefix(6);
  if (auto names = arg_names_for(sig.name, arg.name)) {
    spec.show = *names == ArgNames::DirFd ? ArgShow::DirFd : ArgShow::Named;
    spec.names = *names;
    spec.wide = false;
    return spec;
  }
  if (type.find('*') != std::string_view::npos) {
    const bool next_is_length =
        i + 1 < sig.args.size() && sig.args[i + 1].type.find('*') == std::string::npos;
    if (arg.type == "const char *" && !contains(kByteBufferNames, arg.name))
      spec.show = ArgShow::String;
    else if (arg.type == "char *" && contains(kMutableStringNames, arg.name))
      spec.show = ArgShow::String;
    else if (type == "struct sockaddr *" && next_is_length)
      spec.show = ArgShow::Sockaddr;  // an input; with an int * length it is an output
    else
      spec.show = ArgShow::Pointer;
    return spec;
  }
  spec.show = ArgShow::Unsigned;
  // Addresses the formats type as integers (mmap's addr, mprotect's start),
  // and ioctl's arg, mostly a pointer to the command's struct.
  if (contains(kAddressNames, arg.name) || (sig.name == "ioctl" && arg.name == "arg")) {
    spec.show = ArgShow::Pointer;
    return spec;
  }
  if (starts_with(type, "enum ")) type = "int";
  for (const IntType& t : kIntTypes) {
    if (t.name != type) continue;
    spec.wide = t.wide;
    spec.show = t.is_signed ? ArgShow::Signed : ArgShow::Unsigned;
  }
  if (is_fd_name(arg.name)) spec.show = ArgShow::Fd;
  return spec;
}

// One argument's register and what was read behind it.
struct ArgValue {
  uint64_t raw = 0;
  const syscall_capture* capture = nullptr;  // null: nothing read
  std::string_view data;
};

// The JSON value and the text of one argument; `target` is set for fds.
struct ShownArg {
  Value json;
  std::string text;
  std::string target = {};
  bool cut = false;
};

ShownArg show_fd(const ArgValue& v) {
  const int fd = static_cast<int>(static_cast<uint32_t>(v.raw));
  ShownArg out{int64_t{fd}, std::to_string(fd), "", false};
  if (v.capture != nullptr) out.target = fd_target_text(*v.capture, v.data);
  if (!out.target.empty()) {
    out.text += "<" + out.target + ">";
    out.cut = v.capture->flags & SYSCALL_CAPTURE_CUT;
  }
  return out;
}

ShownArg show_arg(const ArgSpec& spec, const ArgValue& v) {
  const uint64_t low = static_cast<uint32_t>(v.raw);
  switch (spec.show) {
    case ArgShow::Signed: {
      const int64_t n =
          spec.wide ? static_cast<int64_t>(v.raw) : int64_t{static_cast<int32_t>(low)};
      return {n, std::to_string(n)};
    }
    case ArgShow::Unsigned: {
      const uint64_t n = spec.wide ? v.raw : low;
      return {n, std::to_string(n)};
    }
    case ArgShow::DirFd:
      if (static_cast<int32_t>(low) == -100) return {std::string("AT_FDCWD"), "AT_FDCWD"};
      return show_fd(v);
    case ArgShow::Fd:
      return show_fd(v);
    case ArgShow::Named: {
      std::string name = name_arg(spec.names, v.raw);
      return {name, name};
    }
    case ArgShow::String:
      if (v.capture != nullptr && v.capture->found == SYSCALL_FOUND_STRING) {
        const bool cut = v.capture->flags & SYSCALL_CAPTURE_CUT;
        return {std::string(v.data), quoted_string(v.data, cut), "", cut};
      }
      break;
    case ArgShow::Sockaddr:
      if (v.capture != nullptr && v.capture->found == SYSCALL_FOUND_BYTES) {
        std::string addr = sockaddr_text(v.data);
        return {addr, addr};
      }
      break;
    case ArgShow::Pointer:
      break;
  }
  // A pointer, or one whose memory could not be read: its address.
  std::string text = v.raw == 0 ? "NULL" : hex_text(v.raw);
  return {v.raw, text};
}

}  // namespace

void append_capture(std::string& captures, syscall_capture header, std::string_view data) {
  header.len = static_cast<uint32_t>(data.size());
  const size_t at = captures.size();
  captures.resize(at + SYSCALL_CAPTURE_BYTES(data.size()), '\0');
  std::memcpy(&captures[at], &header, sizeof header);
  std::memcpy(&captures[at + sizeof header], data.data(), data.size());
}

size_t capture_data_pow2(uint32_t string_bytes) {
  size_t pow2 = EBPFMON_NAME_BYTES;
  while (pow2 < string_bytes) pow2 *= 2;
  return pow2;
}

SyscallArgTable::SyscallArgTable(const SyscallSignatures& signatures) : specs_(SYSCALL_NR_SLOTS) {
  for (int nr = 0; nr < SYSCALL_OTHER_SLOT; ++nr) {
    const SyscallSignature* sig = signatures.find(nr);
    if (sig == nullptr) continue;
    SyscallArgSpecs specs;
    for (size_t i = 0; i < sig->args.size() && i < SYSCALL_ARGS; ++i)
      specs.args.push_back(arg_spec(*sig, i));
    specs.returns_fd = contains(kFdReturning, syscall_name(nr));
    specs_[static_cast<size_t>(nr)] = std::move(specs);
  }
}

const SyscallArgSpecs* SyscallArgTable::find(int nr) const {
  if (nr < 0 || nr >= SYSCALL_OTHER_SLOT || !specs_[static_cast<size_t>(nr)]) return nullptr;
  return &*specs_[static_cast<size_t>(nr)];
}

void SyscallArgTable::set_captures(int nr, syscall_class& out) const {
  std::memset(out.capture_arg, 0, sizeof out.capture_arg);
  std::memset(out.capture_kind, SYSCALL_CAPTURE_NONE, sizeof out.capture_kind);
  out.replaces_image = syscall_name(nr) == "execve" || syscall_name(nr) == "execveat";
  const SyscallArgSpecs* specs = find(nr);
  if (specs == nullptr) return;
  size_t n = 0;
  auto add = [&](size_t arg, uint8_t kind) {
    if (n == SYSCALL_CAPTURES) return;
    out.capture_arg[n] = static_cast<uint8_t>(arg);
    out.capture_kind[n++] = kind;
  };
  // close's fd is gone at exit: read at entry, first (the entry looks at
  // the first capture only).
  const bool closes_fd = syscall_name(nr) == "close";
  for (size_t i = 0; i < specs->args.size() && closes_fd; ++i)
    if (specs->args[i].show == ArgShow::Fd) add(i, SYSCALL_CAPTURE_FD_AT_ENTER);
  for (size_t i = 0; i < specs->args.size(); ++i) {
    if (specs->args[i].show == ArgShow::String) add(i, SYSCALL_CAPTURE_STRING);
    if (specs->args[i].show == ArgShow::Sockaddr) add(i, SYSCALL_CAPTURE_SOCKADDR);
  }
  for (size_t i = 0; i < specs->args.size() && !closes_fd; ++i)
    if (specs->args[i].show == ArgShow::Fd || specs->args[i].show == ArgShow::DirFd)
      add(i, SYSCALL_CAPTURE_FD);
  if (specs->returns_fd) add(SYSCALL_ARG_RET, SYSCALL_CAPTURE_FD);
}

std::optional<RenderedArgs> SyscallArgTable::render(const syscall_event& event,
                                                    std::string_view captures) const {
  if (event.captures > SYSCALL_CAPTURES) return std::nullopt;
  std::array<ArgValue, SYSCALL_ARGS + 1> values{};
  for (size_t i = 0; i < SYSCALL_ARGS; ++i) values[i].raw = event.args[i];
  values[SYSCALL_ARG_RET].raw = static_cast<uint64_t>(event.ret);
  std::array<syscall_capture, SYSCALL_CAPTURES> found{};
  for (size_t c = 0; c < event.captures; ++c) {
    if (captures.size() < sizeof(syscall_capture)) return std::nullopt;
    std::memcpy(&found[c], captures.data(), sizeof found[c]);
    const size_t bytes = SYSCALL_CAPTURE_BYTES(size_t{found[c].len});
    if (found[c].len > SYSCALL_STRING_BYTES_LIMIT || captures.size() < bytes) return std::nullopt;
    if (found[c].arg <= SYSCALL_ARG_RET) {
      ArgValue& v = values[found[c].arg];
      v.capture = &found[c];
      v.data = captures.substr(sizeof(syscall_capture), found[c].len);
    }
    captures.remove_prefix(bytes);
  }
  RenderedArgs out;
  const SyscallArgSpecs* specs = find(event.nr);
  if (specs == nullptr) return out;
  std::string text;
  for (size_t i = 0; i < specs->args.size(); ++i) {
    const ArgSpec& spec = specs->args[i];
    ShownArg shown = show_arg(spec, values[i]);
    out.truncated += shown.cut;
    if (i > 0) text += ", ";
    text += shown.text;
    out.args.fields.emplace_back(spec.name, std::move(shown.json));
    if (!shown.target.empty()) out.args.fields.emplace_back(spec.name + "_target", shown.target);
  }
  out.args.text = std::move(text);
  if (specs->returns_fd && event.ret >= 0) {
    ShownArg ret = show_fd(values[SYSCALL_ARG_RET]);
    out.ret_target = ret.target;
    out.truncated += ret.cut;
  }
  return out;
}

}  // namespace ebpfmon
