#!/usr/bin/env python3
"""Bad input end to end: every row of bad_input_cases.py (the exit code and
one clear error line, no crash, no hang; usage errors also as nobody), filter
values that look like C cannot change a BPF program, and a full output file
system (one error line naming the file and ENOSPC, exit 1, a file that is
valid up to its last complete line)."""
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bad_input_cases import all_rows  # noqa: E402
from harness import (HeldChild, Tracer, check, finish, output_files, ragged_rows, read_csv, require_root,  # noqa: E402
                     summary_counts, tool)

NOBODY = 65534
TRUE = shutil.which("true") or "/bin/true"
CASE_TIMEOUT = 60
# What a crash, an uncaught exception or a dump leaves on stderr.
CRASH_MARKS = ["terminate called", "Aborted", "what():", "core dumped", "Segmentation fault",
               "Traceback", "AddressSanitizer", "runtime error:", "stack trace", "\n#0 ", "\n#1 "]


def drop_privileges():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


class Scratch:
    """The files a row's placeholders name, fresh for each row."""

    def __init__(self, base, index, opts):
        self.root = os.path.join(base, "row%03d" % index)
        os.mkdir(self.root)
        os.chmod(self.root, 0o755)  # nobody must reach the config
        self.paths = {
            "@CONFIG@": os.path.join(self.root, "config.yaml"),
            "@DIR@": os.path.join(self.root, "dir"),
            "@FILE@": os.path.join(self.root, "file"),
            "@FIFO@": os.path.join(self.root, "fifo"),
        }
        os.mkdir(self.paths["@DIR@"])
        os.chmod(self.paths["@DIR@"], 0o755)
        with open(self.paths["@FILE@"], "w") as f:
            f.write("not a directory\n")
        os.mkfifo(self.paths["@FIFO@"], 0o644)
        if "yaml" in opts:
            with open(self.paths["@CONFIG@"], "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(opts["yaml"])
            os.chmod(self.paths["@CONFIG@"], opts.get("mode", 0o644))
            if "owner" in opts:
                os.chown(self.paths["@CONFIG@"], opts["owner"], -1)

    def fill(self, text, escape=False):
        for key, path in self.paths.items():
            text = text.replace(key, re.escape(path) if escape else path)
        return text


def error_lines(name, stderr, code):
    """The stderr lines that are not the usage hint, which may only close an
    exit-2 message."""
    lines = [l for l in stderr.splitlines() if l.strip()]
    hint = "Try '%s --help' for more information." % name
    if code == 2 and lines and lines[-1] == hint:
        lines = lines[:-1]
    return lines


def run_case(argv, cwd, env, as_nobody):
    started = time.monotonic()
    try:
        p = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=CASE_TIMEOUT,
                           preexec_fn=drop_privileges if as_nobody else None)
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b""), (e.stderr or b""), time.monotonic() - started
    return p.returncode, p.stdout, p.stderr, time.monotonic() - started


def check_row(index, row, base, nobody_ok):
    name, argv, code, regex, opts = row
    scratch = Scratch(base, index, opts)
    args = [tool(name)] + [scratch.fill(a) for a in argv]
    pattern = re.compile(scratch.fill(regex, escape=True))
    env = dict(os.environ, **{k: scratch.fill(v) for k, v in opts.get("env", {}).items()})
    label = "row %d %s %s" % (index, name, " ".join(repr(a)[1:-1][:60] for a in argv))
    users = [False]
    if code == 2 and "root_only" not in opts and nobody_ok:
        users.append(True)
    for as_nobody in users:
        who = label + (" (as nobody)" if as_nobody else "")
        rc, out, err, _ = run_case(args, scratch.root, env, as_nobody)
        text = err.decode("utf-8", errors="replace")
        check(rc is not None, "%s: finished within %d s" % (who, CASE_TIMEOUT))
        if rc is None:
            continue
        check(rc == code, "%s: exit %d (got %d): %s" % (who, code, rc, text.strip()[:300]))
        check(not any(m in "\n" + text for m in CRASH_MARKS), "%s: no crash, exception or dump: %s" % (who, text[:300]))
        lines = error_lines(name, text, code)
        check(len(lines) == 1, "%s: exactly one error line (got %d): %s" % (who, len(lines), lines[:4]))
        first = lines[0] if lines else ""
        check(first.startswith(name + ": "), "%s: the line starts with '%s: ' (%r)" % (who, name, first))
        check(pattern.search(first) is not None, "%s: message matches /%s/ (got %r)" % (who, regex, first))
        check(out == b"", "%s: nothing on stdout (got %r)" % (who, out[:200]))


def nobody_can_run():
    try:
        p = subprocess.run([tool("execmon"), "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           preexec_fn=drop_privileges, timeout=CASE_TIMEOUT, cwd="/")
        return p.returncode == 0
    except OSError:
        return False


def test_matrix(tmp):
    base = os.path.join(tmp, "matrix")
    os.mkdir(base)
    os.chmod(base, 0o755)
    nobody_ok = nobody_can_run()
    if not nobody_ok:
        print("NOTE: %s is not reachable as nobody; usage rows run as root only" % tool("execmon"))
    rows = all_rows()
    for index, row in enumerate(rows):
        check_row(index, row, base, nobody_ok)
    print("matrix: %d rows" % len(rows))


# ---------------------------------------------------------------------------
# Filter values that look like C end up as data in maps, never as program text.

INJECT_QUOTE = 'a") || 1; //'   # 12 bytes: a valid comm
INJECT_ESCAPE = 'a\\"b'          # a, backslash, quote, b


def fork_exec(binary, arg):
    """Forks a child (inheriting this comm) that execs `binary arg`; waits
    for it and returns its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(binary, [binary, arg])
        finally:
            os._exit(127)
    os.waitpid(pid, 0)
    return pid


def exec_true_child():
    fork_exec(TRUE, "badinput-inject")


def stat_missing():
    for i in range(5):
        try:
            os.stat("/nonexistent/badinput-inject-%d" % i)
        except FileNotFoundError:
            pass


def plain_workload(binary):
    """Execs and failing calls by processes whose names match no filter (the
    test itself, and `binary`, a copy of true with another name)."""
    pids = [fork_exec(binary, "badinput-other") for _ in range(5)]
    stat_missing()
    return pids


def test_injection(tmp):
    out = {k: os.path.join(tmp, "inject-" + k) for k in ("exec1", "exec2", "sys1", "front")}
    config = os.path.join(tmp, "inject.yaml")
    with open(config, "w") as f:
        # YAML single quotes: the value is a\"b, as in INJECT_ESCAPE.
        f.write("filters:\n  comm: ['%s']\n" % INJECT_ESCAPE)
    os.chmod(config, 0o644)
    held1 = HeldChild([stat_missing, exec_true_child], INJECT_QUOTE)
    held2 = HeldChild([stat_missing, exec_true_child], INJECT_ESCAPE)
    cwd = os.getcwd()
    os.chdir(tmp)  # ebpfmon's log file goes under logs/ here
    try:
        tracers = {
            "exec1": Tracer([tool("execmon"), "-q", "-o", out["exec1"], "-p", INJECT_QUOTE]),
            "exec2": Tracer([tool("execmon"), "-q", "-o", out["exec2"], "-p", INJECT_ESCAPE]),
            "sys1": Tracer([tool("syscallmon"), "-q", "-o", out["sys1"], "--errors-only", "-p", INJECT_QUOTE]),
            "front": Tracer([tool("ebpfmon"), "-q", "-o", out["front"], "-m", "exec,syscall", "-c", config]),
        }
    finally:
        os.chdir(cwd)
    other_binary = os.path.join(tmp, "badinput-other")
    shutil.copy(TRUE, other_binary)
    others = plain_workload(other_binary)
    held1.go()
    held2.go()
    others += plain_workload(other_binary)
    for name, t in tracers.items():
        check(t.stop() == 0, "inject %s: exits 0 (%s)" % (name, t.stderr_text().strip()[-300:]))

    def rows(directory, monitor):
        files = output_files(directory, monitor, "csv")
        if len(files) != 1:
            check(False, "inject: one %s file in %s (got %s)" % (monitor, directory, files))
            return []
        data = read_csv(files[0])
        check(data and not ragged_rows(data), "inject: every %s row has the header's columns" % monitor)
        return [r for r in data[1:]]

    for key, held, comm in (("exec1", held1, INJECT_QUOTE), ("exec2", held2, INJECT_ESCAPE),
                            ("front", held2, INJECT_ESCAPE)):
        execs = rows(out[key], "exec")
        # comm, pid, ppid are columns 2, 4, 5.
        check(len(execs) >= 1 and all(r[5] == str(held.pid) for r in execs),
              "inject %s: -p %r keeps exactly the execs of the process so named (%s)"
              % (key, comm, [(r[2], r[4], r[5]) for r in execs][:5]))
        check(not any(r[4] in map(str, others) for r in execs),
              "inject %s: no exec of the other processes is captured" % key)
    stats = ("newfstatat", "stat", "statx")
    for key, held, comm in (("sys1", held1, INJECT_QUOTE), ("front", held2, INJECT_ESCAPE)):
        calls = rows(out[key], "syscall")
        # pid is column 3, comm 6, syscall_name 8, error_name 11.
        mine = [r for r in calls if r[8] in stats and r[11] == "ENOENT" and r[3] == str(held.pid)]
        check(len(mine) == 5, "inject %s: the 5 failed stats of the process named %r (got %d)" % (key, comm, len(mine)))
        check(all(r[6] == comm for r in calls if r[3] == str(held.pid)),
              "inject %s: those rows carry the name %r" % (key, comm))
        # The child's child is "true" after its exec; the other processes
        # are python3 and badinput-other.
        strangers = sorted({(r[3], r[6]) for r in calls if r[3] != str(held.pid) and r[6] != "true"})
        check(not strangers, "inject %s: nothing from other processes (%s)" % (key, strangers[:5]))


# ---------------------------------------------------------------------------
# A full output file system.

class SmallTmpfs:
    """A 1 MiB tmpfs, unmounted on exit."""

    def __init__(self, path):
        self.path = path
        os.makedirs(path)

    def __enter__(self):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "none", self.path], check=True)
        return self.path

    def __exit__(self, *exc):
        subprocess.run(["umount", self.path])


def big_execs(stop, count=600):
    """Execs true with a 6000-byte argument until the tracer has exited
    (or `count` times): about 6 KB of CSV each."""
    arg = "x" * 6000
    for _ in range(count):
        if stop():
            return
        pid = os.fork()
        if pid == 0:
            try:
                os.execv(TRUE, [TRUE, arg])
            finally:
                os._exit(127)
        os.waitpid(pid, 0)


def many_failures(stop, rounds=60):
    for _ in range(rounds):
        if stop():
            return
        for i in range(500):
            try:
                os.stat("/nonexistent/badinput-full-%d" % i)
            except FileNotFoundError:
                pass


def check_valid_csv_file(label, path):
    """Valid CSV up to its last complete line, with nothing after it."""
    with open(path, "rb") as f:
        data = f.read()
    check(data.endswith(b"\n"), "%s: the file ends with a complete line (last bytes %r)" % (label, data[-40:]))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8", errors="surrogateescape"), newline="")))
    bad = ragged_rows(rows) if rows else []
    check(not bad, "%s: every row has the header's columns (bad rows %s)" % (label, bad[:5]))
    return rows


def check_valid_jsonl_file(label, path):
    with open(path, "rb") as f:
        data = f.read()
    check(data.endswith(b"\n"), "%s: the file ends with a complete line" % label)
    bad = 0
    for line in data.splitlines():
        try:
            json.loads(line)
        except ValueError:
            bad += 1
    check(bad == 0, "%s: every line is a JSON object (%d bad)" % (label, bad))
    return data.count(b"\n")


def full_fs_case(tmp, label, argv, monitor, workload, fmt="csv"):
    with SmallTmpfs(os.path.join(tmp, "full-" + label)) as out:
        cwd = os.getcwd()
        os.chdir(tmp)  # ebpfmon's log file goes under logs/ here, not on the full disk
        try:
            t = Tracer(argv + ["-o", out])
        finally:
            os.chdir(cwd)
        workload(lambda: t.proc.poll() is not None)
        try:
            t.proc.wait(timeout=CASE_TIMEOUT)
            stopped_itself = True
        except subprocess.TimeoutExpired:
            stopped_itself = False
        rc = t.stop(signal.SIGINT)  # no signal is sent when it has exited already
        check(stopped_itself, "%s: stops by itself after the write error" % label)
        err = t.stderr_text()
        check(rc == 1, "%s: exit 1 on a full disk (got %s)" % (label, rc))
        check(not any(m in "\n" + err for m in CRASH_MARKS), "%s: no crash: %s" % (label, err[-300:]))
        files = output_files(out, monitor, fmt)
        check(len(files) == 1, "%s: one %s file (got %s)" % (label, monitor, files))
        if not files:
            return
        errors = [l for l in err.splitlines() if ": error: " in l]
        check(len(errors) == 1, "%s: exactly one error line (got %s)" % (label, errors))
        line = errors[0] if errors else ""
        check(files[0] in line and re.search(r"No space left on device|ENOSPC", line) is not None,
              "%s: the error names the file and ENOSPC (%r)" % (label, line))
        check(all(re.match(r"^(Tracing |[a-z]+: )", l) for l in err.splitlines() if l.strip()),
              "%s: stderr holds only the Tracing line and the tool's own lines (%s)" % (label, err[-400:]))
        if fmt == "csv":
            rows = check_valid_csv_file(label, files[0])
            records = len(rows) - 1
        else:
            records = check_valid_jsonl_file(label, files[0])
        counts = summary_counts(err, monitor)
        check(counts is not None and counts[0] == records and counts[1] > 0,
              "%s: summary counts the %d rows in the file and the lost ones (%s)" % (label, records, counts))
        check(records > 0, "%s: the rows written before the disk filled are kept (%d)" % (label, records))
        print("%s: %d records kept; %s" % (label, records, line))
        m = re.search(r"^%s: lost by stage: .*write errors (\d+)" % monitor, err, re.M)
        check(m is not None and int(m.group(1)) > 0, "%s: the summary counts write errors (%s)" % (label, m and m.group(0)))


def full_at_start(tmp):
    """No room even for the header: the same one line, before tracing."""
    with SmallTmpfs(os.path.join(tmp, "full-at-start")) as out:
        with open(os.path.join(out, "filler"), "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        rc, stdout, err, _ = run_case([tool("execmon"), "-q", "-d", "2", "-o", out], tmp, None, False)
        text = err.decode(errors="replace")
        lines = [l for l in text.splitlines() if l.strip()]
        files = output_files(out, "exec", "csv")
        check(rc == 1, "full at start: exit 1 (got %s): %s" % (rc, text[-300:]))
        check(len(lines) == 1 and len(files) == 1 and files[0] in lines[0]
              and "No space left on device" in lines[0],
              "full at start: one line naming the file and ENOSPC (%s, %s)" % (lines, files))
        check(not any(m in "\n" + text for m in CRASH_MARKS), "full at start: no crash")


def test_full_filesystem(tmp):
    full_at_start(tmp)
    # Small buffers: the file fills over many writes, so the one that fails
    # is cut back to the last complete line of the ones before it.
    config = os.path.join(tmp, "small-buffer.yaml")
    with open(config, "w") as f:
        f.write("output:\n  buffer_size: 20\n  flush_interval: 0.2\n")
    os.chmod(config, 0o644)
    full_fs_case(tmp, "execmon", [tool("execmon"), "-q", "-c", config], "exec", big_execs)

    def failing_child(stop):
        # Round after round until the tracer stops itself: a slow reader
        # (sanitized, on the perf buffer) loses some to the kernel buffer,
        # and the disk must still fill.
        for _ in range(20):
            if stop():
                return
            HeldChild([lambda: many_failures(lambda: False)], "badinput-fill").go()

    # The child's pid is not known before it forks, so filter by its name.
    # --no-args: this case is about a full disk, and the small records fill
    # it before a slow (sanitized) reader lets the kernel buffer overflow.
    full_fs_case(tmp, "syscallmon", [tool("syscallmon"), "-q", "-c", config, "--errors-only", "--max-rate", "0",
                                     "--no-args", "-p", "badinput-fill"], "syscall", failing_child)
    full_fs_case(tmp, "ebpfmon-jsonl", [tool("ebpfmon"), "-q", "-c", config, "-m", "exec", "--format", "jsonl"],
                 "exec", big_execs, fmt="jsonl")


def main():
    require_root()
    with tempfile.TemporaryDirectory(prefix="ebpfmon-badinput-") as tmp:
        os.chmod(tmp, 0o755)
        for test in (test_matrix, test_injection, test_full_filesystem):
            started = time.monotonic()
            test(tmp)
            print("%s: %.1f s" % (test.__name__, time.monotonic() - started), flush=True)
    finish()


if __name__ == "__main__":
    main()
