#!/usr/bin/env python3
"""A filter that names nothing there now (a --pid of no live process, a
--container no cgroup belongs to) gets a one-line warning, and the run goes
on: the process or the container may start later. One that names what is
there gets none."""
import os
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import cgroup_mount, check, finish, require_root, run, skip, tool  # noqa: E402


def warnings(args, out):
    r = run([tool("execmon"), "-q", "-d", "0.5", "-o", out] + args)
    check(r.returncode == 0, "%s: the run goes on, exit 0 (%d): %s" % (" ".join(args), r.returncode, r.stderr[-300:]))
    return [l for l in r.stderr.splitlines() if l.startswith("execmon: warning:")]


def free_pid():
    """A pid no process has: one that just ended, while nothing reuses it."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def main():
    require_root()
    mount = cgroup_mount()
    if not mount:
        skip("no cgroup v2 mounted: no container can be made")
    out = "/tmp/ebpfmon-filter-warnings-%d" % os.getpid()
    gone = free_pid()
    got = warnings(["--pid", str(gone)], out)
    check(got == ["execmon: warning: --pid %d: no such process now; tracing anyway (it may start later)" % gone],
          "--pid of no process: one warning naming it: %s" % got)
    check(warnings(["--pid", str(os.getpid())], out) == [], "--pid of a live process: no warning")

    container_id = uuid.uuid4().hex + uuid.uuid4().hex
    got = warnings(["--container", container_id[:12]], out)
    check(got == ["execmon: warning: --container %s: no container's cgroup has this id now; tracing anyway "
                  "(it may start later)" % container_id[:12]],
          "--container matching no cgroup: one warning naming it: %s" % got)
    scope = os.path.join(mount, "ebpfmon-warn-%d.slice" % os.getpid(), "docker-%s.scope" % container_id)
    os.makedirs(scope)
    try:
        check(warnings(["--container", container_id[:12]], out) == [],
              "--container whose cgroup exists: no warning")
    finally:
        os.rmdir(scope)
        os.rmdir(os.path.dirname(scope))
        subprocess.run(["rm", "-rf", out])
    finish()


if __name__ == "__main__":
    main()
