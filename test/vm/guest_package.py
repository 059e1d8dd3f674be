#!/usr/bin/env python3
"""The Debian package on a real systemd (run by test_package.py through
run_in_vm.py with init="systemd"): install the .deb, run the installed
tools, start the service (Type=notify: active only after READY=1), run a
workload whose execs this script knows, reload it (the log is reopened),
stop it (the event file holds the workload, the summary is in the log once
and not in the journal), verify and score the unit, purge the package
(nothing left). Prints one line per failed check, the security score as
"security: <score>", and "N checks passed, M failed"; exits 1 when a check
failed. Usage: guest_package.py DEB"""
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import check, default_monitors, finish, output_files, read_csv, run  # noqa: E402

STATE = "/var/lib/ebpfmon"
LOG = STATE + "/logs/monitor.log"
UNIT = "/lib/systemd/system/ebpfmon.service"
COMPILER = "/usr/libexec/ebpfmon/ebpfmon-compile"
PROGRAMS = "/var/cache/ebpfmon/programs"
INSTALLED = ["/usr/bin/ebpfmon", "/usr/bin/execmon", "/usr/bin/funcmon", "/usr/bin/netmon",
             "/usr/bin/syscallmon", COMPILER,
             "/etc/ebpfmon/monitor_config.yaml", UNIT, "/usr/share/man/man1/execmon.1.gz",
             "/usr/share/doc/ebpfmon/USER_GUIDE.md", "/usr/share/doc/ebpfmon/INTERFACE.md",
             "/usr/share/doc/ebpfmon/copyright"]
WORKLOAD = 5
# The log's line prefix: "2026-12-02 13:00:00.123 [pid] LEVEL ".
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[\d+\] [A-Z]+ (.*)$")


def systemctl(*args):
    return run(["systemctl"] + list(args))


def show(prop):
    return systemctl("show", "-p", prop, "--value", "ebpfmon").stdout.strip()


def log_messages(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [m.group(1) for m in map(LOG_LINE.match, f.read().splitlines()) if m]


def journal_messages():
    r = run(["journalctl", "-u", "ebpfmon", "-o", "cat", "--no-pager"])
    check(r.returncode == 0, "journalctl: %s" % r.stderr)
    return r.stdout.splitlines()


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def install(deb):
    # man-db's trigger would re-index every man page on the host's root
    # (minutes under TCG); it runs only while this file exists.
    if os.path.exists("/var/lib/man-db/auto-update"):
        os.remove("/var/lib/man-db/auto-update")
    r = run(["dpkg", "-i", deb], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    check(r.returncode == 0, "dpkg -i: %s" % r.stderr[-2000:])
    for path in INSTALLED:
        check(os.path.exists(path), "installed: " + path)
    check(oct(os.stat(STATE).st_mode & 0o777) == "0o750", "%s is 0750" % STATE)
    check(os.path.isdir(STATE + "/logs"), "the log directory exists")
    # Installed, not enabled or started: the administrator configures first.
    check(systemctl("is-enabled", "ebpfmon").stdout.strip() == "disabled", "not enabled on install")
    check(show("ActiveState") == "inactive", "not started on install")


def installed_tools():
    r = run(["/usr/bin/execmon", "--version"])
    check(r.returncode == 0 and r.stdout.startswith("execmon "), "execmon --version: %r" % r.stdout)
    r = run(["/usr/bin/funcmon", "--list", "vfs_read"])
    check(r.returncode == 0 and r.stdout.startswith("vfs_read"), "funcmon --list: %s" % r.stderr)
    r = run(["/usr/bin/syscallmon", "--bogus"])
    check(r.returncode == 2 and "--bogus" in r.stderr, "syscallmon usage error: exit 2 (%d)" % r.returncode)
    r = run(["man", "-P", "cat", "execmon"], env=dict(os.environ, MANWIDTH="80"))
    check(r.returncode == 0 and "EXAMPLES" in r.stdout, "man execmon finds the installed page")
    # The first start compiles with the installed helper (against this
    # kernel's real headers); the second needs no compiler at all.
    out = tempfile.mkdtemp(prefix="ebpfmon-pkg-cache-")
    r = run(["/usr/bin/execmon", "-q", "-v", "-d", "1", "-o", out])
    check(r.returncode == 0 and "(%s)" % COMPILER in r.stderr,
          "execmon compiles with the installed helper: %s" % r.stderr[-500:])
    r = run(["/usr/bin/execmon", "-q", "-v", "-d", "1", "-o", out],
            env=dict(os.environ, EBPFMON_COMPILER="/nonexistent"))
    check(r.returncode == 0 and "loaded from the program cache" in r.stderr,
          "a second execmon starts from the program cache: %s" % r.stderr[-500:])
    st = os.stat(PROGRAMS)
    check(st.st_uid == 0 and st.st_mode & 0o777 == 0o700, "%s is root's, 0700" % PROGRAMS)


def service(marker):
    t0 = time.monotonic()
    r = systemctl("start", "ebpfmon")
    print("guest: systemctl start took %.1f s" % (time.monotonic() - t0))
    check(r.returncode == 0, "systemctl start: %s %s" % (r.stderr, journal_messages()[-10:]))
    # Type=notify: systemctl start returns, and the unit is active, only after READY=1.
    check(show("ActiveState") == "active" and show("SubState") == "running",
          "active (running) after start: %s/%s" % (show("ActiveState"), show("SubState")))
    check(show("Type") == "notify", "Type=notify")
    pid = show("MainPID")
    for i in range(WORKLOAD):
        subprocess.run(["/bin/echo", marker, str(i)], stdout=subprocess.DEVNULL, check=True)

    # ExecReload: logrotate moves the log, reload makes the service open a new one.
    os.rename(LOG, LOG + ".moved")
    r = systemctl("reload", "ebpfmon")
    check(r.returncode == 0, "systemctl reload: %s" % r.stderr)
    reopened = wait_for(lambda: os.path.exists(LOG) and any(
        "reopened" in m for m in log_messages(LOG)), 20)
    check(reopened, "the reload reopened the log at %s" % LOG)
    tracing = [m for m in log_messages(LOG + ".moved") if m.startswith("Tracing")]
    # The shipped config enables the monitors that are on by default, and no other.
    running = ", ".join(default_monitors("/usr/bin/ebpfmon"))
    check(tracing and tracing[0].startswith("Tracing %s..." % running),
          "every monitor of the shipped config (%s) runs under the unit: %s" % (running, tracing))
    check(show("MainPID") == pid and show("ActiveState") == "active", "still the same process after reload")

    r = systemctl("stop", "ebpfmon")
    check(r.returncode == 0 and show("ActiveState") == "inactive", "systemctl stop: %s" % r.stderr)
    # execmon's entry from before, and the service's four programs.
    entries = [f for f in os.listdir(PROGRAMS) if f.endswith(".prog")]
    check(len(entries) >= 4, "the service stored its programs in the cache: %s" % entries)
    check(show("Result") == "success", "stopped cleanly (Result=%s)" % show("Result"))

    files = output_files(STATE + "/output", "exec", "csv")
    check(len(files) == 1, "one exec event file: %s" % files)
    if files:
        rows = read_csv(files[0])
        argv_col = rows[0].index("argv") if rows and "argv" in rows[0] else None
        hits = [r for r in rows[1:] if argv_col is not None and marker in r[argv_col]]
        check(len(hits) == WORKLOAD, "the event file holds the %d workload execs (%d)" % (WORKLOAD, len(hits)))

    messages = log_messages(LOG + ".moved") + (log_messages(LOG) if os.path.exists(LOG) else [])
    summaries = [m for m in messages if re.fullmatch(r"exec: \d+ events written, \d+ lost.*", m)]
    check(len(summaries) == 1, "the exec summary is in the log once: %s" % summaries)
    check(any(m.startswith("Tracing") for m in messages), "the Tracing line is in the log")
    # The check above means something only if a unit's stderr does reach
    # the journal here.
    with open("/run/systemd/system/ebpfmon-journal-probe.service", "w") as f:
        f.write("[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo journal-probe >&2'\n")
    systemctl("daemon-reload")
    r = systemctl("start", "ebpfmon-journal-probe")
    probe = run(["journalctl", "-u", "ebpfmon-journal-probe", "-o", "cat", "--no-pager"]).stdout
    check(r.returncode == 0 and "journal-probe" in probe, "a unit's stderr reaches the journal: %r" % probe)
    journal = journal_messages()
    ours = [m for m in journal if "events written" in m or m.startswith("Tracing") or "reopened" in m]
    check(not ours, "what went to the log file is not in the journal too: %s" % ours[:3])
    print("guest: the unit's journal holds %d lines of ebpfmon's" % len(journal))


def unit_checks():
    r = run(["systemd-analyze", "verify", UNIT])
    check(r.returncode == 0 and not r.stderr.strip(), "systemd-analyze verify is clean: %s" % r.stderr)
    r = run(["systemd-analyze", "security", "--no-pager", "ebpfmon.service"])
    m = re.search(r"Overall exposure level for ebpfmon.service: ([\d.]+)", r.stdout)
    check(m is not None, "systemd-analyze security gives a score: %s" % r.stdout[-300:])
    if m:
        print("security: " + m.group(1))


def purge():
    r = run(["apt-get", "purge", "-y", "ebpfmon"], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    check(r.returncode == 0, "apt-get purge: %s %s" % (r.stdout[-2000:], r.stderr[-2000:]))
    left = [p for p in INSTALLED + [STATE, "/var/cache/ebpfmon", "/etc/ebpfmon"] if os.path.exists(p)]
    check(not left, "nothing left after purge: %s" % left)
    r = run(["dpkg-query", "-W", "-f=${Status}", "ebpfmon"])
    check("installed" not in r.stdout or "not-installed" in r.stdout, "dpkg forgets it: %r" % r.stdout)


def main():
    deb = sys.argv[1]
    with open("/proc/1/comm") as f:
        check(f.read().strip() == "systemd", "systemd is PID 1 here")
    install(deb)
    installed_tools()
    service("ebpfmon-pkg-" + uuid.uuid4().hex[:12])
    unit_checks()
    purge()
    finish()


if __name__ == "__main__":
    main()
