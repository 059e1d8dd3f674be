#!/usr/bin/env python3
"""syscallmon's arguments end to end: a workload whose every argument this
test knows (paths with spaces, non-ASCII and 300-byte names, two-path calls,
refused connects to 127.0.0.1, ::1 and a missing unix socket, reads and
writes on a file, a pipe, a TCP pair and an eventfd, a returned fd, a sleep a
signal interrupts), traced by the real binary as root and read back from
JSON lines and CSV."""
import csv
import ctypes
import json
import os
import re
import signal
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HeldChild, Tracer, check, finish, output_files, read_jsonl, require_root, run, tool

LIBC = ctypes.CDLL(None, use_errno=True)
SYS_RENAMEAT2 = 316
SYS_LINKAT = 265
AT_FDCWD = -100
RENAME_NOREPLACE = 1
LONG_NAME = "/nonexistent/" + "L" * 300
SPACED = "/nonexistent/conf dir/app.toml"
UNICODE = "/nonexistent/conf.d/\u00fc.toml"


def closed_port(family, host):
    """A port nothing listens on: bound, then released."""
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Facts:
    """What the workload did, written by the child for the parent."""

    def __init__(self, path):
        self.path = path
        self.facts = {}

    def save(self):
        with open(self.path, "w") as f:
            json.dump(self.facts, f)

    def load(self):
        with open(self.path) as f:
            return json.load(f)


def workload_steps(tmp, facts):
    f = facts.facts

    def missing_paths():
        for path in (SPACED, UNICODE, LONG_NAME):
            try:
                os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                pass

    def two_paths():
        LIBC.syscall(SYS_RENAMEAT2, AT_FDCWD, b"/nonexistent/old name", AT_FDCWD,
                     b"/nonexistent/new", RENAME_NOREPLACE)
        LIBC.syscall(SYS_LINKAT, AT_FDCWD, b"/nonexistent/target", AT_FDCWD, b"/nonexistent/link", 0)

    def refused_connects():
        port4 = closed_port(socket.AF_INET, "127.0.0.1")
        port6 = closed_port(socket.AF_INET6, "::1")
        f["port4"], f["port6"] = port4, port6
        for family, host, port in ((socket.AF_INET, "127.0.0.1", port4),
                                   (socket.AF_INET6, "::1", port6)):
            s = socket.socket(family, socket.SOCK_STREAM)
            try:
                s.connect((host, port))
            except ConnectionRefusedError:
                pass
            s.close()
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            u.connect(os.path.join(tmp, "missing.sock"))
        except FileNotFoundError:
            pass
        u.close()

    def nonblocking_connect():
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(listener.getsockname())
        c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        f["nb_port"] = listener.getsockname()[1]
        c.close()
        listener.close()

    def fd_targets():
        path = os.path.join(tmp, "data file.txt")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.write(fd, b"hello")
        os.pread(fd, 5, 0)
        f["file"] = (fd, os.path.realpath(path))
        r, w = os.pipe()
        os.write(w, b"p")
        os.read(r, 1)
        f["pipe"] = (r, w, os.fstat(r).st_ino)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
        client.send(b"t")
        server.recv(1)
        f["tcp"] = (client.fileno(), client.getsockname()[1], server.getsockname()[1])
        efd = os.eventfd(0)
        os.eventfd_write(efd, 3)
        f["eventfd"] = efd
        for s in (client, server, listener):
            s.close()
        for d in (fd, r, w, efd):
            os.close(d)

    def interrupted_sleeps():
        """A signal with a handler interrupts an absolute sleep (Python's
        time.sleep: ERESTARTNOHAND) and a relative one (nanosleep(3):
        ERESTART_RESTARTBLOCK); both are restarted, not errors."""
        signal.signal(signal.SIGUSR1, lambda *_: None)
        parent = os.getpid()
        killer = os.fork()
        if killer == 0:
            for _ in range(2):
                time.sleep(0.3)
                os.kill(parent, signal.SIGUSR1)
            os._exit(0)
        time.sleep(0.45)
        timespec = (ctypes.c_long * 2)(0, 400_000_000)
        LIBC.nanosleep(timespec, None)
        os.waitpid(killer, 0)

    return [missing_paths, two_paths, refused_connects, nonblocking_connect, fd_targets,
            interrupted_sleeps, facts.save]


def trace(tmp, name, extra=(), env=None):
    facts = Facts(os.path.join(tmp, name + ".facts"))
    w = HeldChild(workload_steps(tmp, facts), "args-wl")
    out = os.path.join(tmp, name)
    t = Tracer([tool("syscallmon"), "-q", "-o", out, "--format", "jsonl", "--pid", str(w.pid),
                "--sampling", "all", "--max-rate", "0",
                "--category", "file_io,network,memory,process,signal,time,other"] + list(extra),
               env=env)
    w.go()
    rc = t.stop()
    check(rc == 0, "%s: exit 0 (got %d): %s" % (name, rc, t.stderr_text()[-400:]))
    files = output_files(out, "syscall", "jsonl")
    rows = read_jsonl(files[0]) if files else []
    return rows, facts.load()


def calls(rows, name):
    return [r for r in rows if r["syscall_name"] == name]


def one(rows, name, pred, what):
    found = [r for r in calls(rows, name) if pred(r)]
    check(len(found) >= 1, "%s: a %s call (of %d %s calls)" % (what, name, len(calls(rows, name)), name))
    return found[0] if found else None


def test_arguments(tmp):
    rows, facts = trace(tmp, "args")
    check(len(rows) > 20, "args: the workload's calls written (%d)" % len(rows))

    for path in (SPACED, UNICODE):
        r = one(rows, "openat", lambda r: r["args"].get("filename") == path, "path %r" % path)
        if r:
            check(r["args"]["dfd"] == "AT_FDCWD" and "O_CLOEXEC" in r["args"]["flags"],
                  "openat: dfd and flags named: %s" % r["args"])
            check(r["error_name"] == "ENOENT" and r["args_truncated"] == 0, "openat: ENOENT, not cut")
    cut = LONG_NAME[:256]
    r = one(rows, "openat", lambda r: r["args"].get("filename") == cut, "300-byte name cut at 256")
    if r:
        check(r["args_truncated"] == 1, "long name: args_truncated 1 (got %s)" % r["args_truncated"])

    r = one(rows, "renameat2", lambda r: True, "renameat2")
    if r:
        check(r["args"].get("oldname") == "/nonexistent/old name" and
              r["args"].get("newname") == "/nonexistent/new" and
              r["args"].get("flags") == "RENAME_NOREPLACE", "renameat2: both paths, flags: %s" % r["args"])
    r = one(rows, "linkat", lambda r: True, "linkat")
    if r:
        check(r["args"].get("oldname") == "/nonexistent/target" and
              r["args"].get("newname") == "/nonexistent/link", "linkat: both paths: %s" % r["args"])

    for host, port in (("127.0.0.1:%d", facts["port4"]), ("[::1]:%d", facts["port6"])):
        want = host % port
        r = one(rows, "connect", lambda r: r["args"].get("uservaddr") == want, "connect to " + want)
        if r:
            check(r["error_name"] == "ECONNREFUSED", "connect %s: ECONNREFUSED (%s)" % (want, r["error_name"]))
            check(r["args"].get("fd_target", "").startswith("socket:TCP"),
                  "connect %s: fd target is a TCP socket: %s" % (want, r["args"]))
    want = "unix:" + os.path.join(tmp, "missing.sock")
    r = one(rows, "connect", lambda r: r["args"].get("uservaddr") == want, "connect to " + want)
    if r:
        check(r["error_name"] == "ENOENT", "unix connect: ENOENT")
        check(r["args"].get("fd_target", "").startswith("socket:UNIX-STREAM"),
              "unix connect: fd target: %s" % r["args"])
    want = "127.0.0.1:%d" % facts["nb_port"]
    r = one(rows, "connect", lambda r: r["args"].get("uservaddr") == want, "non-blocking connect")
    if r:
        check(r["error_name"] == "EINPROGRESS", "non-blocking connect: EINPROGRESS")
    r = one(rows, "getsockopt", lambda r: r["args"].get("level") == "SOL_SOCKET", "getsockopt")

    fd, path = facts["file"]
    for name in ("write", "pread64"):
        r = one(rows, name, lambda r: r["args"].get("fd") == fd and "fd_target" in r["args"], name + " on a file")
        if r:
            check(r["args"]["fd_target"] == path, "%s: target %r (got %r)" % (name, path, r["args"]["fd_target"]))
            check(isinstance(r["args"]["buf"], int) and r["args"]["buf"] > 0,
                  "%s: the buffer is an address, never read: %r" % (name, r["args"]["buf"]))
    r = one(rows, "openat", lambda r: r["ret_val"] == fd and r["ret_target"], "openat returning the file's fd")
    if r:
        check(r["ret_target"] == path, "openat: ret_target %r (got %r)" % (path, r["ret_target"]))
    r = one(rows, "close", lambda r: r["args"].get("fd") == fd and r["args"].get("fd_target") == path,
            "close of the file's fd, its target read at entry")
    rfd, wfd, ino = facts["pipe"]
    r = one(rows, "read", lambda r: r["args"].get("fd") == rfd and "pipe" in r["args"].get("fd_target", ""), "read on the pipe")
    if r:
        check(r["args"]["fd_target"] == "pipe:[%d]" % ino, "pipe target: %s" % r["args"]["fd_target"])
    cfd, cport, sport = facts["tcp"]
    want = "socket:TCP 127.0.0.1:%d->127.0.0.1:%d" % (cport, sport)
    r = one(rows, "sendto", lambda r: r["args"].get("fd") == cfd, "send on the TCP client")
    if r:
        check(r["args"].get("fd_target") == want, "tcp target %r (got %r)" % (want, r["args"].get("fd_target")))
    r = one(rows, "write", lambda r: r["args"].get("fd") == facts["eventfd"] and r["args"].get("count") == 8, "eventfd write")
    if r:
        check(r["args"].get("fd_target") == "anon_inode:[eventfd]", "eventfd target: %s" % r["args"].get("fd_target"))

    for code, name in ((-514, "ERESTARTNOHAND"), (-516, "ERESTART_RESTARTBLOCK")):
        r = one(rows, "clock_nanosleep", lambda r: r["ret_val"] == code, "a sleep interrupted: " + name)
        if r:
            check(r["error_name"] == name and r["is_error"] is False,
                  "interrupted sleep: %s, not an error (got %s, %s)" % (name, r["error_name"], r["is_error"]))


MMAP_BYTES = 7 * 4096


def anonymous_mmap():
    import mmap
    mmap.mmap(-1, MMAP_BYTES).close()


def test_csv_text(tmp):
    """CSV: the strace-like line, the argument columns after the original ones, mmap's
    address in hex."""
    out = os.path.join(tmp, "csv")
    facts = Facts(os.path.join(tmp, "csv.facts"))
    w = HeldChild(workload_steps(tmp, facts)[:1] + [anonymous_mmap, facts.save], "args-wl")
    t = Tracer([tool("syscallmon"), "-q", "-o", out, "--pid", str(w.pid), "--sampling", "all",
                "--max-rate", "0", "--syscall", "openat,mmap"])
    w.go()
    t.stop()
    files = output_files(out, "syscall", "csv")
    with open(files[0], newline="") as f:
        table = list(csv.reader(f))
    at = table[0].index("args")
    check(table[0][at:at + 3] == ["args", "args_truncated", "ret_target"] and at > table[0].index("container_id"),
          "csv: the argument columns after the original ones: %s" % table[0][at:at + 3])
    maps = [row for row in table[1:] if row[8] == "mmap" and row[at].startswith("NULL, %d," % MMAP_BYTES)]
    check(len(maps) == 1 and re.match(r"^0x[0-9a-f]{6,}$", maps[0][10]) is not None,
          "csv: mmap's address in hex: %s" % [m[10] for m in maps])
    check(maps and maps[0][at] == "NULL, %d, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0" % MMAP_BYTES,
          "csv: mmap's args: %s" % [m[at] for m in maps])
    texts = [row[at] for row in table[1:] if row[8] == "openat"]
    want = 'AT_FDCWD, "%s", O_RDONLY|O_CLOEXEC, 000' % SPACED  # glibc passes mode 0 without O_CREAT
    check(want in texts, "csv: %r among %s" % (want, texts[:3]))
    check(any(t.startswith('AT_FDCWD, "%s"...' % LONG_NAME[:256]) for t in texts), "csv: the cut name ends in ...")


def test_perf_buffer(tmp):
    """Without ring buffers and task storage (kernels before 5.8 and 5.11):
    the variable-size records through the perf buffer, calls in flight in
    a hash; close, whose target needs task storage, shows its number."""
    rows, facts = trace(tmp, "perf", ["-v"], env={"EBPFMON_DISABLE_FEATURES": "ringbuf,task_storage"})
    one(rows, "openat", lambda r: r["args"].get("filename") == SPACED, "perf buffer: the spaced path")
    rfd, _, ino = facts["pipe"]
    r = one(rows, "read", lambda r: r["args"].get("fd") == rfd and "fd_target" in r["args"],
            "perf buffer: read on the pipe")
    if r:
        check(r["args"]["fd_target"] == "pipe:[%d]" % ino, "perf buffer: pipe target %s" % r["args"]["fd_target"])
    want = "127.0.0.1:%d" % facts["port4"]
    one(rows, "connect", lambda r: r["args"].get("uservaddr") == want, "perf buffer: connect to " + want)
    fd, _ = facts["file"]
    r = one(rows, "close", lambda r: r["args"].get("fd") == fd, "perf buffer: close of the file")
    if r:
        check("fd_target" not in r["args"], "perf buffer, no task storage: close shows its number only")


def test_string_bytes(tmp):
    rows, _ = trace(tmp, "sb16", ["--string-bytes", "16"])
    r = one(rows, "openat", lambda r: r["args"].get("filename") == SPACED[:16], "--string-bytes 16")
    if r:
        check(r["args_truncated"] == 1, "--string-bytes 16: counted")


def test_no_args(tmp):
    config = os.path.join(tmp, "args.yaml")
    with open(config, "w") as f:
        f.write("monitors:\n  syscall:\n    args: true\n")
    rows, _ = trace(tmp, "noargs", ["--config", config, "--no-args"])
    check(rows and all(r["args"] is None and r["args_truncated"] is None for r in rows),
          "--no-args beats args: true: every args null")


XCHECK_SCRIPT = r"""
import os, socket, sys
with open("/proc/self/comm", "w") as f:
    f.write("xcheck-wl")
tmp = sys.argv[1]
for path in ("/nonexistent/conf dir/app.toml", "/nonexistent/conf.d/\u00fc.toml"):
    try:
        os.open(path, os.O_RDONLY)
    except OSError:
        pass
fd = os.open(os.path.join(tmp, "x file"), os.O_RDWR | os.O_CREAT, 0o600)
os.write(fd, b"abc")
os.pread(fd, 3, 0)
r, w = os.pipe()
os.write(w, b"p")
os.read(r, 1)
efd = os.eventfd(0)
os.eventfd_write(efd, 1)
s = socket.socket()
s.connect_ex(("127.0.0.1", int(sys.argv[2])))
"""


def strace_calls(path):
    """strace -f -yy's lines of the calls compared, as ours would show them."""
    import re
    calls = []
    import errno
    line_re = re.compile(r'^\d+\s+(openat|read|write|pread64|connect)\((.*)\) += (-?\d+)(?: (E[A-Z]+))?')
    for line in open(path, encoding="utf-8", errors="replace"):
        m = line_re.match(line)
        if not m:
            continue
        name, args, ret = m.group(1), m.group(2), int(m.group(3))
        if m.group(4):
            ret = -getattr(errno, m.group(4))  # strace shows -1 and the errno; the kernel returns -errno
        if name == "openat":
            quoted = re.search(r'"((?:[^"\\]|\\.)*)"', args).group(1)
            raw = quoted.encode("latin-1", "backslashreplace").decode("unicode_escape")
            calls.append((name, raw.encode("latin-1").decode("utf-8", "replace"), ret))
        elif name == "connect":
            port = re.search(r"htons\((\d+)\)", args).group(1)
            host = re.search(r'inet_addr\("([^"]+)"\)', args).group(1)
            calls.append((name, "%s:%s" % (host, port), ret))
        else:
            fd, target = re.match(r"(\d+)<(.*?)>,", args).groups()
            calls.append((name, "%s<%s>" % (fd, target), ret))
    return calls


def our_calls(rows):
    calls = []
    for r in rows:
        name, a = r["syscall_name"], r["args"] or {}
        if name == "openat" and "filename" in a:
            calls.append((name, a["filename"], r["ret_val"]))
        elif name == "connect" and "uservaddr" in a:
            calls.append((name, a["uservaddr"], r["ret_val"]))
        elif name in ("read", "write", "pread64") and "fd_target" in a:
            calls.append((name, "%d<%s>" % (a["fd"], a["fd_target"]), r["ret_val"]))
    return calls


def test_against_strace(tmp):
    """One mixed workload, traced by syscallmon and strace -f -yy at once:
    the paths, fd targets and addresses agree call by call."""
    out = os.path.join(tmp, "xcheck")
    log = os.path.join(tmp, "strace.log")
    port = closed_port(socket.AF_INET, "127.0.0.1")
    t = Tracer([tool("syscallmon"), "-q", "-o", out, "--format", "jsonl", "--comm", "xcheck-wl",
                "--sampling", "all", "--max-rate", "0", "--syscall", "openat,read,write,pread64,connect"])
    r = run(["strace", "-f", "-yy", "-qq", "-o", log, "-e", "trace=openat,read,write,pread64,connect",
             sys.executable, "-c", XCHECK_SCRIPT, tmp, str(port)])
    t.stop()
    check(r.returncode == 0, "strace run: exit 0: %s" % r.stderr[-300:])
    files = output_files(out, "syscall", "jsonl")
    ours = our_calls(read_jsonl(files[0]) if files else [])
    theirs = strace_calls(log)
    # strace sees the interpreter's start-up too; from the comm change on, both saw the same calls.
    first = ours[0] if ours else None
    theirs = theirs[theirs.index(first):] if first in theirs else theirs
    check(len(ours) >= 8, "strace cross-check: our calls (%d)" % len(ours))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        check(a == b, "strace cross-check, call %d: ours %r, strace's %r" % (i, a, b))
    check(len(ours) == len(theirs), "strace cross-check: %d calls each (%d)" % (len(ours), len(theirs)))


def test_usage():
    for value, message in (("0", "--string-bytes"), ("5000", "--string-bytes"), ("x", "--string-bytes")):
        r = run([tool("syscallmon"), "--string-bytes", value])
        check(r.returncode == 2 and message in r.stderr and r.stderr.count("\n") <= 2,
              "--string-bytes %s: exit 2 naming it (%d): %s" % (value, r.returncode, r.stderr))


def main():
    require_root()
    test_usage()
    with tempfile.TemporaryDirectory() as tmp:
        test_arguments(tmp)
        test_csv_text(tmp)
        test_string_bytes(tmp)
        test_perf_buffer(tmp)
        test_no_args(tmp)
        test_against_strace(tmp)
    finish()


if __name__ == "__main__":
    main()
