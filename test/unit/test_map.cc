// Typed map handles against real maps (as root): the sizes are checked when
// a handle is made, and per-CPU values are unpacked from 8-byte slots.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "bpf/kernel_headers.h"
#include "bpf/program.h"
#include "bpf/system.h"
#include "load_program.h"

using namespace ebpfmon;

namespace {

// 12 bytes: each CPU's copy sits in a 16-byte slot.
struct Triple {
  uint32_t a, b, c;
};

constexpr const char* kSource = R"(
struct triple { u32 a, b, c; };
BPF_ARRAY(plain, u32, 4);
BPF_PERCPU_ARRAY(counters, u64, 2);
BPF_PERCPU_HASH(triples, u64, struct triple, 8);
)";

std::unique_ptr<BpfProgram> compile_maps(const std::filesystem::path& cache) {
  auto headers = locate_kernel_headers(cache);
  REQUIRE_MESSAGE(headers, (headers ? "" : headers.error().to_string()));
  auto program = load_uncached({"maps", kSource, {}, {}});
  REQUIRE_MESSAGE(program, (program ? "" : program.error().to_string()));
  return std::move(*program);
}

}  // namespace

TEST_CASE("a map handle refuses types the map was not made with" * doctest::skip(geteuid() != 0)) {
  char tmpl[] = "/tmp/ebpfmon-cache-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const auto program = compile_maps(tmpl);

  CHECK(program->map<uint32_t, uint32_t>("plain"));
  auto wide = program->map<uint64_t, uint32_t>("plain");
  REQUIRE_FALSE(wide);
  CHECK(wide.error().message ==
        "BPF map plain has 4-byte keys and 4-byte values, but is read with 8-byte keys and "
        "4-byte values");
  auto one_copy = program->map<uint32_t, uint64_t>("counters");
  REQUIRE_FALSE(one_copy);
  CHECK(one_copy.error().message == "BPF map counters is a per-CPU map, but is read as one value");
  auto copies = program->percpu_map<uint32_t, uint32_t>("plain");
  REQUIRE_FALSE(copies);
  CHECK(copies.error().message.find("plain is not a per-CPU map") != std::string::npos);
  auto missing = program->map<uint32_t, uint32_t>("nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("no map named nope") != std::string::npos);
  std::filesystem::remove_all(tmpl);
}

TEST_CASE("a per-CPU handle reads one value per possible CPU" * doctest::skip(geteuid() != 0)) {
  char tmpl[] = "/tmp/ebpfmon-cache-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const auto program = compile_maps(tmpl);
  const auto cpus = static_cast<size_t>(possible_cpus());

  auto triples = program->percpu_map<uint64_t, Triple>("triples");
  REQUIRE(triples);
  REQUIRE(triples->update(42, Triple{1, 2, 3}));
  auto values = triples->lookup(42);
  REQUIRE(values);
  REQUIRE(*values);
  REQUIRE((*values)->size() == cpus);
  for (const Triple& t : **values) CHECK((t.a == 1 && t.b == 2 && t.c == 3));
  auto absent = triples->lookup(7);
  REQUIRE(absent);
  CHECK_FALSE(*absent);
  auto keys = triples->keys();
  REQUIRE(keys);
  CHECK(*keys == std::vector<uint64_t>{42});

  auto counters = program->percpu_map<uint32_t, uint64_t>("counters");
  REQUIRE(counters);
  REQUIRE(counters->update(1, 5));
  auto sum = counters->sum(1);
  REQUIRE(sum);
  CHECK(*sum == 5 * cpus);
  auto indexes = counters->keys();
  REQUIRE(indexes);
  CHECK(*indexes == std::vector<uint32_t>{0, 1});
  std::filesystem::remove_all(tmpl);
}

TEST_CASE("a program that does not compile is reported by clang's first error, not by the warnings before it" *
          doctest::skip(geteuid() != 0)) {
  char tmpl[] = "/tmp/ebpfmon-cache-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  auto headers = locate_kernel_headers(tmpl);
  REQUIRE_MESSAGE(headers, (headers ? "" : headers.error().to_string()));
  auto program = load_uncached({"broken", "int f(void *ctx) { return no_such_name; }\n", {}, {}});
  REQUIRE_FALSE(program);
  const std::string& message = program.error().message;
  CHECK(message.rfind("cannot compile the broken BPF program: ", 0) == 0);
  CHECK_MESSAGE(message.find("error: use of undeclared identifier 'no_such_name'") != std::string::npos,
                message);
  CHECK_MESSAGE(message.find("warning:") == std::string::npos, message);
  std::filesystem::remove_all(tmpl);
}
