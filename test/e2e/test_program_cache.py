#!/usr/bin/env python3
"""The program cache end to end: a first start compiles (in the helper) and
stores one entry, root-only; a second loads it without any compiler (the
helper is pointed at a path that does not exist) and still traces a known
exec. Damaged or foreign entries (truncated, a flipped byte, owned by
nobody, mode 0666, a checksummed program the verifier refuses) are
refused with a warning, removed and recompiled. A filter that changes a
macro misses; two tools starting together on a cold cache both run and
leave one valid entry; --no-cache and EBPFMON_CACHE=off compile every time;
ebpfmon --doctor reports the cache."""
import glob
import hashlib
import os
import pwd
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Tracer, check, finish, output_files, read_csv, require_root, run, tool

NO_COMPILER = "/nonexistent/ebpfmon-compile"
HEADER = 8 + 32  # magic, SHA-256 of the payload


def entries(cache):
    return sorted(glob.glob(os.path.join(cache, "programs", "*.prog")))


def exec_run(cache, out, extra=(), env=None):
    """execmon for one known exec; returns (tracer, whether the exec is in its file)."""
    env = dict(env or {}, EBPFMON_CACHE_DIR=cache)
    tracer = Tracer([tool("execmon"), "-q", "-v", "-o", out] + list(extra), env=env)
    marker = "cache-marker-%d" % os.getpid()
    subprocess.run(["/bin/echo", marker], stdout=subprocess.DEVNULL, check=True)
    rc = tracer.stop()
    rows = read_csv(output_files(out, "exec", "csv")[-1])
    seen = any(marker in " ".join(row) for row in rows[1:])
    return tracer, rc, seen


def loaded_from_cache(tracer):
    return "exec: loaded from the program cache" in tracer.stderr_text()


def compiled(tracer):
    return "exec: compiled and loaded" in tracer.stderr_text()


def refuse_by_verifier(path):
    """Rewrites the entry so that it is whole and checksummed but its first
    function ends in an opcode the verifier does not know."""
    data = open(path, "rb").read()
    payload = bytearray(data[HEADER:])
    at = 8  # past the object magic

    def u32():
        nonlocal at
        v = struct.unpack_from("<I", payload, at)[0]
        at += 4
        return v

    def skip_bytes():
        nonlocal at
        n = u32()
        at += n
        return at - n, n

    skip_bytes()  # license
    u32()  # kernel version
    skip_bytes()  # btf
    for _ in range(u32()):  # maps
        skip_bytes()
        for _ in range(7):
            u32()
    u32()  # function count
    skip_bytes()  # name
    u32()  # prog type
    u32()  # attach type
    skip_bytes()  # attach function
    start, size = skip_bytes()
    payload[start + size - 8] = 0xff  # the last instruction's opcode (exit)
    with open(path, "wb") as f:
        f.write(data[:8] + hashlib.sha256(payload).digest() + payload)


def main():
    require_root()
    work = tempfile.mkdtemp(prefix="ebpfmon-cache-")
    out = os.path.join(work, "out")
    os.makedirs(out)
    cache = os.path.join(work, "cache")

    # Cold: the helper compiles, one entry is stored, root-only.
    tracer, rc, seen = exec_run(cache, out)
    check(rc == 0, "cold start exits 0: %s" % tracer.stderr_text()[-500:])
    check(compiled(tracer), "a cold start compiles")
    check(seen, "a cold start traces the known exec")
    stored = entries(cache)
    check(len(stored) == 1, "one cache entry after the first start: %s" % stored)
    if not stored:
        return finish()
    entry = stored[0]
    st = os.stat(entry)
    check(st.st_uid == 0 and (st.st_mode & 0o777) == 0o600, "the entry is root's, mode 0600")
    dst = os.stat(os.path.join(cache, "programs"))
    check(dst.st_uid == 0 and (dst.st_mode & 0o777) == 0o700, "the cache directory is root's, 0700")

    # Warm: no compiler at all, still tracing.
    tracer, rc, seen = exec_run(cache, out, env={"EBPFMON_COMPILER": NO_COMPILER})
    check(rc == 0 and loaded_from_cache(tracer), "a warm start loads from the cache without a "
          "compiler: %s" % tracer.stderr_text()[-500:])
    check(seen, "a warm start traces the known exec")
    check(entries(cache) == [entry], "a warm start adds no entry")

    # Damaged or foreign entries: refused, removed, recompiled, logged.
    good = open(entry, "rb").read()
    nobody = pwd.getpwnam("nobody").pw_uid

    def truncate():
        with open(entry, "r+b") as f:
            f.truncate(len(good) // 2)

    def flip():
        data = bytearray(good)
        data[len(data) - 100] ^= 0x01
        open(entry, "wb").write(data)

    damages = [
        ("truncated", truncate, "checksum mismatch"),
        ("a flipped byte", flip, "checksum mismatch"),
        ("owned by nobody", lambda: os.chown(entry, nobody, -1), "owned by uid %d" % nobody),
        ("mode 0666", lambda: os.chmod(entry, 0o666), "mode 0666"),
        ("refused by the verifier", lambda: refuse_by_verifier(entry), "the kernel refused it"),
    ]
    for what, damage, reason in damages:
        damage()
        tracer, rc, seen = exec_run(cache, out)
        text = tracer.stderr_text()
        check(rc == 0 and seen, "%s: the tool still runs and traces: %s" % (what, text[-400:]))
        check("program cache: %s refused (" % entry in text and reason in text,
              "%s: a warning names the entry and says '%s': %s" % (what, reason, text[-600:]))
        check(compiled(tracer), "%s: the program is compiled again" % what)
        st = os.stat(entry)
        check(open(entry, "rb").read() == good and st.st_uid == 0 and (st.st_mode & 0o777) == 0o600,
              "%s: the entry is whole again, root's, 0600" % what)

    # A filter changes a macro: another program, another entry.
    tracer, rc, _ = exec_run(cache, out, extra=["--pid", str(os.getpid())])
    check(rc == 0 and compiled(tracer), "a new filter misses the cache")
    check(len(entries(cache)) == 2, "a new filter stores a second entry")

    # Two tools, cold cache, at once: both run, one valid entry.
    cold = os.path.join(work, "cold")
    env = {"EBPFMON_CACHE_DIR": cold}
    both = [Tracer([tool("execmon"), "-q", "-v", "-o", out], env=env) for _ in range(2)]
    codes = [t.stop() for t in both]
    check(codes == [0, 0], "two cold starts at once both succeed: %s" % codes)
    check(len(entries(cold)) == 1, "two cold starts leave one entry: %s" % entries(cold))
    tracer, rc, seen = exec_run(cold, out, env={"EBPFMON_COMPILER": NO_COMPILER})
    check(rc == 0 and loaded_from_cache(tracer) and seen, "the entry they left is valid")
    check(not glob.glob(os.path.join(cold, "programs", ".*")), "no staging file is left behind")

    # Off: every start compiles (no compiler: the error says so), nothing stored.
    off = os.path.join(work, "off")
    for how, args, extra_env in [("--no-cache", ["--no-cache"], {}),
                                 ("EBPFMON_CACHE=off", [], {"EBPFMON_CACHE": "off"})]:
        env = dict(os.environ, EBPFMON_CACHE_DIR=off, EBPFMON_COMPILER=NO_COMPILER, **extra_env)
        r = run([tool("execmon"), "-q", "-d", "1", "-o", out] + args, env=env)
        check(r.returncode == 1 and "cannot run %s" % NO_COMPILER in r.stderr,
              "%s compiles even though an entry could exist: %s" % (how, r.stderr[-300:]))
        check(not entries(off), "%s stores nothing" % how)

    # The doctor shows where the cache is and that exec would start from it.
    r = run([tool("ebpfmon"), "--doctor"], env=dict(os.environ, EBPFMON_CACHE_DIR=cache))
    check("program cache" in r.stdout and os.path.join(cache, "programs") in r.stdout and
          "2 entries" in r.stdout, "the doctor names the cache and its entries: %s" % r.stdout[-800:])
    check(any(line.split()[:2] == ["exec:", "yes"] and "cached" in line
              for line in r.stdout.splitlines()), "the doctor says exec is cached")
    shutil.rmtree(work)
    finish()


if __name__ == "__main__":
    main()
