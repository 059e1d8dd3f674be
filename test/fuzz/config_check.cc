#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <exception>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "checks.h"
#include "core/config.h"
#include "core/settings.h"
#include "core/text.h"
#include "monitors/func.h"
#include "monitors/syscall.h"

namespace ebpfmon::fuzz {
namespace {

constexpr std::string_view kName = "fuzz.yaml";

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool is_path(std::string_view s) {
  return !s.empty() && s.find('\0') == std::string_view::npos;
}

bool in(std::string_view s, std::initializer_list<std::string_view> choices) {
  return std::find(choices.begin(), choices.end(), s) != choices.end();
}

// filters.h: what can reach a kernel function probe.
bool is_function_glob(std::string_view s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x80 && std::isalnum(u)) ||
           std::string_view("_.*?[]!-").find(c) != std::string_view::npos;
  });
}

bool is_syscall_list(const std::vector<std::string>& list) {
  return std::all_of(list.begin(), list.end(), [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
  });
}

template <class Map>
std::set<std::string> keys_of(const Map& map) {
  std::set<std::string> keys;
  for (const auto& entry : map) keys.insert(entry.first);
  return keys;
}

// The ranges config.h documents for each setting the loader accepts.
std::string check_accepted(const Config& c) {
  const Config defaults;
  if (c.source != kName) return "source is not the name given";
  if (!is_path(c.output.directory)) return "output.directory is empty or has a NUL";
  if (c.output.buffer_size < 1 || c.output.buffer_size > 1000000)
    return "output.buffer_size out of range";
  if (!(c.output.flush_interval > 0 && c.output.flush_interval <= 3600))
    return "output.flush_interval out of range";
  const auto d = static_cast<unsigned char>(c.output.csv_delimiter);
  if (!(d == '\t' || (d >= 0x20 && d <= 0x7e && d != '"')))
    return "output.csv_delimiter not allowed";
  if (!in(c.logging.level, {"DEBUG", "INFO", "WARNING", "ERROR"})) return "logging.level unknown";
  if (!is_path(c.logging.file)) return "logging.file is empty or has a NUL";
  for (const std::string& comm : c.filters.comms)
    if (comm.empty() || comm.size() > 15 || has_control(comm))
      return "filters.comm item not a comm";
  for (uint32_t uid : c.filters.uids)
    if (uid == UINT32_MAX) return "filters.user has uid -1";
  for (uint32_t pid : c.filters.pids)
    if (pid < 1 || pid > 4194304) return "filters.pid out of range";
  if (!(c.duration >= 0 && std::isfinite(c.duration))) return "duration out of range";
  // Every monitor setting of a scalar kind reads back as accepted: shown
  // as text, its own reader takes it again, within the table's bounds.
  for (const SettingsSection& section : settings_sections()) {
    const std::any& settings = c.monitors.at(section.name).settings;
    for (const Setting& setting : section.settings) {
      if (setting.key.empty() || setting.kind == SettingKind::Words ||
          setting.kind == SettingKind::Other)
        continue;
      std::any copy = settings;
      const std::string shown = setting.show(settings);
      if (!setting.read(RawValue::scalar("", shown), copy) || setting.show(copy) != shown)
        return "monitors." + section.name + "." + setting.key + " is out of its table's bounds: " +
               shown;
    }
  }
  const auto& func = c.settings<FuncSettings>("func");
  if (func.patterns.empty()) return "func.patterns empty";
  for (const std::string& p : func.patterns)
    if (!is_function_glob(p)) return "func.patterns has a pattern that is not a function glob";
  const auto& sys = c.settings<SyscallSettings>("syscall");
  if (!is_syscall_list(sys.high_priority_syscalls) || !is_syscall_list(sys.syscalls))
    return "a syscall list has an item that is not a syscall name or number";
  if (keys_of(sys.monitor_categories) != keys_of(defaults.settings<SyscallSettings>("syscall").monitor_categories))
    return "syscall.monitor_categories gained or lost a category";
  return {};
}

// result.h and config.h: a usage error, one line, starting with the name.
std::string check_refused(const Error& e) {
  const std::string shown = quote_for_message(e.message, 1000);
  if (e.kind != Error::Kind::Usage) return "error is not a usage error: " + shown;
  if (e.message.compare(0, kName.size(), kName) != 0)
    return "error does not start with the file name: " + shown;
  if (has_control(e.message) || has_control(e.hint))
    return "error message has a control character: " + shown;
  return {};
}

}  // namespace

std::string check_config(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const Result<Config> config = parse_config(text, kName);
    return config ? check_accepted(*config) : check_refused(config.error());
  } catch (const std::exception& e) {
    // Would end the tool with std::terminate instead of a usage error.
    return std::string("exception escaped parse_config: ") + e.what();
  }
}

}  // namespace ebpfmon::fuzz
