// The kernel tree generated from BTF: what BCC needs is there, and every BPF
// program of ours compiles against it.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "bpf/kernel_btf.h"
#include "bpf/kernel_headers.h"
#include "bpf/program.h"
#include "ebpf/common.h"
#include "ebpf/func.h"
#include "ebpf/syscall.h"
#include "load_program.h"

namespace fs = std::filesystem;
using namespace ebpfmon;

namespace ebpfmon::bpf_sources {
extern const char exec_bpf[];
extern const char exit_bpf[];
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

template <class Handle>
void check_map(const std::string& program, const Handle& handle) {
  CHECK_MESSAGE(handle, program << ": " << (handle ? "" : handle.error().to_string()));
}

// The map names of the ebpf/*.h headers are maps of the programs, with the
// types user space reads them with: the BPF code cannot take the names from
// the headers (libbcc rewrites no map call through a macro), so only this
// keeps the two spellings together.
void check_common_maps(const std::string& name, BpfProgram& program) {
  check_map(name, program.open_events([](const void*, size_t) {}, 1));
  check_map(name, program.percpu_map<uint32_t, uint64_t>(kLossesMap));
  check_map(name, program.map<uint32_t, uint8_t>(kFilterPidsMap));
  check_map(name, program.map<uint32_t, uint8_t>(kFilterUidsMap));
  check_map(name, program.map<ebpfmon_comm, uint8_t>(kFilterCommsMap));
  check_map(name, program.map<uint32_t, uint32_t>(kFilterCgroupMap));
  check_map(name, program.map<uint32_t, ebpfmon_container_filter>(kFilterContainerMap));
}

void check_syscall_maps(const std::string& name, BpfProgram& program) {
  check_map(name, program.map<uint32_t, syscall_class>(kSyscallTableMap));
  check_map(name, program.percpu_map<uint32_t, syscall_stats>(kSyscallStatsMap));
  check_map(name, program.percpu_map<uint32_t, syscall_process_stats>(kSyscallProcessStatsMap));
  check_map(name, program.percpu_map<uint64_t, syscall_stats>(kSyscallCgroupStatsMap));
}

void check_func_maps(const std::string& name, BpfProgram& program) {
  check_map(name, program.percpu_map<uint64_t, uint64_t>(kFuncCountsMap));
}

void no_maps_of_its_own(const std::string&, BpfProgram&) {}

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

TEST_CASE("every BPF program compiles against the kernel layouts in use, with the named maps" *
          doctest::skip(geteuid() != 0)) {
  char tmpl[] = "/tmp/ebpfmon-cache-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  auto headers = locate_kernel_headers(tmpl);
  REQUIRE_MESSAGE(headers, (headers ? "" : headers.error().to_string()));
  MESSAGE("kernel layouts: " << headers->describe());
  // The trimmed vmlinux.h of the BTF tree must hold every type each one reads.
  const struct {
    std::string name;
    const char* source;
    void (*check_own_maps)(const std::string&, BpfProgram&);
  } programs[] = {{"exec", bpf_sources::exec_bpf, no_maps_of_its_own},
                  {"exit", bpf_sources::exit_bpf, no_maps_of_its_own},
                  {"syscall", bpf_sources::syscall_bpf, check_syscall_maps},
                  {"func", bpf_sources::func_bpf, check_func_maps}};
  for (const auto& [name, source, check_own_maps] : programs) {
    // Every optional map compiled in: the filters and --by process.
    ProgramSpec spec{name,
                     source,
                     {{"EBPFMON_NR_CPUS", 2},
                      {"EBPFMON_RINGBUF_PAGES", 16},
                      {"EBPFMON_FILTER_PIDS", 1},
                      {"EBPFMON_FILTER_UIDS", 1},
                      {"EBPFMON_FILTER_COMMS", 1},
                      {"FUNC_KPROBE", 1},
                      {"FUNC_COUNT_SLOTS", 16},
                      {"SYSCALL_TASK_STORAGE", 1},
                      {"SYSCALL_WRITE_ALL", 1},
                      {"EBPFMON_FILTER_CGROUP", 1},
                      {"EBPFMON_FILTER_CONTAINER", 1},
                      {"SYSCALL_BY_PROCESS", 16},
                      {"SYSCALL_BY_CGROUP", 16},
                      {"EXEC_PATHS", 1}},
                     {}};
    // The layouts exec reads through offsets, as its plan passes them.
    const KernelBtf btf;
    for (const auto& [define, type, member] :
         {std::tuple{"EXEC_MOUNT_MNT", "mount", "mnt"},
          std::tuple{"EXEC_MOUNT_PARENT", "mount", "mnt_parent"},
          std::tuple{"EXEC_MOUNT_MOUNTPOINT", "mount", "mnt_mountpoint"},
          std::tuple{"EXEC_MNT_NS_NS", "mnt_namespace", "ns"},
          std::tuple{"EXEC_HAVE_AUDIT", "task_struct", "loginuid"}})
      if (auto offset = btf.member_offset(type, member))
        spec.defines.emplace_back(define, std::string(define) == "EXEC_HAVE_AUDIT" ? 1 : *offset);
    auto program = load_uncached(spec);
    CHECK_MESSAGE(program, name << ": " << (program ? "" : program.error().to_string()));
    if (!program) continue;
    check_common_maps(name, **program);
    check_own_maps(name, **program);
  }
  fs::remove_all(tmpl);
}
