"""Shared by the end-to-end tests: run a real tool as root, wait for its
Tracing line, stop it like a user would, and read what it wrote."""
import atexit
import csv
import functools
import http.client
import json
import os
import re
import select
import signal
import subprocess
import sys
import time

SKIP = 77
# Every process a test starts is stopped when the test exits, however it
# exits: a failed check, an exception, SIGTERM (a runner's timeout) or
# Ctrl-C. A tracer left running keeps tracing, or exporting to servers
# long gone, and a child holding the runner's pipes open hangs the run.
# Tracers and HeldChildren are listed here; everything else (a server, a
# workload, their children) is found as a descendant of the test.
_STARTED = []
_OWNER = os.getpid()
_EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _live_descendants(root):
    """Pids of the running (not zombie) processes below `root`."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                # The name in parentheses may hold anything; the fields after it do not.
                state, ppid = f.read().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if state != "Z":
            children.setdefault(int(ppid), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def _reap_children():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _stop_leftovers():
    """SIGKILLs every process the test started that still runs, and its
    children; reaps what were the test's own."""
    if os.getpid() != _OWNER:
        return  # a forked child exiting
    for sig in _EXIT_SIGNALS:  # a second SIGTERM must not cut this short
        signal.signal(sig, signal.SIG_IGN)
    for proc in _STARTED:
        try:
            if isinstance(proc, int):
                os.kill(proc, signal.SIGKILL)
                os.waitpid(proc, 0)
            elif proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass
    # A process may fork while its siblings are killed: look again until
    # nothing is left (bounded: a process stuck in the kernel may never go).
    for _ in range(1000):
        leftovers = _live_descendants(_OWNER)
        if not leftovers:
            break
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _reap_children()
        time.sleep(0.01)  # for the kernel to finish the kills, not a threshold
    _reap_children()


def _exit_on_signal(signum, frame):
    # SystemExit unwinds the test's finally blocks, then atexit stops the rest.
    sys.exit(128 + signum)


atexit.register(_stop_leftovers)
for _sig in _EXIT_SIGNALS:
    signal.signal(_sig, _exit_on_signal)
BUILD_DIR = os.environ.get("EBPFMON_BUILD_DIR", "build")
SOURCE_DIR = os.environ.get("EBPFMON_SOURCE_DIR", ".")
FAILURES = []
PASSED = [0]


def tool(name):
    return os.path.join(BUILD_DIR, name)


def skip(reason):
    print("SKIP: " + reason)
    sys.exit(SKIP)


def require_root():
    if os.geteuid() != 0:
        skip("needs root to load BPF programs (run the suite with sudo)")


def check(condition, what):
    if condition:
        PASSED[0] += 1
    else:
        FAILURES.append(what)
        print("FAIL: " + what, flush=True)


def finish():
    print("%d checks passed, %d failed" % (PASSED[0], len(FAILURES)))
    sys.exit(1 if FAILURES else 0)


class Tracer:
    """A tool running in the background until stop(), started once its
    stderr says so (awaited=False: the caller waits, e.g. for READY=1 of a
    service, whose stderr stays silent)."""

    def __init__(self, args, timeout=120, env=None, awaited=True):
        self.args = args
        full_env = dict(os.environ, **(env or {}))
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)
        _STARTED.append(self.proc)
        self.stderr = b""
        deadline = time.monotonic() + timeout
        while awaited and b"Ctrl-C to end." not in self.stderr:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stderr += self.proc.stderr.read() if self.proc.poll() is not None else b""
                raise RuntimeError("%s did not start tracing: %s" % (args, self.stderr.decode(errors="replace")))
            ready, _, _ = select.select([self.proc.stderr], [], [], left)
            if ready:
                chunk = os.read(self.proc.stderr.fileno(), 65536)
                if not chunk:
                    continue
                self.stderr += chunk

    def stop(self, sig=signal.SIGINT, timeout=120):
        # Give the ring buffer a moment: events of the last exec may still be
        # on their way when we signal (the tool drains after detaching, but the
        # exec itself must have happened before the probes go).
        time.sleep(0.3)
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        self.stdout = out
        self.stderr += err
        return self.proc.returncode

    def stderr_text(self):
        return self.stderr.decode(errors="replace")


class HeldChild:
    """A forked child named `comm` that waits for go(), then calls each of
    `steps` and exits. Its pid is known before tracing starts; go() returns
    once it has exited."""

    def __init__(self, steps, comm):
        self.go_r, self.go_w = os.pipe()
        self.pid = os.fork()
        if self.pid != 0:
            _STARTED.append(self.pid)
        if self.pid == 0:
            try:
                with open("/proc/self/comm", "w") as f:
                    f.write(comm)
                os.read(self.go_r, 1)
                for step in steps:
                    step()
            finally:
                os._exit(0)
        os.close(self.go_r)

    def go(self):
        os.write(self.go_w, b"g")
        os.close(self.go_w)
        os.waitpid(self.pid, 0)
        _STARTED.remove(self.pid)  # reaped: its number may be another process's now


def cgroup_mount():
    """Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on a
    hybrid host), or None: where a test makes its containers' cgroups."""
    points = [line.split()[4] for line in open("/proc/self/mountinfo") if " - cgroup2 " in line]
    # /sys/fs/cgroup first, as ebpfmon's own lookup (core/cgroups.h).
    return next((p for p in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified") if p in points),
                (points or [None])[0])


def output_files(directory, monitor, ext):
    return sorted(os.path.join(directory, f) for f in os.listdir(directory)
                  if re.fullmatch(r"%s_\d{8}_\d{6}(_\d+)?\.%s" % (monitor, ext), f))


def read_csv(path):
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        return list(csv.reader(f))


def ragged_rows(rows):
    """Indices of the CSV rows whose width is not the header's (rows[0]): the
    header is the tool's own, so no test keeps a count of columns."""
    return [i for i, r in enumerate(rows) if len(r) != len(rows[0])]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


SUMMARY_LINE = r"^%s: (\d+) events written, (\d+) lost(?:, (\d+) rate-limited)?$"


def summary_counts(stderr_text, monitor):
    """(written, lost) from the closing line of `monitor`."""
    m = re.search(SUMMARY_LINE % monitor, stderr_text, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


def rate_limited_count(stderr_text, monitor):
    """K of the closing line's ", K rate-limited" (0 when absent); None
    without the line."""
    m = re.search(SUMMARY_LINE % monitor, stderr_text, re.M)
    return int(m.group(3) or 0) if m else None


def run(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@functools.lru_cache(maxsize=None)
def monitors(ebpfmon=None):
    """The registered monitors as `ebpfmon --list` prints them, sorted by
    name: (name, on by default, what it traces). Tests take the monitors
    from here, never from a list of their own, so a new monitor changes
    none of them."""
    r = run([ebpfmon or tool("ebpfmon"), "--list"], check=True)
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    return tuple((name, default == "on", what) for name, default, what in rows)


def monitor_names(ebpfmon=None):
    return [name for name, _, _ in monitors(ebpfmon)]


def default_monitors(ebpfmon=None):
    """Those ebpfmon runs when neither -m nor the config names them."""
    return [name for name, on, _ in monitors(ebpfmon) if on]


def scrape(address, path="/metrics", method="GET"):
    """(status, content type, body) of an HTTP request to the metrics server."""
    conn = http.client.HTTPConnection(address, timeout=10)
    conn.request(method, path)
    r = conn.getresponse()
    return r.status, r.getheader("Content-Type"), r.read().decode()


def parse_metrics(text):
    """{(name, frozenset(labels)): value} from Prometheus text."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
        if not m:
            raise ValueError("not a sample line: %r" % line)
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples
