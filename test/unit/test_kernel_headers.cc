// The kernel tree generated from BTF: what BCC needs is there, and every BPF
// program of ours compiles against it.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bpf/kernel_headers.h"
#include "bpf/program.h"

namespace fs = std::filesystem;
using namespace ebpfmon;

namespace ebpfmon::bpf_sources {
extern const char exec_bpf[];
extern const char syscall_bpf[];
extern const char func_bpf[];
}  // namespace ebpfmon::bpf_sources

namespace {

const bool kHaveBtf = fs::exists("/sys/kernel/btf/vmlinux");

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the BTF tree has what BCC includes" * doctest::skip(!kHaveBtf)) {
  char tmpl[] = "/tmp/ebpfmon-tree-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const fs::path dir(tmpl);
  REQUIRE(generate_btf_kernel_tree("/sys/kernel/btf/vmlinux", dir));
  for (const char* f :
       {"include/linux/kconfig.h", "include/vmlinux.h", "include/generated/autoconf.h",
        "include/linux/version.h", "include/linux/log2.h", "arch/x86/include/asm/page.h",
        "include/uapi/linux/bpf.h", "include/linux/sched.h"})
    CHECK_MESSAGE(fs::exists(dir / f), f);
  const std::string vmlinux = slurp(dir / "include/vmlinux.h");
  CHECK(vmlinux.find("struct task_struct {") != std::string::npos);
  CHECK(vmlinux.find("preserve_access_index") == std::string::npos);
  CHECK(slurp(dir / "include/linux/kconfig.h").find("#include \"../vmlinux.h\"") !=
        std::string::npos);
  CHECK(slurp(dir / "include/generated/autoconf.h").find("CONFIG_BPF_SYSCALL") !=
        std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("every BPF program compiles against the kernel layouts in use" *
          doctest::skip(geteuid() != 0)) {
  char tmpl[] = "/tmp/ebpfmon-cache-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  auto headers = locate_kernel_headers(tmpl);
  REQUIRE_MESSAGE(headers, (headers ? "" : headers.error().to_string()));
  MESSAGE("kernel layouts: " << headers->describe());
  // The trimmed vmlinux.h of the BTF tree must hold every type each one reads.
  const std::pair<const char*, const char*> programs[] = {{"exec", bpf_sources::exec_bpf},
                                                          {"syscall", bpf_sources::syscall_bpf},
                                                          {"func", bpf_sources::func_bpf}};
  for (const auto& [name, source] : programs) {
    ProgramSpec spec{name,
                     source,
                     {{"EBPFMON_NR_CPUS", 2},
                      {"EBPFMON_RINGBUF_PAGES", 16},
                      {"FUNC_KPROBE", 1},
                      {"FUNC_COUNT_SLOTS", 16},
                      {"SYSCALL_TASK_STORAGE", 1},
                      {"SYSCALL_WRITE_ALL", 1}}};
    auto program = BpfProgram::compile(spec);
    CHECK_MESSAGE(program, name << ": " << (program ? "" : program.error().to_string()));
  }
  fs::remove_all(tmpl);
}
