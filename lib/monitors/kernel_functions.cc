#include "monitors/kernel_functions.h"

#include <fnmatch.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "bpf/kernel_btf.h"

namespace ebpfmon {
namespace {

// Probing these would recurse into the code that runs the probe, or they
// are stubs no kprobe or trampoline can attach to (bcc's funccount skips the
// same families).
const char* const kExcludedPrefixes[] = {
    "bpf_",       "__bpf",    "___bpf",  "trace_",         "__trace",      "ftrace", "__ftrace",
    "kprobe",     "__kprobe", "rethook", "fprobe",         "perf_",        "__perf", "__SCT__",
    "_kbl_addr_", "__cfi_",   "__pfx_",  "__x86_indirect", "__x86_return",
};

bool readable_lines(const std::filesystem::path& path, std::vector<std::string>& lines) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return !in.bad();
}

// "name" or "name [module]" -> name
std::string first_word(const std::string& line) {
  std::istringstream in(line);
  std::string word;
  in >> word;
  return word;
}

}  // namespace

bool KernelFunctions::is_excluded(const std::string& name) {
  if (name.find('.') != std::string::npos) return true;  // foo.cold, foo.isra.0: clones
  for (const char* prefix : kExcludedPrefixes)
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

Result<KernelFunctions> KernelFunctions::load(const KernelFunctionSources& sources) {
  KernelFunctions k;
  std::ifstream kallsyms(sources.kallsyms);
  if (!kallsyms)
    return Error::runtime("cannot read " + sources.kallsyms.string() +
                          ": kernel symbols are needed "
                          "to find and name kernel functions");
  std::map<std::string, uint64_t> text_names;  // name -> its (first) address
  std::string line;
  bool any_address = false;
  // __init code lies between these and is freed after boot: it can never
  // be called again, and no probe on it would fire.
  uint64_t init_start = 0, init_end = 0;
  while (std::getline(kallsyms, line)) {
    std::istringstream in(line);
    std::string address, type, name;
    if (!(in >> address >> type >> name)) continue;
    if (type != "t" && type != "T" && type != "w" && type != "W") continue;
    const uint64_t a = std::strtoull(address.c_str(), nullptr, 16);
    any_address = any_address || a != 0;
    if (name == "_sinittext") init_start = a;
    if (name == "_einittext") init_end = a;
    k.text_.push_back({a, name});
    text_names.emplace(name, a);
  }
  if (!any_address)
    return Error::runtime(sources.kallsyms.string() +
                          " shows no addresses (kernel.kptr_restrict); "
                          "run as root");
  std::sort(k.text_.begin(), k.text_.end(),
            [](const Symbol& a, const Symbol& b) { return a.address < b.address; });

  std::vector<std::string> lines;
  std::set<std::string> traceable;
  std::vector<std::filesystem::path> filter_paths;
  if (!sources.filter_functions.empty()) {
    filter_paths.push_back(sources.filter_functions);
  } else {
    filter_paths = {"/sys/kernel/tracing/available_filter_functions",
                    "/sys/kernel/debug/tracing/available_filter_functions"};
  }
  for (const auto& path : filter_paths) {
    if (readable_lines(path, lines)) {
      for (const auto& l : lines) traceable.insert(first_word(l));
      k.filter_list_checked_ = true;
      break;
    }
  }
  std::set<std::string> blacklisted;
  lines.clear();
  if (readable_lines(sources.blacklist, lines)) {
    for (const auto& l : lines) {
      const size_t tab = l.find_last_of(" \t");
      if (tab != std::string::npos) blacklisted.insert(l.substr(tab + 1));
    }
  }
  for (const auto& [name, address] : text_names) {
    if (is_excluded(name) || blacklisted.count(name)) continue;
    if (init_start < init_end && address >= init_start && address < init_end) continue;
    if (k.filter_list_checked_ && !traceable.count(name)) continue;  // notrace
    k.candidates_.push_back(name);
  }
  return k;
}

std::vector<std::string> KernelFunctions::matching(const std::vector<std::string>& globs) const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& glob : globs) {
    if (glob.find_first_of("*?[") == std::string::npos) {  // a plain name: no scan
      if (std::binary_search(candidates_.begin(), candidates_.end(), glob) &&
          seen.insert(glob).second)
        out.push_back(glob);
      continue;
    }
    for (const std::string& name : candidates_)
      if (fnmatch(glob.c_str(), name.c_str(), 0) == 0 && seen.insert(name).second)
        out.push_back(name);
  }
  return out;
}

std::vector<std::string> KernelFunctions::with_btf(const std::vector<std::string>& names) {
  const KernelBtf btf;
  std::vector<std::string> out;
  for (const std::string& name : names)
    if (btf.function_id(name.c_str()) > 0) out.push_back(name);
  return out;
}

std::string KernelFunctions::name_at(uint64_t address) const {
  auto it = std::upper_bound(text_.begin(), text_.end(), address,
                             [](uint64_t a, const Symbol& s) { return a < s.address; });
  if (it == text_.begin()) return "";
  return std::prev(it)->name;
}

}  // namespace ebpfmon
