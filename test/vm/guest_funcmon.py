#!/usr/bin/env python3
"""funcmon inside the QEMU guest (run by test_funcmon.py through
run_in_vm.py), where the kernel has kprobes and fentry; and exec's context
and the exit monitor on Debian's 6.12 kernel (its BTF tree: the headers,
also installed, are for kernels without BTF; test_kernel.py tests them on
5.10 and 6.1). Workloads whose
truth this script knows: a child with a known pid, ppid, uid and comm
reads a file exactly N times. Prints one line per failed check and a final
"N checks passed, M failed"; exits 1 when a check failed."""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import (HeldChild, Tracer, check, finish, output_files, read_jsonl, run,  # noqa: E402
                     summary_counts, tool)

READS = 50
COMM = "fm-reader"
START_TIMEOUT = 400  # BCC compiles in 20-40 s under TCG


def Reader(path):
    """A child that, once told to go, pread()s `path` READS times."""
    def reads():
        fd = os.open(path, os.O_RDONLY)
        for _ in range(READS):
            os.pread(fd, 16, 0)
    return HeldChild([reads], COMM)


def leftovers():
    """Our programs still loaded, and functions ftrace still patches."""
    # Nothing else loads kprobe or tracing (fentry) programs in the guest.
    progs = json.loads(run(["bpftool", "-j", "prog", "show"]).stdout or "[]")
    ours = ["%s %s" % (p["type"], p.get("name")) for p in progs if p["type"] in ("kprobe", "tracing")]
    try:
        with open("/sys/kernel/tracing/enabled_functions") as f:
            patched = [l for l in f if l.strip()]
    except OSError:
        patched = []
    return ours, patched


def check_clean(what):
    ours, patched = leftovers()
    check(not ours, "%s: no funcmon program left loaded: %s" % (what, ours))
    check(not patched, "%s: no function left patched by ftrace: %s" % (what, patched[:3]))


def test_list():
    r = run([tool("funcmon"), "--list", "vfs_read", "vfs_*"])
    lines = r.stdout.splitlines()
    check(r.returncode == 0, "list: exit 0 (%d): %s" % (r.returncode, r.stderr))
    check(len(lines) == 10, "list: the limit of 10 functions (%d)" % len(lines))
    check(lines[:1] == ["vfs_read\tfentry"], "list: vfs_read first, through fentry: %s" % lines[:1])
    check(all(l.startswith("vfs_") for l in lines), "list: only vfs_* functions")
    check(re.search(r"funcmon: \d+ functions match, 10 would be traced", r.stderr) is not None,
          "list: says how many matched: %s" % r.stderr)
    r = run([tool("funcmon"), "--list", "--backend", "kprobe", "vfs_read"])
    check(r.stdout == "vfs_read\tkprobe\n", "list: --backend kprobe: %r" % r.stdout)
    check_clean("list")


def test_events(tmp, backend):
    out = os.path.join(tmp, "events-" + backend)
    reader = Reader("/etc/hostname")
    t = Tracer([tool("funcmon"), "--backend", backend, "vfs_read", "vfs_*", "--limit", "10",
                "-q", "-v", "-o", out, "--format", "jsonl"], timeout=START_TIMEOUT)
    err = t.stderr_text()
    check("Tracing 10 kernel functions (func)... Ctrl-C to end." in err,
          "%s: traces 10 functions" % backend)
    check(err.count("attached %s " % backend) == 10, "%s: 10 %s hooks attached" % (backend, backend))
    m = re.search(r"(\d+) hooks attached in ([0-9.]+) s", err)
    if m:
        print("%s: %s hooks attached in %s s (in the TCG guest)" % (backend, m.group(1), m.group(2)))
    reader.go()
    check(t.stop() == 0, "%s: exit 0" % backend)
    files = output_files(out, "func", "jsonl")
    rows = read_jsonl(files[0]) if files else []
    mine = [r for r in rows if r["pid"] == reader.pid and r["func_name"] == "vfs_read"]
    check(len(mine) >= READS, "%s: at least %d vfs_read rows of the reader (%d)"
          % (backend, READS, len(mine)))
    for r in mine[:3]:
        check(r["ppid"] == os.getpid() and r["uid"] == 0 and r["comm"] == COMM,
              "%s: reader's ppid, uid and comm: %s" % (backend, r))
    check(list(rows[0].keys()) == ["timestamp", "time_str", "pid", "ppid", "uid", "comm",
                                   "func_name", "cgroup_id", "container_id"] if rows else False,
          "%s: the original tool's columns, then the cgroup's" % backend)
    check(all(isinstance(r["cgroup_id"], int) and r["container_id"] == "" for r in mine[:3]),
          "%s: the reader's cgroup id, no container: %s" % (backend, mine[:1]))
    counts = summary_counts(t.stderr_text(), "func")
    check(counts == (len(rows), 0), "%s: summary %s matches %d rows" % (backend, counts, len(rows)))
    check_clean(backend)


def test_count(tmp, backend):
    out = os.path.join(tmp, "count-" + backend)
    reader = Reader("/etc/hostname")
    t = Tracer([tool("funcmon"), "--count", "--backend", backend, "--pid", str(reader.pid),
                "vfs_read", "vfs_*", "--limit", "3", "-o", out, "--format", "jsonl"],
               timeout=START_TIMEOUT)
    err = t.stderr_text()
    check("Tracing 3 kernel functions, counting (func)" in err, "count: --limit 3 is kept")
    check(re.search(r"\d+ functions match 'vfs_read', 'vfs_\*'; tracing the first 3", err)
          is not None, "count: says how many matched and which were kept: %s" % err)
    reader.go()
    check(t.stop() == 0, "count: exit 0")
    table = t.stdout.decode()
    m = re.search(r"^vfs_read\s+(\d+)$", table, re.M)
    n = int(m.group(1)) if m else -1
    check(READS <= n <= READS + 5, "count %s: vfs_read counted %d times for %d reads: %s"
          % (backend, n, READS, table))
    # The same counts as data: the summary file, and no event file.
    names = [f for f in os.listdir(out) if re.fullmatch(r"summary_func_\d{8}_\d{6}\.jsonl", f)]
    rows = read_jsonl(os.path.join(out, names[0])) if len(names) == 1 else []
    whole = [r for r in rows if r["kind"] == "whole_run" and r["func"] == "vfs_read"]
    check(len(whole) == 1 and whole[0]["table"] == "counts" and whole[0]["count"] == n,
          "count %s: the summary file's whole run counts vfs_read %d times: %s" % (backend, n, rows))
    check(not output_files(out, "func", "jsonl"), "count %s: no event file" % backend)
    check_clean("count " + backend)


def test_metrics(tmp):
    """ebpfmon's /metrics counts the calls in the kernel, also in event mode."""
    config = os.path.join(tmp, "metrics.yaml")
    with open(config, "w") as f:
        f.write("logging:\n  file: %s/metrics.log\nmetrics:\n  enabled: true\n  listen: 127.0.0.1:0\n"
                "monitors:\n  func:\n    patterns: [vfs_read]\n    backend: kprobe\n" % tmp)
    reader = Reader("/etc/hostname")
    t = Tracer([tool("ebpfmon"), "-c", config, "-m", "func", "--pid", str(reader.pid), "-q",
                "-o", os.path.join(tmp, "metrics")], timeout=START_TIMEOUT)
    m = re.search(r"^metrics: http://(\S+)/metrics$", t.stderr_text(), re.M)
    reader.go()
    page = ""
    if m:
        conn = http.client.HTTPConnection(m.group(1), timeout=30)
        conn.request("GET", "/metrics")
        page = conn.getresponse().read().decode()
    t.stop()
    c = re.search(r'^ebpfmon_func_calls_total\{function="vfs_read"\} (\d+)$', page, re.M)
    n = int(c.group(1)) if c else -1
    check(READS <= n <= READS + 5, "metrics: ebpfmon_func_calls_total counts %d vfs_read for %d reads"
          % (n, READS))
    check_clean("metrics")


def test_blacklist():
    try:
        with open("/sys/kernel/debug/kprobes/blacklist") as f:
            names = [l.split()[-1] for l in f if l.strip()]
    except OSError as e:
        print("SKIP: blacklist: %s" % e)
        return
    kallsyms = {l.split()[2] for l in open("/proc/kallsyms") if l.split()[1] in "tT"}
    listed = [n for n in names if re.fullmatch(r"[a-z][a-z0-9_]+", n) and n in kallsyms
              and not n.startswith(("bpf_", "trace", "kprobe", "perf_", "ftrace"))]
    check(bool(listed), "blacklist: has ordinary names to try")
    for name in listed[:3]:
        r = run([tool("funcmon"), "--list", name])
        check(r.returncode == 2 and "no traceable kernel function matches" in r.stderr,
              "blacklist: %s is never a candidate: %s" % (name, r.stderr))


def test_kill9():
    t = Tracer([tool("funcmon"), "vfs_read", "-q", "-o", tempfile.mkdtemp()], timeout=START_TIMEOUT)
    ours, _ = leftovers()
    check(bool(ours), "kill -9: programs are loaded while tracing")
    t.proc.send_signal(signal.SIGKILL)
    t.proc.wait()
    time.sleep(1)
    check_clean("kill -9")


def test_hundred_probes(backend):
    t0 = time.monotonic()
    r = run([tool("funcmon"), "--backend", backend, "vfs_*", "ext4_*", "--limit", "100", "-q",
             "-v", "-d", "1", "-o", tempfile.mkdtemp()], timeout=900)
    loaded = re.search(r"func: (?:compiled and loaded|loaded from the program cache) in ([0-9.]+) s",
                       r.stderr)
    m = re.search(r"func: (\d+) hooks attached in ([0-9.]+) s", r.stderr)
    check(r.returncode == 0 and loaded and m is not None and m.group(1) == "100",
          "100 %s probes attach: %s" % (backend, r.stderr[-300:]))
    if m and loaded:
        print("%s: 100 hooks attached in %s s, compile and load %s s, whole run %.1f s (TCG guest)"
              % (backend, m.group(2), loaded.group(1), time.monotonic() - t0))
    check_clean("100 " + backend)


def test_exec_context(tmp):
    """exec and exit on Debian's 6.12 kernel: cwd, exe (through
    a symlink), the parent chain and the exec id pairing."""
    out = tempfile.mkdtemp()
    work = tempfile.mkdtemp(prefix="ctx dir ")
    link = os.path.join(work, "true-link")
    os.symlink("/usr/bin/true", link)
    t = Tracer([tool("execmon"), "--exits", "-q", "-o", out, "--format", "jsonl"],
               timeout=START_TIMEOUT)
    pid = os.fork()
    if pid == 0:
        os.chdir(work)
        os.execv(link, [link, "guest-ctx"])
    os.waitpid(pid, 0)
    check(t.stop() == 0, "context: execmon --exits exits 0: %s" % t.stderr_text()[-300:])
    execs = [e for e in read_jsonl(output_files(out, "exec", "jsonl")[0]) if e["pid"] == pid]
    exits = [e for e in read_jsonl(output_files(out, "exit", "jsonl")[0]) if e["pid"] == pid]
    check(len(execs) == 1 and len(exits) == 1, "context: one exec and one exit of the child")
    if execs and exits:
        e = execs[0]
        check(e["cwd"] == work and e["exe"] == os.path.realpath("/usr/bin/true")
              and not e["path_truncated"], "context: cwd and exe: %r %r" % (e["cwd"], e["exe"]))
        check(e["ancestors"][:1] == [{"pid": os.getpid(), "comm": e["pcomm"]}],
              "context: the parent first in ancestors: %r" % e["ancestors"][:2])
        check(exits[0]["exec_id"] == e["exec_id"] and exits[0]["exit_code"] == 0,
              "context: the exit pairs with the exec: %r %r" % (exits[0]["exec_id"], e["exec_id"]))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_exec_context(tmp)
        test_list()
        test_blacklist()
        for backend in ("fentry", "kprobe"):
            test_events(tmp, backend)
        test_count(tmp, "fentry")
        test_metrics(tmp)
        test_kill9()
        for backend in ("kprobe", "fentry"):
            test_hundred_probes(backend)
    finish()


if __name__ == "__main__":
    main()
