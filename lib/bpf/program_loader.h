// Turns a ProgramSpec into a loaded BpfProgram: from the program cache when
// it holds this exact program, otherwise compiled by a helper process and
// stored. The cache key is a hash of everything that can change the
// bytecode, so a hit is the program a compile would make now.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bpf/program.h"
#include "bpf/program_cache.h"
#include "core/result.h"

namespace ebpfmon {

class ProgramLoader {
 public:
  // `kernel_fingerprint` names the kernel struct layouts compiled against
  // (KernelHeaders::fingerprint).
  ProgramLoader(ProgramCache cache, std::string kernel_fingerprint);

  // Compiles, in parallel helpers, the programs the cache lacks, so that
  // several monitors of one run compile at once; load() then finds them.
  void prepare(const std::vector<ProgramSpec>& specs);
  // A cache entry the kernel refuses is removed and the program compiled
  // afresh, once.
  Result<std::unique_ptr<BpfProgram>> load(const ProgramSpec& spec);

  std::string key(const ProgramSpec& spec) const;
  // Whether load() would start without compiling (ebpfmon --doctor).
  bool cached(const ProgramSpec& spec) const { return cache_.has(key(spec)); }
  const ProgramCache& cache() const { return cache_; }

 private:
  Result<CompiledObject> compile(const ProgramSpec& spec, const std::string& key);

  ProgramCache cache_;
  std::string kernel_fingerprint_;
  std::map<std::string, Result<CompiledObject>> compiled_;  // by key, from prepare()
};

}  // namespace ebpfmon
