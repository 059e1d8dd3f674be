#include "core/filters.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/cgroups.h"
#include "core/container_path.h"
#include "core/log.h"
#include "core/text.h"

namespace ebpfmon {
namespace {

// The kernel's task comm is char[16] including the terminating NUL.
constexpr size_t kCommMaxBytes = 15;
// (uid_t)-1 means "no change" to chown(2) and friends, so it names nobody.
constexpr uint64_t kUidMax = 4294967294u;
// PID_MAX_LIMIT on 64-bit kernels; /proc/sys/kernel/pid_max cannot exceed it.
constexpr uint64_t kPidMax = 4194304;

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

Error usage(std::string_view where, const std::string& what) {
  return Error::usage(where.empty() ? what : std::string(where) + ": " + what);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Digits only: no sign, no spaces, no hex. Values too large for uint64 count
// as out of range rather than malformed.
std::optional<uint64_t> parse_decimal(std::string_view s, bool& overflow) {
  overflow = false;
  if (!all_digits(s)) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) {
    overflow = true;
    return std::nullopt;
  }
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Splits on commas, trims each item and hands it to `parse_one`; keeps the
// first of any duplicates so the order the user gave survives.
template <class T, class ParseOne>
Result<std::vector<T>> parse_list(std::string_view text, std::string_view where,
                                  std::string_view item_name, ParseOne parse_one) {
  std::vector<T> out;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item =
        trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (item.empty()) {
      return usage(where, "empty " + std::string(item_name) + " in " + quote_for_message(text));
    }
    Result<T> one = parse_one(item, where);
    if (!one) return one.error();
    if (std::find(out.begin(), out.end(), one.value()) == out.end()) {
      out.push_back(std::move(one.value()));
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// getpwnam_r needs a caller-supplied buffer whose size is only a hint.
Result<uint32_t> lookup_user(std::string_view name, std::string_view where) {
  const std::string key(name);
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(hint > 0 ? static_cast<size_t>(hint) : 16384);
  while (true) {
    passwd pw{};
    passwd* found = nullptr;
    const int rc = getpwnam_r(key.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (found != nullptr) return static_cast<uint32_t>(pw.pw_uid);
    // POSIX lets these mean "not found" as well as the rc == 0 case.
    if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM) {
      return usage(where, "unknown user " + quote_for_message(name));
    }
    return usage(where,
                 "cannot look up user " + quote_for_message(name) + ": " + std::strerror(rc));
  }
}

}  // namespace

Result<std::string> parse_comm(std::string_view item, std::string_view where) {
  item = trim(item);
  if (item.empty()) return usage(where, "empty name");
  const bool has_control = std::any_of(item.begin(), item.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
  if (has_control) {
    return usage(where,
                 quote_for_message(item) + " contains a control character; a process name cannot");
  }
  // The kernel keeps a name's first 15 bytes (pgrep matches those too).
  if (item.size() > kCommMaxBytes) {
    const std::string_view kept = item.substr(0, kCommMaxBytes);
    log_warning(std::string(where) + ": " + quote_for_message(item) + " is " +
                std::to_string(item.size()) + " bytes; the kernel keeps a process name's first " +
                std::to_string(kCommMaxBytes) + ": matching " + quote_for_message(kept));
    item = kept;
  }
  return std::string(item);
}

Result<uint32_t> parse_user(std::string_view item, std::string_view where) {
  item = trim(item);
  if (item.empty()) return usage(where, "empty user name");
  if (!all_digits(item)) return lookup_user(item, where);
  bool overflow = false;
  const std::optional<uint64_t> uid = parse_decimal(item, overflow);
  if (!uid || *uid > kUidMax) {
    return usage(where, "uid " + quote_for_message(item) + " is out of range (0..4294967294)");
  }
  return static_cast<uint32_t>(*uid);
}

Result<uint32_t> parse_pid(std::string_view item, std::string_view where) {
  item = trim(item);
  if (item.empty()) return usage(where, "empty process id");
  bool overflow = false;
  const std::optional<uint64_t> pid = parse_decimal(item, overflow);
  if (!pid && !overflow) return usage(where, quote_for_message(item) + " is not a process id");
  if (!pid || *pid < 1 || *pid > kPidMax) {
    return usage(where, "process id " + quote_for_message(item) + " is out of range (1..4194304)");
  }
  return static_cast<uint32_t>(*pid);
}

Result<std::vector<std::string>> parse_comm_list(std::string_view text, std::string_view where) {
  return parse_list<std::string>(text, where, "name", parse_comm);
}

Result<std::vector<uint32_t>> parse_user_list(std::string_view text, std::string_view where) {
  return parse_list<uint32_t>(text, where, "user name", parse_user);
}

Result<std::vector<uint32_t>> parse_pid_list(std::string_view text, std::string_view where) {
  return parse_list<uint32_t>(text, where, "process id", parse_pid);
}

Result<void> check_function_glob(std::string_view pattern, std::string_view where) {
  const std::string shown = quote_for_message(pattern);
  if (pattern.empty()) return usage(where, "empty function pattern");
  if (pattern.size() > 128) return usage(where, "function pattern longer than 128 bytes: " + shown);
  bool in_set = false;
  size_t set_start = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    // Not strchr: it would find a NUL, as the string's terminator.
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
                    std::string_view("_.*?[]!-").find(c) != std::string_view::npos;
    if (!ok)
      return usage(where, "function pattern " + shown + " has " +
                              quote_for_message(std::string_view(&c, 1)) +
                              "; only letters, digits and _.*?[]!- can match a kernel function");
    if (c == '[') {
      if (in_set) return usage(where, "function pattern " + shown + " nests '['");
      in_set = true;
      set_start = i;
    } else if (c == ']' && in_set) {
      const size_t first = set_start + 1 + (pattern[set_start + 1] == '!' ? 1 : 0);
      if (i == first) return usage(where, "function pattern " + shown + " has an empty []");
      in_set = false;
    }
  }
  if (in_set) return usage(where, "function pattern " + shown + " has '[' without ']'");
  return {};
}

Result<std::vector<std::string>> parse_word_list(std::string_view text, std::string_view where,
                                                 std::string_view item_name) {
  return parse_list<std::string>(text, where, item_name,
                                 [](std::string_view item, std::string_view) -> Result<std::string> {
                                   return std::string(item);
                                 });
}

Result<std::string> parse_container_id(std::string_view text, std::string_view where) {
  std::string id = normalize_container_id(trim(text));
  if (id.empty())
    return usage(where, "expected a container id: 12 to 64 hex digits, got " +
                            quote_for_message(text));
  return id;
}

namespace {

// Whether some cgroup under the v2 mount belongs to a container whose id
// starts with `prefix`.
bool container_has_cgroup(const std::string& prefix) {
  const auto mount = find_cgroup_v2();
  if (!mount) return true;  // nothing to look in: no reason to warn
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(mount->path, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    const std::string path = "/" + it->path().lexically_relative(mount->path).string();
    if (starts_with(parse_container_path(path).container_id, prefix)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> absent_filter_targets(const Filters& filters) {
  std::vector<std::string> absent;
  for (uint32_t pid : filters.pids)
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      absent.push_back("--pid " + std::to_string(pid) + ": no such process now");
  if (!filters.container.empty() && !container_has_cgroup(filters.container))
    absent.push_back("--container " + filters.container +
                     ": no container's cgroup has this id now");
  return absent;
}

}  // namespace ebpfmon
