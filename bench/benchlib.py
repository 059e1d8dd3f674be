"""Helpers every benchmark in bench/ shares: start a tool in its own session,
wait until it is ready, stop it like a user would, install the peers."""
import glob
import os
import re
import signal
import subprocess
import sys
import time

# Processes this bench started (each in its own session): killed on exit.
_children = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def raise_on_signal(signum, _frame):
    raise KeyboardInterrupt("signal %d" % signum)


def start(cmd, stdout_path, stderr_path, env=None):
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=env, start_new_session=True)
    _children.append(proc)
    return proc


def kill_leftovers(procs=None):
    for proc in (_children if procs is None else procs):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                try:
                    proc.kill()
                except OSError:
                    pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def one_line(text, limit=200):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def failure_reason(cmd, stdout, stderr, rc):
    """One line saying why a tool did not run, from what it printed."""
    lines = [l.strip() for l in (stderr + "\n" + stdout).splitlines() if l.strip()]
    lines = [l for l in lines if not l.startswith(("Traceback", "File \"", "^"))]
    hints = []
    text = stdout + stderr
    release = os.uname().release
    if "Unable to find kernel headers" in text or (
            "Failed to compile BPF module" in text
            and not os.path.isdir("/lib/modules/%s/build" % release)):
        hints.append("no kernel headers (/lib/modules/%s/build)" % release)
    if ("kprobe" in text or "bpfcc" in " ".join(cmd)) and not any(
            os.path.exists(p) for p in ("/sys/kernel/tracing/kprobe_events",
                                        "/sys/kernel/debug/tracing/kprobe_events")):
        hints.append("kernel has no kprobes")
    main = ""
    for l in reversed(lines):
        if l.startswith("Exception:") or "error" in l.lower() or "failed" in l.lower():
            main = l
            break
    if not main and lines:
        main = lines[-1]
    if not main:
        main = "exited with status %s and no message" % rc
    return one_line("; ".join(hints + [main]))


def wait_ready(proc, paths, pattern, timeout):
    """Waits until pattern appears in one of paths. Returns (ready, seconds)."""
    t0 = time.monotonic()
    rx = re.compile(pattern, re.M)
    while True:
        for p in paths:
            if rx.search(read_text(p)):
                return True, time.monotonic() - t0
        if proc.poll() is not None:
            # One last look: the line may have come just before the exit.
            for p in paths:
                if rx.search(read_text(p)):
                    return True, time.monotonic() - t0
            return False, time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            return False, time.monotonic() - t0
        time.sleep(0.005)


def stop(proc, timeout=120.0):
    """SIGINT, then wait; SIGKILL if it does not exit. Returns (rc, killed)."""
    if proc.poll() is not None:
        return proc.returncode, False
    try:
        proc.send_signal(signal.SIGINT)
    except OSError:
        pass
    try:
        return proc.wait(timeout=timeout), False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        return proc.wait(timeout=10), True


# ---------------------------------------------------------------------------
# Peers


def package_installed(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.returncode == 0 and "install ok installed" in r.stdout


def install_peers(packages):
    missing = [p for p in packages if not package_installed(p)]
    if not missing:
        return
    log("installing missing peers with apt-get: %s" % " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends"] + missing
    try:
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=600)
        if r.returncode != 0:
            log("apt-get install failed; running apt-get update and retrying")
            subprocess.run(["apt-get", "update"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=600)
            r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, timeout=600)
        if r.returncode != 0:
            log("apt-get install failed (the rows of these tools will say so):\n  "
                + "\n  ".join(r.stdout.strip().splitlines()[-3:]))
        else:
            log("installed: %s" % " ".join(p for p in missing if package_installed(p)))
    except (OSError, subprocess.TimeoutExpired) as e:
        log("apt-get could not run: %s" % e)


def libbpf_tool_path(name):
    """Where Debian's libbpf-tools installed `name` (not on PATH: it clashes with bcc)."""
    try:
        r = subprocess.run(["dpkg", "-L", "libbpf-tools"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in r.stdout.splitlines():
        if os.path.basename(line) == name and os.access(line, os.X_OK):
            return line
    return None


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_tool(name, build_dir=None):
    """One of our binaries: --build-dir, else $EBPFMON_BUILD_DIR, else build/."""
    d = build_dir or os.environ.get("EBPFMON_BUILD_DIR") or os.path.join(REPO, "build")
    p = os.path.join(d, name)
    return p if os.path.isfile(p) and os.access(p, os.X_OK) else None


def bcc_env():
    """BCC_KERNEL_SOURCE for BCC's own tools when the kernel has no headers:
    the BTF-generated tree ebpfmon caches (made by any ebpfmon tool's first
    run). None when headers exist or no tree is cached yet."""
    release = os.uname().release
    if os.path.isdir("/lib/modules/%s/build" % release):
        return None
    trees = sorted(glob.glob("/var/cache/ebpfmon/kernel-%s-*" % release))
    return dict(os.environ, BCC_KERNEL_SOURCE=trees[-1]) if trees else None


BPF_STATS = "/proc/sys/kernel/bpf_stats_enabled"


def bpf_programs():
    """The loaded BPF programs by id, with their bpf_stats counters."""
    import json
    r = subprocess.run(["bpftool", "prog", "show", "-j"], stdout=subprocess.PIPE, text=True,
                       check=True)
    return {p["id"]: p for p in json.loads(r.stdout or "[]")}


def kernel_time(name, cmd, ready, workload, work):
    """Starts cmd, waits for `ready` in its output, counts the kernel time of
    the programs it loaded (the ids that appeared) while workload() runs,
    and stops it. Returns (run_time_ns, run_cnt, programs), or None and why."""
    before = set(bpf_programs())
    out = os.path.join(work, re.sub(r"[^A-Za-z0-9_.-]", "_", name))
    proc = start(cmd, out + ".out", out + ".err")
    ok, _ = wait_ready(proc, [out + ".out", out + ".err"], ready, 120)
    if not ok:
        stop(proc)
        return None, "did not start: " + read_text(out + ".err").strip()[-200:]
    time.sleep(0.5)  # bpftrace-style tools print before the last attach
    mine = [pid for pid in bpf_programs() if pid not in before]
    with open(BPF_STATS, "w") as f:
        f.write("1")
    start_ns = {pid: p.get("run_time_ns", 0) for pid, p in bpf_programs().items() if pid in mine}
    start_cnt = {pid: p.get("run_cnt", 0) for pid, p in bpf_programs().items() if pid in mine}
    workload()
    after = bpf_programs()
    with open(BPF_STATS, "w") as f:
        f.write("0")
    stop(proc)
    ns = sum(after[p].get("run_time_ns", 0) - start_ns.get(p, 0) for p in mine if p in after)
    runs = sum(after[p].get("run_cnt", 0) - start_cnt.get(p, 0) for p in mine if p in after)
    return (ns, runs, len(mine)), None
