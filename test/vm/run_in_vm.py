#!/usr/bin/env python3
"""Run one command as root inside a QEMU (TCG) guest booting Debian's pinned
6.12 cloud kernel (or one scripts/fetch-test-kernels fetched: 5.10, 6.1),
for what the host kernel cannot do (kprobes, fentry) or is not (older).

The guest sees the host's whole root read-only over virtiofs, under a tmpfs
overlay, so host paths (build outputs, bpftrace, python3, files a test put
in /tmp) work as they are, and nothing the guest writes reaches the host:
results must come back on stdout/stderr. /proc, /sys, /dev and /run are the
guest's own. See README.md.

CLI:
    run_in_vm.py [--timeout S] [--env K=V ...] [--cwd DIR] [--verbose]
                 [--console-log FILE] [--kernel LABEL] -- CMD ARGS...
(--kernel debian11-5.10 or debian12-6.1: a kernel fetch-test-kernels fetched)
exits with CMD's exit code (its stdout and stderr relayed to ours), 77 with
"vm: skipped: <reason>" when the VM cannot run here, 125 with
"vm: failed: <reason>" and the tail of the kernel log when the guest did not
finish (timeout, kernel panic, broken boot).

Python:
    import run_in_vm
    result = run_in_vm.run(["uname", "-r"], env={"K": "V"}, timeout=300)
    result.returncode, result.stdout, result.stderr   # bytes
raises run_in_vm.Skip (.reason) or run_in_vm.GuestError (.console_tail).
Stdlib only.
"""
import ctypes
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

KERNEL_VERSION = "6.12.111+deb12-cloud-amd64"
SKIP = 77
VM_FAILED = 125
QEMU = "qemu-system-x86_64"
VIRTIOFSD = "/usr/lib/qemu/virtiofsd"
HERE = os.path.dirname(os.path.abspath(__file__))
GUEST_INIT = os.path.join(HERE, "guest-init")
GUEST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BASE_ENV = {
    "PATH": GUEST_PATH,
    "HOME": "/root",
    "USER": "root",
    "LOGNAME": "root",
    "TERM": "dumb",
    "LANG": "C.UTF-8",
}
START_MARK = b"EBPFMON-VM-START"
EXIT_MARK = b"EBPFMON-VM-EXIT "
TAIL_LINES = 30


class Skip(Exception):
    """The VM cannot run on this machine; .reason says why."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class GuestError(Exception):
    """The guest did not finish the command (timeout, panic, boot failure).
    .console_tail holds the last lines of the kernel log, .console_log the
    path of the whole log when it was kept, .stdout/.stderr what the command
    wrote before that."""

    def __init__(self, message, console_tail="", console_log=None, stdout=b"", stderr=b""):
        super().__init__(message)
        self.console_tail = console_tail
        self.console_log = console_log
        self.stdout = stdout
        self.stderr = stderr

    def report(self):
        text = str(self)
        if self.console_log:
            text += "\nkernel log kept at " + self.console_log
        if self.console_tail:
            text += "\n--- last %d lines of the kernel log ---\n%s" % (TAIL_LINES, self.console_tail.rstrip("\n"))
        return text


class Result:
    """What a finished command left: returncode (128+N when killed by signal
    N), stdout and stderr (bytes), console (the kernel log, str),
    console_log (its path when kept, else None), boot_seconds (host wall
    time from starting QEMU to the command starting), total_seconds."""

    def __init__(self, returncode, stdout, stderr, console, console_log, boot_seconds, total_seconds):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.console = console
        self.console_log = console_log
        self.boot_seconds = boot_seconds
        self.total_seconds = total_seconds

    def kernel_warnings(self):
        """Lines of the kernel log reporting a kernel bug (Oops, BUG,
        WARNING, ...): a test can assert there are none. One warning is the
        test bed's own, not a finding, and is left out with its trace:
        free_irq's, which Debian's 6.1 printed once in about six runs as
        the guest's serial ports (IRQs shared two by two) closed at
        power-off, after the job had ended."""
        keys = ("BUG:", "Oops", "WARNING:", "general protection fault", "Kernel panic",
                "Call Trace:", "soft lockup", "hard LOCKUP", "rcu: INFO:", "blocked for more than")
        found, in_serial_warning = [], False
        for line in self.console.splitlines():
            if any(k in line for k in ("WARNING:", "BUG:", "Oops", "Kernel panic", "general protection")):
                in_serial_warning = "WARNING:" in line and "free_irq" in line
            if not in_serial_warning and any(k in line for k in keys):
                found.append(line)
            if "---[ end trace" in line:
                in_serial_warning = False
        return found

    def __repr__(self):
        return "Result(returncode=%r, stdout=%d bytes, stderr=%d bytes, boot=%.1fs, total=%.1fs)" % (
            self.returncode, len(self.stdout), len(self.stderr), self.boot_seconds or -1, self.total_seconds)


class GuestKernel:
    """A kernel the guest boots: its release (uname -r), image, initramfs
    (None: it boots without one, its virtio and overlay drivers built in or
    on the host's /lib/modules) and tree (None: installed on the host;
    else the directory where scripts/fetch-test-kernels unpacked its
    packages, which guest-init shows at /boot and /lib/modules)."""

    def __init__(self, release, image, initrd=None, tree=None):
        self.release = release
        self.image = image
        self.initrd = initrd
        self.tree = tree

    def __repr__(self):
        return "GuestKernel(%s)" % self.release


def pinned_kernel():
    """The kernel installed on the host for the guest (install-deps --with-vm)."""
    return GuestKernel(KERNEL_VERSION, "/boot/vmlinuz-" + KERNEL_VERSION)


def fetched_kernels_dir():
    return os.environ.get("EBPFMON_TEST_KERNELS", "/var/cache/ebpfmon-test/kernels")


def fetched_kernel(label):
    """A kernel scripts/fetch-test-kernels unpacked (label as it names
    them: debian11-5.10, debian12-6.1). Raises Skip when it is not there."""
    base = os.path.join(fetched_kernels_dir(), label)
    try:
        with open(os.path.join(base, "unavailable")) as f:
            raise Skip("kernel %s could not be fetched: %s" % (label, f.read().strip()))
    except FileNotFoundError:
        pass
    try:
        with open(os.path.join(base, "release")) as f:
            release = f.read().strip()
    except FileNotFoundError:
        raise Skip("kernel %s not in %s (scripts/fetch-test-kernels fetches it)" % (label, base))
    tree = os.path.join(base, "guest", "root")
    kernel = GuestKernel(release, os.path.join(tree, "boot", "vmlinuz-" + release),
                         os.path.join(base, "guest", "initrd"), tree)
    for path in (kernel.image, kernel.initrd):
        if not os.path.isfile(path):
            raise Skip("%s missing (scripts/fetch-test-kernels fetches it)" % path)
    if not _cmdline_safe(tree):
        raise Skip("%r cannot go on the kernel command line (blanks or quotes)" % tree)
    return kernel


def unavailable_reason(kernel=None, headers=False):
    """Why the VM cannot run here (a one-line reason), or None when it can.
    headers=True also requires /lib/modules/<release>/build of the pinned
    kernel (BCC in the guest compiles against it)."""
    kernel = kernel or pinned_kernel()
    if not sys.platform.startswith("linux") or os.uname().machine != "x86_64":
        return "needs an x86_64 Linux host"
    if os.geteuid() != 0:
        return "needs root (virtiofsd shares / and runs the guest's command as root)"
    if shutil.which(QEMU) is None:
        return "%s not found (apt-get install qemu-system-x86)" % QEMU
    if not os.access(VIRTIOFSD, os.X_OK):
        return "%s not found (apt-get install qemu-system-x86; it comes with qemu-system-common)" % VIRTIOFSD
    if kernel.tree is None:
        pkg = "linux-image-" + kernel.release
        if not os.path.isfile(kernel.image):
            return "%s missing (apt-get install %s)" % (kernel.image, pkg)
        moddir = "/lib/modules/" + kernel.release
        overlay = os.path.join(moddir, "kernel/fs/overlayfs")
        if not os.path.isdir(overlay) or not any(n.startswith("overlay.ko") for n in os.listdir(overlay)):
            return "%s/overlay.ko* missing (apt-get install %s)" % (overlay, pkg)
        if shutil.which("insmod", path=GUEST_PATH) is None:
            return "insmod not found (apt-get install kmod)"
        if headers and not os.path.isfile(os.path.join(moddir, "build", "Makefile")):
            return "%s/build missing (apt-get install linux-headers-%s)" % (moddir, kernel.release)
    if not os.access(GUEST_INIT, os.R_OK) or not os.access(os.path.join(HERE, "guest-fstab"), os.R_OK):
        return "guest-init or guest-fstab missing next to " + __file__
    return None


def _cmdline_safe(path):
    return not any(ch in path for ch in ' "\n\t\\')


def _scratch_root():
    """A temp dir parent on the root filesystem: the guest reads the job file
    through the shared root (virtiofsd crosses host mounts too, but this
    keeps to the case verified)."""
    root_dev = os.stat("/").st_dev
    for d in (os.environ.get("TMPDIR"), "/tmp", "/var/tmp"):
        if d and _cmdline_safe(d) and os.path.isdir(d) and os.stat(d).st_dev == root_dev:
            return d
    return "/tmp"


def _remove_stale(parent):
    """Temp dirs of runners that were SIGKILLed (named after their pid)."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        parts = name.split("-")
        if len(parts) < 4 or parts[:2] != ["ebpfmon", "vm"] or not parts[2].isdigit():
            continue
        pid = int(parts[2])
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def _die_with_parent():
    # The guest must not outlive a runner killed by SIGKILL.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class _Reader(threading.Thread):
    """Drains one serial port's pipe, optionally relaying it live."""

    def __init__(self, fd, relay=None, on_line=None):
        super().__init__(daemon=True)
        self.fd = fd
        self.relay = relay
        self.on_line = on_line
        self.chunks = []
        self._partial = b""

    def run(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.chunks.append(chunk)
            if self.relay is not None:
                try:
                    self.relay.write(chunk)
                    self.relay.flush()
                except (OSError, ValueError):
                    pass
            if self.on_line is not None:
                self._partial += chunk
                while b"\n" in self._partial:
                    line, self._partial = self._partial.split(b"\n", 1)
                    self.on_line(line.rstrip(b"\r"))

    def data(self):
        return b"".join(self.chunks)


def _tail(text, n=TAIL_LINES):
    return "\n".join(text.splitlines()[-n:])


def _stop(proc, grace=5.0):
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.terminate()
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except ProcessLookupError:
        pass


def job_script(cmd, env=None, cwd=None, init="sh"):
    """The shell fragment guest-init sources (see there)."""
    if init not in ("sh", "systemd"):
        raise ValueError("init must be sh or systemd, not %r" % init)
    if not cmd:
        raise ValueError("empty command")
    cmd = [os.fspath(c) for c in cmd]
    if "=" in cmd[0]:
        raise ValueError("command name may not contain '=': %r" % cmd[0])
    full_env = dict(BASE_ENV)
    for k, v in (env or {}).items():
        if not k or "=" in k:
            raise ValueError("bad environment variable name %r" % k)
        full_env[k] = str(v)
    words = ["env", "-i", "--"] + ["%s=%s" % kv for kv in full_env.items()] + cmd
    return "vm_init=%s\nvm_cwd=%s\nset -- %s\n" % (init, shlex.quote(os.path.abspath(cwd or os.getcwd())),
                                      " ".join(shlex.quote(w) for w in words))


def run(cmd, env=None, cwd=None, timeout=600, relay=False, memory_mb=4096, cpus=2,
        console_log=None, keep_console_on_failure=True, kernel=None, init="sh"):
    """Boot the guest, run cmd (list of str; host paths) as root with only
    BASE_ENV plus env, in cwd (default: our cwd), and return a Result once
    it exits. relay=True also copies its stdout/stderr live to ours.
    timeout counts boot and command. console_log=PATH keeps the kernel log
    there; otherwise it is kept (under the temp dir's parent, path in the
    error) only when the guest fails. init="systemd" boots the host's
    systemd as PID 1 (into a oneshot service that runs cmd, nothing else
    enabled) instead of the bare shell. kernel: a GuestKernel (default: the
    pinned one). Raises Skip or GuestError."""
    kernel = kernel or pinned_kernel()
    reason = unavailable_reason(kernel)
    if reason:
        raise Skip(reason)
    if not _cmdline_safe(GUEST_INIT):
        raise ValueError("%r cannot go on the kernel command line (blanks or quotes)" % GUEST_INIT)

    if init == "systemd" and not os.access("/lib/systemd/systemd", os.X_OK):
        raise Skip("/lib/systemd/systemd not found (apt-get install systemd)")
    script = job_script(cmd, env, cwd, init)
    t0 = time.monotonic()
    deadline = t0 + timeout
    scratch = _scratch_root()
    _remove_stale(scratch)
    tmp = tempfile.mkdtemp(prefix="ebpfmon-vm-%d-" % os.getpid(), dir=scratch)
    sock = os.path.join(tmp, "vfs.sock")
    job = os.path.join(tmp, "job")
    console_path = os.path.join(tmp, "console.log")
    vfs_log_path = os.path.join(tmp, "virtiofsd.log")
    with open(job, "w") as f:
        f.write(script)

    vfs = qemu = None
    readers = []
    pipes = []
    started = [None]
    exited = [None]
    exit_seen = threading.Event()
    failure = None
    result = None

    def on_status(line):
        if line.startswith(START_MARK) and started[0] is None:
            started[0] = time.monotonic()
        elif line.startswith(EXIT_MARK):
            try:
                exited[0] = int(line[len(EXIT_MARK):].strip())
            except ValueError:
                exited[0] = VM_FAILED
            exit_seen.set()

    def console_text():
        try:
            with open(console_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    try:
        with open(vfs_log_path, "wb") as vlog:
            vfs = subprocess.Popen(
                [VIRTIOFSD, "--socket-path=" + sock, "-o", "source=/", "-o", "cache=always",
                 "-o", "sandbox=chroot"],
                stdin=subprocess.DEVNULL, stdout=vlog, stderr=vlog,
                start_new_session=True, preexec_fn=_die_with_parent)
        while not os.path.exists(sock):
            if vfs.poll() is not None or time.monotonic() > t0 + 20:
                with open(vfs_log_path, errors="replace") as f:
                    raise GuestError("vm: failed: virtiofsd did not start: " + _tail(f.read(), 5))
            time.sleep(0.02)

        # Serial ports: ttyS0 kernel log -> file; ttyS1 stdout, ttyS2
        # stderr, ttyS3 status -> pipes QEMU opens through /proc/self/fd.
        serial_args = ["-serial", "file:" + console_path]
        child_fds = []
        for i in range(3):
            r, w = os.pipe()
            pipes.append(r)
            child_fds.append(w)
            serial_args += ["-serial", "file:/proc/self/fd/%d" % w]
        append = ("console=ttyS0 root=hostroot rootfstype=virtiofs ro panic=-1 "
                  "vmjob=%s%s init=/bin/sh -- %s" % (
                      job, (" vmtree=" + kernel.tree) if kernel.tree else "", GUEST_INIT))
        mem = "%dM" % memory_mb
        argv = [QEMU, "-accel", "tcg,thread=single", "-cpu", "max", "-smp", str(cpus),
                "-m", mem,
                "-object", "memory-backend-memfd,id=mem,size=%s,share=on" % mem,
                "-numa", "node,memdev=mem",
                "-chardev", "socket,id=vfs,path=" + sock,
                "-device", "vhost-user-fs-pci,chardev=vfs,tag=hostroot",
                "-kernel", kernel.image, "-append", append] + (
                    ["-initrd", kernel.initrd] if kernel.initrd else []) + [
                "-display", "none", "-no-reboot", "-nodefaults", "-net", "none"] + serial_args
        qemu_log = open(os.path.join(tmp, "qemu.log"), "wb")
        try:
            qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=qemu_log, stderr=qemu_log,
                                    pass_fds=child_fds, start_new_session=True,
                                    preexec_fn=_die_with_parent)
        finally:
            qemu_log.close()
            for w in child_fds:
                os.close(w)
        t_qemu = time.monotonic()
        readers = [
            _Reader(pipes[0], getattr(sys.stdout, "buffer", None) if relay else None),
            _Reader(pipes[1], getattr(sys.stderr, "buffer", None) if relay else None),
            _Reader(pipes[2], None, on_status),
        ]
        for r in readers:
            r.start()

        # Wait for QEMU to end: the guest powers off after the exit line.
        timed_out = False
        while qemu.poll() is None:
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                break
            if exit_seen.is_set():
                try:
                    qemu.wait(min(10.0, max(0.0, deadline - now)))
                except subprocess.TimeoutExpired:
                    pass  # power-off hung; the command has finished anyway
                break
            try:
                qemu.wait(min(0.2, deadline - now))
            except subprocess.TimeoutExpired:
                pass
        _stop(qemu)
        for r in readers:
            r.join(5)
        t_end = time.monotonic()
        out, err = readers[0].data(), readers[1].data()
        text = console_text()
        if exited[0] is None:
            if timed_out:
                why = "guest did not finish within %ds (%s)" % (
                    timeout, "command running" if started[0] else "still booting")
            elif "Kernel panic" in text:
                why = "kernel panic in the guest"
                for line in text.splitlines():
                    if "Kernel panic" in line:
                        why += ": " + line.split("]", 1)[-1].strip()
                        break
            else:
                with open(os.path.join(tmp, "qemu.log"), errors="replace") as f:
                    qlog = _tail(f.read(), 5).strip()
                why = "guest stopped before the command finished (qemu exit code %s%s)" % (
                    qemu.returncode, ("; qemu: " + qlog) if qlog else "")
            failure = GuestError("vm: failed: " + why, _tail(text), None, out, err)
        else:
            result = Result(exited[0], out, err, text, None,
                            (started[0] - t_qemu) if started[0] else None, t_end - t0)
    finally:
        _stop(qemu)
        _stop(vfs)
        for r in readers:
            r.join(2)
        for fd in pipes:
            try:
                os.close(fd)
            except OSError:
                pass
        keep = console_log
        if keep is None and failure is not None and keep_console_on_failure:
            fd, keep = tempfile.mkstemp(prefix="ebpfmon-vm-console-", suffix=".log", dir=_scratch_root())
            os.close(fd)
        if keep is not None and os.path.exists(console_path):
            try:
                shutil.copyfile(console_path, keep)
                if failure is not None:
                    failure.console_log = keep
                if result is not None:
                    result.console_log = keep
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    if failure is not None:
        raise failure
    return result


def exit_on_sigterm():
    """Turn SIGTERM (meson's timeout, kill) into SystemExit so run()'s
    cleanup stops QEMU and virtiofsd. Call from the main thread."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = ("usage: run_in_vm.py [--timeout S] [--env K=V ...] [--cwd DIR] [--memory MB] "
             "[--cpus N] [--console-log FILE] [--init sh|systemd] [--kernel LABEL] [--verbose] -- CMD ARGS...")
    if "--" not in argv:
        print(usage, file=sys.stderr)
        return 2
    split = argv.index("--")
    opts, cmd = argv[:split], argv[split + 1:]
    timeout, env, cwd, memory, cpus, console_log, verbose = 600.0, {}, None, 4096, 2, None, False
    init = "sh"
    kernel = None
    i = 0
    try:
        while i < len(opts):
            o = opts[i]
            if o in ("-h", "--help"):
                print(usage + "\n\n" + __doc__.strip())
                return 0
            if o == "--verbose" or o == "-v":
                verbose = True
                i += 1
                continue
            if "=" in o and o.startswith("--") and o.split("=", 1)[0] in (
                    "--timeout", "--env", "--cwd", "--memory", "--cpus", "--console-log", "--init",
                    "--kernel"):
                o, val = o.split("=", 1)
                i += 1
            else:
                val = opts[i + 1]
                i += 2
            if o == "--timeout":
                timeout = float(val)
            elif o == "--env":
                if "=" in val:
                    k, v = val.split("=", 1)
                else:
                    k, v = val, os.environ.get(val, "")
                env[k] = v
            elif o == "--cwd":
                cwd = val
            elif o == "--memory":
                memory = int(val)
            elif o == "--cpus":
                cpus = int(val)
            elif o == "--console-log":
                console_log = val
            elif o == "--init":
                if val not in ("sh", "systemd"):
                    raise ValueError("--init takes sh or systemd, not " + val)
                init = val
            elif o == "--kernel":
                kernel = val
            else:
                raise ValueError("unknown option " + o)
    except (IndexError, ValueError) as e:
        print("run_in_vm.py: %s\n%s" % (e, usage), file=sys.stderr)
        return 2
    if not cmd:
        print(usage, file=sys.stderr)
        return 2
    if verbose and console_log is None:
        fd, console_log = tempfile.mkstemp(prefix="ebpfmon-vm-console-", suffix=".log", dir=_scratch_root())
        os.close(fd)
    exit_on_sigterm()
    try:
        res = run(cmd, env=env, cwd=cwd, timeout=timeout, relay=True, memory_mb=memory, cpus=cpus,
                  console_log=console_log, init=init, kernel=kernel and fetched_kernel(kernel))
    except Skip as e:
        print("vm: skipped: " + e.reason, file=sys.stderr)
        return SKIP
    except GuestError as e:
        print(e.report(), file=sys.stderr)
        return VM_FAILED
    except KeyboardInterrupt:
        print("vm: interrupted", file=sys.stderr)
        return 130
    if verbose:
        print("vm: exit code %d; command started %.1f s after QEMU; %.1f s in all; kernel log: %s" % (
            res.returncode, res.boot_seconds or -1, res.total_seconds, res.console_log), file=sys.stderr)
    return res.returncode


if __name__ == "__main__":
    sys.exit(main())
