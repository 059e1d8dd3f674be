#!/usr/bin/env python3
"""ebpfmon end to end: several monitors in one process, chosen by -m or by
the config; a monitor this kernel cannot run is left out with the reason;
--doctor; usage errors."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HeldChild, Tracer, check, default_monitors, finish, output_files, parse_metrics,  # noqa: E402
                     read_csv, require_root, run, scrape, summary_counts, tool)

TRUE = "/bin/true"
KPROBES = os.path.exists("/sys/bus/event_source/devices/kprobe")


def exec_true():
    """The workload becomes /bin/true: same pid, so --pid still matches."""
    os.execv(TRUE, [TRUE, "ebpfmon-e2e"])


def open_missing():
    for i in range(5):
        try:
            os.open("/nonexistent/ebpfmon-e2e-%d" % i, os.O_RDONLY)
        except FileNotFoundError:
            pass


def test_two_monitors(tmp):
    out = os.path.join(tmp, "two")
    w = HeldChild([open_missing, exec_true], "ebpfmon-wl")
    t = Tracer([tool("ebpfmon"), "-m", "exec,syscall", "--pid", str(w.pid), "-o", out])
    check("Tracing exec, syscall... Ctrl-C to end." in t.stderr_text(), "two: Tracing line names both")
    w.go()
    check(t.stop() == 0, "two: exit 0")
    check(t.stdout == b"", "two: several monitors write files only, no console table")
    execs = read_csv(output_files(out, "exec", "csv")[0])
    syscalls = read_csv(output_files(out, "syscall", "csv")[0])
    check([(r[4], r[2], r[7]) for r in execs[1:]] == [(str(w.pid), "true", TRUE + " ebpfmon-e2e")],
          "two: the workload's exec: %s" % execs[1:3])
    # After the exec, the dynamic loader of /bin/true (comm "true") looks for
    # files that do not exist either; count those the workload made itself.
    missing = [r for r in syscalls[1:]
               if r[8] == "openat" and r[11] == "ENOENT" and r[6] == "ebpfmon-wl"]
    check(len(missing) == 5, "two: the workload's 5 failed openat (%d)" % len(missing))
    err = t.stderr_text()
    for monitor, rows in (("exec", execs), ("syscall", syscalls)):
        counts = summary_counts(err, monitor)
        check(counts is not None and counts[0] == len(rows) - 1,
              "two: %s summary counts its file's rows: %s" % (monitor, counts))


def summary_tables(stdout):
    """Each table of a --summary run: (heading without its clock, column
    headings, {syscall: (category, count, errors, slow)})."""
    tables = []
    for block in stdout.decode().split("\n\n"):
        lines = block.strip().splitlines()
        if len(lines) < 2 or not lines[0].startswith("["):
            continue
        head = lines[1].split()
        rows = {c[0]: tuple(c[1:5]) for c in (line.split() for line in lines[2:])}
        tables.append((re.sub(r"^\[[0-9:]+\] ", "", lines[0]), head, rows))
    return tables


def test_syscall_summary(tmp):
    """ebpfmon -m syscall --summary prints the tables syscallmon prints: the
    summary belongs to the monitor, not to the tool."""
    calls = 777

    def getppid_calls():
        for _ in range(calls):
            os.getppid()

    w = HeldChild([getppid_calls, open_missing], "ebpfmon-sum")
    same = ["--pid", str(w.pid), "--summary", "2", "-d", "5"]
    tools = {"syscallmon": [tool("syscallmon")], "ebpfmon": [tool("ebpfmon"), "-m", "syscall"]}
    tracers = {name: Tracer(args + same + ["-o", os.path.join(tmp, "sum-" + name)])
               for name, args in tools.items()}
    w.go()
    tables = {}
    for name, t in tracers.items():
        out, err = t.proc.communicate(timeout=60)
        check(t.proc.returncode == 0, "summary: %s -m syscall exits 0: %s" % (name, err.decode()[-300:]))
        tables[name] = summary_tables(out)
    mine, theirs = tables["ebpfmon"], tables["syscallmon"]
    check(len(mine) >= 2 and mine[-1][0].startswith("whole run"),
          "summary: ebpfmon prints interval tables and the whole run: %s" % [t[0] for t in mine])
    check([t[1] for t in mine] == [t[1] for t in theirs], "summary: the same columns")
    check(mine[-1][2] == theirs[-1][2],
          "summary: the same whole-run rows: %s vs %s" % (mine[-1][2], theirs[-1][2]))
    check(mine[-1][2].get("getppid", ("", ""))[1] == str(calls),
          "summary: getppid counted exactly %d times: %s" % (calls, mine[-1][2].get("getppid")))


def test_config_and_unavailable(tmp):
    """The config enables exec, syscall and func (exit is on by default);
    func cannot run on a kernel without kprobes or fentry and is left out,
    the others run."""
    out = os.path.join(tmp, "config")
    config = os.path.join(tmp, "monitor_config.yaml")
    with open(config, "w") as f:
        f.write("output:\n  directory: %s\nmonitors:\n  exec: {enabled: true}\n"
                "  syscall: {enabled: true, show_errors_only: true}\n  func: {enabled: true}\n" % out)
    os.chmod(config, 0o600)
    t = Tracer([tool("ebpfmon"), "-c", config, "-d", "1"])
    rc = t.proc.wait(timeout=120)
    _, err = t.proc.communicate()
    err = t.stderr_text() + err.decode()
    check(rc == 0, "config: exit 0 (%d): %s" % (rc, err[-300:]))
    if KPROBES:
        print("this kernel has kprobes: the func-unavailable case is not testable here")
        return
    line = re.search(r"^.*func: left out: cannot trace kernel functions here \(ebpfmon --doctor says why\)$",
                     err, re.M)
    check(line is not None and len(line.group(0)) <= 100,
          "config: func reported unavailable in one line of at most 100 characters: %s" % err[:400])
    doctor = run([tool("ebpfmon"), "--doctor"]).stdout
    check(re.search(r"^  func: .*CONFIG_KPROBES.*fentry: ", doctor, re.M) is not None,
          "config: the doctor gives func's reasons: %s" % doctor[-500:])
    # The config enables exec, syscall and func; the others run when on by default.
    running = sorted((set(default_monitors()) | {"exec", "syscall"}) - {"func"})
    check("Tracing %s... Ctrl-C to end." % ", ".join(running) in err,
          "config: %s run: %s" % (", ".join(running), err[-300:]))
    check(output_files(out, "exec", "csv") and output_files(out, "syscall", "csv")
          and not output_files(out, "func", "csv"), "config: one file per running monitor")
    r = run([tool("ebpfmon"), "-m", "func", "-d", "1"])
    check(r.returncode == 1 and "none of the requested monitors can run" in r.stderr,
          "only func: exit 1 (%d): %s" % (r.returncode, r.stderr[-200:]))


LOG_LINE = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[\d+\] (DEBUG|INFO|WARNING|ERROR) "


def test_shipped_config(tmp):
    """config/monitor_config.yaml is what `meson install` puts in /etc: a
    production config. Its log (logs/monitor.log, under the directory it
    runs in) is at INFO and holds none of the compiler's warnings, which
    only DEBUG (-v) adds."""
    source = os.path.join(os.environ.get("EBPFMON_SOURCE_DIR", "."), "config", "monitor_config.yaml")
    for verbose in (False, True):
        cwd = os.path.join(tmp, "shipped-v" if verbose else "shipped")
        os.mkdir(cwd)
        with open(source) as f, open(os.path.join(cwd, "monitor_config.yaml"), "w") as copy:
            copy.write(f.read())
        os.chmod(os.path.join(cwd, "monitor_config.yaml"), 0o600)
        args = [tool("ebpfmon"), "-m", "exec", "-d", "1", "-q", "-o", os.path.join(cwd, "out")]
        r = run(args + (["-v"] if verbose else []), cwd=cwd, timeout=120)
        what = "shipped config%s" % (" -v" if verbose else "")
        check(r.returncode == 0, "%s: exit 0 (%d): %s" % (what, r.returncode, r.stderr[-300:]))
        log_path = os.path.join(cwd, "logs", "monitor.log")
        log = open(log_path).read().splitlines() if os.path.exists(log_path) else []
        levels = [m.group(1) for m in (re.match(LOG_LINE, line) for line in log) if m]
        warnings = [line for line in log if "warning:" in line]
        if not verbose:
            check(levels and set(levels) <= {"INFO", "WARNING", "ERROR"} and "INFO" in levels,
                  "%s: the log is at INFO: %s" % (what, sorted(set(levels))))
            check(warnings == [], "%s: no compiler warnings in the log (%d lines): %s"
                  % (what, len(warnings), warnings[:2]))
            check(len(levels) == len(log), "%s: every log line is a log record, none is the "
                  "compiler's: %s" % (what, [line for line in log if not re.match(LOG_LINE, line)][:3]))
            check(any("monitor_config.yaml" in line for line in log), "%s: the log names the config" % what)
        else:
            check("DEBUG" in levels, "%s: -v logs at DEBUG too" % what)
            print("%s: %d compiler warning lines in the log" % (what, len(warnings)))


def test_doctor():
    r = run([tool("ebpfmon"), "--doctor"])
    check(r.returncode == 0, "doctor: exit 0 when a monitor can run (%d)" % r.returncode)
    text = r.stdout
    for line in ("kernel:", "BTF:", "struct layouts:", "tracepoint:", "raw tracepoint:",
                 "ring buffer:", "kprobe:", "fentry:", "hook names:"):
        check(line in text, "doctor: reports %s" % line)
    check(re.search(r"^  exec: +yes .*raw tracepoint sched_process_exec", text, re.M) is not None,
          "doctor: exec's hooks")
    check(re.search(r"^  syscall: +yes .*sys_enter", text, re.M) is not None, "doctor: syscall's hooks")
    if not KPROBES:
        check(re.search(r"^  func: +no +cannot trace kernel functions: kprobes: ", text, re.M)
              is not None, "doctor: func unavailable with the reason")
        check(re.search(r"^  kprobe: +no .*CONFIG_KPROBES", text, re.M) is not None,
              "doctor: kprobe probe says why")


def test_daemon(tmp):
    """--daemon starts in the background, refuses a second instance, answers
    --daemon-status, and --daemon-stop returns once everything is flushed."""
    env = dict(os.environ, EBPFMON_RUN_DIR=os.path.join(tmp, "run"))
    cwd = os.path.join(tmp, "daemon")
    os.makedirs(cwd)

    def ebpfmon(*args):
        return run([tool("ebpfmon")] + list(args), env=env, cwd=cwd)

    r = ebpfmon("--daemon-status")
    check(r.returncode == 3 and "no daemon is running" in r.stderr,
          "daemon: status exits 3 when none runs (%d)" % r.returncode)
    # Found as ./monitor_config.yaml, the first place looked in.
    config = os.path.join(cwd, "monitor_config.yaml")
    with open(config, "w") as f:
        f.write("monitors:\n  func: {enabled: false}\n"
                "  syscall: {syscalls: [openat], show_errors_only: true}\n")
    os.chmod(config, 0o600)
    r = ebpfmon("--daemon")
    m = re.search(r"daemon started \(pid (\d+)\)", r.stderr)
    check(r.returncode == 0 and m is not None, "daemon: starts (%d): %s" % (r.returncode, r.stderr))
    if not m:
        return
    pid = int(m.group(1))
    check(os.path.exists("/proc/%d" % pid), "daemon: runs in the background")
    with open(os.path.join(tmp, "run", "ebpfmon.pid")) as f:
        check(f.read().strip() == str(pid), "daemon: pid file holds its pid")
    sock = os.stat(os.path.join(tmp, "run", "ebpfmon.sock"))
    check(oct(sock.st_mode & 0o777) == "0o600", "daemon: control socket is 0600")
    r = ebpfmon("--daemon", "-m", "exec")
    check(r.returncode == 1 and "already running (pid %d" % pid in r.stderr,
          "daemon: a second instance refuses: %s" % r.stderr)
    with open(os.path.join(cwd, "logs", "monitor.log")) as f:
        log_text = f.read()
    check(re.search(r"\] ERROR refused to start: a daemon is already running \(pid %d," % pid, log_text)
          and log_text.count("ebpfmon started") == 1,
          "daemon: the shared log says the second one was refused, not that it started: %s" % log_text[-400:])
    check(re.search(r"INFO Tracing .*\.\.\. ebpfmon --daemon-stop ends it\.$", log_text, re.M),
          "daemon: its Tracing line says how to stop it: %s" % log_text[-400:])

    for i in range(7):
        try:
            os.open("/nonexistent/ebpfmon-daemon-%d" % i, os.O_RDONLY)
        except FileNotFoundError:
            pass
    subprocess.run([TRUE, "ebpfmon-daemon-exec"], check=True)
    r = ebpfmon("--daemon-status", "--json")
    status = json.loads(r.stdout) if r.returncode == 0 else {}
    # The config disables func; every other monitor on by default runs.
    running = [name for name in default_monitors() if name != "func"]
    check(status.get("pid") == pid and [m["name"] for m in status.get("monitors", [])] == running,
          "daemon: status --json lists the monitors %s: %s" % (running, r.stdout[:200]))
    check(status.get("config", "").endswith("monitor_config.yaml"), "daemon: says which config")
    check(all(m["hooks"] and "total" in m["lost"] for m in status.get("monitors", [])),
          "daemon: status has hooks and losses per monitor")
    r = ebpfmon("--daemon-status")
    check(r.returncode == 0 and "exec:" in r.stdout and "hooks: raw tracepoint sys_enter" in r.stdout,
          "daemon: human status: %s" % r.stdout[:300])
    # A user who may not ask is told so (exit 1), not that none runs.
    def as_nobody():
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    # A copy nobody can run: the build may sit under a private directory.
    public = tempfile.mkdtemp(prefix="ebpfmon-public-")
    os.chmod(public, 0o755)
    shutil.copy(tool("ebpfmon"), public)
    r = subprocess.run([os.path.join(public, "ebpfmon"), "--daemon-status"], env=env, cwd="/",
                       preexec_fn=as_nobody, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    shutil.rmtree(public)
    check(r.returncode == 1 and "not allowed to ask the daemon" in r.stderr,
          "daemon: status as nobody says it may not ask, exit 1 (%d: %s)" % (r.returncode, r.stderr.strip()))
    r = ebpfmon("--daemon-stop")
    check(r.returncode == 0 and "daemon stopped" in r.stderr, "daemon: stops: %s" % r.stderr)
    check(not os.path.exists(os.path.join(tmp, "run", "ebpfmon.pid")),
          "daemon: a clean stop removes the pid file (no stale pid for logrotate to signal)")
    check(not os.path.exists("/proc/%d" % pid) or open("/proc/%d/stat" % pid).read().split()[2] == "Z",
          "daemon: the process is gone")
    files = output_files(os.path.join(cwd, "output"), "syscall", "csv")
    rows = read_csv(files[0]) if files else []
    mine = [r for r in rows[1:] if r[8] == "openat" and r[3] == str(os.getpid())]
    check(len(mine) == 7, "daemon: every failed openat flushed to the file at stop (%d)" % len(mine))
    execs = read_csv(output_files(os.path.join(cwd, "output"), "exec", "csv")[0])
    check(any(r[7] == TRUE + " ebpfmon-daemon-exec" for r in execs[1:]), "daemon: the exec row")
    log = open(os.path.join(cwd, "logs", "monitor.log")).read()
    check(re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[%d\] INFO syscall: \d+ events written, "
                    r"\d+ lost(, \d+ rate-limited)?$" % pid, log, re.M) is not None,
          "daemon: its summary is in the log file, with a timestamp and the pid: %s" % log[-300:])
    r = ebpfmon("--daemon-stop")
    check(r.returncode == 3, "daemon: stop exits 3 when none runs")


def test_daemon_summary(tmp):
    """A daemon running syscall --summary answers --daemon-status with its
    latest report's rows: the objects its summary file holds for that
    report."""
    calls = 321

    def getppid_calls():
        for _ in range(calls):
            os.getppid()

    env = dict(os.environ, EBPFMON_RUN_DIR=os.path.join(tmp, "run-summary"))
    cwd = os.path.join(tmp, "daemon-summary")
    os.makedirs(cwd)

    def ebpfmon(*args):
        return run([tool("ebpfmon")] + list(args), env=env, cwd=cwd)

    r = ebpfmon("--daemon", "-m", "syscall", "--summary", "1", "-p", "ebpfmon-dsum",
                "--format", "jsonl")
    check(r.returncode == 0, "daemon summary: starts (%d): %s" % (r.returncode, r.stderr))
    if r.returncode != 0:
        return
    HeldChild([getppid_calls], "ebpfmon-dsum").go()
    # Reports come every second; wait for the first that saw the calls.
    seen = []
    for _ in range(60):
        r = ebpfmon("--daemon-status", "--json")
        monitors = json.loads(r.stdout)["monitors"] if r.returncode == 0 else []
        seen = monitors[0].get("summary", []) if monitors else []
        if any(row.get("syscall") == "getppid" for row in seen):
            break
        time.sleep(0.5)
    text = ebpfmon("--daemon-status").stdout
    check(ebpfmon("--daemon-stop").returncode == 0, "daemon summary: stops")
    getppid = [row for row in seen if row.get("syscall") == "getppid"]
    check(len(getppid) == 1 and getppid[0]["kind"] == "interval" and getppid[0]["table"] == "summary"
          and 0 < getppid[0]["count"] <= calls and getppid[0]["category"] == "process",
          "daemon summary: the status's latest report has the getppid row: %s" % getppid)
    check(re.search(r"^    summary: \d+ rows in its latest report \(--json shows them\)$", text, re.M)
          is not None, "daemon summary: the text status says so: %s" % text[-300:])
    files = [f for f in os.listdir(os.path.join(cwd, "output")) if f.startswith("summary_syscall_")]
    rows = []
    for f in files:
        with open(os.path.join(cwd, "output", f)) as lines:
            rows += [json.loads(line) for line in lines]
    same = [row for row in rows if seen and row["time"] == seen[0]["time"]]
    check(len(files) == 1 and same == seen,
          "daemon summary: the status's rows are the summary file's for that report")
    whole = [row for row in rows if row["kind"] == "whole_run" and row.get("syscall") == "getppid"]
    check(len(whole) == 1 and whole[0]["count"] == calls,
          "daemon summary: at stop, the whole run counts the %d getppid calls: %s" % (calls, whole))


def test_systemd_notify(tmp):
    """Under systemd (NOTIFY_SOCKET set, Type=notify) ebpfmon stays in the
    foreground, says READY=1 once tracing, serves status, stops on SIGTERM.
    Its stderr is the journal: once the log file is open each line goes to
    the file alone."""
    import socket
    notify_path = os.path.join(tmp, "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(notify_path)
    listener.settimeout(120)
    env = {"NOTIFY_SOCKET": notify_path, "EBPFMON_RUN_DIR": os.path.join(tmp, "run-systemd")}
    out = os.path.join(tmp, "systemd-out")
    log_path = os.path.join(tmp, "systemd.log")
    config = os.path.join(tmp, "systemd.yaml")
    with open(config, "w") as f:
        f.write("logging: {file: %s, level: INFO}\n" % log_path)
    os.chmod(config, 0o600)
    t = Tracer([tool("ebpfmon"), "-c", config, "-m", "exec", "-o", out], env=env, awaited=False)
    try:
        message = listener.recv(64)
    except socket.timeout:
        message = b""
    check(message == b"READY=1", "systemd: READY=1 on the notify socket (%r)" % message)
    check(t.proc.poll() is None, "systemd: stays in the foreground")
    r = run([tool("ebpfmon"), "--daemon-status"], env=dict(os.environ, **env))
    check(r.returncode == 0 and "exec:" in r.stdout, "systemd: status answers: %s" % r.stderr)
    check(t.stop(signal.SIGTERM) == 0, "systemd: SIGTERM stops it with exit 0")
    log = re.sub(r"^\S+ \S+ \[\d+\] [A-Z]+ ", "", open(log_path).read(), flags=re.M)
    check(summary_counts(log, "exec") is not None and len(re.findall(r"^Tracing ", log, re.M)) == 1,
          "systemd: the Tracing line and the summary are in the log: %s" % log[-300:])
    check(t.stderr_text().strip() == "", "systemd: nothing on stderr (the journal) as well: %r"
          % t.stderr_text()[-300:])
    listener.close()


def test_sighup_reopens(tmp):
    """logrotate moves the event file and the log, then sends SIGHUP: both
    go on at their old paths, the event file with a new header."""
    cwd = os.path.join(tmp, "hup")
    os.makedirs(cwd)
    config = os.path.join(cwd, "c.yaml")
    with open(config, "w") as f:
        f.write("logging: {file: %s/ebpfmon.log, level: INFO}\n"
                "monitors: {syscall: {syscalls: [openat], show_errors_only: true}}\n" % cwd)
    os.chmod(config, 0o600)

    def fail_opens(tag, n):
        for i in range(n):
            try:
                os.open("/nonexistent/%s-%d" % (tag, i), os.O_RDONLY)
            except FileNotFoundError:
                pass

    # As a systemd service (Type=notify): SIGHUP reopens instead of stopping.
    notify_path = os.path.join(cwd, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(120)
    t = Tracer([tool("ebpfmon"), "-c", config, "-m", "syscall", "--pid", str(os.getpid()),
                "-o", os.path.join(cwd, "out")],
               env={"NOTIFY_SOCKET": notify_path, "EBPFMON_RUN_DIR": os.path.join(cwd, "run")},
               awaited=False)
    check(b"READY=1" in notify.recv(4096), "hup: the service told systemd it is ready")
    notify.close()
    fail_opens("before", 3)
    time.sleep(2.5)  # one flush interval
    path = output_files(os.path.join(cwd, "out"), "syscall", "csv")[0]
    os.rename(path, path + ".1")
    os.rename(os.path.join(cwd, "ebpfmon.log"), os.path.join(cwd, "ebpfmon.log.1"))
    t.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    fail_opens("after", 4)
    check(t.stop() == 0, "hup: SIGHUP does not stop the run; exit 0")
    old = read_csv(path + ".1")
    new = read_csv(path) if os.path.exists(path) else []
    check(len(old) == 4 and old[0][0] == "timestamp", "hup: the moved file keeps its 3 rows (%d)"
          % (len(old) - 1))
    check(len(new) == 5 and new[0][0] == "timestamp",
          "hup: a new file at the same path, with a header and the 4 later rows (%d)" % (len(new) - 1))
    log = open(os.path.join(cwd, "ebpfmon.log")).read()
    check("SIGHUP: reopened" in log and "syscall: 7 events written, 0 lost" in log,
          "hup: the log goes on in a new file: %s" % log[-300:])


def test_metrics(tmp):
    """/metrics over HTTP, enabled from the config; counts match a workload
    that makes exactly 1234 getppid, 7 failed execs and 1 good one."""
    out = os.path.join(tmp, "metrics")
    config = os.path.join(tmp, "metrics.yaml")
    with open(config, "w") as f:
        f.write('metrics:\n  enabled: true\n  listen: "127.0.0.1:0"\n')

    def getppid_calls():
        for _ in range(1234):
            os.getppid()

    def failed_execs():
        for i in range(7):
            try:
                os.execv("/nonexistent/ebpfmon-metrics-%d" % i, ["x"])
            except FileNotFoundError:
                pass

    w = HeldChild([getppid_calls, failed_execs, exec_true], "ebpfmon-met")
    t = Tracer([tool("ebpfmon"), "-c", config, "-m", "exec,syscall", "--pid", str(w.pid), "-o", out])
    m = re.search(r"^metrics: http://(127\.0\.0\.1:\d+)/metrics$", t.stderr_text(), re.M)
    check(m is not None, "metrics: the address is printed: %s" % t.stderr_text())
    if m is None:
        t.stop()
        return
    address = m.group(1)
    status, ctype, _ = scrape(address)
    check(status == 200 and ctype.startswith("text/plain; version=0.0.4"), "metrics: 200, Prometheus text")
    w.go()
    want = {("ebpfmon_exec_total", frozenset({("result", "success")})): 1,
            ("ebpfmon_exec_total", frozenset({("result", "failure")})): 7}
    deadline = time.monotonic() + 15
    while True:  # exec counts come from decoded events: poll until the loop has read them
        samples = parse_metrics(scrape(address)[2])
        if all(samples.get(k) == v for k, v in want.items()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for k, v in want.items():
        check(samples.get(k) == v, "metrics: %s == %d (%s)" % (k, v, samples.get(k)))
    getppid = ("ebpfmon_syscall_calls_total", frozenset({("syscall", "getppid"), ("category", "process")}))
    check(samples.get(getppid) == 1234, "metrics: exactly 1234 getppid calls (%s)" % samples.get(getppid))
    execve_errors = samples.get(("ebpfmon_syscall_errors_total",
                                 frozenset({("syscall", "execve"), ("category", "process")})))
    check(execve_errors == 7, "metrics: 7 failed execve (%s)" % execve_errors)
    buckets = sorted((float(dict(k[1])["le"]), v) for k, v in samples.items()
                     if k[0] == "ebpfmon_syscall_latency_seconds_bucket"
                     and dict(k[1])["category"] == "process")
    count = samples.get(("ebpfmon_syscall_latency_seconds_count", frozenset({("category", "process")})))
    check(count is not None and count >= 1241 and buckets and buckets[-1] == (float("inf"), count)
          and all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])),
          "metrics: process latency histogram is cumulative and ends at its count (%s)" % count)
    bounds = [le for le, _ in buckets[:-1]]
    check(bounds == [2 ** k * 1e-6 for k in range(28)],
          "metrics: latency buckets double from 1 µs to 134 s, then +Inf: %s" % bounds[:3])
    for stage in ("kernel_buffer", "kernel_map", "user_space", "write_errors"):
        check(("ebpfmon_events_lost_total", frozenset({("monitor", "exec"), ("stage", stage)})) in samples,
              "metrics: exec losses by stage: %s" % stage)
    check(("ebpfmon_events_lost_total", frozenset({("monitor", "exec"), ("stage", "rate_limit")}))
          not in samples and ("ebpfmon_events_rate_limited_total", frozenset({("monitor", "exec")}))
          in samples, "metrics: what a rate limit did not write is counted apart, not as lost")
    check(scrape(address, "/nope")[0] == 404, "metrics: other paths are 404")
    status, _, body = scrape(address, method="HEAD")
    check(status == 200 and body == "", "metrics: HEAD answers without a body")
    check(scrape(address, method="POST")[0] == 405, "metrics: POST is refused")
    check(t.stop() == 0, "metrics: exit 0")
    written = summary_counts(t.stderr_text(), "exec")
    check(written == (8, 0), "metrics: the exec file has the 8 execs the metrics counted: %s" % (written,))

    # A port already taken fails fast (exit 1, before compiling) and says so.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run([tool("ebpfmon"), "-m", "exec", "--metrics", "127.0.0.1:%d" % port, "-o", out])
        check(r.returncode == 1 and "metrics: cannot listen on 127.0.0.1:%d: Address already in use" % port
              in r.stderr and "Tracing" not in r.stderr, "metrics: busy port: %s" % r.stderr)


def still_connected(sock):
    """True until the server closes sock (an EOF or a reset waits in it)."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


class SlowClients:
    """n connections that never finish a request: half send a byte of header
    a second (slowloris), the other half nothing."""

    def __init__(self, address, n):
        host, port = address.rsplit(":", 1)
        self.first = time.monotonic()  # the server's 10 s start no earlier than this
        self.socks = [socket.create_connection((host, int(port)), timeout=10) for _ in range(n)]
        for s in self.socks:
            s.settimeout(None)  # blocking, so that MSG_DONTWAIT really does not wait
        self.slow = self.socks[0::2]
        for s in self.slow:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: ebpfmon\r\nX-Slow: ")
        self.rounds = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.feed)
        self.thread.start()

    def feed(self):
        while not self.done.wait(1):
            for s in self.slow:
                try:
                    s.send(b"a")
                except OSError:  # the server dropped it
                    pass
            self.rounds += 1

    def connected(self):
        return sum(still_connected(s) for s in self.socks)

    def close(self):
        self.done.set()
        self.thread.join()
        for s in self.socks:
            s.close()


def send_huge_header(address, result):
    """A GET whose header is 4 MiB; result gets what came back and whether the
    server then closed the connection."""
    host, port = address.rsplit(":", 1)
    request = b"GET /metrics HTTP/1.1\r\nHost: ebpfmon\r\nX-Big: " + b"a" * (4 << 20) + b"\r\n\r\n"
    answer = b""
    with socket.create_connection((host, int(port)), timeout=10) as s:
        try:
            s.sendall(request)
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    result["closed"] = True
                    break
                answer += chunk
        except OSError as e:
            result["error"] = repr(e)
    result["answer"] = answer


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M).group(1))


def try_scrape(address, path="/metrics", headers=None):
    """The status, or the error instead of one."""
    try:
        conn = http.client.HTTPConnection(address, timeout=10)
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        r.read()
        return r.status
    except (OSError, http.client.HTTPException) as e:
        return repr(e)


def test_metrics_abuse(tmp):
    """/metrics under abuse: 300 clients that never finish a request (the cap
    is 32 connections) and one that sends a 4 MiB header. Scrapes are served
    while the slow clients are still connected, before their 10 s timeout
    could have freed a slot; the huge header gets a 431 and a close without
    being buffered; the timeout still drops the slow clients."""
    out = os.path.join(tmp, "abuse")
    # Quiet and only this process's execs (none): nothing fills the pipes
    # that Tracer reads only at the end, which would stall the monitors'
    # thread and with it every scrape.
    t = Tracer([tool("ebpfmon"), "-m", "exec", "-q", "--pid", str(os.getpid()), "--metrics", "127.0.0.1:0",
                "-o", out])
    m = re.search(r"^metrics: http://(127\.0\.0\.1:\d+)/metrics$", t.stderr_text(), re.M)
    check(m is not None, "abuse: the address is printed: %s" % t.stderr_text())
    if m is None:
        t.stop()
        return
    address = m.group(1)
    slow = SlowClients(address, 300)
    deadline = time.monotonic() + 5
    while (slow.connected() > 32 or slow.rounds < 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    held = slow.connected()
    check(held == 32, "abuse: all 32 connections the server allows are slow clients (%d)" % held)
    peak = peak_rss_kib(t.proc.pid)

    huge = {}
    sender = threading.Thread(target=send_huge_header, args=(address, huge))
    sender.start()
    statuses = [try_scrape(address, path) for path in ("/metrics", "/", "/metrics")]
    statuses.append(try_scrape(address, headers={"X-Pad": "a" * 4096}))
    sender.join(30)
    elapsed = time.monotonic() - slow.first
    still = slow.connected()
    check(statuses == [200] * 4,
          "abuse: scrapes are served while 300 slow clients are connected and another sends a 4 MiB "
          "header: %s" % statuses)
    check(elapsed < 10 and still > 0,
          "abuse: ... while the slow clients still hold the other slots (%d connected, %.1f s after the "
          "first, before any 10 s timeout)" % (still, elapsed))
    answer = huge.get("answer", b"")
    check(answer.startswith(b"HTTP/1.1 431 ") and b"Connection: close\r\n" in answer,
          "abuse: a 4 MiB header gets 431: %r %s" % (answer[:80], huge.get("error", "")))
    check(huge.get("closed") is True, "abuse: ... and the server closes that connection: %s" % huge)
    grown = peak_rss_kib(t.proc.pid) - peak
    check(grown < 4096, "abuse: the 4 MiB header is not buffered (peak RSS grew by %d KiB)" % grown)

    deadline = slow.first + 30
    while slow.connected() and time.monotonic() < deadline:
        time.sleep(0.2)
    left = slow.connected()
    slow.close()
    check(left == 0,
          "abuse: the 10 s timeout drops the slow clients, even those still sending (%d left)" % left)
    status = try_scrape(address)
    check(status == 200, "abuse: scrapes go on after: %s" % status)
    check(t.stop() == 0, "abuse: exit 0")


def test_list():
    """--list names every monitor -m knows, each with its default and what it
    traces."""
    r = run([tool("ebpfmon"), "--list"])
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    check(r.returncode == 0 and r.stderr == "" and rows and
          all(len(f) == 3 and f[1] in ("on", "off") and f[2] for f in rows),
          "list: NAME<TAB>on|off<TAB>WHAT lines, exit 0: %r %r" % (r.stdout, r.stderr))
    names = [f[0] for f in rows]
    check(names == sorted(names), "list: sorted by name: %s" % names)
    r = run([tool("ebpfmon"), "-m", "nosuch"])
    check(r.stderr.rstrip().endswith("known: " + ", ".join(names)),
          "list: the same monitors as -m's error: %s" % r.stderr)
    check(["exec", "on", "process executions"] in rows, "list: exec is on: %s" % rows)


def test_usage():
    for args, message in [
        (["-m", "exce"], "unknown monitor 'exce' (did you mean 'exec'?)"),
        (["-m", "exec,,syscall"], "--monitors: empty monitor name"),
        (["--daemonize"], "unrecognised option"),
        (["--daemon", "--doctor"], "exclude each other"),
        (["--json"], "--json needs --daemon-status"),
        (["--metrics", "example.com:80"], "--metrics: metrics address 'example.com:80': 'example.com' is not an IP address"),
        (["--metrics", "127.0.0.1:70000"], "the port must be a number from 0 to 65535"),
        (["--metrics"], "--metrics"),
    ]:
        r = run([tool("ebpfmon")] + args)
        check(r.returncode == 2 and message in r.stderr,
              "usage %s: exit 2 and %r: %s" % (args, message, r.stderr))


def main():
    require_root()
    test_usage()
    test_list()
    test_doctor()
    with tempfile.TemporaryDirectory() as tmp:
        test_two_monitors(tmp)
        test_syscall_summary(tmp)
        test_config_and_unavailable(tmp)
        test_shipped_config(tmp)
        test_daemon(tmp)
        test_daemon_summary(tmp)
        test_systemd_notify(tmp)
        test_sighup_reopens(tmp)
        test_metrics(tmp)
        test_metrics_abuse(tmp)
    finish()


if __name__ == "__main__":
    main()
