#!/usr/bin/env python3
"""The README's two commands: `./scripts/run` and `./scripts/test`, as root
or as a user who may use sudo (they re-run themselves through it), with a
one-line error when neither; .ci/run runs exactly the README's test command;
`scripts/run` builds and runs ebpfmon with the default config, every monitor
this kernel can run, passing its arguments through."""
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD_DIR, SOURCE_DIR, check, finish, require_root, run, tool  # noqa: E402

SCRIPTS = os.path.join(os.path.abspath(SOURCE_DIR), "scripts")


def test_readme_and_ci():
    with open(os.path.join(SOURCE_DIR, "README.md")) as f:
        readme = f.read()
    block = re.search(r"^## The two commands\n.*?```sh\n(.*?)```", readme, re.S | re.M)
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()] if block else []
    check(commands == ["./scripts/run", "./scripts/test"],
          "README: the two commands are ./scripts/run and ./scripts/test, no sudo: %s" % commands)
    with open(os.path.join(SOURCE_DIR, ".ci", "run")) as f:
        ci = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    check(ci[-1:] == ["exec ./scripts/test"], ".ci/run runs the README's test command: %s" % ci[-1:])


def test_not_root(tmp):
    """As a user: through sudo when there is one, else one line and exit 1.
    PATH holds only what the scripts need before that decision (and, the
    second time, a sudo that records how it was called)."""
    bin_dir = os.path.join(tmp, "bin")
    os.mkdir(bin_dir)
    for name in ("bash", "env", "dirname"):
        os.symlink(shutil.which(name), os.path.join(bin_dir, name))
    os.chmod(tmp, 0o755)
    # Copies nobody can reach (the checkout may sit under a private
    # directory); they decide before they look at anything beside them.
    scripts = os.path.join(tmp, "scripts")
    os.mkdir(scripts)
    for script in ("run", "test"):
        shutil.copy(os.path.join(SCRIPTS, script), scripts)
    as_nobody = [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    env = {"PATH": bin_dir}
    for script in ("run", "test"):
        path = os.path.join(scripts, script)
        r = run(as_nobody + [path, "-d", "2"], env=env, cwd=tmp, timeout=30)
        check(r.returncode == 1 and r.stdout == "" and len(r.stderr.splitlines()) == 1
              and "needs root" in r.stderr and "sudo" in r.stderr,
              "%s as a user, no sudo: one line, exit 1 (%d): %r" % (script, r.returncode, r.stderr))

    record = os.path.join(tmp, "sudo-args")
    with open(os.path.join(bin_dir, "sudo"), "w") as f:
        f.write("#!%s\nprintf '%%s\\n' \"$@\" > %s\n" % (os.path.join(bin_dir, "bash"), record))
    os.chmod(os.path.join(bin_dir, "sudo"), 0o755)
    os.chmod(tmp, 0o777)
    for script in ("run", "test"):
        path = os.path.join(scripts, script)
        if os.path.exists(record):
            os.unlink(record)
        r = run(as_nobody + [path, "-m", "exec", "a b"], env=env, cwd=tmp, timeout=30)
        args = open(record).read().splitlines() if os.path.exists(record) else None
        check(r.returncode == 0 and args == ["--", path, "-m", "exec", "a b"],
              "%s as a user with sudo: runs itself through sudo, arguments kept (%d): %s %r"
              % (script, r.returncode, args, r.stderr))


def doctor_monitors():
    """The monitors `ebpfmon --doctor` says this kernel can run, in order."""
    text = run([tool("ebpfmon"), "--doctor"]).stdout
    # The section ends at its blank line (the program cache's comes next).
    section = text.split("\nmonitors\n", 1)[-1].split("\n\n", 1)[0]
    return re.findall(r"^  (\w+): +yes ", section, re.M)


def test_run(tmp):
    """./scripts/run -d 2 -q -o DIR: install-deps and build have nothing to
    do, then ebpfmon runs every monitor the kernel can."""
    if os.path.realpath(BUILD_DIR) != os.path.realpath(os.path.join(SOURCE_DIR, "build")):
        print("scripts/run builds and runs build/, not %s: not run from this build" % BUILD_DIR)
        return
    cwd = os.path.join(tmp, "cwd")  # no ./monitor_config.yaml here
    os.mkdir(cwd)
    out = os.path.join(tmp, "out")
    start = time.monotonic()
    deps = run([os.path.join(SCRIPTS, "install-deps")], timeout=120)
    deps_seconds = time.monotonic() - start
    check(deps.returncode == 0 and deps.stderr == "",
          "install-deps: nothing to install, nothing said (%d): %s" % (deps.returncode, deps.stderr[-300:]))
    check(deps_seconds < 10, "install-deps is quick when nothing is missing (%.1f s)" % deps_seconds)

    r = run([os.path.join(SCRIPTS, "run"), "-d", "2", "-q", "-o", out], cwd=cwd, timeout=600)
    check(r.returncode == 0, "run: exit 0 (%d): %s" % (r.returncode, r.stderr[-400:]))
    check(r.stdout == "", "run: -q passed through, no table: %r" % r.stdout[:200])
    tracing = re.search(r"^Tracing (.*)\.\.\. Ctrl-C to end\.$", r.stderr, re.M)
    running = tracing.group(1).split(", ") if tracing else None
    if os.path.exists("/etc/ebpfmon/monitor_config.yaml"):
        # The installed config chooses; what runs is still what the kernel allows.
        check(running is not None and set(running) <= set(doctor_monitors()),
              "run: the Tracing line names monitors this kernel runs: %s" % running)
    else:
        check(running == doctor_monitors(),
              "run: the Tracing line names every monitor this kernel runs: %s vs %s"
              % (running, doctor_monitors()))
    files = sorted(os.listdir(out)) if os.path.isdir(out) else []
    check(running is not None and sorted({f.split("_")[0] for f in files}) == sorted(running),
          "run: -o passed through, one file per monitor: %s" % files)


def main():
    require_root()
    test_readme_and_ci()
    with tempfile.TemporaryDirectory() as tmp:
        test_not_root(tmp)
    with tempfile.TemporaryDirectory() as tmp:
        test_run(tmp)
    finish()


if __name__ == "__main__":
    main()
