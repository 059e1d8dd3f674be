#!/usr/bin/env python3
"""The harness itself: a test that fails leaves no process behind. A small
test script starts what e2e tests start (an execmon Tracer, a server
started with Popen as test_export starts nats-server, a shell with a child
of its own, a forked workload, a HeldChild), then fails: a failed check
followed by finish(), an exception, or SIGTERM from a runner's timeout.
Once it has exited, none of those processes may still run."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, finish, require_root  # noqa: E402

FAILING_TEST = r'''
import os, subprocess, sys, time
sys.path.insert(0, %(e2e)r)
import harness
from harness import HeldChild, Tracer, check, finish, tool

tracer = Tracer([tool("execmon"), "-q", "--comm", "true", "-o", %(out)r])
server = subprocess.Popen(["sleep", "3600"])
shell = subprocess.Popen(["sh", "-c", "sleep 3600 & wait"])
workload = os.fork()
if workload == 0:
    time.sleep(3600)
    os._exit(0)
held = HeldChild([], "harness-held")
while not harness._live_descendants(shell.pid):
    time.sleep(0.01)  # until the shell's own child runs
print("started", flush=True)
mode = sys.argv[1]
sys.stdin.readline()  # the test's go, or SIGTERM while waiting
if mode == "check":
    check(False, "a check that fails mid-test")
    finish()  # what follows it (stopping the tracer, the server) never runs
raise RuntimeError("an exception mid-test")
'''


def process_identity(pid):
    """(pid, start time) of a process that still runs, else None: a pid
    alone may name another process once the first is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else (pid, fields[19])


def run_failing_test(work, mode):
    """Runs the failing test in `mode`; returns its exit status and what it
    had started that still runs afterwards (killed here, so this test
    leaves nothing either)."""
    script = os.path.join(work, "failing_test.py")
    with open(script, "w") as f:
        f.write(FAILING_TEST % {"e2e": os.path.dirname(os.path.abspath(__file__)),
                                "out": os.path.join(work, "out")})
    # Its stderr goes to a file: a leftover holding a pipe would keep the
    # pipe open and this test waiting for its end, as it kept meson waiting.
    err_path = os.path.join(work, "stderr")
    with open(err_path, "wb") as err_file:
        proc = subprocess.Popen([sys.executable, script, mode], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err_file)
    harness._STARTED.append(proc)
    line = proc.stdout.readline()
    started = [process_identity(pid) for pid in harness._live_descendants(proc.pid)]
    check(line == b"started\n" and len(started) >= 6,
          "%s: the failing test started a tracer, a server, a shell and its child, a workload "
          "and a HeldChild (%d processes): %r" % (mode, len(started), line))
    if mode == "sigterm":
        proc.send_signal(signal.SIGTERM)
    else:
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
    proc.stdin.close()
    proc.wait(timeout=300)
    left = [ident for ident in started if ident and process_identity(ident[0]) == ident]
    for pid, _ in left:
        os.kill(pid, signal.SIGKILL)
    with open(err_path, errors="replace") as f:
        return proc.returncode, left, f.read()


def main():
    require_root()
    for mode, status in [("check", 1), ("exception", 1), ("sigterm", 128 + signal.SIGTERM)]:
        work = tempfile.mkdtemp(prefix="ebpfmon-harness-")
        try:
            rc, left, err = run_failing_test(work, mode)
            check(rc == status, "%s: the failing test exits %d, got %d: %s" % (mode, status, rc, err[-500:]))
            check(not left, "%s: nothing it started still runs, left: %s" % (mode, left))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
