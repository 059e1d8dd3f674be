// A scratch directory under /tmp for a test, removed with everything in it.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ebpfmon::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ebpfmon-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // A file `name` in it holding `text`, with `mode`.
  std::filesystem::path write(const std::string& name, const std::string& text,
                              mode_t mode = 0644) const {
    const std::filesystem::path p = path_ / name;
    std::ofstream(p) << text;
    REQUIRE(chmod(p.c_str(), mode) == 0);
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace ebpfmon::test
