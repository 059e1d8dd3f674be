#!/usr/bin/env python3
"""The tools on the guest's kernel (run by test_kernels.py through
run_in_vm.py): execmon (argv, ppid, context, exits), syscallmon (exact
counts), funcmon through kprobes and the doctor, first with the kernel tree
generated from BTF, then with the kernel's own headers and its BTF hidden
(as on a kernel built without BTF: the headers are used only then); each
from an empty program cache (compiled in the guest) and again from the
cache it left.

    guest_kernel.py [HEADERS_TREE]

HEADERS_TREE: where the kernel's headers packages were unpacked (its usr/src
and usr/lib/linux-kbuild-*), for a kernel fetched by
scripts/fetch-test-kernels; without it, the headers installed at
/lib/modules/<release>/build are used for the headers rounds.
Workloads whose truth this script knows: a shell with a known argv, cwd and
exit code; a child making a known number of getppid calls and failed opens;
a reader pread()ing a file a known number of times. Prints one line per
failed check and a final "N checks passed, M failed"; exits 1 if any failed.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import (HeldChild, Tracer, check, finish, output_files, read_jsonl,  # noqa: E402
                     run, tool)

START_TIMEOUT = 600  # a cold start compiles under TCG: 10-40 s a program
GETPPID = 321
MISSING = 7
READS = 50
RELEASE = os.uname().release
MAJOR_MINOR = tuple(int(x) for x in RELEASE.split(".")[:2])
BUILD = "/lib/modules/%s/build" % RELEASE


def load_lines(stderr, monitors, cold):
    """Each monitor compiled (cold) or loaded from the cache (warm)."""
    how = "compiled and loaded" if cold else "loaded from the program cache"
    for m in monitors:
        check(re.search(r"debug: %s: %s in [0-9.]+ s" % (m, how), stderr) is not None,
              "%s: %s" % (m, how))


def test_exec(tmp, label, cold):
    out = os.path.join(tmp, "exec")
    work = tempfile.mkdtemp(prefix="kernel dir ", dir=tmp)
    t = Tracer([tool("execmon"), "--exits", "-v", "-o", out, "--format", "jsonl"],
               timeout=START_TIMEOUT)
    argv = ["sh", "-c", "exit 3", "kernel-test", label]
    pid = os.fork()
    if pid == 0:
        os.chdir(work)
        os.execv("/bin/sh", argv)
    os.waitpid(pid, 0)
    check(t.stop() == 0, "%s execmon: exit 0: %s" % (label, t.stderr_text()[-300:]))
    load_lines(t.stderr_text(), ["exec", "exit"], cold)
    exec_files, exit_files = output_files(out, "exec", "jsonl"), output_files(out, "exit", "jsonl")
    execs = [e for e in read_jsonl(exec_files[0]) if e["pid"] == pid] if exec_files else []
    exits = [e for e in read_jsonl(exit_files[0]) if e["pid"] == pid] if exit_files else []
    check(len(execs) == 1 and len(exits) == 1,
          "%s: one exec and one exit of the shell (%d, %d)" % (label, len(execs), len(exits)))
    if not execs or not exits:
        return
    e, x = execs[0], exits[0]
    check(e["argv"] == argv and e["comm"] == "sh" and e["ret"] == 0,
          "%s: argv, comm and ret: %r %r %r" % (label, e["argv"], e["comm"], e["ret"]))
    check(e["ppid"] == os.getpid() and e["uid"] == 0,
          "%s: ppid and uid: %r %r" % (label, e["ppid"], e["uid"]))
    check(e["cwd"] == work and e["exe"] == os.path.realpath("/bin/sh"),
          "%s: cwd and exe: %r %r" % (label, e["cwd"], e["exe"]))
    check(e["ancestors"][:1] == [{"pid": os.getpid(), "comm": e["pcomm"]}],
          "%s: the parent first in ancestors: %r" % (label, e["ancestors"][:2]))
    check(x["exit_code"] == 3 and x["exec_id"] == e["exec_id"],
          "%s: exit 3, paired with the exec: %r %r %r" % (label, x["exit_code"], x["exec_id"],
                                                        e["exec_id"]))


def getppid_and_missing():
    for _ in range(GETPPID):
        os.getppid()
    for i in range(MISSING):
        try:
            os.open("/nonexistent/ebpfmon-kernel-%d" % i, os.O_RDONLY)
        except FileNotFoundError:
            pass


def test_syscall(tmp, label, cold):
    out = os.path.join(tmp, "syscall")
    child = HeldChild([getppid_and_missing], "kernel-wl")
    t = Tracer([tool("syscallmon"), "--pid", str(child.pid), "--summary", "-v", "-o", out,
                "--format", "jsonl"], timeout=START_TIMEOUT)
    child.go()
    check(t.stop() == 0, "%s syscallmon: exit 0: %s" % (label, t.stderr_text()[-300:]))
    load_lines(t.stderr_text(), ["syscall"], cold)
    names = glob.glob(os.path.join(out, "summary_syscall_*.jsonl"))
    rows = read_jsonl(names[0]) if len(names) == 1 else []
    calls = {r["syscall"]: r for r in rows if r["kind"] == "whole_run" and r["table"] == "summary"}
    getppid, openat = calls.get("getppid", {}), calls.get("openat", {})
    check(getppid.get("count") == GETPPID and getppid.get("errors") == 0,
          "%s: getppid counted %d times exactly: %s" % (label, GETPPID, getppid))
    check(openat.get("errors") == MISSING,
          "%s: openat failed %d times exactly: %s" % (label, MISSING, openat))


def test_func(tmp, label, cold):
    path = os.path.join(tmp, "read-me")
    with open(path, "w") as f:
        f.write("x" * 64)

    def reads():
        fd = os.open(path, os.O_RDONLY)
        for _ in range(READS):
            os.pread(fd, 16, 0)

    reader = HeldChild([reads], "kernel-rd")
    t = Tracer([tool("funcmon"), "--backend", "kprobe", "--count", "--pid", str(reader.pid),
                "-v", "vfs_read", "-o", os.path.join(tmp, "func")], timeout=START_TIMEOUT)
    reader.go()
    check(t.stop() == 0, "%s funcmon: exit 0: %s" % (label, t.stderr_text()[-300:]))
    load_lines(t.stderr_text(), ["func"], cold)
    m = re.search(r"^vfs_read\s+(\d+)$", t.stdout.decode(), re.M)
    n = int(m.group(1)) if m else -1
    check(READS <= n <= READS + 5, "%s: kprobes counted %d vfs_read calls for %d preads: %s"
          % (label, n, READS, t.stdout.decode()))


def test_doctor(headers):
    r = run([tool("ebpfmon"), "--doctor"])
    print(r.stdout)
    rows = dict(re.findall(r"^  ([a-z][a-z ,]*?):\s+(yes|no)\b", r.stdout, re.M))
    check(r.returncode == 0, "doctor: exit 0 (%d): %s" % (r.returncode, r.stderr))
    expected = {
        "ring buffer": MAJOR_MINOR >= (5, 8),
        "fallthrough loops": MAJOR_MINOR >= (6, 4),
        # bpf_task_pt_regs (5.15) on a BTF-typed task: without BTF, no.
        "hung calls at start": MAJOR_MINOR >= (5, 15) and not headers,
        "kprobe": True,
    }
    for name, want in expected.items():
        check(rows.get(name) == ("yes" if want else "no"),
              "doctor: %s %s on %s: %s" % (name, "yes" if want else "no", RELEASE, rows.get(name)))
    layouts = "installed kernel headers" if headers else "kernel tree generated from BTF"
    check(re.search(r"^  struct layouts:\s+yes\s+" + layouts, r.stdout, re.M) is not None,
          "doctor: struct layouts from the %s" % layouts)
    m = re.search(r"^(\d+) of (\d+) monitors can run here", r.stdout, re.M)
    check(m is not None and m.group(1) == m.group(2), "doctor: every monitor can run here")


def remove_headers():
    """The BTF rounds: no headers at /lib/modules/<release>/build. Returns
    what the build link named, for install_headers."""
    saved = os.readlink(BUILD) if os.path.islink(BUILD) else None
    if saved:
        os.unlink(BUILD)
    return saved


def install_headers(tree, build_link):
    """What installing the headers packages would do: their files where
    dpkg puts them (the guest's root is a RAM overlay: nothing persists);
    and the kernel's BTF hidden, for the headers to be used."""
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro", "no-btf", "/sys/kernel/btf"], check=True)
    if build_link:
        os.symlink(build_link, BUILD)
    for pattern in ("usr/src/*", "usr/lib/linux-kbuild-*") if tree else ():
        for path in glob.glob(os.path.join(tree, pattern)):
            target = "/" + os.path.relpath(path, tree)
            if not os.path.exists(target):
                os.symlink(path, target)


def main():
    tree = sys.argv[1] if len(sys.argv) > 1 else None
    print("kernel %s" % RELEASE)
    build_link = remove_headers()
    check(not os.path.exists(os.path.join(BUILD, "include/linux/kconfig.h")),
          "no headers before the BTF rounds")
    for headers in (False, True):
        if headers:
            install_headers(tree, build_link)
        os.environ["EBPFMON_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-")
        test_doctor(headers)
        for cold in (True, False):
            label = "%s, %s, %s cache" % (RELEASE, "headers" if headers else "BTF",
                                          "cold" if cold else "warm")
            print("--- " + label)
            with tempfile.TemporaryDirectory() as tmp:
                test_exec(tmp, label, cold)
                test_syscall(tmp, label, cold)
                test_func(tmp, label, cold)
    subprocess.run(["sync"])
    finish()


if __name__ == "__main__":
    main()
