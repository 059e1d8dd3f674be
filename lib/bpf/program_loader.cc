#include "bpf/program_loader.h"

#include <sys/utsname.h>

#include <chrono>
#include <filesystem>

#include "bpf/compile_helper.h"
#include "core/log.h"
#include "core/sha256.h"
#include "core/version.h"

namespace ebpfmon {

ProgramLoader::ProgramLoader(ProgramCache cache, std::string kernel_fingerprint)
    : cache_(std::move(cache)), kernel_fingerprint_(std::move(kernel_fingerprint)) {}

std::string ProgramLoader::key(const ProgramSpec& spec) const {
  utsname un{};
  uname(&un);
  Sha256 h;
  // The request holds the source, the -D flags and the functions kept;
  // libbcc's version fixes its own flags and rewriter.
  h.field("ebpfmon program cache 1").field(kVersion).field(EBPFMON_LIBBCC_VERSION);
  h.field(un.release).field(un.version).field(un.machine).field(kernel_fingerprint_);
  h.field(spec.request().serialize());
  return Sha256::hex(h.finish());
}

void ProgramLoader::prepare(const std::vector<ProgramSpec>& specs) {
  std::vector<CompileRequest> requests;
  std::vector<std::string> keys;
  for (const ProgramSpec& spec : specs) {
    std::string k = key(spec);
    std::error_code ec;
    if (compiled_.count(k) != 0 ||
        (cache_.enabled() && std::filesystem::exists(cache_.entry_path(k), ec)))
      continue;
    requests.push_back(spec.request());
    keys.push_back(std::move(k));
  }
  if (requests.empty()) return;
  auto results = compile_in_helpers(requests);
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i]) cache_.store(keys[i], *results[i]);
    compiled_.emplace(keys[i], std::move(results[i]));
  }
}

Result<CompiledObject> ProgramLoader::compile(const ProgramSpec& spec, const std::string& key) {
  if (auto it = compiled_.find(key); it != compiled_.end()) {
    auto result = std::move(it->second);
    compiled_.erase(it);
    return result;
  }
  auto result = std::move(compile_in_helpers({spec.request()}).front());
  if (result) cache_.store(key, *result);
  return result;
}

Result<std::unique_ptr<BpfProgram>> ProgramLoader::load(const ProgramSpec& spec) {
  const std::string k = key(spec);
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&start] {
    return std::to_string(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
  if (compiled_.count(k) == 0) {
    if (auto hit = cache_.find(k)) {
      auto program = BpfProgram::load(spec.name, *hit);
      if (program) {
        log_debug(spec.name + ": loaded from the program cache in " + seconds() + " s");
        return program;
      }
      cache_.discard(k, "the kernel refused it: " + program.error().message);
    }
  }
  auto object = compile(spec, k);
  if (!object) return object.error();
  auto program = BpfProgram::load(spec.name, *object);
  if (program) log_debug(spec.name + ": compiled and loaded in " + seconds() + " s");
  return program;
}

}  // namespace ebpfmon
