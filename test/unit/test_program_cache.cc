#include <doctest/doctest.h>
#include <linux/bpf.h>
#include <time.h>

#include <cstring>
#include <filesystem>

#include "bpf/compiled_object.h"
#include "bpf/program_cache.h"
#include "bpf/program_loader.h"
#include "core/sha256.h"

namespace ebpfmon {
namespace {

// r0 = map fd (ld_imm64, two slots); exit
CompiledObject sample() {
  CompiledObject object;
  object.license = "GPL";
  object.maps.push_back({"counts", BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, 0});
  const bpf_insn insns[] = {
      {BPF_LD | BPF_DW | BPF_IMM, BPF_REG_0, BPF_PSEUDO_MAP_FD, 0, 7},
      {0, 0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  object.functions.push_back({"f",
                              BPF_PROG_TYPE_RAW_TRACEPOINT,
                              0,
                              "",
                              std::string(reinterpret_cast<const char*>(insns), sizeof insns),
                              {{0, 0}}});
  return object;
}

}  // namespace

TEST_CASE("SHA-256 gives the standard's digests") {
  CHECK(Sha256::hex(Sha256::of("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256::hex(Sha256::of("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string million(1000000, 'a');
  CHECK(Sha256::hex(Sha256::of(million)) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  CHECK(Sha256::hex(Sha256().field("ab").field("c").finish()) !=
        Sha256::hex(Sha256().field("a").field("bc").finish()));
}

TEST_CASE("a compiled object survives its round trip, and any damage is an error") {
  const std::string bytes = sample().serialize();
  auto back = CompiledObject::parse(bytes);
  REQUIRE(back);
  CHECK(back->serialize() == bytes);
  CHECK(back->function("f") != nullptr);
  for (size_t n = 0; n < bytes.size(); ++n)
    CHECK_MESSAGE(!CompiledObject::parse(bytes.substr(0, n)), "truncated to " << n);
  CHECK(!CompiledObject::parse(bytes + "x"));

  CompiledObject bad_map = sample();
  bad_map.functions[0].map_references[0].map = 1;
  CHECK(CompiledObject::parse(bad_map.serialize()).error().message.find("refers to map 1") !=
        std::string::npos);
  CompiledObject not_a_load = sample();
  not_a_load.functions[0].map_references[0].instruction = 2;
  CHECK(!CompiledObject::parse(not_a_load.serialize()));
  CompiledObject odd = sample();
  odd.functions[0].instructions += "xyz";
  CHECK(!CompiledObject::parse(odd.serialize()));
}

TEST_CASE("a cache entry is refused when a byte changes") {
  const std::string entry = make_cache_entry(sample());
  CHECK(parse_cache_entry(entry));
  for (size_t i = 0; i < entry.size(); i += 7) {
    std::string damaged = entry;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x40);
    CHECK_MESSAGE(!parse_cache_entry(damaged), "byte " << i);
  }
}

TEST_CASE("the cache key changes with every input of the bytecode") {
  const ProgramSpec spec{"exec", "int x;", {{"A", 1}}, {HookSpec(HookType::RawTracepoint, "t")}};
  const ProgramLoader loader(ProgramCache(std::filesystem::path()), "btf kernel-1");
  const std::string key = loader.key(spec);
  CHECK(key.size() == 64);
  CHECK(key == loader.key(spec));
  CHECK(key != ProgramLoader(ProgramCache(std::filesystem::path()), "btf kernel-2").key(spec));
  ProgramSpec other = spec;
  other.source = "int y;";
  CHECK(loader.key(other) != key);
  other = spec;
  other.defines[0].second = 2;
  CHECK(loader.key(other) != key);
  other = spec;
  other.hooks.emplace_back(HookType::Tracepoint, "a:b");
  CHECK(loader.key(other) != key);
}

TEST_CASE("a program cache that is off finds and stores nothing") {
  ProgramCache off{std::filesystem::path()};
  CHECK(!off.enabled());
  off.store("k", sample());
  CHECK(!off.find("k"));
  CHECK(off.usage().entries == 0);
}

TEST_CASE("a full program cache evicts the least recently used entry") {
  char tmpl[] = "/tmp/ebpfmon-programs-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::filesystem::path dir = std::filesystem::path(tmpl) / "programs";
  const uint64_t entry_bytes = make_cache_entry(sample()).size();
  ProgramCache cache(dir, 3 * entry_bytes);  // room for three
  for (const char* key : {"a", "b", "c"}) {
    cache.store(key, sample());
    struct timespec pause {
      0, 20 * 1000 * 1000
    };  // distinct mtimes
    nanosleep(&pause, nullptr);
  }
  CHECK(cache.usage().entries == 3);
  CHECK(cache.find("a"));  // now the most recently used
  cache.store("d", sample());
  CHECK(cache.usage().entries == 3);
  CHECK(cache.has("a"));
  CHECK(!cache.has("b"));
  CHECK(cache.has("c"));
  CHECK(cache.has("d"));
  std::filesystem::remove_all(tmpl);
}

}  // namespace ebpfmon
