// Process filters (-p/--comm, -u/--user, --pid), validated into numbers and
// fixed-size names before they get anywhere near a BPF program.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ebpfmon {

struct Filters {
  std::vector<std::string> comms;  // exact comm, 1..15 bytes, no NUL
  std::vector<uint32_t> uids;
  std::vector<uint32_t> pids;      // thread group ids, > 0
  std::string cgroup;              // --cgroup: from the v2 root, "/system.slice/x"; empty: any
  std::string container;           // --container: 12..64 lower-case hex digits; empty: any

  bool empty() const {
    return comms.empty() && uids.empty() && pids.empty() && cgroup.empty() && container.empty();
  }
};

// What the filters name that is not there now: a --pid of no live process,
// a --container no cgroup belongs to. One line each, for a warning: the
// run goes on, as it may start later.
std::vector<std::string> absent_filter_targets(const Filters& filters);

// Each takes a comma-separated list (empty items rejected) and names `where`
// (a flag such as "--comm" or "file:line:col: filters.comm") in its errors,
// which are usage errors.
Result<std::vector<std::string>> parse_comm_list(std::string_view text, std::string_view where);
// Users are names (looked up in the system's user database) or numeric uids.
Result<std::vector<uint32_t>> parse_user_list(std::string_view text, std::string_view where);
Result<std::vector<uint32_t>> parse_pid_list(std::string_view text, std::string_view where);

// --container: a container id or a prefix of at least 12 hex digits.
Result<std::string> parse_container_id(std::string_view text, std::string_view where);

// Any other comma list (monitor names, categories, syscalls): trimmed,
// non-empty, duplicates dropped; the caller checks the items.
Result<std::vector<std::string>> parse_word_list(std::string_view text, std::string_view where,
                                                 std::string_view item_name);

// A glob over kernel function names: letters, digits and _.*?[]!- only, at
// most 128 bytes, brackets closed around a non-empty set. Anything else
// cannot name a kernel function and may be an attempt to smuggle text into a
// probe. The error says what is wrong; `where` prefixes it.
Result<void> check_function_glob(std::string_view pattern, std::string_view where);

// Single-item forms used by the config loader for YAML sequences.
Result<std::string> parse_comm(std::string_view item, std::string_view where);
Result<uint32_t> parse_user(std::string_view item, std::string_view where);
Result<uint32_t> parse_pid(std::string_view item, std::string_view where);

}  // namespace ebpfmon
