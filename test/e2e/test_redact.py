#!/usr/bin/env python3
"""Secrets kept out of events (redact): execs and a syscall whose arguments
hold secrets this test chose, traced by the real tools, with the export
spooling to a server that is not there. No secret may appear in the event
files, on the console, in the status lines or in the spool; each shows as
****. --no-redact shows them (the test can see them), --redact adds a
pattern."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HeldChild, Tracer, check, finish, output_files, read_jsonl, require_root, tool  # noqa: E402

SECRETS = ["hunter2e2e", "s3cr3te2e", "tok3ne2e", "b3arere2e", "customsecret-4242"]


def everything_written(directory, tracer):
    """Every byte the run left: its files (events, spool) and its output."""
    data = tracer.stdout + tracer.stderr
    for root, _, files in os.walk(directory):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                data += f.read()
    return data.decode(errors="replace")


def run_execs(tmp):
    mysql = os.path.join(tmp, "mysql")
    if not os.path.exists(mysql):
        os.symlink("/bin/true", mysql)
    for argv in (["/bin/true", "--password=hunter2e2e", "-v"],
                 [mysql, "-u", "root", "-ps3cr3te2e", "db"],
                 ["/bin/true", "--token", "tok3ne2e"],
                 ["/bin/true", "-H", "Authorization: Bearer b3arere2e"],
                 ["/bin/true", "customsecret-4242"]):
        subprocess.run(argv, check=True)


def trace_execs(tmp, name, extra):
    work = os.path.join(tmp, name)
    os.makedirs(work)
    config = os.path.join(work, "config.yaml")
    with open(config, "w") as f:
        f.write("export:\n  nats:\n    spool:\n      dir: %s\n    drain_timeout: 1\n" % os.path.join(work, "spool"))
    t = Tracer([tool("execmon"), "-c", config, "--format", "jsonl", "-o", os.path.join(work, "out"),
                "-n", "^(true|mysql)$", "--export", "nats://127.0.0.1:1"] + extra)
    run_execs(tmp)
    rc = t.stop()
    check(rc == 0, "%s: execmon exits 0: %s" % (name, t.stderr_text()[-300:]))
    files = output_files(os.path.join(work, "out"), "exec", "jsonl")
    events = read_jsonl(files[0]) if files else []
    spooled = any(os.path.getsize(os.path.join(work, "spool", f)) > 0
                  for f in os.listdir(os.path.join(work, "spool"))) if os.path.isdir(os.path.join(work, "spool")) else False
    return everything_written(work, t), events, t, spooled


def main():
    require_root()
    tmp = tempfile.mkdtemp(prefix="ebpfmon-redact-")

    text, events, t, spooled = trace_execs(tmp, "default", ["--redact", r"customsecret-(\d+)"])
    check(spooled, "the export spooled the events (its server is not there)")
    for secret in SECRETS[:-1] + ["4242"]:
        check(secret not in text, "default: %r appears nowhere (files, spool, console, status)" % secret)
    argvs = [e["argv"] for e in events]
    for want in (["/bin/true", "--password=****", "-v"], ["-u", "root", "-p****", "db"],
                 ["/bin/true", "--token", "****"], ["/bin/true", "-H", "Authorization: Bearer ****"],
                 ["/bin/true", "customsecret-****"]):
        check(any(a[-len(want):] == want for a in argvs), "default: argv %s among %s" % (want, argvs))
    m = re.search(r"^exec: lost by stage: .*; redacted (\d+)", t.stderr_text(), re.M)
    check(m is not None and int(m.group(1)) == 5, "default: the summary counts 5 redacted events: %s"
          % t.stderr_text()[-300:])
    console = t.stdout.decode(errors="replace")
    check("--password=****" in console, "default: the console shows the masked argv")

    text, events, t, _ = trace_execs(tmp, "off", ["--no-redact"])
    for secret in SECRETS:
        check(secret in text, "--no-redact: %r is written as it was" % secret)

    # A syscall's string argument.
    path = "/nonexistent/app?password=hunter2e2e&x=1"

    def open_it():
        try:
            os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            pass

    w = HeldChild([open_it], "redact-wl")
    out = os.path.join(tmp, "syscall")
    t = Tracer([tool("syscallmon"), "--pid", str(w.pid), "--format", "jsonl", "-o", out, "--syscall", "openat"])
    w.go()
    t.stop()
    rows = [e for e in read_jsonl(output_files(out, "syscall", "jsonl")[0]) if e["syscall_name"] == "openat"]
    check(any((e["args"] or {}).get("filename") == "/nonexistent/app?password=****&x=1" for e in rows),
          "syscall: the path's secret is masked in args: %s" % [(e["args"] or {}).get("filename") for e in rows])
    check("hunter2e2e" not in everything_written(out, t), "syscall: the secret appears nowhere")
    finish()


if __name__ == "__main__":
    main()
