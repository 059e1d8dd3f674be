#!/usr/bin/env python3
"""-o -: the events on stdout, in the chosen format, as they happen, so
`execmon --format jsonl -o - | jq` works live; everything else on stderr;
one monitor only, never a daemon."""
import csv
import io
import json
import os
import select
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Tracer, check, finish, require_root, run, tool

MARKER = "ebpfmon-stdout-marker"


def read_line_within(proc, seconds):
    """The first line on proc's stdout, or None after `seconds`."""
    deadline = time.monotonic() + seconds
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
            return None
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            return None
        data += chunk
    return data.split(b"\n")[0]


def test_jsonl_live(tmp):
    """An exec's event is on stdout while execmon still runs (no table, no
    directory named -), and the lines are JSON."""
    t = Tracer([tool("execmon"), "--format", "jsonl", "-o", "-", "--name", "^true$"])
    subprocess.run(["/bin/true", MARKER], check=True)
    line = read_line_within(t.proc, 10)
    check(line is not None, "jsonl: the exec's line arrives before execmon stops")
    event = json.loads(line) if line else {}
    check(event.get("argv") == ["/bin/true", MARKER], "jsonl: the exec's argv: %s" % event.get("argv"))
    rc = t.stop()
    check(rc == 0, "jsonl: exit 0 (%d): %s" % (rc, t.stderr_text()[-300:]))
    rest = [json.loads(l) for l in t.stdout.decode().splitlines() if l]
    check(all(isinstance(r, dict) for r in rest), "jsonl: every line on stdout is a JSON object")
    check("Tracing" in t.stderr_text() and "file stdout" in t.stderr_text(),
          "jsonl: the status on stderr names stdout: %s" % t.stderr_text()[-200:])
    check(not os.path.exists("-"), "jsonl: no directory named - in the working directory")


def test_csv_and_summary(tmp):
    """syscallmon: a CSV header then rows on stdout; --summary's tables on stderr."""
    t = Tracer([tool("syscallmon"), "-o", "-", "--errors-only", "--summary", "--comm", "stat"])
    subprocess.run(["stat", "/nonexistent/" + MARKER], stderr=subprocess.DEVNULL)
    rc = t.stop()
    check(rc == 0, "csv: exit 0 (%d): %s" % (rc, t.stderr_text()[-300:]))
    rows = list(csv.reader(io.StringIO(t.stdout.decode())))
    check(rows and rows[0][:3] == ["timestamp", "time_str", "monitor_type"], "csv: the header first: %s" % rows[:1])
    args = rows[0].index("args") if rows else 0
    missing = [r for r in rows[1:] if MARKER in r[args] and r[11] == "ENOENT"]
    check(len(missing) >= 1, "csv: the failed stat of the missing path (%d rows)" % len(rows))
    check("whole run" in t.stderr_text() and "CATEGORY" in t.stderr_text()
          and "CATEGORY" not in t.stdout.decode(),
          "csv: the summary table on stderr, not in the events")


def test_refused():
    cases = [
        ([tool("ebpfmon"), "-m", "exec,syscall", "-o", "-"], "-o - writes one monitor's events"),
        ([tool("execmon"), "--exits", "-o", "-"], "-o - writes one monitor's events"),
        ([tool("ebpfmon"), "--daemon", "-o", "-", "-m", "exec"], "a daemon has no stdout"),
    ]
    for args, message in cases:
        r = run(args)
        check(r.returncode == 2 and message in r.stderr,
              "%s: exit 2 saying %r (%d): %s" % (" ".join(args[1:]), message, r.returncode, r.stderr[-300:]))


def main():
    require_root()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            test_jsonl_live(tmp)
            test_csv_and_summary(tmp)
            test_refused()
        finally:
            os.chdir(cwd)
    finish()


if __name__ == "__main__":
    main()
