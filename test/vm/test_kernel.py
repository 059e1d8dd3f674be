#!/usr/bin/env python3
"""The tools on an older kernel than the host's, booted in the QEMU guest:

    test_kernel.py LABEL     (debian11-5.10, debian12-6.1)

LABEL is a kernel scripts/fetch-test-kernels fetched (image, modules,
headers and an initramfs, never installed on the host). guest_kernel.py
runs there: execmon, exit, syscallmon and funcmon (kprobes) against
workloads whose truth it knows, from a cold and a warm program cache, with
the tree generated from the kernel's BTF and with its own headers.
Exits 0, 1 (a check failed) or 77 (cannot run here: the reason is printed).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import run_in_vm  # noqa: E402
from guest_script import run_guest_script  # noqa: E402
from harness import BUILD_DIR, SKIP, finish, require_root  # noqa: E402


def main():
    if len(sys.argv) != 2:
        print("usage: test_kernel.py LABEL (debian11-5.10, debian12-6.1)", file=sys.stderr)
        sys.exit(2)
    require_root()
    try:
        kernel = run_in_vm.fetched_kernel(sys.argv[1])
    except run_in_vm.Skip as e:
        print("SKIP: " + e.reason)
        sys.exit(SKIP)
    run_guest_script("guest_kernel.py", [kernel.tree], kernel=kernel, timeout=1500,
                     env={"EBPFMON_BUILD_DIR": os.path.abspath(BUILD_DIR)})
    finish()

if __name__ == "__main__":
    main()
