"""Runs one libFuzzer target for a bounded time, as a meson test.

It starts from the checked-in seeds (corpus/<target>) and crashers
(regressions/<target>), which libFuzzer replays before it mutates anything,
and keeps what it learns in the build directory, never in the source tree.
Any crash, leak, sanitizer report or broken invariant fails the test and
leaves the input under <build>/fuzz-artifacts/<target>/."""
import os
import subprocess
import sys

fuzzer, target, seconds = sys.argv[1], sys.argv[2], sys.argv[3]
here = os.path.dirname(os.path.abspath(__file__))
build = os.environ["EBPFMON_BUILD_DIR"]
work_corpus = os.path.join(build, "fuzz-corpus", target)
artifacts = os.path.join(build, "fuzz-artifacts", target)
os.makedirs(work_corpus, exist_ok=True)
os.makedirs(artifacts, exist_ok=True)

args = [fuzzer, "-max_total_time=" + seconds, "-print_final_stats=1",
        "-artifact_prefix=" + artifacts + "/", work_corpus]
for extra in ("corpus", "regressions"):
    d = os.path.join(here, extra, target)
    if os.path.isdir(d):
        args.append(d)
dictionary = os.path.join(here, target + ".dict")
if os.path.exists(dictionary):
    args.insert(1, "-dict=" + dictionary)

# ASan keeps freed memory in a 256 MB quarantine to catch use after free;
# with the allocator's overhead, yaml-cpp's many small nodes pushed the RSS
# past libFuzzer's 2 GB limit within minutes, a false out-of-memory. A
# smaller quarantine still catches a use right after the free.
env = dict(os.environ)
env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "quarantine_size_mb=64"]))

print(" ".join(args), flush=True)
rc = subprocess.call(args, env=env)
if rc != 0:
    # libFuzzer's own exit code for a crash is 77, which meson reads as a skip.
    print("FAIL: fuzz_%s exited %d; the input is in %s. Once fixed, keep it in "
          "test/fuzz/regressions/%s/ so every run replays it." % (target, rc, artifacts, target))
    sys.exit(1)
