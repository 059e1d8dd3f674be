// The fuzz targets' seeds and crashers, replayed through the same checks in
// every build (GCC, sanitizers), so a fixed crasher stays fixed even where
// no fuzzer runs.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "checks.h"

using namespace ebpfmon;
namespace fs = std::filesystem;

namespace {

using Check = std::string (*)(const uint8_t*, size_t);

// Every file of corpus/<target> and regressions/<target>.
std::vector<fs::path> inputs(const std::string& target) {
  std::vector<fs::path> files;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(EBPFMON_SOURCE_DIR) / "test" / "fuzz" / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

void replay(const std::string& target, Check check) {
  const std::vector<fs::path> files = inputs(target);
  CHECK(!files.empty());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    CAPTURE(file.string());
    CHECK(check(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) == "");
  }
}

}  // namespace

TEST_CASE("fuzz inputs: config seeds and regressions hold every invariant") {
  replay("config", fuzz::check_config);
}

TEST_CASE("fuzz inputs: formats seeds and regressions hold every invariant") {
  replay("formats", fuzz::check_formats);
}

TEST_CASE("fuzz inputs: program seeds and regressions hold every invariant") {
  replay("program", fuzz::check_program);
}
