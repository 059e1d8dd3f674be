#!/usr/bin/env python3
"""syscallmon end to end: the real binary, as root, against a workload whose
calls this test knows (missing files, a pipe read that waits 20 ms, sleeps,
an exact number of getppid calls), read back from CSV, JSON lines, the
--summary tables and the summary's JSON lines."""
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HeldChild, Tracer, check, finish, output_files, read_csv, read_jsonl, require_root, run,
                     rate_limited_count, summary_counts, tool)

COLUMNS = ["timestamp", "time_str", "monitor_type", "pid", "tid", "cpu", "comm", "syscall_nr",
           "syscall_name", "category", "ret_val", "error_name", "duration_ns", "duration_us",
           "duration_ms", "is_error", "is_slow_call", "cgroup_id", "container_id", "args",
           "args_truncated", "ret_target", "hung", "in_flight_at_start", "task_state", "wchan",
           "kernel_stack"]
MISSING = 37          # openat() calls of a file that does not exist
GETPPID = 1234        # getppid() calls, counted exactly by --summary
PIPE_WAIT = 0.020     # the pipe's writer waits this long before writing
SLEEP = 0.030


def Workload(steps, comm="sysmon-wl"):
    return HeldChild(steps, comm)


def open_missing():
    for i in range(MISSING):
        try:
            os.open("/nonexistent/ebpfmon-missing-%d" % i, os.O_RDONLY)
        except FileNotFoundError:
            pass


def slow_pipe_read():
    r, w = os.pipe()
    writer = os.fork()
    if writer == 0:
        time.sleep(PIPE_WAIT)
        os.write(w, b"x")
        os._exit(0)
    os.read(r, 1)
    os.waitpid(writer, 0)


def sleep():
    time.sleep(SLEEP)


def getppid_calls(n=GETPPID):
    def step():
        for _ in range(n):
            os.getppid()
    return step


def trace(args, steps, tmp, name, comm="sysmon-wl", env=None, others=()):
    """Runs syscallmon on one workload, and on `others` (held Workloads) run
    while it traces; returns (tracer, workload, rows). "{pid}" in args is
    the workload's pid."""
    out = os.path.join(tmp, name)
    w = Workload(steps, comm)
    args = [a.replace("{pid}", str(w.pid)) for a in args]
    t = Tracer([tool("syscallmon"), "-o", out, "--format", "jsonl"] + args, env=env)
    w.go()
    for o in others:
        o.go()
    rc = t.stop()
    check(rc == 0, "%s: exit code 0 (got %d): %s" % (name, rc, t.stderr_text()[-500:]))
    files = output_files(out, "syscall", "jsonl")
    check(len(files) == 1, "%s: one jsonl file" % name)
    rows = read_jsonl(files[0]) if files else []
    counts = summary_counts(t.stderr_text(), "syscall")
    check(counts is not None and counts[0] == len(rows),
          "%s: summary line counts the %d rows written: %s" % (name, len(rows), counts))
    return t, w, rows


def of(rows, pid, name=None):
    return [r for r in rows if r["pid"] == pid and (name is None or r["syscall_name"] == name)]


def check_row_types(rows, what):
    for r in rows[:50]:
        check(list(r.keys())[:len(COLUMNS)] == COLUMNS,
              "%s: jsonl fields in the original tool's order" % what)
        check(isinstance(r["duration_ns"], int) and isinstance(r["duration_us"], (int, float))
              and isinstance(r["is_error"], bool), "%s: native JSON types" % what)
        check(r["monitor_type"] == "syscall", "%s: monitor_type is syscall" % what)
        check(abs(r["duration_us"] - r["duration_ns"] / 1e3) < 0.001 + 1e-6 * r["duration_us"],
              "%s: duration_us agrees with duration_ns" % what)


def test_default(tmp):
    """intelligent: errors, slow calls and high-priority syscalls are written."""
    w = Workload([open_missing, slow_pipe_read, sleep])
    out = os.path.join(tmp, "default")
    t = Tracer([tool("syscallmon"), "-q", "-o", out, "--pid", str(w.pid)])
    w.go()
    check(t.stop() == 0, "default: exit code 0")
    files = output_files(out, "syscall", "csv")
    check(len(files) == 1, "default: one csv file")
    table = read_csv(files[0])
    check(table and table[0] == COLUMNS,
          "default: CSV header is the original tool's columns: %s" % (table[:1],))
    rows = [dict(zip(table[0], r)) for r in table[1:]]
    check(all(r["pid"] == str(w.pid) for r in rows), "default: only the --pid process")
    missing = [r for r in rows if r["syscall_name"] == "openat" and r["ret_val"] == "-2"]
    check(len(missing) == MISSING, "default: %d failed openat rows (got %d)" % (MISSING, len(missing)))
    for r in missing[:3]:
        check(r["error_name"] == "ENOENT" and r["is_error"] == "true" and r["category"] == "file_io"
              and r["tid"] == str(w.pid) and r["comm"] == "sysmon-wl",
              "default: ENOENT row fields: %s" % r)
    slow_reads = [r for r in rows if r["syscall_name"] == "read" and r["is_slow_call"] == "true"]
    check(any(float(r["duration_ms"]) >= PIPE_WAIT * 1000 * 0.9 for r in slow_reads),
          "default: the pipe read that waited %d ms is a slow file_io call: %s"
          % (PIPE_WAIT * 1000, slow_reads))
    check(not any(r["category"] == "time" for r in rows), "default: time category is off by default")
    counts = summary_counts(t.stderr_text(), "syscall")
    check(counts == (len(rows), 0), "default: summary says %d written, 0 lost: %s" % (len(rows), counts))
    check("Tracing system calls (syscall)... Ctrl-C to end." in t.stderr_text(), "default: Tracing line")


def test_time_category(tmp):
    _, w, rows = trace(["-q", "--pid", "{pid}", "--category", "time,file_io"], [sleep], tmp, "time")
    sleeps = [r for r in of(rows, w.pid) if r["syscall_name"] in ("nanosleep", "clock_nanosleep")]
    check(len(sleeps) >= 1, "time: the sleep is traced when time is enabled")
    for r in sleeps:
        check(r["category"] == "time" and r["is_slow_call"] is True
              and r["duration_ns"] >= SLEEP * 1e9 * 0.9,
              "time: sleep row is slow (over default_us) and lasts %d ms: %s" % (SLEEP * 1000, r))
    check(not any(r["category"] == "process" for r in rows), "time: process category is off")


def test_errors_and_slow_only(tmp):
    _, w, rows = trace(["-q", "--pid", "{pid}", "--errors-only"], [open_missing, slow_pipe_read],
                       tmp, "errors")
    check(len(of(rows, w.pid, "openat")) == MISSING, "errors-only: every failed openat")
    check(all(r["is_error"] for r in rows) and rows, "errors-only: only errors written")
    check_row_types(rows, "errors-only")

    _, w, rows = trace(["-q", "--pid", "{pid}", "--slow-only"], [open_missing, slow_pipe_read],
                       tmp, "slow")
    check(rows and all(r["is_slow_call"] for r in rows), "slow-only: only slow calls written")
    check(any(r["syscall_name"] == "read" and r["pid"] == w.pid for r in rows),
          "slow-only: the waiting pipe read")
    check(not of(rows, w.pid, "openat"), "slow-only: fast failed openat not written")


def test_comm_filter(tmp):
    other = Workload([open_missing], comm="other-wl")
    _, w, rows = trace(["-q", "-p", "sysmon-wl"], [open_missing], tmp, "comm", others=[other])
    check(len(of(rows, w.pid, "openat")) == MISSING, "comm filter: the named process is traced")
    check(all(r["comm"] == "sysmon-wl" for r in rows), "comm filter: no other process's calls")
    check(not of(rows, other.pid), "comm filter: other-wl is kept out")


def test_rate_limit(tmp):
    burst = 100000
    w = Workload([getppid_calls(burst)])
    out = os.path.join(tmp, "rate")
    t = Tracer([tool("syscallmon"), "-q", "-o", out, "--pid", str(w.pid), "--sampling", "all",
                "--max-rate", "500"])
    start = time.monotonic()
    w.go()
    elapsed = time.monotonic() - start
    check(t.stop() == 0, "rate: exit code 0")
    err = t.stderr_text()
    written, lost = summary_counts(err, "syscall") or (0, -1)
    limited = rate_limited_count(err, "syscall") or 0
    check(lost == 0, "rate: what the rate limit chose not to write is no loss (%d lost)" % lost)
    check(written + limited >= burst,
          "rate: written %d + rate-limited %d cover the %d calls" % (written, limited, burst))
    m = re.search(r"^syscall: lost by stage: .*; rate-limited \(not lost\) (\d+)", err, re.M)
    check(m is not None and int(m.group(1)) == limited > 0,
          "rate: the per-stage line names it apart, with the same count (%s)" % (m and m.group(0)))
    check(written <= 500 * (int(elapsed) + 3), "rate: at most 500 events a second (%d in %.1f s)"
          % (written, elapsed))


def parse_summary(stdout, heading):
    """The last table of stdout as {first key: {column: value}}."""
    text = stdout.decode()
    tables = text.split("\n\n")
    tables = [tb for tb in tables if "whole run" in tb]
    if not tables:
        return {}
    lines = tables[-1].strip().splitlines()
    head = lines[1].split()
    rows = {}
    for line in lines[2:]:
        cells = line.split()
        rows[cells[0]] = dict(zip(head, cells))
    check(head[0] == heading, "summary: table keyed by %s: %s" % (heading, head))
    return rows


def summary_order(stdout):
    """The first key of each row of the last whole-run table, in order."""
    tables = [tb for tb in stdout.decode().split("\n\n") if "whole run" in tb]
    return [line.split()[0] for line in tables[-1].strip().splitlines()[2:]] if tables else []


def test_summary_sort(tmp):
    """Rows by total time by default (one 30 ms sleep before 1234 cheap
    getppid calls), by count with --sort count; the sort is in the title."""
    orders = {}
    for sort in ("", "count"):
        w = Workload([getppid_calls(), sleep])
        t = Tracer([tool("syscallmon"), "-q", "-o", os.path.join(tmp, "sort" + sort), "--pid", str(w.pid),
                    "--category", "process,time", "--summary", "--top", "0"] + (["--sort", sort] if sort else []))
        w.go()
        check(t.stop() == 0, "sort %r: exit code 0" % sort)
        # Keys over 13 characters are cut on the console: clock_nanosl…
        orders[sort] = ["sleep" if k.startswith(("clock_nanosl", "nanosleep")) else k
                        for k in summary_order(t.stdout) if k.startswith(("getppid", "clock_nanosl", "nanosleep"))]
        check(("slow (by %s)\n" % (sort or "total")) in t.stdout.decode(), "sort %r: the title says it" % sort)
    check(orders[""] == ["sleep", "getppid"],
          "default: the sleep, the longest in total, before getppid: %s" % orders[""])
    check(orders["count"] == ["getppid", "sleep"], "--sort count: getppid, the most calls, first: %s" % orders["count"])


def test_summary(tmp):
    steps = [getppid_calls(), open_missing]
    w = Workload(steps)
    t = Tracer([tool("syscallmon"), "-o", os.path.join(tmp, "summary"), "--pid", str(w.pid),
                "--summary", "--top", "0"])
    w.go()
    check(t.stop() == 0, "summary: exit code 0")
    rows = parse_summary(t.stdout, "SYSCALL")
    wide = [l for l in t.stdout.decode().splitlines() if len(l) > 80]
    check(not wide, "summary: every line fits 80 columns: %r" % wide[:2])
    check(rows.get("getppid", {}).get("COUNT") == str(GETPPID),
          "summary: getppid counted exactly %d times: %s" % (GETPPID, rows.get("getppid")))
    check(int(rows.get("openat", {}).get("ERRORS", 0)) >= MISSING,
          "summary: openat errors include the %d missing files" % MISSING)

    w = Workload(steps)
    t = Tracer([tool("syscallmon"), "-o", os.path.join(tmp, "summary-proc"), "--summary", "1",
                "--by", "process", "--top", "0"])
    w.go()
    time.sleep(1.2)
    check(t.stop() == 0, "summary by process: exit code 0")
    rows = parse_summary(t.stdout, "PID")
    mine = rows.get(str(w.pid), {})
    check(mine.get("COMM") == "sysmon-wl" and int(mine.get("COUNT", 0)) >= GETPPID + MISSING,
          "summary by process: the workload's row: %s" % mine)
    check(t.stdout.decode().count("last ") >= 1, "summary 1: at least one interval table")

    w = Workload(steps)
    t = Tracer([tool("syscallmon"), "-o", os.path.join(tmp, "summary-cat"), "--pid", str(w.pid),
                "--summary", "--by", "category", "--histogram"])
    w.go()
    check(t.stop() == 0, "summary by category: exit code 0")
    rows = parse_summary(t.stdout, "CATEGORY")
    check(int(rows.get("process", {}).get("COUNT", 0)) >= GETPPID,
          "summary by category: process counts the getppid calls")
    check("process latency (us):" in t.stdout.decode() and "|@" in t.stdout.decode(),
          "summary --histogram: an ASCII histogram per row")
    wide = [l for l in t.stdout.decode().splitlines() if len(l) > 80]
    check(not wide, "summary --histogram: every line fits 80 columns: %r" % wide[:2])


def test_summary_jsonl(tmp):
    """syscallmon --summary 2 -d 3 --format jsonl: the summary as JSON objects,
    in a file of its own beside the event file, and the console's table."""
    w = Workload([getppid_calls(), open_missing])
    out = os.path.join(tmp, "summary-jsonl")
    t = Tracer([tool("syscallmon"), "-o", out, "--summary", "2", "-d", "3", "--format", "jsonl",
                "-p", "sysmon-wl", "--top", "0", "--histogram"])
    w.go()
    stdout, err = t.proc.communicate(timeout=60)
    check(t.proc.returncode == 0, "summary jsonl: exit code 0: %s" % err.decode()[-300:])
    table = parse_summary(stdout, "SYSCALL")
    check(table.get("getppid", {}).get("COUNT") == str(GETPPID),
          "summary jsonl: the console's table still shows, getppid %d times: %s"
          % (GETPPID, table.get("getppid")))
    names = [f for f in os.listdir(out)
             if re.fullmatch(r"summary_syscall_\d{8}_\d{6}(_\d+)?\.jsonl", f)]
    check(len(names) == 1, "summary jsonl: one summary file: %s" % os.listdir(out))
    rows = read_jsonl(os.path.join(out, names[0])) if names else []
    check(rows and all(list(r)[:4] == ["time", "kind", "seconds", "table"] for r in rows),
          "summary jsonl: each row starts with time, kind, seconds, table: %s" % rows[:1])
    kinds = [r["kind"] for r in rows]
    check("interval" in kinds and kinds[-1] == "whole_run" and kinds == sorted(kinds),
          "summary jsonl: interval rows, then the whole run's: %s" % sorted(set(kinds)))
    whole = [r for r in rows if r["kind"] == "whole_run"]
    calls = {r["syscall"]: r for r in whole if r["table"] == "summary"}
    getppid, openat = calls.get("getppid", {}), calls.get("openat", {})
    check(getppid.get("count") == GETPPID and getppid.get("errors") == 0
          and getppid.get("category") == "process",
          "summary jsonl: getppid %d times, no error: %s" % (GETPPID, getppid))
    check(openat.get("count", 0) >= MISSING and MISSING <= openat.get("errors", 0) <= openat["count"],
          "summary jsonl: openat with at least the %d ENOENT errors: %s" % (MISSING, openat))
    check([r["count"] for r in calls.values()] == sorted((r["count"] for r in calls.values()), reverse=True),
          "summary jsonl: busiest first, as the table")
    buckets = [r for r in whole if r["table"] == "histogram" and r["syscall"] == "getppid"]
    check(sum(r["count"] for r in buckets) == GETPPID
          and all(r["low_ns"] < r["high_ns"] for r in buckets if r["high_ns"] is not None),
          "summary jsonl: getppid's histogram buckets hold its %d calls: %s" % (GETPPID, buckets[:3]))
    events = output_files(out, "syscall", "jsonl")
    check(len(events) == 1 and not any("table" in r for r in read_jsonl(events[0])),
          "summary jsonl: the event file holds events only")


def test_fallbacks(tmp):
    """Classic tracepoints, a hash map instead of task storage, and the perf
    buffer: the same truth."""
    env = {"EBPFMON_DISABLE_FEATURES": "raw_tracepoint,task_storage,ringbuf"}
    t, w, rows = trace(["-q", "-v", "--pid", "{pid}"], [open_missing, slow_pipe_read], tmp, "fallback", env=env)
    check(len(of(rows, w.pid, "openat")) == MISSING, "fallback: every failed openat")
    check(any(r["is_slow_call"] for r in of(rows, w.pid, "read")), "fallback: the slow read")
    check("tracepoint raw_syscalls:sys_enter" in t.stderr_text(), "fallback: classic tracepoints used")
    check("args stay empty" in t.stderr_text() and all(r["args"] is None for r in rows),
          "fallback: no registers on classic tracepoints: args empty, and said so")


def test_never_traces_itself(tmp):
    out = os.path.join(tmp, "self")
    t = Tracer([tool("syscallmon"), "-q", "-o", out, "--sampling", "all", "--max-rate", "0",
                "--syscall", "write,epoll_wait,epoll_pwait,read"])
    time.sleep(1)
    check(t.stop() == 0, "self: exit code 0")
    files = output_files(out, "syscall", "csv")
    table = read_csv(files[0]) if files else []
    pids = {r[3] for r in table[1:]}
    check(len(table) > 1, "self: other processes' calls are traced")
    check(str(t.proc.pid) not in pids, "self: syscallmon's own calls are not traced")


def test_usage_errors():
    cases = [
        (["--category", "bogus"], "--category: unknown category 'bogus'"),
        (["--syscall", "opne"], "did you mean 'open'?"),
        (["--syscall", "99999"], "out of range"),
        (["--threshold", "disk=5"], "--threshold: expected CATEGORY=MS"),
        (["--threshold", "file_io=-1"], "greater than 0"),
        (["--sampling", "some"], "--sampling: expected one of intelligent, all, sample"),
        (["--max-rate", "x"], "--max-rate: expected an integer from 0 to 100000000, got 'x'"),
        (["--by", "process"], "--by needs --summary"),
        (["--summary", "--by", "thread"], "--by: expected one of syscall, category, process"),
        (["--summary", "0"], "--summary"),
    ]
    for args, message in cases:
        r = run([tool("syscallmon")] + args)
        check(r.returncode == 2, "usage %s: exit 2 (got %d)" % (args, r.returncode))
        check(message in r.stderr and r.stderr.count("\n") <= 2,
              "usage %s: says %r: %s" % (args, message, r.stderr))


def main():
    require_root()
    test_usage_errors()
    with tempfile.TemporaryDirectory() as tmp:
        test_default(tmp)
        test_time_category(tmp)
        test_errors_and_slow_only(tmp)
        test_comm_filter(tmp)
        test_rate_limit(tmp)
        test_summary(tmp)
        test_summary_sort(tmp)
        test_summary_jsonl(tmp)
        test_fallbacks(tmp)
        test_never_traces_itself(tmp)
    finish()


if __name__ == "__main__":
    main()
