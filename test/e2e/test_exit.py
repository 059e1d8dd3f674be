#!/usr/bin/env python3
"""The exit monitor end to end: processes whose end this test knows (exit
status, killing signal, core dump, as waitpid reports them; lifetime; the
thread that ends last), each one event, paired with its exec event by
exec_id."""
import os
import resource
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Tracer, check, finish, output_files, read_csv, read_jsonl, require_root,
                     summary_counts, tool)

EXIT_COLUMNS = ["timestamp", "time_str", "comm", "uid", "pid", "ppid", "exit_code", "signal",
                "core_dumped", "lifetime_ms", "exec_id", "cgroup_id", "cgroup", "container_id",
                "pod_uid"]
SH = "/bin/sh"


def run_to_end(script, core=False):
    """sh -c script in a child; returns (pid, wait status)."""
    pid = os.fork()
    if pid == 0:
        try:
            if core:
                resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2)
            os.execv(SH, [SH, "-c", script])
        finally:
            os._exit(127)
    _, status = os.waitpid(pid, 0)
    return pid, status


def threaded_child():
    """A process whose main thread ends first: a second thread calls exit(5)
    later. Returns (pid, status, seconds it lived at least)."""
    pid = os.fork()
    if pid == 0:
        def late():
            time.sleep(0.4)
            os._exit(5)
        threading.Thread(target=late).start()
        # The leader thread leaves; the process lives on in the other one.
        import ctypes
        libc = ctypes.CDLL(None)
        libc.syscall(60, 0)  # SYS_exit of this thread only
    _, status = os.waitpid(pid, 0)
    return pid, status, 0.4


def main():
    require_root()
    out = tempfile.mkdtemp(prefix="ebpfmon-exit-")
    workdir = tempfile.mkdtemp(prefix="ebpfmon-exit-cores-")
    os.chdir(workdir)  # where a core file may land
    tracer = Tracer([tool("ebpfmon"), "-m", "exec,exit", "-q", "-o", out, "--format", "jsonl"])
    cases = {
        "zero": run_to_end("exit 0"),
        "three": run_to_end("exit 3"),
        "sigkill": run_to_end("kill -KILL $$"),
        "sigsegv": run_to_end("kill -SEGV $$", core=True),
        "sigterm": run_to_end("kill -TERM $$"),
    }
    tpid, tstatus, tlife = threaded_child()
    rc = tracer.stop()
    check(rc == 0, "ebpfmon exits 0 (got %d: %s)" % (rc, tracer.stderr_text()))

    exits = read_jsonl(output_files(out, "exit", "jsonl")[0])
    execs = read_jsonl(output_files(out, "exec", "jsonl")[0])
    by_pid = {}
    for e in exits:
        by_pid.setdefault(e["pid"], []).append(e)
    exec_ids = {e["pid"]: e["exec_id"] for e in execs if e["ret"] == 0}

    for name, (pid, status) in cases.items():
        events = by_pid.get(pid, [])
        check(len(events) == 1, "%s: one exit event for pid %d (got %d)" % (name, pid, len(events)))
        if not events:
            continue
        e = events[0]
        if os.WIFEXITED(status):
            check(e["exit_code"] == os.WEXITSTATUS(status) and e["signal"] == "",
                  "%s: exit_code %d, no signal (got %r %r)" % (name, os.WEXITSTATUS(status),
                                                             e["exit_code"], e["signal"]))
        else:
            sig = os.WTERMSIG(status)
            check(e["exit_code"] is None and e["signal"] == signal.Signals(sig).name,
                  "%s: killed by %s, exit_code null (got %r %r)" % (
                      name, signal.Signals(sig).name, e["exit_code"], e["signal"]))
        check(e["core_dumped"] == os.WCOREDUMP(status),
              "%s: core_dumped %s as waitpid says (got %r)" % (name, os.WCOREDUMP(status),
                                                              e["core_dumped"]))
        check(e["comm"] == "sh" and e["ppid"] == os.getpid() and e["uid"] == 0,
              "%s: comm sh, ppid %d, uid 0 (got %r %r %r)" % (name, os.getpid(), e["comm"],
                                                            e["ppid"], e["uid"]))
        check(0 <= e["lifetime_ms"] < 60000, "%s: lifetime_ms plausible (%r)" % (name,
                                                                               e["lifetime_ms"]))
        check(exec_ids.get(pid) == e["exec_id"],
              "%s: exec_id %r equals the exec event's %r" % (name, e["exec_id"], exec_ids.get(pid)))
        check(e["cgroup_id"] > 0 and e["cgroup"].startswith("/") and e["container_id"] == "",
              "%s: host cgroup context (got %r %r %r)" % (name, e["cgroup_id"], e["cgroup"],
                                                        e["container_id"]))
    check(os.WCOREDUMP(cases["sigsegv"][1]) or not os.path.exists("/proc/sys/kernel/core_pattern"),
          "the SIGSEGV case really dumped core (core_pattern %r)" %
          open("/proc/sys/kernel/core_pattern").read().strip())

    # The leader went first; the process ended with its other thread.
    events = by_pid.get(tpid, [])
    check(len(events) == 1, "threaded: one event for the process, not per thread (got %d)" %
          len(events))
    if events:
        e = events[0]
        check(e["exit_code"] == os.WEXITSTATUS(tstatus) == 5,
              "threaded: exit_code 5 from the last thread (got %r)" % e["exit_code"])
        check(e["lifetime_ms"] >= tlife * 1000, "threaded: lifetime_ms >= %d (got %r)" % (
            tlife * 1000, e["lifetime_ms"]))

    written, lost = summary_counts(tracer.stderr_text(), "exit")
    check(written == len(exits) and lost == 0,
          "exit summary counts the file's %d events, 0 lost (%r)" % (len(exits), (written, lost)))

    # CSV: the columns, in order.
    csv_out = tempfile.mkdtemp(prefix="ebpfmon-exit-csv-")
    tracer = Tracer([tool("ebpfmon"), "-m", "exit", "-q", "-o", csv_out, "--pid", str(os.getpid())])
    tracer.stop()
    rows = read_csv(output_files(csv_out, "exit", "csv")[0])
    check(rows and rows[0] == EXIT_COLUMNS, "exit CSV header (got %r)" % (rows[:1],))
    test_failed_only()
    finish()


def test_failed_only():
    """--failed-only keeps, in the kernel, the processes that exited non-zero
    or were killed; the others are not written and not counted as lost."""
    out = tempfile.mkdtemp(prefix="ebpfmon-exit-failed-")
    tracer = Tracer([tool("ebpfmon"), "-m", "exit", "--failed-only", "-q", "-o", out,
                     "--format", "jsonl"])
    ended = {"zero": run_to_end("exit 0")[0], "three": run_to_end("exit 3")[0],
             "sigkill": run_to_end("kill -KILL $$")[0], "zero again": run_to_end("true")[0]}
    check(tracer.stop() == 0, "--failed-only: exit 0")
    events = read_jsonl(output_files(out, "exit", "jsonl")[0])
    mine = {e["pid"]: e for e in events if e["pid"] in ended.values()}
    check(set(mine) == {ended["three"], ended["sigkill"]},
          "--failed-only: exactly the non-zero exit and the killed one (got %s of %s)"
          % (sorted(mine), ended))
    check(all(e["exit_code"] != 0 for e in events),
          "--failed-only: no event with exit_code 0 (%d events)" % len(events))
    check(summary_counts(tracer.stderr_text(), "exit") == (len(events), 0),
          "--failed-only: the summary counts what was written, 0 lost")


main()
