#!/usr/bin/env python3
"""The Debian package: scripts/package builds it (debhelper, lintian clean);
its contents are checked here; then a QEMU guest booted with systemd as
PID 1 installs it, runs the installed tools and the service, and purges it
(guest_package.py). Exits 0, 1 (a check failed) or 77 (cannot run: the
reason is printed)."""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from guest_script import run_guest_script  # noqa: E402
from harness import SOURCE_DIR, check, finish, require_root, run  # noqa: E402

EXPECTED = {
    "./usr/bin/ebpfmon", "./usr/bin/execmon", "./usr/bin/funcmon", "./usr/bin/netmon",
    "./usr/bin/syscallmon",
    "./usr/libexec/ebpfmon/ebpfmon-compile",
    "./etc/ebpfmon/monitor_config.yaml", "./lib/systemd/system/ebpfmon.service",
    "./usr/share/man/man1/ebpfmon.1.gz", "./usr/share/man/man1/execmon.1.gz",
    "./usr/share/man/man1/funcmon.1.gz", "./usr/share/man/man1/netmon.1.gz",
    "./usr/share/man/man1/syscallmon.1.gz",
    "./usr/share/doc/ebpfmon/README.md", "./usr/share/doc/ebpfmon/USER_GUIDE.md",
    "./usr/share/doc/ebpfmon/INTERFACE.md", "./usr/share/doc/ebpfmon/ARCHITECTURE.md", "./usr/share/doc/ebpfmon/FLEET.md",
    "./usr/share/doc/ebpfmon/copyright", "./usr/share/doc/ebpfmon/changelog.gz",
}


def meson_version():
    with open(os.path.join(SOURCE_DIR, "meson.build")) as f:
        return re.search(r"version : '([^']+)'", f.read()).group(1)


def build():
    r = run([os.path.join(SOURCE_DIR, "scripts", "package")])
    check(r.returncode == 0, "scripts/package: exit %d: %s" % (r.returncode, r.stderr[-3000:]))
    if r.returncode != 0:
        finish()
    deb = r.stdout.strip().splitlines()[-1]
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    check(os.path.basename(deb) == "ebpfmon_%s_%s.deb" % (meson_version(), arch),
          "named ebpfmon_<version>_<arch>.deb: %s" % deb)
    check(os.path.dirname(deb) == os.path.join(os.path.abspath(SOURCE_DIR), "dist"), "in dist/: %s" % deb)
    return deb


def member(deb, part, path):
    """A file of the package: part "ctrl" (control archive) or "fsys"."""
    dpkg = subprocess.Popen(["dpkg-deb", "--%s-tarfile" % part, deb], stdout=subprocess.PIPE)
    text = subprocess.run(["tar", "-xO", path], stdin=dpkg.stdout, stdout=subprocess.PIPE, text=True).stdout
    dpkg.stdout.close()
    dpkg.wait()
    return text


def contents(deb):
    listing = run(["dpkg-deb", "-c", deb]).stdout.splitlines()
    paths = {line.split()[5] for line in listing if len(line.split()) >= 6}
    missing = EXPECTED - paths
    check(not missing, "the package holds %s" % sorted(missing))
    check(not any(p.startswith("./usr/local") for p in paths), "nothing under /usr/local")
    control = run(["dpkg-deb", "-f", deb, "Depends", "Package", "Version"]).stdout
    check("libbpfcc" in control and "libyaml-cpp" in control, "Depends from shlibs: %s" % control)
    conffiles = member(deb, "ctrl", "./conffiles").split()
    check(conffiles == ["/etc/ebpfmon/monitor_config.yaml"], "the config is the conffile: %s" % conffiles)
    unit = member(deb, "fsys", "./lib/systemd/system/ebpfmon.service")
    check("ExecStart=/usr/bin/ebpfmon " in unit and "ExecReload=" in unit, "the unit runs /usr/bin/ebpfmon")
    check("StandardError=append" not in unit, "the unit does not copy stderr into the log file")
    config = member(deb, "fsys", "./etc/ebpfmon/monitor_config.yaml")
    check(re.search(r"^  level: INFO", config, re.M) and "debug: false" in config,
          "the installed config is the production one")


def main():
    require_root()
    deb = build()
    contents(deb)
    r = run_guest_script("guest_package.py", [deb], init="systemd", timeout=1500)
    check(re.search(r"^security: [\d.]+$", r.stdout.decode(errors="replace"), re.M) is not None,
          "the guest scored the unit")
    finish()

if __name__ == "__main__":
    main()
