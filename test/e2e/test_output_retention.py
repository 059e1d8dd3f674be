#!/usr/bin/env python3
"""output.max_file_mb and output.max_total_mb: the event files roll over,
and the output directory keeps at most max_total_mb of our files, the
oldest removed first; the files of this run, the user's own files and a
file another run still writes are kept; the removals are counted (summary
line, /metrics), not lost."""
import fcntl
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Tracer, check, finish, output_files, parse_metrics, read_csv,  # noqa: E402
                     require_root, scrape, tool)

MIB = 1 << 20
EXECS = 400
ARG = "r" * 1200  # six of them make a row of about 7 KiB: 400 rows are nearly 3 MiB


def aged(path, size, age_seconds):
    with open(path, "wb") as f:
        f.write(b"x" * size)
    when = os.path.getmtime(path) - age_seconds
    os.utime(path, (when, when))
    return path


def our_bytes(directory):
    return sum(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory)
               if re.fullmatch(r"(summary_)?[a-z]+_\d{8}_\d{6}(_\d+)?\.(csv|jsonl)", f))


def test_rolls_and_keeps_the_limit(tmp):
    out = os.path.join(tmp, "out")
    os.mkdir(out)
    oldest = aged(os.path.join(out, "exec_20200101_000000.csv"), 3 * MIB, 400)
    older = aged(os.path.join(out, "syscall_20200101_000001.csv"), 3 * MIB, 300)
    notes = aged(os.path.join(out, "notes.txt"), 5 * MIB, 500)
    # Another run's current file: it holds a shared lock while it writes.
    held = aged(os.path.join(out, "exit_20200101_000002.csv"), 1 * MIB, 600)
    held_fd = os.open(held, os.O_WRONLY | os.O_APPEND)
    fcntl.flock(held_fd, fcntl.LOCK_SH)
    config = os.path.join(tmp, "retention.yaml")
    with open(config, "w") as f:
        f.write("output: {directory: %s, max_file_mb: 1, max_total_mb: 4}\n"
                "metrics: {enabled: true, listen: '127.0.0.1:0'}\n" % out)
    t = Tracer([tool("ebpfmon"), "-c", config, "-m", "exec", "-q", "--name", "^true$"])
    for i in range(EXECS):
        subprocess.run(["/bin/true", "retention-%d" % i] + [ARG] * 6, check=True)
    address = re.search(r"^metrics: http://(127\.0\.0\.1:\d+)/metrics$", t.stderr_text(), re.M)
    samples = parse_metrics(scrape(address.group(1))[2]) if address else {}
    rc = t.stop()
    err = t.stderr_text()
    os.close(held_fd)
    check(rc == 0, "exit 0 (%d): %s" % (rc, err[-400:]))
    check(not os.path.exists(oldest) and not os.path.exists(older),
          "the two oldest files of ours are removed: %s" % sorted(os.listdir(out)))
    check(os.path.exists(held), "the file another run holds is kept")
    check(os.path.exists(notes), "the user's own file is kept")
    files = output_files(out, "exec", "csv")
    check(len(files) >= 2, "the events rolled over into several files at 1 MiB: %d" % len(files))
    check(all(os.path.getsize(f) <= MIB for f in files), "no file past max_file_mb: %s" %
          [os.path.getsize(f) for f in files])
    seen = set()
    for f in files:
        rows = read_csv(f)
        argv = rows[0].index("argv")
        seen.update(r[argv].split(" ")[1] for r in rows[1:] if "retention-" in r[argv])
    check(len(seen) == EXECS, "every exec of this run is in its files: %d of %d" % (len(seen), EXECS))
    check(our_bytes(out) <= 4 * MIB + MIB, "our files fit max_total_mb and the current file: %d bytes"
          % our_bytes(out))
    line = re.search(r"^output: (\d+) old event files removed \((\d+) MiB\)", err, re.M)
    check(line and line.group(1) == "2" and line.group(2) == "6",
          "the closing summary counts the removed files apart: %s" % (line.group(0) if line else err[-400:]))
    check(re.search(r"^exec: \d+ events written, 0 lost", err, re.M),
          "removing old files is no loss: %s" % err[-300:])
    check(samples.get(("ebpfmon_output_files_removed_total", frozenset())) == 2
          and samples.get(("ebpfmon_output_bytes_removed_total", frozenset())) == 6 * MIB,
          "/metrics counts the removed files and bytes: %s" %
          {k[0]: v for k, v in samples.items() if k[0].startswith("ebpfmon_output")})


def main():
    require_root()
    with tempfile.TemporaryDirectory() as tmp:
        test_rolls_and_keeps_the_limit(tmp)
    finish()


if __name__ == "__main__":
    main()
