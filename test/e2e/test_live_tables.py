#!/usr/bin/env python3
"""The live tables in a real terminal (tmux, 80x24), as a user sees them:
execmon --exits keeps its table and adds exit rows; the container column
shows a container's short id and nothing on the host; a failed exec shows
the path it tried; syscallmon --summary's interval tables fit the screen."""
import os
import re
import shutil
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import cgroup_mount, check, finish, require_root, skip, tool  # noqa: E402

SESSION = "ebpfmon-live-%d" % os.getpid()
WIDTH, HEIGHT = 80, 24


class Terminal:
    """A tmux session of 80x24 running `command`; the screen and its
    scrollback as text, lines as tmux joined them (a line longer than the
    terminal would be one line here, not two)."""

    def __init__(self, command):
        subprocess.run(["tmux", "kill-session", "-t", SESSION], stderr=subprocess.DEVNULL)
        subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", str(WIDTH), "-y", str(HEIGHT),
                        "-e", "COLUMNS=", "sh", "-c", command + "; echo '== ended'; sleep 600"], check=True)

    def text(self):
        r = subprocess.run(["tmux", "capture-pane", "-p", "-J", "-t", SESSION, "-S", "-", "-E", "-"],
                           stdout=subprocess.PIPE, text=True, check=True)
        return r.stdout

    def wait_for(self, pattern, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if re.search(pattern, self.text(), re.M):
                return True
            time.sleep(0.2)
        return False

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", SESSION], stderr=subprocess.DEVNULL)


def run_in(cgroup_dir, argv, env=None, comm=None):
    """A child that moves itself into cgroup_dir, then execs argv (execvpe:
    along PATH); returns its pid once it has ended."""
    pid = os.fork()
    if pid == 0:
        try:
            with open(os.path.join(cgroup_dir, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
            os.execvpe(argv[0], argv, env or os.environ)
        finally:
            os._exit(127)
    os.waitpid(pid, 0)
    return pid


def rows_of(text, pid):
    return [l for l in text.splitlines() if re.match(r"^\d\d:\d\d:\d\d\.\d{3} +\S+ +%d " % pid, l)]


def test_execmon_exits(parent):
    host = os.path.join(parent, "host.scope")
    container_id = uuid.uuid4().hex + uuid.uuid4().hex
    container = os.path.join(parent, "docker-%s.scope" % container_id)
    for d in (host, container):
        os.makedirs(d)
    term = Terminal("%s --exits --cgroup %s" % (tool("execmon"), parent))
    try:
        check(term.wait_for(r"Ctrl-C to end"), "execmon --exits starts: %s" % term.text()[-300:])
        exited = run_in(host, ["/bin/sh", "-c", "exit 3"])
        missing = run_in(host, ["ltmiss", "-x"], env={"PATH": "/x1:/x2"})
        contained = run_in(container, ["/bin/true", "in-container"])
        term.wait_for(r"^.* %d .*\[exit 0, " % contained, 30)
        text = term.text()
    finally:
        term.close()
    lines = text.splitlines()
    heading = [l for l in lines if l.startswith("TIME")]
    check(heading == ["TIME         COMM            PID     PPID    RET CONTAINER    ARGS"],
          "one heading, with the container column: %s" % heading)
    wide = [l for l in lines if len(l) > WIDTH]
    check(not wide, "every line fits 80 columns: %s" % wide[:2])
    sh = rows_of(text, exited)
    check(len(sh) == 2 and sh[0].endswith(" /bin/sh -c exit 3") and re.search(r" 3 +\[exit 3, [\d.]+m?s\]$", sh[1]),
          "the exec row, then the exit row of the same pid (exit 3): %s" % sh)
    check(all(l[49:61].strip() == "" for l in sh), "the host's rows have no container id: %s" % sh)
    lookups = rows_of(text, missing)
    check(len(lookups) == 3 and lookups[0][62:].startswith("/x1/ltmiss:")
          and lookups[1][62:].startswith("/x2/ltmiss:") and " -2 " in lookups[0]
          and "[exit 127, " in lookups[2],
          "each failed lookup shows the path it tried, then the exit: %s" % lookups)
    inside = rows_of(text, contained)
    check(len(inside) == 2 and all(l[49:61] == container_id[:12] for l in inside),
          "a container's rows show its short id: %s" % inside)


def test_summary_fits(tmp):
    term = Terminal("cd %s && %s --summary 1 -d 3.5" % (tmp, tool("syscallmon")))
    try:
        check(term.wait_for(r"^== ended$", 120), "syscallmon --summary 1 -d 3.5 ends: %s" % term.text()[-300:])
        text = term.text()
    finally:
        term.close()
    lines = text.splitlines()
    starts = [i for i, l in enumerate(lines) if re.match(r"^\[\d\d:\d\d:\d\d\] (last|whole run)", l)]
    check(len(starts) >= 3, "interval tables and the whole run's: %d" % len(starts))
    for a, b in zip(starts, starts[1:]):
        check(b - a <= HEIGHT - 1, "an interval's table fits 24 lines with room: %d" % (b - a))
    tables = [l for a in starts for l in lines[a:a + HEIGHT] if not l.startswith("syscall: ")]
    wide = [l for l in tables if len(l) > WIDTH]
    check(not wide, "summary: every table line fits 80 columns: %s" % wide[:2])
    units = [l for l in lines if l.startswith("SYSCALL")]
    check(units and all("(ms)" not in l and l.count("(us)") == 4 for l in units),
          "one unit, µs, in every table: %s" % units[:1])


def main():
    require_root()
    if not shutil.which("tmux"):
        skip("tmux is not installed (scripts/install-deps installs it)")
    mount = cgroup_mount()
    if not mount:
        skip("no cgroup v2 mounted: no container can be made")
    parent = os.path.join(mount, "ebpfmon-live-%d.slice" % os.getpid())
    tmp = "/tmp/ebpfmon-live-%d" % os.getpid()
    os.makedirs(tmp)
    try:
        test_execmon_exits(parent)
        test_summary_fits(tmp)
    finally:
        if os.path.isdir(parent):
            for child in os.listdir(parent):
                if os.path.isdir(os.path.join(parent, child)):
                    os.rmdir(os.path.join(parent, child))
            os.rmdir(parent)
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
