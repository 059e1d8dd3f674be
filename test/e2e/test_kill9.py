#!/usr/bin/env python3
"""kill -9 end to end: execmon, syscallmon and ebpfmon -m exec,syscall are
killed while a workload runs. The kernel must release every program, link
and map they held (nothing of ours stays loaded or attached), and each event
file must be valid CSV: whole rows, each with every column. The sinks write
whole lines, so only the very last line may be cut, and only when the kill
landed inside a write."""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Tracer, check, finish, output_files, ragged_rows, require_root, skip, tool  # noqa: E402

TRUE = shutil.which("true") or "/bin/true"
BPFTOOL = shutil.which("bpftool") or ("/usr/sbin/bpftool" if os.path.exists("/usr/sbin/bpftool") else None)
RELEASE_WAIT = 10  # seconds the kernel may take to free what a dead process held


def bpftool_ids(kind):
    """Ids of every loaded BPF object of `kind` (prog, link, map)."""
    out = subprocess.run([BPFTOOL, "-j", kind, "show"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         check=True).stdout
    return {entry["id"] for entry in json.loads(out or b"[]")}


def held_ids(pid):
    """The BPF programs, links and maps process `pid` holds, from its fdinfo."""
    ids = {"prog": set(), "link": set(), "map": set()}
    fdinfo = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, fd)) as f:
                text = f.read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if "link_id" in fields:
            ids["link"].add(int(fields["link_id"]))
        elif "prog_id" in fields:
            ids["prog"].add(int(fields["prog_id"]))
        elif "map_id" in fields:
            ids["map"].add(int(fields["map_id"]))
    return ids


class Workload(threading.Thread):
    """Execs and failing calls until stopped, so files have rows and the kill
    may land while the tools are busy."""

    def __init__(self):
        super().__init__(daemon=True)
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            pid = os.fork()
            if pid == 0:
                try:
                    os.execv(TRUE, [TRUE, "kill9-workload", "with, comma", 'and "quotes"'])
                finally:
                    os._exit(127)
            os.waitpid(pid, 0)
            for i in range(20):
                try:
                    os.stat("/nonexistent/kill9-%d" % i)
                except FileNotFoundError:
                    pass
            time.sleep(0.01)

    def stop(self):
        self.done.set()
        self.join()


def data_rows(path):
    with open(path, "rb") as f:
        return f.read().count(b"\n") - 1  # less the header


def check_file(label, path):
    """Whole rows up to the last newline; after it, at most one cut row."""
    with open(path, "rb") as f:
        data = f.read()
    complete, _, tail = data.rpartition(b"\n")
    rows = list(csv.reader(io.StringIO(complete.decode("utf-8", errors="surrogateescape") + "\n", newline="")))
    bad = ragged_rows(rows) if rows else []
    check(len(rows) > 1 and not bad,
          "%s: valid CSV up to the last complete line, every row with the header's columns (%d rows, bad %s)"
          % (label, len(rows), bad[:5]))
    if tail:
        # Only a write cut short by the kill can leave this; the sink never
        # starts a row it does not finish in the same write.
        print("NOTE: %s ends with a cut row of %d bytes (the kill landed inside a write)" % (label, len(tail)))


def main():
    require_root()
    if BPFTOOL is None:
        skip("bpftool is not installed (scripts/install-deps installs it)")
    try:
        before = {kind: bpftool_ids(kind) for kind in ("prog", "link", "map")}
    except (subprocess.CalledProcessError, ValueError) as e:
        skip("bpftool cannot list BPF objects here: %s" % e)

    with tempfile.TemporaryDirectory(prefix="ebpfmon-kill9-") as tmp:
        runs = {
            "execmon": ([tool("execmon"), "-q"], ["exec"]),
            "syscallmon": ([tool("syscallmon"), "-q", "--errors-only"], ["syscall"]),
            "ebpfmon": ([tool("ebpfmon"), "-q", "-m", "exec,syscall"], ["exec", "syscall"]),
        }
        cwd = os.getcwd()
        os.chdir(tmp)  # ebpfmon's log file goes under logs/ here
        tracers = {}
        try:
            for name, (argv, _) in runs.items():
                tracers[name] = Tracer(argv + ["-o", os.path.join(tmp, name)])
        finally:
            os.chdir(cwd)
        ours = {kind: set() for kind in ("prog", "link", "map")}
        for name, t in tracers.items():
            held = held_ids(t.proc.pid)
            check(held["prog"], "%s: holds BPF programs while tracing (%s)" % (name, held))
            for kind in ours:
                ours[kind] |= held[kind]
        loaded = {kind: bpftool_ids(kind) for kind in ours}
        check(all(ours[kind] <= loaded[kind] for kind in ours),
              "bpftool lists what the tools hold (%s)" % {k: sorted(ours[k] - loaded[k]) for k in ours})

        workload = Workload()
        workload.start()
        # Rows reach the files at the flush interval (2 s by default); wait
        # until every file has some, the workload still running.
        deadline = time.monotonic() + 60
        def files_of(name):
            return [f for monitor in runs[name][1] for f in output_files(os.path.join(tmp, name), monitor, "csv")]
        while time.monotonic() < deadline:
            if all(len(files_of(n)) == len(runs[n][1]) and all(data_rows(f) > 0 for f in files_of(n))
                   for n in runs):
                break
            time.sleep(0.2)
        for name, t in tracers.items():
            t.proc.send_signal(signal.SIGKILL)
        for name, t in tracers.items():
            t.proc.communicate(timeout=60)
            check(t.proc.returncode == -signal.SIGKILL, "%s: died of SIGKILL (%s)" % (name, t.proc.returncode))
        workload.stop()

        # The kernel frees a dead process's objects soon, not always at once.
        deadline = time.monotonic() + RELEASE_WAIT
        while True:
            after = {kind: bpftool_ids(kind) for kind in ours}
            left = {kind: sorted(ours[kind] & after[kind]) for kind in ours}
            if not any(left.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        check(not any(left.values()), "after kill -9 no program, link or map of ours is left (%s)" % left)
        strangers = {kind: sorted(after[kind] - before[kind]) for kind in ours}
        if any(strangers.values()):
            print("NOTE: BPF objects loaded since the start by someone else: %s" % strangers)

        for name, (_, monitors) in runs.items():
            for monitor in monitors:
                files = output_files(os.path.join(tmp, name), monitor, "csv")
                check(len(files) == 1, "%s: one %s file (got %s)" % (name, monitor, files))
                for f in files:
                    check_file("%s %s" % (name, os.path.basename(f)), f)
    finish()


if __name__ == "__main__":
    main()
