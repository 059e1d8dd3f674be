#!/usr/bin/env python3
"""The exec context end to end: the columns read in the kernel at exec time
(pcomm, cwd, exe, auid, sessionid, tty, cgroup and container, namespaces,
vpid, ancestors, exec_id, parent_exec_id) equal what this test knows of the
processes it forks: the dirs it made (non-ASCII, deleted, at and past the
depth bound, on another mount), the symlink and script it ran, the loginuid
and pty it set, the namespaces it entered, the chain of named parents it
built, the cgroups it made (each runtime's layout) and their inodes. Also the
exit events' exec_id and cgroup, --cgroup and --container (a container made
after the start), --no-paths, CSV, and those flags' usage errors."""
import ctypes
import json
import os
import pty
import shutil
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (Tracer, cgroup_mount, check, finish, output_files, read_csv, read_jsonl, require_root, run,  # noqa: E402
                     summary_counts, tool)

COLUMNS = ("timestamp,time_str,comm,uid,pid,ppid,ret,argv,filename,argc,truncated,pcomm,cwd,exe,path_truncated,"
           "auid,sessionid,tty,cgroup_id,cgroup,container_id,pod_uid,mntns,pidns,vpid,ancestors,exec_id,"
           "parent_exec_id,interpreter").split(",")
TRUE, SH = "/usr/bin/true", "/bin/sh"
ME = os.getpid()
MY_COMM = open("/proc/self/comm").read().strip()
BOOT_ID = open("/proc/sys/kernel/random/boot_id").read().strip()
TICK_NS = 10**9 // os.sysconf("SC_CLK_TCK")
ANCESTORS = 16  # the main run's --ancestors
TOP = "ebpfmon-ctx-%d" % ME  # the cgroup everything of this test goes under
CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000


def ino(path):
    return os.stat(path).st_ino


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def read_all(fd):
    """Everything up to EOF, or up to EIO: a pty's master says so once the slave side is gone."""
    data = b""
    try:
        while chunk := os.read(fd, 65536):
            data += chunk
    except OSError:
        pass
    os.close(fd)
    return data


def own_facts():
    """What a child knows of itself just before its exec."""
    stat = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
    return {"start": int(stat[19]), "loginuid": int(open("/proc/self/loginuid").read()),
            "sessionid": int(open("/proc/self/sessionid").read())}


def proc_chain(pid):
    """pid and its parents up to init, as ancestors lists them."""
    out = []
    while pid > 0:
        out.append({"pid": pid, "comm": open("/proc/%d/comm" % pid).read().rstrip("\n")})
        pid = int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1])
    return out


def child(argv, comm=None, cwd=None, cgroup=None, prepare=None):
    """Forks a child that joins `cgroup` (writes its pid to cgroup.procs), chdir's
    to `cwd`, names itself `comm`, runs prepare() (its dict comes back through a
    pipe with own_facts()), execs argv. Returns (pid, facts) once it has ended."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            if cgroup:
                write(os.path.join(cgroup, "cgroup.procs"), str(os.getpid()))
            if cwd:
                os.chdir(cwd)
            if comm:
                write("/proc/self/comm", comm)
            os.write(w, json.dumps(dict(prepare() if prepare else {}, **own_facts())).encode())
            os.close(w)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    os.close(w)
    facts = read_all(r)
    os.waitpid(pid, 0)
    return pid, json.loads(facts or b"{}")


class Events:
    def __init__(self, execs, exits):
        self.execs, self.exits = execs, exits

    def one(self, what, pid, **match):
        found = [e for e in self.execs if e["pid"] == pid and all(e[k] == v for k, v in match.items())]
        check(len(found) == 1, "%s: one exec event for pid %d %s (got %d)" % (what, pid, match, len(found)))
        return found[0] if found else None


def expect(what, e, **want):
    """One check per column of event e (None: its absence was reported)."""
    for k, v in want.items() if e else ():
        check(e[k] == v, "%s: %s is %r (got %r)" % (what, k, v, e[k]))


# ---- cases of the main run: each does its work and returns its checks --------

def case_plain(tmp, cg):
    """Non-ASCII cwd with spaces, the host's context, exec_id and its count,
    parent_exec_id, and the exit event's exec_id."""
    cwd = os.path.join(tmp, "dir with spåce ✓")
    os.mkdir(cwd)
    pid, facts = child([SH, "-c", TRUE + " inner; exec " + TRUE + " plain"], comm="ctx-plain", cwd=cwd,
                       prepare=lambda: (os.setsid(), {})[1])

    def verify(ev):
        sh, last = ev.one("plain sh", pid, comm="sh"), ev.one("plain true", pid, comm="true")
        if not (sh and last):
            return
        inner = [e for e in ev.execs if e["ppid"] == pid and e["argv"] == [TRUE, "inner"]]
        expect("plain sh", sh, exe=os.path.realpath(SH), filename=SH, parent_exec_id=None)
        expect("plain", last, cwd=cwd, exe=os.path.realpath(TRUE), path_truncated=False, pcomm=MY_COMM, ppid=ME,
               auid=facts["loginuid"], sessionid=facts["sessionid"], tty="", cgroup_id=cg["id"], cgroup=cg["path"],
               mntns=ino("/proc/self/ns/mnt"), pidns=ino("/proc/self/ns/pid"), vpid=pid, parent_exec_id=None,
               ancestors=proc_chain(ME)[:ANCESTORS], **({"container_id": "", "pod_uid": ""} if cg["host"] else {}))
        parts = (last["exec_id"] or "").split(":")
        check(len(parts) == 4 and parts[0] == BOOT_ID and parts[2] == str(pid) and parts[3].isdigit()
              and int(parts[1]) // TICK_NS == facts["start"],
              "plain: exec_id is boot_id:start ns:pid:count, start as /proc says (%d ticks; got %r)"
              % (facts["start"], last["exec_id"]))
        a = sh["exec_id"].split(":")
        check(a[:3] == parts[:3] and int(parts[3]) == int(a[3]) + 1,
              "plain: a process's second exec counts one more (%r, %r)" % (sh["exec_id"], last["exec_id"]))
        check(len(inner) == 1 and inner[0]["parent_exec_id"] == sh["exec_id"] and inner[0]["pcomm"] == "sh",
              "plain: sh's child has parent_exec_id = sh's exec_id (got %r)" % [i["parent_exec_id"] for i in inner])
        ends = [x for x in ev.exits if x["pid"] == pid]
        check(len(ends) == 1 and ends[0]["exec_id"] == last["exec_id"],
              "plain: the exit event's exec_id is the last image's (got %r)" % [x["exec_id"] for x in ends])
    return verify


def case_symlink_script_failed(tmp):
    link, script = os.path.join(tmp, "ctx-link"), os.path.join(tmp, "ctx-script")
    os.symlink(TRUE, link)
    with open(script, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(script, 0o755)
    lpid, spid = child([link, "via-link"])[0], child([script])[0]
    fpid = child(["/nonexistent/ctx-missing"], comm="ctx-failed", cwd=tmp)[0]

    def verify(ev):
        expect("symlink", ev.one("symlink", lpid), filename=link, argv=[link, "via-link"], exe=os.path.realpath(TRUE))
        expect("script", ev.one("script", spid), filename=script, exe=os.path.realpath(SH))
        expect("failed exec", ev.one("failed exec", fpid), ret=-2, exec_id=None, cwd=tmp, comm="ctx-failed")
    return verify


def case_deleted_and_deep(tmp):
    gone = os.path.join(tmp, "gone")
    os.mkdir(gone)
    gpid = child([TRUE, "deleted"], cwd=gone, prepare=lambda: os.rmdir(gone) or {})[0]
    base = len(tmp.strip("/").split("/"))
    dirs = {"exactly 40 levels": os.path.join(tmp, *["l%02d" % i for i in range(40 - base)]),
            "60 levels": os.path.join(tmp, *["d%02d" % i for i in range(60 - base)]),
            "long names": os.path.join(tmp, *[c * 255 for c in "abcde"])}
    pids = {}
    for name, d in dirs.items():
        os.makedirs(d)
        pids[name] = child([TRUE, "deep"], cwd=d)[0]

    def verify(ev):
        expect("deleted cwd", ev.one("deleted cwd", gpid), cwd=gone + " (deleted)", path_truncated=False)
        expect("a cwd of exactly 40 levels (the bound)", ev.one("40 levels", pids["exactly 40 levels"]),
               cwd=dirs["exactly 40 levels"], path_truncated=False)
        for name in ("60 levels", "long names"):
            e = ev.one(name, pids[name])
            if not e:
                continue
            full, cwd = dirs[name], e["cwd"]
            kept, every = cwd[4:].split("/"), full.strip("/").split("/")
            size = sum(len(p) + 1 for p in kept)
            nxt = every[-len(kept) - 1] if len(kept) < len(every) else ""
            check(e["path_truncated"] is True and cwd.startswith(".../") and full.endswith(cwd[3:]),
                  "%s: cwd is .../ and the deepest names, path_truncated (got %r %r)"
                  % (name, cwd[:50], e["path_truncated"]))
            check(len(kept) <= 40 and size <= 1024 and (len(kept) == 40 or size + len(nxt) + 1 > 1024),
                  "%s: as many names as the bound holds (%d names, %d bytes)" % (name, len(kept), size))
            check(e["exe"] == os.path.realpath(TRUE), "%s: exe still whole (got %r)" % (name, e["exe"]))
    return verify


def case_other_mount(tmp):
    """cwd and exe on the tmpfs mounted at /dev/shm: the paths cross mounts."""
    if not os.path.ismount("/dev/shm") or os.statvfs("/dev/shm").f_flag & os.ST_NOEXEC:
        print("SKIP: mount crossing: /dev/shm is not an exec-able mount")
        return lambda ev: None
    d = os.path.realpath(tempfile.mkdtemp(prefix="ebpfmon-ctx-", dir="/dev/shm"))
    exe = os.path.join(d, "ctx-shm-true")
    shutil.copy(TRUE, exe)
    pid = child([exe], cwd=d)[0]
    shutil.rmtree(d)

    def verify(ev):
        expect("other mount", ev.one("other mount", pid), cwd=d, exe=exe, path_truncated=False)
    return verify


def case_login_tty():
    """A session leader on a pty (pty.fork), with a loginuid it set itself."""
    pid, master = pty.fork()
    if pid == 0:
        try:
            write("/proc/self/comm", "ctx-tty")
            try:
                write("/proc/self/loginuid", "4242")
            except OSError:
                pass
            os.write(1, (json.dumps(dict(own_facts(), tty=os.ttyname(0))) + "\n").encode())
            os.execv(TRUE, [TRUE, "tty"])
        finally:
            os._exit(127)
    facts = json.loads(read_all(master).decode().strip().splitlines()[0])
    os.waitpid(pid, 0)

    def verify(ev):
        if facts["loginuid"] != 4242:
            print("SKIP: loginuid could not be set; compared with the inherited one")
        expect("pty session", ev.one("tty", pid), tty=facts["tty"][len("/dev/"):], auid=facts["loginuid"],
               sessionid=facts["sessionid"])
    return verify


def enter_namespaces():
    """In the child: new mount and pid namespaces. Its fork is pid 1 there and
    goes on to the exec; the child waits for it."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS | CLONE_NEWPID) != 0:
        return {"skip": os.strerror(ctypes.get_errno())}
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        os._exit(0)
    nspid = [line.split()[1:] for line in open("/proc/self/status") if line.startswith("NSpid:")][0]
    return {"mnt": ino("/proc/self/ns/mnt"), "pidns": ino("/proc/self/ns/pid"), "nspid": [int(n) for n in nspid]}


def case_namespaces(tmp):
    middle, facts = child([TRUE, "in-namespaces"], cwd=tmp, prepare=enter_namespaces)

    def verify(ev):
        if "skip" in facts:
            print("SKIP: namespaces: unshare failed: %s" % facts["skip"])
            return
        e = ev.one("namespaces", facts["nspid"][0])
        check(facts["mnt"] != ino("/proc/self/ns/mnt") and facts["pidns"] != ino("/proc/self/ns/pid")
              and facts["nspid"][-1] == 1, "namespaces: the child is pid 1 in namespaces of its own")
        expect("namespaces", e, mntns=facts["mnt"], pidns=facts["pidns"], vpid=1, ppid=middle, cwd=tmp)
    return verify


def case_chain():
    """test -> ctx-anc1 -> ... -> ctx-anc5 -> sh: ctx-anc3 exits as soon as the
    new image runs (sh writes to it), before anyone reads the event."""
    report_r, report_w = os.pipe()

    def level(n, go_w=None):
        write("/proc/self/comm", "ctx-anc%d" % n)
        os.write(report_w, b"%d\n" % os.getpid())
        if n == 3:
            go_r, go_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            if n < 5:
                level(n + 1, go_w)
            os.dup2(go_w, 7)  # dash takes one-digit fds; dup2 makes it inheritable
            os.execv(SH, [SH, "-c", "printf x >&7; /bin/sleep 0.2"])
        if n == 3:
            os.close(go_w)
            os.read(go_r, 1)
        else:
            os.waitpid(pid, 0)
        os._exit(0)

    first = os.fork()
    if first == 0:
        try:
            level(1)
        finally:
            os._exit(127)
    os.close(report_w)
    os.waitpid(first, 0)
    parents = [int(p) for p in read_all(report_r).split()]  # EOF: ctx-anc5 waited for sh, sh for sleep

    def verify(ev):
        if len(parents) != 5:
            return check(False, "chain: five parents reported (got %r)" % parents)
        sh = [e for e in ev.execs if e["ppid"] == parents[-1] and e["comm"] == "sh"]
        check(len(sh) == 1, "chain: one exec of sh under ctx-anc5 (got %d)" % len(sh))
        if not sh:
            return
        want = [{"pid": p, "comm": "ctx-anc%d" % (i + 1)} for i, p in reversed(list(enumerate(parents)))]
        want = (want + proc_chain(ME))[:ANCESTORS]
        check(sh[0]["ancestors"] == want and sh[0]["pcomm"] == "ctx-anc5",
              "chain: all five parents, nearest first, though ctx-anc3 is gone (want %r, got %r)"
              % (want[:6], sh[0]["ancestors"][:6]))
        sleep = [e for e in ev.execs if e["ppid"] == sh[0]["pid"] and e["comm"] == "sleep"]
        check(len(sleep) == 1 and sleep[0]["parent_exec_id"] == sh[0]["exec_id"]
              and sleep[0]["ancestors"][0] == {"pid": sh[0]["pid"], "comm": "sh"},
              "chain: sleep's parent_exec_id is sh's exec_id (got %r)" % [s["parent_exec_id"] for s in sleep])
    return verify


# ---- cgroups -----------------------------------------------------------------

class Cgroups:
    """The cgroups this test makes; remove() moves anything left in them to
    the root and removes them, deepest first."""

    def __init__(self, mount):
        self.mount, self.made = mount, []

    def make(self, rel):
        path = self.mount
        for part in rel.split("/"):
            path = os.path.join(path, part)
            if not os.path.isdir(path):
                os.mkdir(path)
                self.made.append(path)
        return path

    def rel(self, path):
        return path[len(self.mount):]

    def remove(self):
        for path in reversed(self.made):
            for _ in range(50):  # a process that just ended may still count for a moment
                try:
                    for p in open(os.path.join(path, "cgroup.procs")).read().split():
                        write(os.path.join(self.mount, "cgroup.procs"), p)
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


def container_layouts(cgs, first_id):
    """{cgroup dir: (container_id, pod_uid)}, one per runtime's layout, and a
    near miss of first_id (its 12th digit differs)."""
    ids = [first_id] + [os.urandom(32).hex() for _ in range(6)]
    near = first_id[:11] + ("1" if first_id[11] == "0" else "0") + first_id[12:]
    uid, uid2 = str(uuid.uuid4()), str(uuid.uuid4())
    kube = "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod%s.slice/" % uid.replace("-", "_")
    layouts = [("docker-%s.scope" % ids[0], ids[0], ""), ("docker-%s.scope/inner" % ids[0], ids[0], ""),
               ("docker/%s" % ids[1], ids[1], ""), ("cri-containerd-%s.scope" % ids[2], ids[2], ""),
               ("crio-%s.scope" % ids[3], ids[3], ""), ("libpod-%s.scope" % ids[4], ids[4], ""),
               (kube + "cri-containerd-%s.scope" % ids[5], ids[5], uid),
               ("kubepods/besteffort/pod%s/%s" % (uid2, ids[6]), ids[6], uid2), ("docker-%s.scope" % near, near, "")]
    return {cgs.make(TOP + "/" + rel): (cid, pod) for rel, cid, pod in layouts}


def check_cgroups(cgs, ev, layouts, subtree, in_cg, first_id, out, cwd):
    for d, (cid, pod) in layouts.items():
        name = "cgroup ..." + cgs.rel(d)[-50:]
        expect(name, ev.one(name, in_cg[d]), cgroup_id=ino(d), cgroup=cgs.rel(d), container_id=cid, pod_uid=pod)
        x = [x for x in ev.exits if x["pid"] == in_cg[d]]
        check(len(x) == 1, "%s: one exit event (got %d)" % (name, len(x)))
        expect(name + " exit", x[0] if x else None, cgroup_id=ino(d), cgroup=cgs.rel(d), container_id=cid, pod_uid=pod)
    for s in subtree:
        expect(cgs.rel(s), ev.one(cgs.rel(s), in_cg[s]), cgroup_id=ino(s), cgroup=cgs.rel(s), container_id="")

    mine = sorted(in_cg[d] for d, (cid, _) in layouts.items() if cid == first_id)
    got = read_jsonl(output_files(out["container"], "exec", "jsonl")[0])
    check(sorted(e["pid"] for e in got) == mine,
          "--container %s: exactly the execs in its cgroup and sub-cgroup, the first included (got %r, want %r)"
          % (first_id[:12], [(e["pid"], e["cgroup"][-30:]) for e in got][:5], mine))
    check(all((e["cwd"], e["exe"], e["path_truncated"]) == (None, None, False) for e in got),
          "--no-paths: cwd and exe null in JSON, path_truncated false")

    want = sorted(in_cg[s] for s in subtree if not s.endswith("sibling"))
    rows = read_csv(output_files(out["cgroup"], "exec", "csv")[0])
    check(rows[0] == COLUMNS, "CSV header has every column in order (got %r)" % rows[0])
    recs = [dict(zip(rows[0], r)) for r in rows[1:]]
    check(sorted(int(r["pid"]) for r in recs) == want, "--cgroup %s: the subtree's execs only, not the sibling's "
          "(got %r, want %r)" % (cgs.rel(subtree[0]), [(r["pid"], r["cgroup"]) for r in recs][:6], want))
    r = [r for r in recs if r["pid"] == str(in_cg[subtree[1]])]
    chain = ";".join("%d:%s" % (p["pid"], p["comm"]) for p in proc_chain(ME)[:4])
    got = r and (r[0]["ancestors"], r[0]["cwd"], r[0]["exe"], r[0]["cgroup_id"], r[0]["cgroup"], r[0]["parent_exec_id"])
    check(got == (chain, cwd, os.path.realpath(TRUE), str(ino(subtree[1])), cgs.rel(subtree[1]), ""),
          "CSV: ancestors 'pid:comm;...' (4 by default), quoted cwd, exe, cgroup, empty parent_exec_id "
          "(got %r)" % (got,))
    rows = read_csv(output_files(out["cgroup-mount"], "exec", "csv")[0])
    recs = [dict(zip(rows[0], r)) for r in rows[1:]]
    check(sorted(int(r["pid"]) for r in recs) == want,
          "--cgroup given under the mount: the same execs (got %r)" % [r["pid"] for r in recs])
    check(recs and all((r["cwd"], r["exe"], r["path_truncated"]) == ("", "", "false") for r in recs),
          "--no-paths: cwd and exe empty in CSV, path_truncated false")


def test_usage():
    for args in (["--cgroup", "/ebpfmon-no-such-cgroup"], ["--container", "xyz"],
                 ["--container", "0123456789a"], ["--ancestors", "17"]):
        r = run([tool("execmon")] + args)
        lines = [line for line in r.stderr.strip().splitlines() if not line.startswith("Try ")]
        check(r.returncode == 2 and len(lines) == 1 and args[0] in lines[0],
              "execmon %s: exit 2, one line naming %s (%d: %r)" % (" ".join(args), args[0], r.returncode, r.stderr))
    print("usage errors: checked")


def main():
    require_root()
    test_usage()
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="ebpfmon-ctx-"))
    out = {k: os.path.join(tmp, "out-" + k) for k in ("all", "container", "cgroup", "cgroup-mount")}
    mount = cgroup_mount()
    own = [line.strip()[3:] for line in open("/proc/self/cgroup") if line.startswith("0::")][0]
    cg = {"id": ino(mount + own) if mount else None, "path": own,
          "host": not any(w in own for w in ("docker", "containerd", "crio", "libpod", "kubepods"))}
    cgs = Cgroups(mount) if mount and os.access(mount, os.W_OK) else None
    tracers = {}
    try:
        if cgs:  # --cgroup needs its cgroup at the start; the containers come later
            subtree = [cgs.make(TOP + "/" + n) for n in ("sub-a", "sub-a/deeper", "sibling")]
        else:
            print("SKIP: cgroup cases: no writable cgroup v2 mount")
        tracers["all"] = Tracer([tool("ebpfmon"), "-m", "exec,exit", "-q", "-o", out["all"], "--format", "jsonl",
                                 "--ancestors", str(ANCESTORS)])
        first_id = os.urandom(32).hex()
        if cgs:
            tracers["container"] = Tracer([tool("execmon"), "--container", first_id[:12], "-q", "-o",
                                           out["container"], "--format", "jsonl", "--no-paths"])
            tracers["cgroup"] = Tracer([tool("execmon"), "--cgroup", cgs.rel(subtree[0]), "-q", "-o", out["cgroup"]])
            tracers["cgroup-mount"] = Tracer([tool("execmon"), "--cgroup", subtree[0], "--no-paths", "-q", "-o",
                                              out["cgroup-mount"]])
        cases = [("plain", case_plain(tmp, cg)), ("symlink, script, failed", case_symlink_script_failed(tmp)),
                 ("deleted, deep cwd", case_deleted_and_deep(tmp)), ("other mount", case_other_mount(tmp)),
                 ("login, tty", case_login_tty()), ("namespaces", case_namespaces(tmp)),
                 ("ancestors chain", case_chain())]
        in_cg, cwd = {}, os.path.join(tmp, 'csv "dir", spåce')
        if cgs:
            os.mkdir(cwd)
            layouts = container_layouts(cgs, first_id)
            subtree.append(cgs.make(TOP + "/sub-a/later"))  # made after the start
            for d in list(layouts) + subtree:
                in_cg[d] = child([TRUE, "in-cgroup"], cwd=cwd, cgroup=d)[0]
        rcs = {k: t.stop() for k, t in tracers.items()}
        check(all(rc == 0 for rc in rcs.values()), "every run exits 0 (got %r)" % rcs)

        execs = read_jsonl(output_files(out["all"], "exec", "jsonl")[0])
        ev = Events(execs, read_jsonl(output_files(out["all"], "exit", "jsonl")[0]))
        if cgs:
            cases.append(("cgroups, filters", lambda ev: check_cgroups(cgs, ev, layouts, subtree, in_cg, first_id,
                                                                        out, cwd)))
        for name, verify in cases:
            before = (harness.PASSED[0], len(harness.FAILURES))
            verify(ev)
            print("%-25s %d checks passed, %d failed" % (name + ":", harness.PASSED[0] - before[0],
                                                        len(harness.FAILURES) - before[1]))
        ids = [e["exec_id"] for e in execs if e["ret"] == 0]
        check(len(ids) == len(set(ids)) and None not in ids, "every exec_id in the run is distinct")
        check(summary_counts(tracers["all"].stderr_text(), "exec") == (len(execs), 0),
              "main run: the summary counts the file's events, 0 lost")
    finally:
        for t in tracers.values():
            if t.proc.poll() is None:
                t.proc.kill()
                t.proc.wait()
        if cgs:
            cgs.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
