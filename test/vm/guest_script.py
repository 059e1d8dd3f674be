"""A host-side vm test's guest part: runs one of the guest_*.py scripts in
the QEMU guest, relays what it printed, and checks that it passed and that
the guest kernel logged no warnings. A guest that cannot run here is a skip
(a failure when the host part already failed); one that did not finish is a
failure with the tail of its kernel log."""
import os
import sys

import run_in_vm
from harness import FAILURES, SKIP, check, finish


def run_guest_script(script, args=(), **run_options):
    """run_in_vm.run(python3 test/vm/SCRIPT ARGS..., **run_options); returns
    its Result once the checks are made."""
    run_in_vm.exit_on_sigterm()
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        r = run_in_vm.run(["/usr/bin/python3", os.path.join(here, script)] + list(args),
                          **run_options)
    except run_in_vm.Skip as e:
        print("SKIP: the guest part: " + e.reason)
        if FAILURES:
            finish()  # the host part failed: that is a failure, not a skip
        sys.exit(SKIP)
    except run_in_vm.GuestError as e:
        print(e.report())
        check(False, "the guest finished")
        finish()
    sys.stdout.write(r.stdout.decode(errors="replace"))
    sys.stdout.write(r.stderr.decode(errors="replace"))
    print("guest: booted in %.1f s, %.1f s in all" % (r.boot_seconds or -1, r.total_seconds))
    check(r.returncode == 0, "guest checks passed (exit %d)" % r.returncode)
    check(not r.kernel_warnings(), "no kernel warnings in the guest: %s" % r.kernel_warnings()[:3])
    return r
