// funcmon's candidate functions: kallsyms, the ftrace filter list, the kprobe
// blacklist and our exclusions; glob order; naming an address.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "monitors/kernel_functions.h"

using namespace ebpfmon;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char name[] = "/tmp/ebpfmon-kfunc-XXXXXX";
    path = mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path write(const std::string& file, const std::string& text) const {
    std::ofstream(path / file) << text;
    return path / file;
  }
};

const char kKallsyms[] =
    "ffffffff81000000 T _stext\n"
    "ffffffff81001000 T vfs_read\n"
    "ffffffff81001200 t vfs_readv\n"
    "ffffffff81001400 T vfs_write\n"
    "ffffffff81001600 t vfs_write.cold\n"
    "ffffffff81001800 T bpf_prog_run\n"
    "ffffffff81001a00 T do_notrace_thing\n"
    "ffffffff81001c00 T blacklisted_fn\n"
    "ffffffff81002000 d some_data\n"
    "ffffffff81002200 t dup_name\n"
    "ffffffff81002400 t dup_name\n"
    "ffffffff82000000 T _sinittext\n"
    "ffffffff82000100 t vfs_caches_init\n"
    "ffffffff82100000 T _einittext\n"
    "ffffffffc0001000 t ext4_read\t[ext4]\n";

}  // namespace

TEST_CASE("candidates: text symbols, filter list, blacklist, exclusions") {
  TempDir dir;
  KernelFunctionSources src;
  src.kallsyms = dir.write("kallsyms", kKallsyms);
  src.filter_functions = dir.write(
      "filter", "vfs_read\nvfs_readv\nvfs_write\nbpf_prog_run\nblacklisted_fn\ndup_name\n"
                "ext4_read [ext4]\n");
  src.blacklist = dir.write("blacklist", "0xffffffff81001c00-0xffffffff81001c40\tblacklisted_fn\n");
  auto k = KernelFunctions::load(src);
  REQUIRE(k);
  CHECK(k->filter_list_checked());
  CHECK(k->candidates() ==
        std::vector<std::string>{"dup_name", "ext4_read", "vfs_read", "vfs_readv", "vfs_write"});
  // The first pattern's matches come first, then the next one's new ones.
  CHECK(k->matching({"vfs_write", "vfs_*"}) ==
        std::vector<std::string>{"vfs_write", "vfs_read", "vfs_readv"});
  CHECK(k->matching({"*read?"}) == std::vector<std::string>{"vfs_readv"});
  CHECK(k->matching({"nothing*"}).empty());
  CHECK(k->name_at(0xffffffff81001000) == "vfs_read");
  CHECK(k->name_at(0xffffffff81001004) == "vfs_read");  // an IBT-shifted probe address
  CHECK(k->name_at(0xffffffff81001200) == "vfs_readv");
  CHECK(k->name_at(0x1000).empty());
}

TEST_CASE("without a readable filter list, kallsyms alone (minus exclusions)") {
  TempDir dir;
  KernelFunctionSources src;
  src.kallsyms = dir.write("kallsyms", kKallsyms);
  src.filter_functions = dir.path / "missing";
  src.blacklist = dir.path / "missing";
  auto k = KernelFunctions::load(src);
  REQUIRE(k);
  CHECK_FALSE(k->filter_list_checked());
  // vfs_caches_init is __init code (between _sinittext and _einittext),
  // freed after boot: never a candidate, even with no filter list to say so.
  CHECK(k->matching({"*"}) ==
        std::vector<std::string>{"_einittext", "_stext", "blacklisted_fn", "do_notrace_thing",
                                 "dup_name", "ext4_read", "vfs_read", "vfs_readv", "vfs_write"});
}

TEST_CASE("kallsyms without addresses is an error that says why") {
  TempDir dir;
  KernelFunctionSources src;
  src.kallsyms = dir.write("kallsyms", "0000000000000000 T vfs_read\n");
  auto k = KernelFunctions::load(src);
  REQUIRE_FALSE(k);
  CHECK(k.error().message.find("kptr_restrict") != std::string::npos);
  src.kallsyms = dir.path / "missing";
  CHECK_FALSE(KernelFunctions::load(src));
}

TEST_CASE("exclusions: tracing machinery and compiler clones") {
  for (const char* name : {"bpf_prog_run", "__bpf_trace_run", "trace_event_raw", "ftrace_ops_list",
                           "kprobe_handler", "perf_event_open", "__SCT__tp_func", "foo.isra.0"})
    CHECK_MESSAGE(KernelFunctions::is_excluded(name), name);
  for (const char* name : {"vfs_read", "tcp_sendmsg", "do_sys_openat2"})
    CHECK_FALSE_MESSAGE(KernelFunctions::is_excluded(name), name);
}

TEST_CASE("the running kernel's symbols" * doctest::skip(geteuid() != 0)) {
  auto k = KernelFunctions::load();
  REQUIRE(k);
  const auto vfs = k->matching({"vfs_read"});
  REQUIRE(vfs.size() == 1);
  // This kernel's __init functions are never picked (here the filter list
  // cannot be read, so kallsyms alone decides).
  const auto all_vfs = k->matching({"vfs_*"});
  CHECK(std::find(all_vfs.begin(), all_vfs.end(), "vfs_caches_init") == all_vfs.end());
  CHECK(std::find(all_vfs.begin(), all_vfs.end(), "vfs_read") != all_vfs.end());
  std::ifstream kallsyms("/proc/kallsyms");
  std::string address, type, name;
  while (kallsyms >> address >> type >> name) {
    if (name == "vfs_read") {
      CHECK(k->name_at(std::strtoull(address.c_str(), nullptr, 16)) == "vfs_read");
      break;
    }
    kallsyms.ignore(1 << 10, '\n');
  }
}
