"""Fails, printing them, if the sanitized tests left any reports.

ASan and LSan write to files (log_path) rather than stderr: a report then
counts even from a process whose stderr nobody reads (the daemon) or whose
exit status a test expects to be 1 anyway."""
import glob
import sys

reports = sorted(glob.glob(sys.argv[1] + ".*"))
for path in reports:
    print("==> %s <==" % path)
    with open(path, errors="replace") as f:
        print(f.read())
if reports:
    print("FAIL: %d sanitizer report(s); delete them once read (scripts/test-sanitizers does)"
          % len(reports))
    sys.exit(1)
print("no sanitizer reports")
