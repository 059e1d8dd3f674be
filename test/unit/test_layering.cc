// The layers of docs/ARCHITECTURE.md, checked on the source tree: a layer
// includes nothing from the layers that use it, so a shortcut (a monitor
// printing its own table through a sink) fails the build's tests instead of
// waiting for a reader to notice.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// "lib/monitors/x.cc:6: #include "sinks/y.h"" for each include, in any file
// under `dir`, of a header under one of `forbidden` (lib/ directories, as
// includes name them: "sinks/y.h", or "lib/sinks/y.h", "../sinks/y.h").
std::vector<std::string> forbidden_includes(const fs::path& root, const std::string& dir,
                                            const std::set<std::string>& forbidden) {
  static const std::regex kInclude(R"(^\s*#\s*include\s*["<](?:\.\./)*(?:lib/)?([^/">]+)/)");
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    size_t number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      std::smatch m;
      if (std::regex_search(line, m, kInclude) && forbidden.count(m[1].str()))
        found.push_back(fs::relative(entry.path(), root).string() + ":" + std::to_string(number) +
                        ": " + line);
    }
  }
  return found;
}

// Fails with every offending file and line.
void check_layer(const std::string& dir, const std::set<std::string>& forbidden) {
  const auto found = forbidden_includes(EBPFMON_SOURCE_DIR, dir, forbidden);
  std::string list;
  for (const auto& f : found) list += f + "\n";
  INFO(dir << " includes from a layer above it:\n" << list);
  CHECK(found.empty());
}

}  // namespace

TEST_CASE("the check finds a forbidden include and names its file and line") {
  const fs::path root =
      fs::temp_directory_path() / ("ebpfmon-layering-" + std::to_string(::getpid()));
  fs::create_directories(root / "lib" / "monitors" / "sub");
  std::ofstream(root / "lib" / "monitors" / "sub" / "x.cc")
      << "// #include \"sinks/commented.h\" is no include\n"
         "#include \"core/event.h\"\n"
         "#include <vector>\n"
         "#include \"sinks/report_text.h\"\n"
         "#  include \"lib/app/runner.h\"\n";
  const auto found = forbidden_includes(root, "lib/monitors", {"sinks", "app"});
  fs::remove_all(root);
  CHECK(found ==
        std::vector<std::string>{"lib/monitors/sub/x.cc:4: #include \"sinks/report_text.h\"",
                                 "lib/monitors/sub/x.cc:5: #  include \"lib/app/runner.h\""});
}

TEST_CASE("lib/core includes nothing from the layers above it") {
  check_layer("lib/core", {"bpf", "monitors", "sinks", "app", "compile"});
}

TEST_CASE("monitors know nothing of sinks or the application; sinks nothing of BPF or monitors") {
  check_layer("lib/monitors", {"sinks", "app"});
  check_layer("lib/sinks", {"bpf", "monitors", "app"});
  check_layer("lib/bpf", {"monitors", "sinks", "app"});
}
