#!/usr/bin/env python3
"""Calls that hang, reported while they hang (syscallmon --hung): children
that this test blocks and releases itself, so it knows each call, its fd's
target and when it returns. A flock on a file the test holds (reported once
while blocked, then its return), a read of a FIFO (waiting, not hanging:
reported only with --hung-syscalls read), a thread killed inside a hung
call, a vfork parent in uninterruptible sleep (D) with its kernel stack, a
call already blocked before the tracer started, --hung 0, and bad values."""
import atexit
import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (BUILD_DIR, Tracer, check, finish, output_files, parse_metrics, read_jsonl,  # noqa: E402
                     require_root, run, scrape, tool)

RESTARTS = ("ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ERESTART_RESTARTBLOCK", "EINTR")


def child(comm, code):
    """A python child named comm running code; its stdout is a pipe."""
    script = "open('/proc/self/comm', 'w').write(%r)\n%s" % (comm, code)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    harness._STARTED.append(proc)
    return proc


def flock_child(comm, path):
    """Opens path, prints the fd, then blocks in flock until the test lets go."""
    return child(comm, "import fcntl, os\nfd = os.open(%r, os.O_RDWR)\nprint(fd, flush=True)\n"
                       "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\n" % path)


def holding(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def in_call(pid, nr):
    """Whether pid is inside syscall nr now (/proc/<pid>/syscall)."""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            return f.read().split()[0] == str(nr)
    except (OSError, IndexError):
        return False


def events(directory):
    files = output_files(directory, "syscall", "jsonl")
    return read_jsonl(files[0]) if files else []


def wait_for(what, predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    check(False, "in time: " + what)
    return None


def hung_of(evs, pid, name, in_flight):
    """pid's hung events of syscall `name`, in flight (ret null) or returned."""
    return [e for e in evs if e["pid"] == pid and e["syscall_name"] == name and e["hung"]
            and (e["ret_val"] is None) == in_flight]


def bad_values():
    for args, word in ((["--hung", "-1"], "--hung"), (["--hung", "x"], "--hung"),
                       (["--hung", "86401"], "--hung"), (["--hung-syscalls", "nosuch"], "nosuch")):
        r = run([tool("syscallmon")] + args)
        lines = r.stderr.strip().splitlines()
        check(r.returncode == 2 and lines and word in lines[0],
              "syscallmon %s: exit 2 and one line naming %s (%d: %r)" % (" ".join(args), word,
                                                                       r.returncode, r.stderr))


def main():
    require_root()
    bad_values()
    tmp = tempfile.mkdtemp(prefix="ebpfmon-hung-")
    lock, kill_lock, early_lock = (os.path.join(tmp, n) for n in ("app.lock", "kill.lock", "early.lock"))
    fifo = os.path.join(tmp, "requests.fifo")
    os.mkfifo(fifo)
    held = {p: holding(p) for p in (lock, kill_lock, early_lock)}

    # Blocked before any tracer starts: adopted at the first scan.
    early = flock_child("hung-early", early_lock)
    early_fd = int(early.stdout.readline())
    wait_for("hung-early blocks in flock", lambda: in_call(early.pid, 73))

    dirs = {k: os.path.join(tmp, k) for k in ("default", "reads", "off")}
    comms = "hung-flock,hung-fifo,hung-kill,hung-early,vfork_hold"
    common = ["--format", "jsonl", "--sampling", "intelligent", "--max-rate", "0"]
    metrics_config = os.path.join(tmp, "metrics.yaml")
    with open(metrics_config, "w") as f:
        f.write('metrics:\n  enabled: true\n  listen: "127.0.0.1:0"\n')
    tracers = {
        "default": Tracer([tool("syscallmon"), "--hung", "1", "-p", comms, "-o", dirs["default"]] + common),
        "reads": Tracer([tool("syscallmon"), "--hung", "1", "--hung-syscalls", "read", "-p", "hung-fifo",
                         "-o", dirs["reads"]] + common),
        "off": Tracer([tool("syscallmon"), "--hung", "0", "-p", "hung-flock", "-o", dirs["off"]] + common),
        "metrics": Tracer([tool("ebpfmon"), "-c", metrics_config, "-m", "syscall", "--hung", "1", "-p", "hung-kill",
                           "-o", os.path.join(tmp, "metrics")]),
    }
    address = re.search(r"^metrics: http://(127\.0\.0\.1:\d+)/metrics$", tracers["metrics"].stderr_text(), re.M)
    address = address.group(1) if address else None
    check(address is not None, "ebpfmon prints its metrics address")
    HUNG_FLOCK = ("ebpfmon_syscall_hung", frozenset({("syscall", "flock"), ("category", "file_io")}))
    OLDEST = ("ebpfmon_syscall_oldest_in_flight_seconds", frozenset())

    def gauges():
        return parse_metrics(scrape(address)[2]) if address else {}
    adopts = "already in flight at the start are not seen" not in tracers["default"].stderr_text()

    # A daemon too: its status lists the calls hanging now.
    daemon_env = dict(os.environ, EBPFMON_RUN_DIR=os.path.join(tmp, "run"))
    daemon_cwd = os.path.join(tmp, "daemon")
    os.makedirs(daemon_cwd)

    def daemon(*args):
        return run([tool("ebpfmon")] + list(args), env=daemon_env, cwd=daemon_cwd, timeout=120)

    r = daemon("--daemon", "-m", "syscall", "--hung", "1", "-p", "hung-kill")
    check(r.returncode == 0, "the daemon starts: %s" % r.stderr[-300:])
    atexit.register(daemon, "--daemon-stop")  # also when the test dies early

    flocker = flock_child("hung-flock", lock)
    flock_fd = int(flocker.stdout.readline())
    killed = flock_child("hung-kill", kill_lock)
    int(killed.stdout.readline())
    reader = child("hung-fifo", "import os\nfd = os.open(%r, os.O_RDWR)\nprint(fd, flush=True)\n"
                                "print(len(os.read(fd, 1)), flush=True)\n" % fifo)
    fifo_fd = int(reader.stdout.readline())
    vfork = subprocess.Popen([os.path.join(BUILD_DIR, "test", "vfork_hold")], stdout=subprocess.PIPE, text=True)
    harness._STARTED.append(vfork)

    # Reported while still blocked: each child is still inside its call.
    def in_flight():
        evs = events(dirs["default"])
        want = [hung_of(evs, flocker.pid, "flock", True), hung_of(evs, killed.pid, "flock", True),
                hung_of(evs, vfork.pid, "vfork", True)]
        if adopts:
            want.append(hung_of(evs, early.pid, "flock", True))
        want.append(hung_of(events(dirs["reads"]), reader.pid, "read", True))
        return evs if all(want) else None

    evs = wait_for("hung reports of flock, the killed flock, vfork, the early flock and the FIFO read",
                   in_flight) or []
    def status_rows():
        r = daemon("--daemon-status", "--json")
        mons = json.loads(r.stdout)["monitors"] if r.returncode == 0 else []
        rows = [e for e in (mons[0].get("in_flight", []) if mons else []) if e["pid"] == killed.pid]
        return rows or None

    rows = wait_for("the daemon's status lists the hanging flock", status_rows) or [{}]
    check(len(rows) == 1 and rows[0].get("syscall_name") == "flock" and rows[0].get("task_state") == "S"
          and rows[0].get("args", {}).get("fd_target") == kill_lock and rows[0].get("duration_ms", 0) >= 1000,
          "the status's row: the flock, its lock file, sleeping, over a second: %s" % rows)
    text = daemon("--daemon-status").stdout
    check(re.search(r"^    in flight: 1 \(--json shows them whole\)\n      pid %d \(hung-kill\) flock for [\d.]+ s, "
                    r"state S in \S+$" % killed.pid, text, re.M) is not None,
          "the text status shows it: %s" % text[-400:])
    hanging = wait_for("ebpfmon_syscall_hung counts the hanging flock",
                       lambda: (lambda g: g if g.get(HUNG_FLOCK) == 1 else None)(gauges())) or {}
    check(hanging.get(OLDEST, 0) >= 1, "the oldest call in flight, over a second: %s" % hanging.get(OLDEST))
    check(in_call(flocker.pid, 73), "the flock was still blocked when its hang was reported")
    reports = hung_of(evs, flocker.pid, "flock", True)
    if reports:
        r = reports[0]
        check(r["duration_ns"] >= 1e9, "the hang is reported after --hung 1: %d ns" % r["duration_ns"])
        check(r["args"].get("fd") == flock_fd and r["args"].get("fd_target") == lock
              and r["args"].get("cmd") == "LOCK_EX",
              "the hung flock's fd and its target: %r" % r["args"])
        check(r["error_name"] is None and r["cpu"] is None, "a call in flight has no return value")
        check(r["task_state"] == "S" and r["wchan"], "flock sleeps (S) in %r" % r["wchan"])
        check("flock" in (r["kernel_stack"] or ""), "its kernel stack names flock: %r" % r["kernel_stack"])
        check(r["in_flight_at_start"] is False, "it entered after the start")
    vforks = hung_of(evs, vfork.pid, "vfork", True)
    if vforks:
        check(vforks[0]["task_state"] == "D", "vfork's parent sleeps uninterruptibly (D), reported whatever "
                                              "the call: %r" % vforks[0]["task_state"])
    if adopts:
        early_reports = hung_of(evs, early.pid, "flock", True)
        if early_reports:
            e = early_reports[0]
            check(e["in_flight_at_start"] is True and e["args"].get("fd") == early_fd
                  and e["args"].get("fd_target") == early_lock,
                  "a flock blocked before the start is reported, its fd resolved: %r" % e)
    else:
        print("SKIP: calls in flight at the start (this kernel cannot adopt them)")

    # --hung-now: the calls hanging at this moment, one row each, then exit.
    now_dir = os.path.join(tmp, "now")
    r = run([tool("syscallmon"), "--hung-now", "--hung", "1", "-p", comms, "--format", "jsonl", "-o", now_dir],
            timeout=120)
    check(r.returncode == 0, "--hung-now exits 0 by itself: %s" % r.stderr[-300:])
    rows = events(now_dir)
    want = {(flocker.pid, "flock"), (killed.pid, "flock"), (vfork.pid, "vfork")}
    if adopts:
        want.add((early.pid, "flock"))
    check({(e["pid"], e["syscall_name"]) for e in rows} == want and len(rows) == len(want),
          "--hung-now: exactly the hanging calls (not the FIFO read): %s" % [(e["pid"], e["syscall_name"]) for e in rows])
    check(all(e["hung"] and e["ret_val"] is None and e["duration_ns"] >= 1e9 for e in rows),
          "--hung-now: each in flight for over a second")
    table = [line for line in r.stdout.splitlines() if line.split()[:1] and line.split()[0].isdigit()]
    check(len(table) == len(want) and r.stdout.splitlines()[0].split()[:4] == ["PID", "COMM", "SYSCALL", "ELAPSED(ms)"],
          "--hung-now: a table of %d rows on stdout: %r" % (len(want), r.stdout))

    # Then each is let go: the lock, a kill, the vfork child's death, a byte.
    fcntl.flock(held[lock], fcntl.LOCK_UN)
    check(flocker.stdout.readline().strip() == "locked", "the flock returned once let go")
    killed.kill()
    killed.wait()
    back = wait_for("ebpfmon_syscall_hung back to 0 once the killed call returned",
                    lambda: (lambda g: g if g.get(HUNG_FLOCK) == 0 else None)(gauges())) or {}
    check(back.get(OLDEST) == 0, "no call in flight: the oldest is 0 (%s)" % back.get(OLDEST))
    with open("/proc/%d/task/%d/children" % (vfork.pid, vfork.pid)) as f:
        vfork_child = int(f.read().split()[0])
    os.kill(vfork_child, signal.SIGKILL)
    check(int(vfork.stdout.readline()) == vfork_child, "vfork returned its child's pid")
    fcntl.flock(held[early_lock], fcntl.LOCK_UN)
    early.stdout.readline()
    reads = events(dirs["reads"])
    fifo_reports = hung_of(reads, reader.pid, "read", True)
    with open(fifo, "wb", buffering=0) as w:
        w.write(b"x")
    check(reader.stdout.readline().strip() == "1", "the FIFO read returned its byte")
    for p in (flocker, reader, vfork, early):
        p.wait(timeout=30)
    time.sleep(1)
    for t in tracers.values():
        check(t.stop() == 0, "%s exits 0: %s" % (t.args, t.stderr_text()[-300:]))
    check(daemon("--daemon-stop").returncode == 0, "the daemon stops")

    evs = events(dirs["default"])
    returns = hung_of(evs, flocker.pid, "flock", False)
    check(len(hung_of(evs, flocker.pid, "flock", True)) == 1 and len(returns) == 1,
          "one report while it hung and one at its return, no more")
    if returns:
        check(returns[0]["ret_val"] == 0 and returns[0]["duration_ns"] > reports[0]["duration_ns"],
              "the return: 0, after longer than the report said")
    kill_returns = hung_of(evs, killed.pid, "flock", False)
    check(len(kill_returns) == 1 and kill_returns[0]["error_name"] in RESTARTS,
          "the thread killed in its hung call is reported: %r" % kill_returns)
    vfork_returns = hung_of(evs, vfork.pid, "vfork", False)
    check(len(vfork_returns) == 1 and vfork_returns[0]["ret_val"] == vfork_child,
          "vfork's return is reported hung, with the child's pid")
    if adopts:
        early_returns = hung_of(evs, early.pid, "flock", False)
        check(len(early_returns) == 1 and early_returns[0]["in_flight_at_start"] is True,
              "the early flock's return is reported, still marked in flight at the start")
    check(not hung_of(evs, reader.pid, "read", True), "a FIFO read waits: not hung by default")
    check(len(fifo_reports) == 1 and fifo_reports[0]["args"].get("fd") == fifo_fd
          and fifo_reports[0]["args"].get("fd_target") == fifo,
          "--hung-syscalls read reports the FIFO read, its target the FIFO: %r" % fifo_reports)
    console = tracers["default"].stdout.decode(errors="replace")
    check(re.search(r"hung-flock\s+%d\s+flock\s+\S+\s+true\s+true\s+%d<%s>" % (flocker.pid, flock_fd, re.escape(lock)),
                    console) is not None, "the console shows the hung flock, HUNG true, with its fd")
    off = events(dirs["off"])
    check(not [e for e in off if e["hung"]] and [e for e in off if e["syscall_name"] == "flock"],
          "--hung 0: the flock is written at its return as a slow call, never as hung")
    finish()


if __name__ == "__main__":
    main()
