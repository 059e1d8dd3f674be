#!/usr/bin/env python3
"""Smoke test of the QEMU test bed (run_in_vm.py), two guest boots:

1. the runner: guest kernel version, exit code, stdout/stderr kept apart,
   env and cwd passed, kernel filesystems mounted, the headers BCC needs and
   the build dir visible, guest writes never reaching the host;
2. what the test bed is for: a kprobe (bpftrace), an fentry program
   (bpftrace kfunc) and a BCC kprobe (funccount-bpfcc, compiled against the
   6.12 headers) attach in the guest and count vfs_read calls of a cat loop.

Exits 0, 1 (a check failed) or 77 (the VM cannot run here, reason printed).
One PASS/FAIL/SKIP line per check.
"""
import os
import re
import shutil
import subprocess
import tempfile
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_in_vm  # noqa: E402

SKIP = 77
KV = run_in_vm.KERNEL_VERSION
HERE = os.path.dirname(os.path.abspath(__file__))
FAILURES = []
PASSED = [0]


def check(ok, what, detail=""):
    if ok:
        PASSED[0] += 1
        print("PASS: " + what, flush=True)
    else:
        FAILURES.append(what)
        print("FAIL: %s%s" % (what, (" -- " + detail) if detail else ""), flush=True)


def skip_check(what, reason):
    print("SKIP: %s (%s)" % (what, reason), flush=True)


def vm(cmd, **kw):
    try:
        return run_in_vm.run(cmd, **kw)
    except run_in_vm.Skip as e:
        print("SKIP: " + e.reason, flush=True)
        sys.exit(SKIP)
    except run_in_vm.GuestError as e:
        # What the command wrote first, then why the guest failed, so a log's
        # tail names the reason.
        if e.stdout or e.stderr:
            print("--- guest stdout ---\n%s\n--- guest stderr ---\n%s" % (
                e.stdout.decode(errors="replace"), e.stderr.decode(errors="replace")), flush=True)
        print(e.report(), flush=True)
        check(False, "guest finished " + " ".join(cmd[:3]), str(e))
        finish()


def finish():
    print("%d checks passed, %d failed" % (PASSED[0], len(FAILURES)), flush=True)
    sys.exit(1 if FAILURES else 0)


def section(stdout, name):
    """The lines between '== name' and the next '== ' line."""
    m = re.search(r"^== %s\n(.*?)(?=^== |\Z)" % re.escape(name), stdout, re.S | re.M)
    return m.group(1) if m else ""


def runner_checks():
    host_tmp = tempfile.mkdtemp(prefix="ebpfmon-vm-smoke-")
    with open(os.path.join(host_tmp, "from-host"), "w") as f:
        f.write("host file\n")
    build = os.environ.get("EBPFMON_BUILD_DIR", "")
    build_listing = (sorted(n for n in os.listdir(build) if not n.startswith("."))
                     if build and os.path.isdir(build) else None)
    tool = ""
    for cand in (os.path.join(build, "tools", "execmon"), os.path.join(build, "execmon")):
        if build and os.access(cand, os.X_OK):
            tool = cand
            break
    tool_version = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout if tool else ""
    script = r"""
echo "== uname"; uname -r
echo "== env"; echo "$VM_SMOKE_VAR"
echo "== cwd"; pwd
echo "== stderr"; echo "to-stderr" >&2
echo "== mounts"; awk '{print $2, $3}' /proc/mounts
echo "== headers"; test -f /lib/modules/$(uname -r)/build/Makefile && echo present
echo "== btf"; test -r /sys/kernel/btf/vmlinux && echo present
echo "== hostfile"; cat "$HOST_TMP/from-host"
echo "== write"; echo guest >"$HOST_TMP/from-guest" && cat "$HOST_TMP/from-guest"
echo "== build"; if [ -n "$BUILD" ]; then ls -1 "$BUILD"; fi
echo "== tool"; if [ -n "$TOOL" ]; then "$TOOL" --version; fi
echo "== end"
exit 3
"""
    t = time.monotonic()
    res = vm(["sh", "-c", script], cwd=HERE, timeout=240,
             env={"VM_SMOKE_VAR": "value with spaces 'and' $quotes", "HOST_TMP": host_tmp, "BUILD": build,
                  "TOOL": tool})
    out = res.stdout.decode(errors="replace")
    err = res.stderr.decode(errors="replace")
    print("boot 1: command started %.1f s after QEMU, %.1f s in all" % (res.boot_seconds, time.monotonic() - t))
    check(section(out, "uname").strip() == KV, "guest runs kernel " + KV, section(out, "uname").strip())
    check(res.returncode == 3, "exit code 3 comes back", str(res.returncode))
    check(err == "to-stderr\n", "stderr arrives alone on stderr", repr(err))
    check("to-stderr" not in out and "== end" in out, "stdout holds only stdout, completely", out[-200:])
    check(section(out, "env").strip() == "value with spaces 'and' $quotes", "env passed verbatim",
          section(out, "env"))
    check(section(out, "cwd").strip() == HERE, "cwd passed", section(out, "cwd"))
    mounts = section(out, "mounts")
    for mnt, fstype in (("/", "overlay"), ("/sys/kernel/tracing", "tracefs"), ("/sys/kernel/debug", "debugfs"),
                        ("/sys/fs/bpf", "bpf"), ("/sys/fs/cgroup", "cgroup2"), ("/run", "tmpfs")):
        check("%s %s\n" % (mnt, fstype) in mounts, "%s mounted on %s" % (fstype, mnt))
    check(section(out, "headers").strip() == "present", "/lib/modules/%s/build resolves in the guest" % KV)
    check(section(out, "btf").strip() == "present", "guest has BTF")
    check(section(out, "hostfile") == "host file\n", "guest sees a file the host put in " + host_tmp)
    check(section(out, "write").strip() == "guest", "guest can write there (into the overlay)")
    leaked = os.path.exists(os.path.join(host_tmp, "from-guest"))
    shutil.rmtree(host_tmp, ignore_errors=True)
    check(not leaked, "guest writes do not reach the host")
    if build_listing is None:
        skip_check("build dir visible in the guest", "EBPFMON_BUILD_DIR unset or not built")
    else:
        check(sorted(section(out, "build").split()) == build_listing, "build dir visible in the guest")
    if not tool:
        skip_check("a built tool runs in the guest", "no execmon in EBPFMON_BUILD_DIR")
    else:
        check(tool_version and section(out, "tool") == tool_version, "%s runs in the guest" % tool,
              section(out, "tool"))
    check(res.kernel_warnings() == [], "no kernel warnings", "; ".join(res.kernel_warnings()[:5]))


def bpf_checks():
    have_bcc = shutil.which("funccount-bpfcc") is not None
    if shutil.which("bpftrace") is None:
        skip_check("bpftrace kprobe and kfunc in the guest", "bpftrace not installed (apt-get install bpftrace)")
    # A cat loop makes the vfs_read calls (an idle guest runs nothing).
    script = r"""
(while :; do cat /etc/os-release >/dev/null; done) &
load=$!
t() { read up rest </proc/uptime; echo "$up"; }
if command -v bpftrace >/dev/null; then
  echo "== kprobe"; s=$(t)
  bpftrace -e 'kprobe:vfs_read /comm == "cat"/ { @n = count(); } interval:s:3 { exit(); }' 2>&1
  echo "rc=$? start=$s end=$(t)"
  echo "== fentry"; s=$(t)
  bpftrace -e 'kfunc:vmlinux:vfs_read /comm == "cat"/ { @n = count(); } interval:s:3 { exit(); }' 2>&1
  echo "rc=$? start=$s end=$(t)"
fi
if [ -n "$BCC" ]; then
  echo "== bcc"; s=$(t)
  funccount-bpfcc -d 3 vfs_read 2>&1
  echo "rc=$? start=$s end=$(t)"
fi
kill $load; wait $load
echo "== end"
"""
    t = time.monotonic()
    res = vm(["sh", "-c", script], timeout=480, env={"BCC": "1" if have_bcc else ""})
    out = res.stdout.decode(errors="replace")
    print("boot 2: command started %.1f s after QEMU, %.1f s in all" % (res.boot_seconds, time.monotonic() - t))
    check(res.returncode == 0 and "== end" in out, "BPF script ran to the end", "rc=%d" % res.returncode)

    def count(name, pattern):
        text = section(out, name)
        m = re.search(pattern, text, re.M)
        n = int(m.group(1)) if m else 0
        tm = re.search(r"rc=(\d+) start=([\d.]+) end=([\d.]+)", text)
        took = " (%.1f s in the guest)" % (float(tm.group(3)) - float(tm.group(2))) if tm else ""
        return n, text.strip(), took

    if shutil.which("bpftrace"):
        n, text, took = count("kprobe", r"^@n: (\d+)")
        check(n > 0, "kprobe:vfs_read attaches and counts (%d calls)%s" % (n, took), text[-300:])
        n, text, took = count("fentry", r"^@n: (\d+)")
        check(n > 0, "fentry (bpftrace kfunc:vfs_read) attaches and counts (%d calls)%s" % (n, took), text[-300:])
    if have_bcc:
        n, text, took = count("bcc", r"^vfs_read\s+(\d+)")
        check(n > 0, "BCC kprobe (funccount-bpfcc vfs_read) compiles and counts (%d calls)%s" % (n, took),
              text[-300:])
    else:
        skip_check("BCC kprobe in the guest", "funccount-bpfcc not installed (apt-get install bpfcc-tools)")
    check(res.kernel_warnings() == [], "no kernel warnings", "; ".join(res.kernel_warnings()[:5]))


def main():
    run_in_vm.exit_on_sigterm()
    reason = run_in_vm.unavailable_reason()
    if reason:
        print("SKIP: " + reason)
        sys.exit(SKIP)
    t = time.monotonic()
    runner_checks()
    bpf_checks()
    print("smoke test: %.1f s in all" % (time.monotonic() - t))
    finish()


if __name__ == "__main__":
    main()
