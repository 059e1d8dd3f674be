#!/usr/bin/env python3
"""execmon end to end: the real binary, as root, against execs whose truth
this test knows (pid, ppid, uid, comm, ret, argv), read back from CSV and
JSON lines."""
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Tracer, check, finish, output_files, read_csv, read_jsonl, require_root, run,
                     summary_counts, tool)

EXEC_COLUMNS = ["timestamp", "time_str", "comm", "uid", "pid", "ppid", "ret", "argv", "filename",
                "argc", "truncated", "pcomm", "cwd", "exe", "path_truncated", "auid", "sessionid",
                "tty", "cgroup_id", "cgroup", "container_id", "pod_uid", "mntns", "pidns", "vpid",
                "ancestors", "exec_id", "parent_exec_id", "interpreter"]
TRUE = shutil.which("true") or "/bin/true"
NOBODY = 65534
MY_COMM = open("/proc/self/comm").read().strip()


def spawn(argv, path=None, via_fd=False, uid=None, comm=None, wait_fd=None):
    """Forks a child that execs argv; returns its pid once it has exited."""
    pid = os.fork()
    if pid == 0:
        try:
            if wait_fd is not None:
                os.read(wait_fd, 1)
            if comm:
                with open("/proc/self/comm", "w") as f:
                    f.write(comm)
            if uid is not None:
                os.setgid(uid)
                os.setuid(uid)
            if via_fd:
                fd = os.open(path, os.O_RDONLY)
                os.execve(fd, argv, {})  # fexecve: execveat(fd, "", ..., AT_EMPTY_PATH)
            os.execv(path or argv[0], argv)
        except OSError:
            os._exit(127)
    return pid


def reap(pid):
    os.waitpid(pid, 0)
    return pid


def as_text(arg):
    return os.fsdecode(arg) if isinstance(arg, bytes) else arg


def as_json_text(arg):
    return arg.decode("utf-8", errors="replace") if isinstance(arg, bytes) else arg


CASES = [
    ("plain", [TRUE, "plain"], {}),
    ("quoting", [TRUE, "with space", 'quote"inside', "single'q", "comma,here", "semi;colon",
                 "new\nline", "cr\rhere", "tab\there", "", "ünïcødé ✓ 日本"], {}),
    ("non-utf8", [TRUE, b"raw\xff\xfebytes"], {}),
    ("many args", [TRUE] + ["arg%d" % i for i in range(40)], {}),
    ("long arg", [TRUE, "x" * 3000, "after"], {}),
    ("missing binary", ["/nonexistent/ebpfmon-no-such-binary", "a", "b c"], {"ret": -2}),
    ("execveat", ["fexecve-true", "via", "fd"], {"via_fd": True, "path": TRUE}),
]


def run_workload():
    """Execs every case once; returns {name: (pid, argv, options)}."""
    done = {}
    for name, argv, opts in CASES:
        kw = {k: v for k, v in opts.items() if k in ("via_fd", "path")}
        pid = reap(spawn(argv, **kw))
        done[name] = (pid, argv, opts)
    return done


def test_workload_csv_and_jsonl(tmp):
    csv_dir, json_dir = os.path.join(tmp, "csv"), os.path.join(tmp, "jsonl")
    csv_run = Tracer([tool("execmon"), "-q", "-o", csv_dir])
    json_run = Tracer([tool("execmon"), "-q", "-o", json_dir, "--format", "jsonl"])
    check("Tracing process executions (exec)... Ctrl-C to end." in csv_run.stderr_text(),
          "the Tracing line is printed")
    done = run_workload()
    rc_csv, rc_json = csv_run.stop(), json_run.stop()
    check(rc_csv == 0 and rc_json == 0, "execmon exits 0 on SIGINT (got %s, %s)" % (rc_csv, rc_json))

    files = output_files(csv_dir, "exec", "csv")
    check(len(files) == 1, "one CSV file exec_YYYYmmdd_HHMMSS.csv (got %s)" % files)
    rows = read_csv(files[0])
    check(rows[0] == EXEC_COLUMNS, "CSV header is %s (got %s)" % (EXEC_COLUMNS, rows[0]))
    records = [dict(zip(rows[0], r)) for r in rows[1:]]
    check(all(len(r) == len(EXEC_COLUMNS) for r in rows), "every CSV row has every column")
    counts = summary_counts(csv_run.stderr_text(), "exec")
    check(counts is not None and counts[0] == len(records) and counts[1] == 0,
          "summary 'exec: N events written, 0 lost' matches the file (%s vs %d rows)" % (counts, len(records)))
    check("lost by stage: kernel buffer 0, kernel map 0, user space 0, write errors 0, export 0; "
          "rate-limited (not lost) 0"
          in csv_run.stderr_text(), "the summary breaks losses down by stage")

    jfiles = output_files(json_dir, "exec", "jsonl")
    check(len(jfiles) == 1, "one JSON lines file (got %s)" % jfiles)
    jrecords = read_jsonl(jfiles[0])

    me = os.getpid()
    for name, (pid, argv, opts) in done.items():
        ret = opts.get("ret", 0)
        mine = [r for r in records if r["pid"] == str(pid)]
        check(len(mine) == 1, "%s: exactly one CSV row for pid %d (got %d)" % (name, pid, len(mine)))
        if not mine:
            continue
        r = mine[0]
        comm = "true" if ret == 0 else MY_COMM
        text_args = [as_text(a) for a in argv]
        check(r["ppid"] == str(me), "%s: ppid %s == %d" % (name, r["ppid"], me))
        check(r["uid"] == "0", "%s: uid 0 (got %s)" % (name, r["uid"]))
        check(r["comm"] == comm, "%s: comm %r (got %r)" % (name, comm, r["comm"]))
        check(r["ret"] == str(ret), "%s: ret %d (got %s)" % (name, ret, r["ret"]))
        check(r["argv"] == " ".join(text_args), "%s: argv %r (got %r)" % (name, " ".join(text_args)[:80], r["argv"][:80]))
        check(r["argc"] == str(len(argv)), "%s: argc %d (got %s)" % (name, len(argv), r["argc"]))
        check(r["truncated"] == "false", "%s: truncated false (got %s)" % (name, r["truncated"]))
        ts = float(r["timestamp"])
        check(len(r["timestamp"].split(".")[1]) == 6 and ts > 1.6e9, "%s: timestamp with 6 decimals" % name)
        check(r["time_str"].startswith("[") and r["time_str"].endswith("]") and len(r["time_str"]) == 25,
              "%s: time_str like [YYYY-mm-dd HH:MM:SS.mmm] (got %s)" % (name, r["time_str"]))
        if opts.get("via_fd"):
            check(r["filename"].startswith("/dev/fd/"), "%s: filename /dev/fd/N (got %s)" % (name, r["filename"]))
        else:
            check(r["filename"] == as_text(argv[0]), "%s: filename %s (got %s)" % (name, argv[0], r["filename"]))

        jmine = [j for j in jrecords if j["pid"] == pid]
        check(len(jmine) == 1, "%s: exactly one JSON record for pid %d" % (name, pid))
        if jmine:
            j = jmine[0]
            check(j["argv"] == [as_json_text(a) for a in argv], "%s: JSON argv is the exact list" % name)
            check(j["ret"] == ret and j["ppid"] == me and j["uid"] == 0 and j["comm"] == comm,
                  "%s: JSON ret/ppid/uid/comm have native types and right values" % name)
            check(j["argc"] == len(argv) and j["truncated"] is False, "%s: JSON argc/truncated" % name)
            check(isinstance(j["timestamp"], float), "%s: JSON timestamp is a number" % name)


def test_limits(tmp):
    out = os.path.join(tmp, "limits")
    t = Tracer([tool("execmon"), "-q", "-o", out, "--max-args", "5", "--max-arg-bytes", "256"])
    many = reap(spawn([TRUE] + ["a%d" % i for i in range(40)]))
    long_one = reap(spawn([TRUE, "y" * 3000]))
    failed_many = reap(spawn(["/nonexistent/ebpfmon-x"] + ["f%d" % i for i in range(40)]))
    # Past the pointers read one by one, a failed exec's argv is counted 16
    # pointers at a time: counts on either side of those blocks, and one
    # past the count's reach (argc then a lower bound, marked truncated).
    failed_counts = {reap(spawn(["/nonexistent/ebpfmon-x"] + ["c"] * n)): n + 1
                     for n in (14, 15, 16, 17, 30, 31, 32, 33, 47, 48, 100, 1000, 1023)}
    failed_huge = reap(spawn(["/nonexistent/ebpfmon-x"] + ["h"] * 1500))
    check(t.stop() == 0, "limits run exits 0")
    records = [dict(zip(EXEC_COLUMNS, r)) for r in read_csv(output_files(out, "exec", "csv")[0])[1:]]
    by_pid = {r["pid"]: r for r in records}
    r = by_pid.get(str(many))
    check(r is not None and r["argv"].split(" ") == [TRUE] + ["a%d" % i for i in range(4)]
          and r["argc"] == "41" and r["truncated"] == "true",
          "--max-args 5 keeps 5 arguments, argc 41, truncated true (got %s)" % ((r and (r["argv"], r["argc"], r["truncated"])),))
    r = by_pid.get(str(long_one))
    check(r is not None and r["argc"] == "2" and r["truncated"] == "true" and len(r["argv"]) <= 256,
          "--max-arg-bytes 256 cuts a 3000-byte argument and says so (got %s)" % ((r and (len(r["argv"]), r["argc"], r["truncated"])),))
    r = by_pid.get(str(failed_many))
    check(r is not None and r["ret"] == "-2" and r["argc"] == "41" and r["truncated"] == "true"
          and len(r["argv"].split(" ")) == 5,
          "a failed exec is cut to the same limits with its real argc (got %s)" % ((r and (r["argv"], r["argc"])),))
    for pid, argc in failed_counts.items():
        r = by_pid.get(str(pid))
        check(r is not None and r["ret"] == "-2" and r["argc"] == str(argc) and r["truncated"] == "true",
              "a failed exec of %d arguments has argc %d (got %s)" % (argc, argc, r and r["argc"]))
    r = by_pid.get(str(failed_huge))
    check(r is not None and 1024 <= int(r["argc"]) < 1501 and r["truncated"] == "true",
          "a failed exec of 1501 arguments counts at least 1024 of them, marked truncated (got %s)"
          % ((r and (r["argc"], r["truncated"])),))


def test_filters(tmp):
    marker_dir = os.path.join(tmp, "bin")
    os.makedirs(marker_dir)
    marker = os.path.join(marker_dir, "emon_marker")
    shutil.copy(TRUE, marker)

    # -p: a comm matches before or after the exec.
    out = os.path.join(tmp, "comm")
    t = Tracer([tool("execmon"), "-q", "-o", out, "-p", "emon_marker,emon_before"])
    after = reap(spawn([marker, "after"]))
    before = reap(spawn([TRUE, "before"], comm="emon_before"))
    other = reap(spawn([TRUE, "other"]))
    check(t.stop() == 0, "comm run exits 0")
    records = [dict(zip(EXEC_COLUMNS, r)) for r in read_csv(output_files(out, "exec", "csv")[0])[1:]]
    pids = {r["pid"] for r in records}
    check(str(after) in pids, "-p keeps an exec into a matching name")
    check(str(before) in pids, "-p keeps an exec by a process whose name matched before the exec")
    check(str(other) not in pids, "-p drops other processes")
    check(all(r["comm"] in ("emon_marker", "true") for r in records), "-p rows only come from matching processes")

    # -u: only that user's execs.
    out = os.path.join(tmp, "user")
    t = Tracer([tool("execmon"), "-q", "-o", out, "-u", "nobody"])
    theirs = reap(spawn([TRUE, "as-nobody"], uid=NOBODY))
    mine = reap(spawn([TRUE, "as-root"]))
    check(t.stop() == 0, "user run exits 0")
    records = [dict(zip(EXEC_COLUMNS, r)) for r in read_csv(output_files(out, "exec", "csv")[0])[1:]]
    check(any(r["pid"] == str(theirs) and r["uid"] == str(NOBODY) for r in records), "-u nobody keeps nobody's exec")
    check(all(r["uid"] == str(NOBODY) for r in records), "-u nobody keeps nothing else (uids %s)" % {r["uid"] for r in records})
    check(str(mine) not in {r["pid"] for r in records}, "-u nobody drops root's exec")

    # --pid: the pid is known before the child execs.
    out = os.path.join(tmp, "pid")
    rfd, wfd = os.pipe()
    target = spawn([TRUE, "target"], wait_fd=rfd)
    t = Tracer([tool("execmon"), "-q", "-o", out, "--pid", str(target)])
    os.write(wfd, b"go")
    reap(target)
    other = reap(spawn([TRUE, "not-target"]))
    check(t.stop() == 0, "pid run exits 0")
    records = [dict(zip(EXEC_COLUMNS, r)) for r in read_csv(output_files(out, "exec", "csv")[0])[1:]]
    check([r["pid"] for r in records] == [str(target)], "--pid keeps exactly the target's exec (got %s)" % [r["pid"] for r in records])


def test_perf_buffer_fallback(tmp):
    """Where ring buffers are missing the perf buffer carries the same events."""
    out = os.path.join(tmp, "perf")
    t = Tracer([tool("execmon"), "-q", "-v", "-o", out], env={"EBPFMON_DISABLE_FEATURES": "ringbuf"})
    pids = [reap(spawn([TRUE, "perf", str(i)])) for i in range(20)]
    check(t.stop() == 0, "perf buffer run exits 0")
    check("events through the perf buffer" in t.stderr_text(), "the perf buffer was the one used")
    records = {r[4]: dict(zip(EXEC_COLUMNS, r)) for r in read_csv(output_files(out, "exec", "csv")[0])[1:]}
    for i, pid in enumerate(pids):
        r = records.get(str(pid))
        check(r is not None and r["argv"] == "%s perf %d" % (TRUE, i) and r["ppid"] == str(os.getpid()),
              "perf buffer: exec %d arrives with its argv and ppid" % i)
    counts = summary_counts(t.stderr_text(), "exec")
    check(counts is not None and counts[1] == 0, "perf buffer: nothing lost (%s)" % (counts,))


def test_small_ring_buffer_wraps(tmp):
    """--buffer-kb 64: records of many sizes wrap around the end of the ring
    buffer again and again (about every 40 execs here); each still arrives
    whole, and a size that is no power of two is a usage error."""
    out = os.path.join(tmp, "ring64")
    t = Tracer([tool("execmon"), "-q", "-v", "-o", out, "--buffer-kb", "64"])
    expected = {}
    for i in range(1500):
        arg = ("w%d-" % i) * (1 + (i * 37) % 400)  # 3 to 3600 bytes
        expected[str(reap(spawn([TRUE, "wrap", arg])))] = "%s wrap %s" % (TRUE, arg)
    check(t.stop() == 0, "--buffer-kb 64 run exits 0")
    # The sanitized pass forces the perf buffer (test/meson.build).
    forced_perf = "ringbuf" in os.environ.get("EBPFMON_DISABLE_FEATURES", "").split(",")
    used = "perf buffer" if forced_perf else "ring buffer"
    check("events through the " + used in t.stderr_text(), "the %s was the one used" % used)
    records = {r[4]: r[7] for r in read_csv(output_files(out, "exec", "csv")[0])[1:]}
    wrong = [pid for pid, argv in expected.items() if records.get(pid) != argv]
    check(not wrong, "64 KiB ring: all 1500 execs arrive with their exact argv (%d wrong or missing)"
          % len(wrong))
    counts = summary_counts(t.stderr_text(), "exec")
    check(counts is not None and counts[1] == 0, "64 KiB ring: nothing lost (%s)" % (counts,))
    r = run([tool("execmon"), "--buffer-kb", "100"])
    check(r.returncode == 2 and "--buffer-kb" in r.stderr and "power of two" in r.stderr,
          "--buffer-kb 100 is a usage error naming the flag, exit 2 (%d: %s)" % (r.returncode, r.stderr))


def test_usage_and_privileges(tmp):
    r = run([tool("execmon"), "--duration", "abc"])
    check(r.returncode == 2 and "--duration" in r.stderr and len(r.stderr.strip().splitlines()) <= 2,
          "a malformed --duration is a one-line usage error, exit 2 (%d: %s)" % (r.returncode, r.stderr))
    # A name over 15 bytes matches the kernel's first 15, with a warning (as pgrep does).
    long_name = os.path.join(tmp, "systemd-journald")
    os.symlink(TRUE, long_name)
    out = os.path.join(tmp, "long-comm")
    t = Tracer([tool("execmon"), "-q", "-p", "systemd-journald", "-o", out])
    subprocess.run([long_name, "long-comm"], check=True)
    check(t.stop() == 0, "-p systemd-journald: exit 0")
    check(re.search(r"warning: --comm: 'systemd-journald' is 16 bytes; the kernel keeps a process name's "
                    r"first 15: matching 'systemd-journal'", t.stderr_text()) is not None,
          "-p over 15 bytes: one warning naming what it matches: %s" % t.stderr_text()[-300:])
    rows = read_csv(output_files(out, "exec", "csv")[0])[1:]
    check(any("long-comm" in r[7] for r in rows), "-p over 15 bytes: the exec of systemd-journald is traced")
    r = run([tool("execmon"), "-u", "no_such_user_ebpfmon"])
    check(r.returncode == 2 and "no_such_user_ebpfmon" in r.stderr, "an unknown user is rejected, exit 2")
    r = run([tool("execmon"), "--no-such-flag"])
    check(r.returncode == 2 and "no-such-flag" in r.stderr, "an unknown flag is rejected, exit 2")
    r = run([tool("execmon"), "--help"])
    check(r.returncode == 0 and "--max-args" in r.stdout and "--comm" in r.stdout, "--help lists the options, exit 0")
    setpriv = shutil.which("setpriv")
    if setpriv:
        r = run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                 tool("execmon"), "-q", "-o", os.path.join(tmp, "nonroot")], cwd="/")
        check(r.returncode == 1 and "needs root" in r.stderr and len(r.stderr.strip().splitlines()) == 1,
              "not root: one clear line, exit 1 (%d: %s)" % (r.returncode, r.stderr))
    else:
        print("note: setpriv missing, the not-root case was not run")


def test_execsnoop_flags(tmp):
    """execsnoop's -x (failed only, in the kernel), -n (name regex) and -l
    (argument line regex): only the execs they select are written, and the
    rest are no loss."""
    cases = {
        "x": (["-x"], lambda r: r["ret"] != "0"),
        # The name after a successful exec is the new program's.
        "n": (["-n", "^tru"], lambda r: re.search("^tru", r["comm"])),
        "l": (["-l", "needle [13]"], lambda r: re.search("needle [13]", r["argv"])),
    }
    for flag, (args, selected) in cases.items():
        out = os.path.join(tmp, "snoop-" + flag)
        t = Tracer([tool("execmon"), "-q", "-o", out] + args)
        mine = [reap(spawn([TRUE, "needle", str(i)], comm="snoop-%s%d" % (flag, i)))
                for i in range(4)]
        mine.append(reap(spawn(["/nonexistent/snoop-" + flag], comm="snoop-%s9" % flag)))
        check(t.stop() == 0, "-%s: exit 0" % flag)
        rows = [dict(zip(EXEC_COLUMNS, r)) for r in read_csv(output_files(out, "exec", "csv")[0])[1:]]
        ours = [r for r in rows if int(r["pid"]) in mine]
        check(ours and all(selected(r) for r in rows),
              "-%s: every row written is one it selects (%d rows, %d ours)" % (flag, len(rows), len(ours)))
        want = {"x": {mine[4]}, "n": set(mine[:4]), "l": {mine[1], mine[3]}}[flag]
        check({int(r["pid"]) for r in ours} == want,
              "-%s: exactly the execs it selects: %s" % (flag, sorted(int(r["pid"]) for r in ours)))
        check(summary_counts(t.stderr_text(), "exec") == (len(rows), 0),
              "-%s: the summary counts what was written, nothing lost" % flag)
    r = run([tool("execmon"), "-l", "(unclosed"])
    check(r.returncode == 2 and r.stderr.startswith("execmon: --line: not a valid regular expression"),
          "-l with a bad regex: exit 2 naming --line: %s" % r.stderr.strip())


def console_on_a_terminal(args, argv, columns=80):
    """Runs execmon with its stdout on a pty of `columns` columns, execs
    argv once traced; returns (the table's lines, stderr)."""
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS=str(columns))
    proc = subprocess.Popen([tool("execmon")] + args, stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    err = b""
    while b"Ctrl-C to end." not in err:
        chunk = os.read(proc.stderr.fileno(), 4096)
        if not chunk:
            break
        err += chunk
    reap(spawn(argv))
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    err += proc.stderr.read()
    proc.wait(timeout=60)
    os.close(master)
    return out.decode(errors="replace").replace("\r", "").splitlines(), err.decode(errors="replace")


def test_console_fits_the_terminal(tmp):
    """On a terminal the live table fits its width (long ARGS cut with …,
    the file keeps them) and shows the clock; -T the full time, -t seconds."""
    long_arg = "x" * 200
    out = os.path.join(tmp, "tty")
    lines, _ = console_on_a_terminal(["-o", out, "-p", "true"], [TRUE, "console", long_arg])
    # ARGS has 18 of the 80 columns: "/usr/bin/true con…"
    mine = [l for l in lines if "%s co" % TRUE in l]
    check(lines and lines[0].startswith("TIME         COMM"), "tty: the heading (%r)" % lines[:1])
    check(len(mine) == 1 and len(mine[0]) == 80 and mine[0].endswith("\u2026"),
          "tty: the row is cut at 80 columns with an ellipsis: %r" % mine)
    check(mine and re.match(r"^\d\d:\d\d:\d\d\.\d{3} true ", mine[0]) is not None,
          "tty: the time is HH:MM:SS.mmm: %r" % mine[:1])
    rows = read_csv(output_files(out, "exec", "csv")[0])[1:]
    check(any(r[7] == "%s console %s" % (TRUE, long_arg) for r in rows), "tty: the file keeps the whole argv")
    lines, _ = console_on_a_terminal(["-T", "-o", out + "T", "-p", "true"], [TRUE, "full"])
    check(any(re.match(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] true ", l) for l in lines),
          "-T: the full local time: %r" % lines[-1:])
    lines, _ = console_on_a_terminal(["-t", "-o", out + "t", "-p", "true"], [TRUE, "elapsed"])
    check(lines and lines[0].startswith("TIME(s)") and
          any(re.match(r"^\d+\.\d{3} +true ", l) for l in lines), "-t: seconds since the start: %r" % lines[:2])


def test_output_dir_named(tmp):
    """An output directory that cannot be made is named by its absolute
    path, with the -o hint."""
    cwd = os.path.join(tmp, "blocked")
    os.makedirs(cwd)
    open(os.path.join(cwd, "sub"), "w").close()  # a file where a directory must go
    r = run([tool("execmon"), "-q", "-d", "1", "-o", "sub/out"], cwd=cwd)
    check(r.returncode == 1 and "cannot create directory %s/sub: Not a directory" % cwd in r.stderr
          and "-o/--output-dir" in r.stderr,
          "output dir: the absolute path and the hint: %s" % r.stderr.strip()[-300:])


def test_hangup_stops(tmp):
    """In the foreground a hang-up (the terminal closed) stops the tool the
    way Ctrl-C does: every event flushed, the summary, exit 0."""
    out = os.path.join(tmp, "hup")
    t = Tracer([tool("execmon"), "-q", "-o", out])
    pids = [reap(spawn([TRUE, "hangup", str(i)])) for i in range(5)]
    rc = t.stop(signal.SIGHUP)
    check(rc == 0, "SIGHUP: exit 0, as on Ctrl-C (%d)" % rc)
    rows = read_csv(output_files(out, "exec", "csv")[0])[1:]
    seen = {r[4] for r in rows}
    check(all(str(p) in seen for p in pids), "SIGHUP: every exec before it is in the file")
    counts = summary_counts(t.stderr_text(), "exec")
    check(counts == (len(rows), 0), "SIGHUP: the summary counts the file (%s vs %d)" % (counts, len(rows)))


def main():
    require_root()
    tmp = tempfile.mkdtemp(prefix="execmon-e2e-")
    os.chmod(tmp, 0o755)  # the nobody child must be able to exec from it
    try:
        test_usage_and_privileges(tmp)
        test_workload_csv_and_jsonl(tmp)
        test_limits(tmp)
        test_perf_buffer_fallback(tmp)
        test_small_ring_buffer_wraps(tmp)
        test_hangup_stops(tmp)
        test_output_dir_named(tmp)
        test_console_fits_the_terminal(tmp)
        test_execsnoop_flags(tmp)
        test_filters(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
