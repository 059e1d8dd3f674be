#!/usr/bin/env python3
"""execmon and #! scripts: argv, argc and truncated are what the caller
passed to execve or execveat (the kernel rewrites them for the
interpreter), the interpreter the kernel ran is a column of its own, and
-l sees the caller's argv. Every exec is checked against the argv this test
passed and against strace's record of the same run."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Tracer, check, finish, output_files, read_jsonl, require_root, skip, tool

SH = os.path.realpath("/bin/sh")
TRUE = shutil.which("true") or "/bin/true"
MAX_ARGS = 4
LONG_ARGV0 = "L" * 300  # longer than the argv[0] kept from sys_enter (255 bytes)


def script_paths(d):
    """{name: path} of the scripts make_scripts writes in d."""
    return {name: os.path.join(d, name.replace("_", "-") + ".sh")
            for name in ("plain", "dash_e", "no_interp", "nested", "link")}


def make_scripts(d):
    paths = script_paths(d)
    texts = {"plain": "#!/bin/sh\nexit 0\n", "dash_e": "#!/bin/sh -e\nexit 0\n",
             "no_interp": "#!/nonexistent/ebpfmon-interp\n",
             "nested": "#!%s\n" % paths["dash_e"]}  # its interpreter is a script
    for name, text in texts.items():
        with open(paths[name], "w") as f:
            f.write(text)
        os.chmod(paths[name], 0o755)
    os.symlink(paths["plain"], paths["link"])


def cases(d, paths):
    """(name, how, path, argv, ret, interpreter, filename): how the exec is
    made, what it must show."""
    plain, dash_e = paths["plain"], paths["dash_e"]
    return [
        ("custom argv0", "execve", plain, ["custom0", "arg1"], 0, "/bin/sh", plain),
        ("#! argument", "execve", dash_e, ["x0", "a", "b c"], 0, "/bin/sh -e", dash_e),
        ("through a symlink", "execve", paths["link"], ["viasym", "q"], 0, "/bin/sh",
         paths["link"]),
        ("execveat fd", "execveat-fd", plain, ["fdexec", "z"], 0, "/bin/sh", "/dev/fd/"),
        ("execveat dirfd", "execveat-dirfd", plain, ["dirrel", "y"], 0, "/bin/sh", "/dev/fd/"),
        ("nested", "execve", paths["nested"], ["nest0", "n1"], 0, "/bin/sh -e " + dash_e,
         paths["nested"]),
        ("more than --max-args", "execve", plain, ["custom0"] + ["m%d" % i for i in range(9)], 0,
         "/bin/sh", plain),
        ("long argv0", "execve", plain, [LONG_ARGV0, "tail"], 0, "/bin/sh", plain),
        ("a binary", "execve", TRUE, ["custom0", "binary"], 0, None, TRUE),
        ("failed: no interpreter", "execve", paths["no_interp"], ["custom0", "gone"], -2, None,
         paths["no_interp"]),
        # A failed exec's filename is the caller's string: empty with AT_EMPTY_PATH.
        ("failed: close-on-exec fd", "execveat-cloexec", plain, ["cloexec", "w"], -2, None, ""),
    ]


def workload(d, report):
    """Runs under strace: forks a child per case, which makes its exec.
    Writes {case: pid} to `report`."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    execveat_nr = 322  # x86_64

    def execveat(dirfd, path, argv, flags):
        arr = (ctypes.c_char_p * (len(argv) + 1))(*[a.encode() for a in argv], None)
        env = (ctypes.c_char_p * 1)(None)
        libc.syscall(execveat_nr, dirfd, path.encode(), arr, env, flags)

    pids = {}
    for name, how, path, argv, _, _, _ in cases(d, script_paths(d)):
        pid = os.fork()
        if pid == 0:
            try:
                if how == "execve":
                    os.execv(path, argv)
                elif how == "execveat-fd":
                    fd = os.open(path, os.O_RDONLY)
                    os.set_inheritable(fd, True)  # a script run by fd needs it open
                    execveat(fd, "", argv, 0x1000)  # AT_EMPTY_PATH
                elif how == "execveat-cloexec":
                    execveat(os.open(path, os.O_RDONLY), "", argv, 0x1000)
                elif how == "execveat-dirfd":
                    fd = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
                    os.set_inheritable(fd, True)
                    execveat(fd, os.path.basename(path), argv, 0)
            finally:
                os._exit(127)
        os.waitpid(pid, 0)
        pids[name] = pid
    with open(report, "w") as f:
        json.dump(pids, f)


STRACE_LINE = re.compile(r"^(\d+) +(execve|execveat)\((.*)\) = (-?\d+)")
C_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def strace_execs(path):
    """{pid: (argv, ret)} of the execs strace saw (strings as strace quotes
    them, with C escapes undone; ret 0 or -1, as the call returns)."""
    found = {}
    for line in open(path):
        m = STRACE_LINE.match(line)
        if not m:
            continue
        args = m.group(3)
        array = args[args.index("[") + 1:args.index("]")]
        argv = [bytes(s, "utf-8").decode("unicode_escape") for s in C_STRING.findall(array)]
        found[int(m.group(1))] = (argv, int(m.group(4)))
    return found


def main():
    require_root()
    strace = shutil.which("strace")
    if not strace:
        skip("strace is not installed (scripts/install-deps installs it)")
    tmp = tempfile.mkdtemp(prefix="execmon-scripts-")
    d = os.path.join(tmp, "bin")
    os.makedirs(d)
    make_scripts(d)
    out, limited, line = (os.path.join(tmp, n) for n in ("all", "limited", "line"))
    tracers = []
    try:
        tracers = [Tracer([tool("execmon"), "-q", "--format", "jsonl", "-o", out]),
                   Tracer([tool("execmon"), "-q", "--format", "jsonl", "-o", limited,
                           "--max-args", str(MAX_ARGS)]),
                   Tracer([tool("execmon"), "-q", "--format", "jsonl", "-o", line,
                           "-l", "^custom0 "])]
        report, trace = os.path.join(tmp, "pids.json"), os.path.join(tmp, "strace.txt")
        subprocess.run([strace, "-f", "-qq", "-v", "-s", "4096", "-e", "trace=execve,execveat",
                        "-e", "signal=none", "-o", trace, sys.executable, os.path.abspath(__file__),
                        "--workload", d, report], check=True)
        codes = [t.stop() for t in tracers]
        check(codes == [0, 0, 0], "the three execmon runs exit 0 (%s)" % codes)
        pids = json.load(open(report))
        seen_by_strace = strace_execs(trace)
        rows = {r["pid"]: r for r in read_jsonl(output_files(out, "exec", "jsonl")[0])}
        cut = {r["pid"]: r for r in read_jsonl(output_files(limited, "exec", "jsonl")[0])}
        matched = {r["pid"] for r in read_jsonl(output_files(line, "exec", "jsonl")[0])}

        for name, _, _, argv, ret, interpreter, filename in cases(d, script_paths(d)):
            pid = pids[name]
            traced = seen_by_strace.get(pid)
            check(traced is not None and traced == (argv, 0 if ret == 0 else -1),
                  "%s: strace saw the argv this test passed (%s)" % (name, traced))
            r = rows.get(pid)
            check(r is not None, "%s: one event for pid %d" % (name, pid))
            if r is None:
                continue
            check(r["ret"] == ret, "%s: ret %d (got %s)" % (name, ret, r["ret"]))
            if name == "long argv0":
                check(r["argv"][0] == argv[0][:255] and r["argv"][1:] == argv[1:]
                      and r["argc"] == len(argv) and r["truncated"] is True,
                      "%s: argv[0] cut at 255 bytes, the rest whole, argc %d, truncated (got %s, %s)"
                      % (name, len(argv), [len(a) for a in r["argv"]], r["argc"]))
            else:
                check(r["argv"] == argv and (traced is None or r["argv"] == traced[0]),
                      "%s: argv is the caller's, as strace shows it (got %s)" % (name, r["argv"]))
                check(r["argc"] == len(argv) and r["truncated"] is False,
                      "%s: argc %d, not truncated (got %s, %s)" % (name, len(argv), r["argc"],
                                                                  r["truncated"]))
            check(r["interpreter"] == interpreter,
                  "%s: interpreter %r (got %r)" % (name, interpreter, r["interpreter"]))
            check(r["filename"].startswith(filename) if filename == "/dev/fd/"
                  else r["filename"] == filename,
                  "%s: filename %s (got %s)" % (name, filename, r["filename"]))
            if ret == 0 and interpreter:
                check(r["exe"] == SH, "%s: exe is the interpreter, %s (got %s)" % (name, SH, r["exe"]))
            shown = [argv[0][:255]] + argv[1:] if name == "long argv0" else argv
            c = cut.get(pid)
            check(c is not None and c["argv"] == shown[:MAX_ARGS] and c["argc"] == len(argv)
                  and c["truncated"] is (len(argv) > MAX_ARGS or name == "long argv0"),
                  "%s: --max-args %d keeps the caller's first %d (got %s)"
                  % (name, MAX_ARGS, MAX_ARGS, c and (c["argv"][:6], c["argc"], c["truncated"])))
            wanted = re.search("^custom0 ", " ".join(argv)) is not None
            check((pid in matched) == wanted,
                  "%s: -l '^custom0 ' %s it" % (name, "keeps" if wanted else "drops"))
    finally:
        for t in tracers:
            if t.proc.poll() is None:
                t.proc.kill()
                t.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--workload"]:
        workload(sys.argv[2], sys.argv[3])
    else:
        main()
