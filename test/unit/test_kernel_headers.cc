// The kernel tree generated from BTF: what BCC needs is there, and every BPF
// program of ours compiles against it.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "bpf/compile_helper.h"
#include "bpf/kernel_btf.h"
#include "bpf/kernel_headers.h"
#include "bpf/kernel_layouts.h"
#include "bpf/program.h"
#include "bpf_sources.h"
#include "ebpf/common.h"
#include "ebpf/func.h"
#include "ebpf/net.h"
#include "ebpf/syscall.h"
#include "load_program.h"
#include "monitors/exec.h"
#include "monitors/func.h"
#include "plan_grid.h"

namespace fs = std::filesystem;
using namespace ebpfmon;


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

void check_net_maps(const std::string& name, BpfProgram& program) {
  check_map(name, program.map<uint16_t, uint8_t>(kNetFilterPortsMap));
  check_map(name, program.map<net_cidr_key, uint8_t>(kNetFilterRemoteMap));
}

void no_maps_of_its_own(const std::string&, BpfProgram&) {}

const struct ProgramUnderTest {
  std::string name;
  const char* source;
  void (*check_own_maps)(const std::string&, BpfProgram&);
} kPrograms[] = {{"exec", bpf_sources::exec_bpf, no_maps_of_its_own},
                 {"exit", bpf_sources::exit_bpf, no_maps_of_its_own},
                 {"syscall", bpf_sources::syscall_bpf, check_syscall_maps},
                 {"func", bpf_sources::func_bpf, check_func_maps},
                 {"net", bpf_sources::net_bpf, check_net_maps}};

// Every optional map compiled in (the filters, --by process and cgroup, net's
// ports and blocks), the layouts exec's and net's plans take from `btf`, and the syscall start
// times in task storage or, where tracing programs cannot use it (before 6.2), the hash.
ProgramSpec full_spec(const ProgramUnderTest& program, const KernelBtf& btf, bool task_storage) {
  ProgramSpec spec{program.name,
                   program.source,
                   {{"EBPFMON_NR_CPUS", 2},
                    {"EBPFMON_RINGBUF_PAGES", 16},
                    {"EBPFMON_WAKE_BYTES", 16 * 4096 / 4},
                    {"EBPFMON_WAKE_AFTER_NS", kWakeAfter.count()},
                    {"EBPFMON_FILTER_PIDS", 1},
                    {"EBPFMON_FILTER_UIDS", 1},
                    {"EBPFMON_FILTER_COMMS", 1},
                    {"FUNC_KPROBE", 1},
                    {"FUNC_COUNT_SLOTS", 16},
                    {task_storage ? "SYSCALL_TASK_STORAGE" : "SYSCALL_INFLIGHT", 1},
                    {"SYSCALL_WRITE_ALL", 1},
                    {"EBPFMON_FILTER_CGROUP", 1},
                    {"EBPFMON_FILTER_CONTAINER", 1},
                    {"SYSCALL_BY_PROCESS", 16},
                    {"SYSCALL_BY_CGROUP", 16},
                    {"EXEC_PATHS", 1},
                    {"NET_ESTABLISHED_EVENTS", 1},
                    {"NET_FILTER_PORTS", 1},
                    {"NET_FILTER_REMOTE", 1}},
                   {}};
  const auto layouts = ExecMonitor::layouts(btf, true);
  spec.defines.insert(spec.defines.end(), layouts.defines.begin(), layouts.defines.end());
  if (auto tcp = tcp_sock_layout(btf))
    spec.defines.insert(spec.defines.end(), tcp->begin(), tcp->end());
  return spec;
}

// Planned once: each plan probes the kernel, exec's reads its BTF.
const test::PlanGrid& grid() {
  static const test::PlanGrid planned = test::plan_grid();
  return planned;
}

// The program of a monitor this kernel cannot plan, with every switch of
// full_spec; the reason is said.
std::vector<ProgramSpec> unplanned_programs(const KernelBtf& btf, bool task_storage) {
  std::vector<ProgramSpec> specs;
  for (const std::string& why : grid().not_planned) {
    MESSAGE("not planned here, compiled as full_spec says: " << why);
    for (const ProgramUnderTest& program : kPrograms)
      if (why.rfind(program.name + ":", 0) == 0)
        specs.push_back(full_spec(program, btf, task_storage));
  }
  return specs;
}

// exec's plan takes its layouts from the running kernel's BTF: for another
// kernel, that kernel's.
ProgramSpec with_layouts_of(ProgramSpec spec, const KernelBtf& btf) {
  if (spec.name != "exec") return spec;
  const bool paths = test::define_names(spec).count("EXEC_PATHS") > 0;
  std::set<std::string> here;
  for (const auto& define : ExecMonitor::layouts(KernelBtf(), paths).defines)
    here.insert(define.first);
  auto& defines = spec.defines;
  defines.erase(std::remove_if(defines.begin(), defines.end(),
                               [&](const auto& d) { return here.count(d.first) > 0; }),
                defines.end());
  const auto there = ExecMonitor::layouts(btf, paths).defines;
  defines.insert(defines.end(), there.begin(), there.end());
  return spec;
}

std::string describe(const ProgramSpec& spec) {
  std::string text;
  for (const auto& [name, value] : spec.defines) text += " -D" + name + "=" + std::to_string(value);
  return text;
}

// Where scripts/fetch-test-kernels leaves the BTF of Debian's cloud kernels
// (scripts/install-deps --with-vm runs it).
fs::path foreign_kernels_dir() {
  const char* env = std::getenv("EBPFMON_TEST_KERNELS");
  return env != nullptr && *env != '\0' ? env : "/var/cache/ebpfmon-test/kernels";
}

// Whether the kernel `label` was fetched; if not, says why (its test skips).
bool fetched(const char* label) {
  const fs::path dir = foreign_kernels_dir() / label;
  if (fs::exists(dir / "btf")) return true;
  const std::string why = slurp(dir / "unavailable");
  std::fprintf(stderr, "test_kernel_headers: skipping %s: %s\n", label,
               why.empty() ? ("not in " + dir.string() + ": run scripts/fetch-test-kernels").c_str()
                           : why.c_str());
  return false;
}

// BCC_KERNEL_SOURCE names `tree` while it lives; the compile helper inherits it.
class KernelSourceOverride {
 public:
  explicit KernelSourceOverride(const fs::path& tree) {
    if (const char* old = std::getenv("BCC_KERNEL_SOURCE")) old_ = old;
    setenv("BCC_KERNEL_SOURCE", tree.c_str(), 1);
  }
  ~KernelSourceOverride() {
    if (old_)
      setenv("BCC_KERNEL_SOURCE", old_->c_str(), 1);
    else
      unsetenv("BCC_KERNEL_SOURCE");
  }

 private:
  std::optional<std::string> old_;
};

KernelBtf fetched_btf(const std::string& label) {
  return KernelBtf(slurp(foreign_kernels_dir() / label / "btf"));
}

// Generates our tree from the fetched kernel's BTF, as on that kernel, and
// compiles every program against it with the real compile helper (loading
// needs that kernel), as that kernel's plans ask.
void compile_all_for(const std::string& label, const KernelBtf& btf, const char* lacking_helper) {
  const fs::path dir = foreign_kernels_dir() / label;
  const KernelDescription kernel{dir / "btf", slurp(dir / "release"), dir / "config"};
  MESSAGE(label << ": " << kernel.release << " from " << slurp(dir / "package"));
  char tmpl[] = "/tmp/ebpfmon-tree-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const fs::path tree(tmpl);
  const auto generated = generate_btf_kernel_tree(kernel, tree);
  REQUIRE_MESSAGE(generated, (generated ? "" : generated.error().to_string()));
  // libbcc names helpers this kernel lacks; the tree gives them an id the
  // verifier refuses.
  CHECK(slurp(tree / "include/vmlinux.h")
            .find("#define " + std::string(lacking_helper) + " __BPF_FUNC_MAX_ID\n") !=
        std::string::npos);
  REQUIRE(btf.available());
  // What the plans ask for there: no task storage before 6.2; each switch
  // once, in as few compiles as the grid allows.
  std::vector<test::PlannedProgram> before_6_2;
  for (const test::PlannedProgram& p : grid().programs)
    if (!p.task_storage) before_6_2.push_back(p);
  std::vector<CompileRequest> requests;
  for (const test::PlannedProgram& p : test::covering(before_6_2))
    requests.push_back(with_layouts_of(p.spec, btf).request());
  for (const ProgramSpec& spec : unplanned_programs(btf, false)) requests.push_back(spec.request());
  MESSAGE(label << ": " << requests.size() << " compiles");
  const KernelSourceOverride source(tree);
  const auto compiled = compile_in_helpers(requests);
  for (size_t i = 0; i < compiled.size(); ++i)
    CHECK_MESSAGE(compiled[i], label << " " << requests[i].name << ": "
                                     << (compiled[i] ? "" : compiled[i].error().to_string()));
  fs::remove_all(tree);
}

}  // namespace

TEST_CASE("the BTF tree has what BCC includes" * doctest::skip(!kHaveBtf)) {
  char tmpl[] = "/tmp/ebpfmon-tree-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const fs::path dir(tmpl);
  REQUIRE(generate_btf_kernel_tree(running_kernel(), dir));
  for (const char* f :
       {"include/linux/kconfig.h", "include/vmlinux.h", "include/generated/autoconf.h",
        "include/linux/version.h", "include/linux/log2.h", "arch/x86/include/asm/page.h",
        "include/uapi/linux/bpf.h", "include/linux/sched.h"})
    CHECK_MESSAGE(fs::exists(dir / f), f);
  const std::string vmlinux = slurp(dir / "include/vmlinux.h");
  CHECK(vmlinux.find("struct task_struct {") != std::string::npos);
  CHECK(vmlinux.find("preserve_access_index") == std::string::npos);
  // A helper the kernel has keeps its own id.
  CHECK(vmlinux.find("#define BPF_FUNC_map_lookup_elem ") == std::string::npos);
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
  const KernelBtf btf;
  for (const ProgramUnderTest& program : kPrograms) {
    auto loaded = load_uncached(full_spec(program, btf, true));
    CHECK_MESSAGE(loaded, program.name << ": " << (loaded ? "" : loaded.error().to_string()));
    if (!loaded) continue;
    check_common_maps(program.name, **loaded);
    program.check_own_maps(program.name, **loaded);
  }
  fs::remove_all(tmpl);
}

TEST_CASE("every switch of every program compiles, as the monitors' plans ask" *
          doctest::skip(geteuid() != 0)) {
  char tmpl[] = "/tmp/ebpfmon-cache-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  REQUIRE(locate_kernel_headers(tmpl));
  std::vector<CompileRequest> requests;
  for (const test::PlannedProgram& p : grid().programs) requests.push_back(p.spec.request());
  MESSAGE(requests.size() << " distinct programs planned");
  const auto compiled = compile_in_helpers(requests);
  std::map<std::string, std::set<std::string>> compiled_switches;  // by program, "" for any
  for (size_t i = 0; i < compiled.size(); ++i) {
    const ProgramSpec& spec = grid().programs[i].spec;
    CHECK_MESSAGE(compiled[i], spec.name << describe(spec) << ": "
                                         << (compiled[i] ? "" : compiled[i].error().to_string()));
    if (!compiled[i]) continue;
    for (const std::string& program : {spec.name, std::string()})
      for (const std::string& name : test::define_names(spec))
        compiled_switches[program].insert(name);
  }
  // A switch that no setting or capability reaches is a path no test
  // compiles: a program's own, by its monitor's plans; the shared header's,
  // by any.
  const fs::path ebpf = fs::path(EBPFMON_SOURCE_DIR) / "ebpf";
  for (const std::string& name : test::switches_in(slurp(ebpf / "common.bpf.h")))
    CHECK_MESSAGE(compiled_switches[""].count(name) > 0,
                  "common.bpf.h: " << name << " is compiled by no plan of the grid");
  for (const auto& file : fs::directory_iterator(ebpf)) {
    const std::string path = file.path().filename();
    if (path.size() < 6 || path.compare(path.size() - 6, 6, ".bpf.c") != 0) continue;
    const std::string program = path.substr(0, path.size() - 6);
    if (compiled_switches.count(program) == 0) {
      const auto& skipped = grid().not_planned;
      CHECK_MESSAGE(
          std::any_of(skipped.begin(), skipped.end(),
                      [&](const std::string& why) { return why.rfind(program + ":", 0) == 0; }),
          path << ": no monitor plans it");
      continue;
    }
    for (const std::string& name : test::switches_in(slurp(file.path())))
      CHECK_MESSAGE(compiled_switches[program].count(name) > 0,
                    path << ": " << name << " is compiled by no plan of the grid");
  }
  for (const std::string& why : grid().not_planned) MESSAGE("skipped: " << why);
  fs::remove_all(tmpl);
}

// Debian's cloud kernels have BTF and no headers package; libbcc's helpers.h
// names helpers newer than them.
TEST_CASE("every BPF program compiles for Debian 11's 5.10 cloud kernel, from its BTF" *
          doctest::skip(geteuid() != 0 || !fetched("debian11-5.10"))) {
  const KernelBtf btf = fetched_btf("debian11-5.10");
  compile_all_for("debian11-5.10", btf, "BPF_FUNC_task_storage_get");
  CHECK(ExecMonitor::layouts(btf, true).warnings.empty());
  // fentry could not name its function there: funcmon uses kprobes.
  CHECK(FuncMonitor::missing_func_ip(btf).find("bpf_get_func_ip") != std::string::npos);
}

TEST_CASE("every BPF program compiles for Debian 12's 6.1 cloud kernel, from its BTF" *
          doctest::skip(geteuid() != 0 || !fetched("debian12-6.1"))) {
  const KernelBtf btf = fetched_btf("debian12-6.1");
  compile_all_for("debian12-6.1", btf, "BPF_FUNC_cgrp_storage_get");
  CHECK(ExecMonitor::layouts(btf, true).warnings.empty());
  CHECK(FuncMonitor::missing_func_ip(btf).empty());
}
