#!/usr/bin/env python3
"""funcmon: on this host, the clear error where the kernel allows neither
kprobes nor fentry, and usage errors; then, in a QEMU guest with Debian's
6.12 kernel (kprobes and fentry), the real thing (guest_funcmon.py).
Exits 0, 1 (a check failed) or 77 (cannot run: the reason is printed)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from guest_script import run_guest_script  # noqa: E402
from harness import BUILD_DIR, check, finish, require_root, run, tool  # noqa: E402


def host_kernel_has(path):
    return os.path.exists(path)


def test_host():
    no_kprobes = not host_kernel_has("/sys/bus/event_source/devices/kprobe")
    r = run([tool("funcmon"), "vfs_read", "-d", "1", "-q", "-o", "/tmp"])
    if no_kprobes and r.returncode != 0:
        lines = r.stderr.strip().splitlines()
        check(r.returncode == 1, "host: exit 1 without kprobes or fentry (%d)" % r.returncode)
        check(len(lines) == 1 and "CONFIG_KPROBES" in lines[0] and "fentry" in lines[0],
              "host: one line naming the missing features: %s" % r.stderr)
    else:
        print("host: this kernel can trace functions; the unavailable case is not testable here")
    r = run([tool("funcmon"), "--list", "vfs_read"])
    check(r.returncode == 0 and r.stdout.startswith("vfs_read\t"), "host: --list works: %s" % r.stderr)
    for args, message in [
        (["a b"], "only letters, digits and _.*?[]!-"),
        (["vfs_["], "has '[' without ']'"),
        (["--limit", "0", "vfs_*"], "--limit: expected an integer from 1 to 10000, got '0'"),
        (["--backend", "uprobe", "vfs_*"], "--backend: expected one of auto, fentry, kprobe"),
        (["--interval", "5", "vfs_*"], "--interval needs --count"),
        (["no_such_function_xyz"], "no traceable kernel function matches"),
    ]:
        r = run([tool("funcmon")] + args)
        check(r.returncode == 2 and message in r.stderr,
              "usage %s: exit 2 and %r (%d: %s)" % (args, message, r.returncode, r.stderr))


def main():
    require_root()
    test_host()
    run_guest_script("guest_funcmon.py", timeout=1800,
                     env={"EBPFMON_BUILD_DIR": os.path.abspath(BUILD_DIR)})
    finish()

if __name__ == "__main__":
    main()
