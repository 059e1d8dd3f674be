#include "monitors/exec.h"

#include <algorithm>
#include <cstring>

#include "bpf/kernel_btf.h"
#include "bpf/kernel_layouts.h"
#include "bpf_sources.h"
#include "ebpf/exec.h"
#include "monitors/process_context.h"
#include "monitors/registry.h"

namespace ebpfmon {
namespace {

// parent_exec_id: how many recent execs are remembered as "seen".
constexpr size_t kSeenExecs = 65536;

// The kernel names pty slaves "pts3"; ps and who say "pts/3".
std::string tty_name(const char* raw, size_t max) {
  std::string name(raw, strnlen(raw, max));
  if (name.size() > 3 && name.compare(0, 3, "pts") == 0 &&
      std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
    name.insert(3, "/");
  return name;
}

uint64_t next_pow2(uint64_t v) {
  uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

std::string c_string(const char* s, size_t max) {
  return std::string(s, strnlen(s, max));
}

}  // namespace

namespace {

using Strings = std::vector<std::string>;

// exec's columns, in order: each declared once, with the handle decode()
// sets it through.
struct ExecFields {
  Schema schema;
  TaskFields task = add_task_fields(schema);
  FieldOf<int64_t> ret = schema.add<int64_t>("ret", "`0`, or `-errno` for a failed exec");
  FieldOf<Strings> argv = schema.add_user_text<Strings>(
      "argv",
      "the arguments the caller passed, as strace shows them, joined by single spaces (in JSON "
      "lines: an array of strings); for a script too, not the argv the kernel rewrote for its "
      "interpreter");
  FieldOf<std::string> filename = schema.add<std::string>(
      "filename",
      "the path given to exec; for `execveat` with a file descriptor, `/dev/fd/N` (or "
      "`/dev/fd/N/path`)");
  FieldOf<uint64_t> argc = schema.add<uint64_t>(
      "argc",
      "the real number of arguments (for a failed exec with more than 1024 arguments, a lower "
      "bound)");
  FieldOf<bool> truncated = schema.add<bool>(
      "truncated",
      "`true` when `argv` is incomplete: it did not fit `--max-args` / `--max-arg-bytes`, or part "
      "of it could not be read from the caller's memory (failed execs only; an unreadable "
      "argument keeps its place as an empty string)");
  FieldOf<std::string> pcomm = schema.add<std::string>("pcomm", "the parent process's name");
  FieldOf<std::string> cwd = schema.add<std::string>(
      "cwd", "working directory, absolute (see above; empty with `--no-paths`)");
  FieldOf<std::string> exe =
      schema.add<std::string>("exe", "the binary that really ran (the caller's for a failed exec)");
  FieldOf<bool> path_truncated =
      schema.add<bool>("path_truncated", "`true` when `cwd` or `exe` did not fit");
  FieldOf<uint64_t> auid = schema.add<uint64_t>(
      "auid", "audit login uid (`4294967295` when unset: no login, e.g. a daemon)");
  FieldOf<uint64_t> sessionid =
      schema.add<uint64_t>("sessionid", "audit session id (`4294967295` when unset)");
  FieldOf<std::string> tty =
      schema.add<std::string>("tty", "controlling terminal, such as `pts/3`; empty when none");
  CgroupFields cgroup = add_cgroup_fields(schema, CgroupColumns::Full);
  FieldOf<uint64_t> mntns = schema.add<uint64_t>(
      "mntns", "mount namespace inode number (as `ls -i /proc/PID/ns/` shows)");
  FieldOf<uint64_t> pidns =
      schema.add<uint64_t>("pidns", "pid namespace inode number (as `ls -i /proc/PID/ns/` shows)");
  FieldOf<uint64_t> vpid =
      schema.add<uint64_t>("vpid", "the pid inside the process's own pid namespace");
  FieldOf<ValueList> ancestors = schema.add<ValueList>(
      "ancestors",
      "up to `--ancestors` parents, nearest first: `pid:comm;pid:comm` (JSON lines: an array of "
      "`{\"pid\":N,\"comm\":\"...\"}`)");
  FieldOf<std::string> exec_id = schema.add<std::string>(
      "exec_id", "this image's exec id (see above); empty (`null`) for a failed exec");
  FieldOf<std::string> parent_exec_id = schema.add<std::string>(
      "parent_exec_id", "the parent's `exec_id` when that exec was seen in this run (see above)");
  FieldOf<std::string> interpreter = schema.add<std::string>(
      "interpreter",
      "for a script, the interpreter the kernel ran and its `#!` argument (`/bin/sh -e`); empty "
      "(JSON `null`) for a binary or a failed exec");
};

const ExecFields& fields() {
  static const ExecFields f;
  return f;
}

// argv as the command line it makes: its items joined by single spaces.
std::string command_line(const Strings& argv) {
  std::string line;
  for (const std::string& arg : argv) line += (line.empty() ? "" : " ") + arg;
  return line;
}

}  // namespace

const Schema& ExecMonitor::schema() const {
  return fields().schema;
}

// A failed exec's row starts with the path it tried: the lookups of one
// command along PATH differ only there.
std::vector<ConsoleColumn> ExecMonitor::console_columns() const {
  const ExecFields& f = fields();
  ConsoleColumn args{"ARGS", f.argv, 0, [&f](const Event& e) {
                       std::string line = command_line(e.get(f.argv));
                       const std::string& tried = e.get(f.filename);
                       const bool failed = e.get(f.ret) != 0;
                       const Strings& argv = e.get(f.argv);
                       if (failed && (argv.empty() || argv[0] != tried)) line = tried + ": " + line;
                       return line;
                     }};
  return process_table(f.task, f.cgroup, {"RET", f.ret, 3}, std::move(args));
}

namespace {

// --name and --line: ECMAScript regexes, searched anywhere (as execsnoop's
// re.search); checked when read, so a bad one is a usage error naming it.
Result<void> read_regex(const RawValue& value, std::string& out) {
  if (value.kind != RawValue::Kind::Scalar) return value_error(value, "expected a regular expression");
  try {
    std::regex check(value.text, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return value_error(value, std::string("not a valid regular expression: ") + e.what());
  }
  out = value.text;
  return {};
}

Setting regex_setting(std::string key, std::string help) {
  Setting s;
  s.key = key;
  s.flag = key;
  s.value_name = "REGEX";
  s.help = std::move(help);
  s.accepts = "an ECMAScript regular expression";
  return s;
}

}  // namespace

SettingsSection ExecMonitor::settings_table() {
  return SettingsTable<ExecSettings>(kName)
      .integer("max_args", "max-args", &ExecSettings::max_args, 1, EXEC_MAX_ARGS_LIMIT,
               "arguments kept per exec")
      .integer("max_arg_bytes", "max-arg-bytes", &ExecSettings::max_arg_bytes, EXEC_ARGS_BYTES_MIN,
               EXEC_ARGS_BYTES_LIMIT, "bytes of arguments kept per exec")
      .integer("ancestors", "ancestors", &ExecSettings::ancestors, 0, EXEC_ANCESTORS_LIMIT,
               "parents (pid and comm) read in the kernel at exec time, nearest first")
      .boolean("paths", "", &ExecSettings::paths,
               "build cwd and exe in the kernel (--no-paths: leave them empty)")
      .off_switch("no-paths", &ExecSettings::paths,
                  "no cwd and exe (smaller events; config: paths: false)")
      .boolean("fails_only", "fails", &ExecSettings::fails_only,
               "only failed execs, decided in the kernel (execsnoop -x)")
      .short_flag('x')
      .custom(
          regex_setting("name", "only processes whose name matches REGEX (execsnoop -n)"),
          [](const RawValue& v, ExecSettings& s) { return read_regex(v, s.name); },
          [](const ExecSettings& s) { return s.name; })
      .short_flag('n')
      .custom(
          regex_setting("line", "only execs whose argument line matches REGEX (execsnoop -l)"),
          [](const RawValue& v, ExecSettings& s) { return read_regex(v, s.line); },
          [](const ExecSettings& s) { return s.line; })
      .short_flag('l')
      .with(add_buffer_kb<ExecSettings>)
      .build();
}

ExecMonitor::Layouts ExecMonitor::layouts(const KernelBtf& btf, bool paths) {
  Layouts out;
  if (btf.member_offset("task_struct", "loginuid"))
    out.defines.emplace_back("EXEC_HAVE_AUDIT", 1);
  else
    out.warnings.push_back(
        "exec: auid and sessionid stay unset (4294967295): no audit fields in this kernel's BTF");
  if (auto ns = btf.member_offset("mnt_namespace", "ns"))
    out.defines.emplace_back("EXEC_MNT_NS_NS", *ns);
  else
    out.warnings.push_back("exec: mntns stays 0: no layout of struct mnt_namespace (BTF)");
  if (!paths) return out;
  if (auto mounts = mount_layout(btf))
    out.defines.insert(out.defines.end(), mounts->begin(), mounts->end());
  else
    out.warnings.push_back(
        "exec: cwd and exe stop at mount points, marked path_truncated: no layout of struct "
        "mount (BTF)");
  return out;
}

Result<BpfMonitor::Plan> ExecMonitor::plan(Capabilities& caps) const {
  const ExecSettings& s = settings_;
  for (Feature needed : {Feature::Tracepoint, Feature::RawTracepoint}) {
    const FeatureStatus& st = caps.status(needed);
    if (!st.available)
      return Error::runtime(std::string("execmon needs ") + feature_name(needed) +
                            "s, which this kernel does not allow: " + st.detail);
  }
  Plan plan;
  plan.ring_buffer_bytes = size_t{s.buffer_kb} << 10;
  plan.source = bpf_sources::exec_bpf;
  plan.defines = {
      {"EXEC_MAX_ARGS", s.max_args},
      {"EXEC_ARGS_BYTES", s.max_arg_bytes},
      {"EXEC_ARGS_POW2", static_cast<int64_t>(next_pow2(s.max_arg_bytes))},
      {"EXEC_STRINGS_POW2",
       static_cast<int64_t>(next_pow2(s.max_arg_bytes + EXEC_ARGV0_LEN + 2 * EXEC_PATH_BYTES))},
      {"EXEC_ANCESTORS", s.ancestors}};
  Layouts layout = layouts(KernelBtf(), s.paths);
  plan.defines.insert(plan.defines.end(), layout.defines.begin(), layout.defines.end());
  plan.warnings = std::move(layout.warnings);
  if (s.fails_only) plan.defines.emplace_back("EXEC_FAILS_ONLY", 1);
  if (s.paths) plan.defines.emplace_back("EXEC_PATHS", 1);
  plan.hooks = {
      {HookType::Tracepoint, "syscalls:sys_enter_execve"},
      {HookType::Tracepoint, "syscalls:sys_enter_execveat"},
      {HookType::Tracepoint, "syscalls:sys_exit_execve"},
      {HookType::Tracepoint, "syscalls:sys_exit_execveat"},
      {HookType::RawTracepoint, "sched_process_exec"},
  };
  return plan;
}

bool ExecMonitor::unpack_args(const char* data, size_t size, size_t max_args,
                              std::vector<std::string>& out) {
  out.clear();
  size_t pos = 0;
  while (pos < size) {
    if (out.size() == max_args) return true;
    const size_t len = strnlen(data + pos, size - pos);
    out.emplace_back(data + pos, len);
    pos += len + 1;
  }
  return false;
}

ExecMonitor::ExecMonitor(const ExecSettings& settings) : settings_(settings), seen_(kSeenExecs) {
  // The settings' readers checked both; an invalid one never gets here.
  if (!settings_.name.empty()) name_.emplace(settings_.name, std::regex::ECMAScript);
  if (!settings_.line.empty()) line_.emplace(settings_.line, std::regex::ECMAScript);
}

bool ExecMonitor::wanted(const Event& event) const {
  if (name_ && !std::regex_search(event.get(fields().task.comm), *name_)) return false;
  if (line_ && !std::regex_search(command_line(event.get(fields().argv)), *line_)) return false;
  return true;
}

ExecMonitor::ScriptExec ExecMonitor::split_script_argv(std::vector<std::string> kernel,
                                                       uint64_t kernel_argc,
                                                       const std::string& filename,
                                                       bool filename_cut,
                                                       const std::optional<std::string>& argv0) {
  auto is_path = [&](const std::string& s) {
    return filename_cut ? s.compare(0, filename.size(), filename) == 0 : s == filename;
  };
  // The interpreter comes first: the path is looked for from the second string on.
  size_t path = 1;
  while (path < kernel.size() && !is_path(kernel[path])) ++path;
  ScriptExec out;
  out.complete = path < kernel.size();
  const size_t interpreter_words = out.complete ? path : std::min<size_t>(kernel.size(), 1);
  for (size_t i = 0; i < interpreter_words; ++i) out.interpreter += (i == 0 ? "" : " ") + kernel[i];
  if (argv0) out.argv.push_back(*argv0);
  // The kernel added the interpreter's words and the path, and took the
  // caller's argv[0] out unless a binfmt_misc handler kept it.
  const uint64_t added = (out.complete ? path + 1 : 2) - (argv0 ? 1 : 0);
  if (out.complete)
    out.argv.insert(out.argv.end(), std::make_move_iterator(kernel.begin() + path + 1),
                    std::make_move_iterator(kernel.end()));
  // Incomplete, argc is an upper bound: what follows the interpreter is unknown.
  out.argc = std::max<uint64_t>(kernel_argc > added ? kernel_argc - added : 0, out.argv.size());
  return out;
}

std::string ExecMonitor::unpack_path(const char* data, size_t size, bool truncated,
                                     bool deleted) {
  std::vector<std::string> names;
  unpack_args(data, size, size, names);
  std::string path = truncated ? "..." : "";
  for (auto it = names.rbegin(); it != names.rend(); ++it) path += "/" + *it;
  if (path.empty()) path = "/";
  if (deleted) path += " (deleted)";
  return path;
}

uint64_t ExecMonitor::exec_key(uint64_t start_ns, uint32_t pid, uint64_t seq) {
  // splitmix64's finaliser over the three, mixed in turn.
  auto mix = [](uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  return mix(mix(mix(start_ns) ^ pid) ^ seq);
}

bool ExecMonitor::decode(const void* data, size_t size, Event& event) {
  constexpr size_t kHeader = offsetof(exec_event, strings);
  if (size < kHeader) return false;
  exec_event e;  // the fixed part only; the strings are read in place
  std::memcpy(&e, data, kHeader);
  const uint64_t strings_size = uint64_t{e.args_size} + e.cwd_size + e.exe_size;
  if (strings_size > size - kHeader || e.ancestor_count > EXEC_ANCESTORS_LIMIT) return false;
  const char* args = static_cast<const char*>(data) + kHeader;

  std::vector<std::string> argv;
  uint64_t argc = e.argc;
  std::string filename = c_string(e.filename, sizeof e.filename);
  std::optional<std::string> interpreter;
  bool cut = e.flags & (EXEC_F_TRUNCATED | EXEC_F_ARG_UNREADABLE | EXEC_F_ARGV0_CUT);
  if (e.flags & EXEC_F_INTERPRETER) {
    unpack_args(args, e.args_size, e.args_size, argv);
    std::optional<std::string> argv0;
    if (!(e.flags & EXEC_F_ARGV0_KEPT) && !argv.empty()) {
      argv0 = std::move(argv.front());
      argv.erase(argv.begin());
    }
    ScriptExec script = split_script_argv(std::move(argv), e.argc, filename,
                                          filename.size() == sizeof e.filename - 1, argv0);
    argv = std::move(script.argv);
    argc = script.argc;
    interpreter = std::move(script.interpreter);
    cut = cut || !script.complete || argv.size() > settings_.max_args;
    if (argv.size() > settings_.max_args) argv.resize(settings_.max_args);
  } else {
    cut = unpack_args(args, e.args_size, settings_.max_args, argv) || cut;
  }
  const Timestamp ts = clock().to_wall(e.ts_ns);

  const ExecFields& f = fields();
  event.values.resize(f.schema.fields.size());
  fill_task_values(event, f.task, {ts, e.comm, e.uid, e.pid, e.ppid});
  event.set(f.ret, e.ret);
  event.set(f.truncated, cut || argv.size() < argc);
  event.set(f.argv, std::move(argv));
  event.set(f.filename, std::move(filename));
  event.set(f.argc, argc);
  if (interpreter)
    event.set(f.interpreter, std::move(*interpreter));
  else
    event.set_none(f.interpreter);

  event.set(f.pcomm, c_string(e.pcomm, sizeof e.pcomm));
  if (e.flags & EXEC_F_PATHS) {
    const char* cwd = args + e.args_size;
    const bool cwd_cut = e.flags & EXEC_F_CWD_TRUNCATED;
    const bool exe_cut = e.flags & EXEC_F_EXE_TRUNCATED;
    event.set(f.cwd, unpack_path(cwd, e.cwd_size, cwd_cut, e.flags & EXEC_F_CWD_DELETED));
    event.set(f.exe, e.exe_size == 0 && exe_cut ? std::string()
                                                : unpack_path(cwd + e.cwd_size, e.exe_size, exe_cut,
                                                              e.flags & EXEC_F_EXE_DELETED));
    event.set(f.path_truncated, cwd_cut || exe_cut);
  } else {
    event.set_none(f.cwd);
    event.set_none(f.exe);
    event.set(f.path_truncated, false);
  }
  event.set(f.auid, e.auid);
  event.set(f.sessionid, e.sessionid);
  event.set(f.tty, tty_name(e.tty, sizeof e.tty));
  fill_cgroup_values(event, f.cgroup, e.cgroup_id);
  event.set(f.mntns, e.mntns);
  event.set(f.pidns, e.pidns);
  event.set(f.vpid, e.vpid);
  ValueList ancestors;
  for (size_t i = 0; i < e.ancestor_count; ++i)
    ancestors.items.push_back(
        ValueRecord{{{"pid", uint64_t{e.ancestors[i].pid}},
                     {"comm", c_string(e.ancestors[i].comm, EBPFMON_COMM_LEN)}}});
  event.set(f.ancestors, std::move(ancestors));
  // A failed exec made no new image: it has no exec id of its own.
  if (seen_.contains(exec_key(e.parent_start_ns, e.ppid, e.parent_exec_seq)))
    event.set(f.parent_exec_id, format_exec_id(e.parent_start_ns, e.ppid, e.parent_exec_seq));
  else
    event.set_none(f.parent_exec_id);
  if (e.ret == 0) {
    event.set(f.exec_id, format_exec_id(e.start_ns, e.pid, e.exec_seq));
    seen_.insert(exec_key(e.start_ns, e.pid, e.exec_seq));
  } else {
    event.set_none(f.exec_id);
  }
  ++(e.ret == 0 ? succeeded_ : failed_);
  return true;
}

Result<Metrics> ExecMonitor::metrics() const {
  MetricFamily execs{"ebpfmon_exec_total",
                     "Process executions traced, by result",
                     MetricFamily::Type::Counter,
                     {},
                     {}};
  execs.samples = {{{{"result", "success"}}, static_cast<double>(succeeded_)},
                   {{{"result", "failure"}}, static_cast<double>(failed_)}};
  return Metrics{std::move(execs)};
}

EBPFMON_REGISTER_MONITOR(ExecMonitor, ExecSettings, ByDefault::On, {})

}  // namespace ebpfmon
