#!/usr/bin/env python3
"""Per-container accounting end to end: syscallmon's --by container summary
and the per-container /metrics series with their cap, against containers
this test makes by hand (docker-<id>.scope cgroups) and getppid() calls it
counts; and what --doctor says of cgroup v2 and the context fields."""
import os
import re
import sys
import tempfile
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import cgroup_mount, Tracer, check, finish, require_root, run, skip, tool  # noqa: E402

CALLS = {"a": 3000, "b": 2000, "c": 1000}  # getppid() calls per container
HOST_CALLS = 50


def calls_in(cgroup_dir, n):
    """A child that moves itself into cgroup_dir (or stays on the host),
    calls getppid() n times and exits; returns once it has."""
    pid = os.fork()
    if pid == 0:
        try:
            if cgroup_dir:
                with open(os.path.join(cgroup_dir, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
            for _ in range(n):
                os.getppid()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def scrape(address):
    with urllib.request.urlopen("http://%s/metrics" % address, timeout=10) as r:
        return r.read().decode()


def series(text, name):
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r'^%s\{container="([^"]*)"\} (\S+)$' % name, text, re.M)}


def main():
    require_root()
    mount = cgroup_mount()
    if not mount:
        skip("no cgroup v2 mounted: no container can be made")
    parent = os.path.join(mount, "ebpfmon-containers-%d.slice" % os.getpid())
    ids = {k: uuid.uuid4().hex + uuid.uuid4().hex for k in CALLS}
    dirs = {k: os.path.join(parent, "docker-%s.scope" % ids[k]) for k in CALLS}
    tmp = tempfile.mkdtemp(prefix="ebpfmon-containers-")
    config = os.path.join(tmp, "monitor_config.yaml")
    with open(config, "w") as f:
        f.write("output:\n  directory: %s\nmonitors:\n  syscall:\n    syscalls: [getppid]\n"
                "    per_container: true\n    container_series: 2\n" % tmp)
    os.chmod(config, 0o600)
    try:
        for d in dirs.values():
            os.makedirs(d)
        t = Tracer([tool("ebpfmon"), "-c", config, "-m", "syscall", "-q", "--summary", "--by",
                    "container", "--metrics", "127.0.0.1:0"])
        for k, n in CALLS.items():
            calls_in(dirs[k], n)
        calls_in(None, HOST_CALLS)
        m = re.search(r"^metrics: http://(127\.0\.0\.1:\d+)/metrics$", t.stderr_text(), re.M)
        text = scrape(m.group(1)) if m else ""
        check(t.stop() == 0, "ebpfmon exits 0: %s" % t.stderr_text()[-300:])
    finally:
        for d in dirs.values():
            if os.path.isdir(d):
                os.rmdir(d)
        if os.path.isdir(parent):
            os.rmdir(parent)

    # /metrics: the two busiest containers, the rest (container c, the host)
    # summed as "other": 3 series however many containers there are.
    calls = series(text, "ebpfmon_syscall_container_calls_total")
    check(calls.get(ids["a"]) == CALLS["a"] and calls.get(ids["b"]) == CALLS["b"],
          "metrics: containers a and b with their exact getppid counts: %s" % calls)
    check(set(calls) == {ids["a"], ids["b"], "other"},
          "metrics: capped at 2 containers plus other: %s" % sorted(calls))
    check(calls.get("other", 0) >= CALLS["c"] + HOST_CALLS,
          "metrics: other sums container c and the host (>= %d): %s" % (
              CALLS["c"] + HOST_CALLS, calls.get("other")))
    errors = series(text, "ebpfmon_syscall_container_errors_total")
    check(set(errors) == set(calls) and errors.get(ids["a"]) == 0,
          "metrics: errors per the same containers: %s" % errors)

    # The summary at exit: one row per container (first 12 digits), exact.
    out = t.stdout.decode()
    tables = out.split("\n\n")
    whole = [tb for tb in tables if "whole run" in tb and "\nCONTAINER " in tb]
    check(len(whole) == 1, "summary: one whole-run table by container: %r" % out[-500:])
    rows = {}
    for line in (whole[0].splitlines()[2:] if whole else []):
        parts = line.split()
        if len(parts) >= 2:
            rows[parts[0]] = int(parts[1])
    for k, n in CALLS.items():
        check(rows.get(ids[k][:12]) == n, "summary: container %s counted %d calls (%s)" % (
            k, n, rows.get(ids[k][:12])))
    check(rows.get("host", 0) >= HOST_CALLS, "summary: the host row has the host's %d calls (%s)"
          % (HOST_CALLS, rows.get("host")))

    # --doctor: where cgroup v2 is, and the context fields.
    r = run([tool("ebpfmon"), "--doctor"])
    check(re.search(r"^  cgroup v2: +yes  %s \((unified|hybrid)" % re.escape(mount), r.stdout,
                    re.M) is not None, "doctor: cgroup v2 at %s: %s" % (mount, r.stdout[:600]))
    for field in ("cgroup paths:", "cwd, exe:", "auid, sessionid:", "mntns:"):
        check(re.search(r"^  %s +(yes|no) " % re.escape(field), r.stdout, re.M) is not None,
              "doctor: context field %s" % field)
    finish()


main()
