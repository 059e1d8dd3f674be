#!/usr/bin/env python3
"""The net monitor and a connect nobody answers: in a network namespace the
test makes (a veth pair, 10.253.0.1/24 on one end, the peer 10.253.0.2 a
static neighbour whose frames the other end drops as not its own), this
process connects to 10.253.0.2 twice:

  - with TCP_SYNCNT 1: connect() gives up by itself, ETIMEDOUT after
    about 3 s (the time one retry would take; the kernel counts time, and
    6.18 sent the SYN three times in it);
  - with a 1 s timeout, after which the socket is closed while still in
    SYN_SENT (a connect abandoned).

Each must give one close row: end timeout, direction out, no bytes, this
process's pid and comm, both ends as the test made them. Nothing leaves
the namespace; it is removed however the test ends."""
import ctypes
import errno
import json
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Tracer, check, finish, output_files, read_jsonl, require_root, run, skip,
                     summary_counts, tool)

NETNS = "ebpfmon-unanswered-%d" % os.getpid()
LOCAL = "10.253.0.1"
FAR = "10.253.0.2"       # nobody has it: its frames go to a MAC no one owns
FAR_MAC = "02:00:5e:00:53:02"
PORT = 4242
CLONE_NEWNET = 0x40000000
TCP_SYNCNT = getattr(socket, "TCP_SYNCNT", 7)


def setns(fd):
    if hasattr(os, "setns"):  # Python 3.12
        os.setns(fd, CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: " + os.strerror(err))


def ip(*args):
    return run(["ip", "-n", NETNS] + list(args))


def make_netns():
    """The namespace and its veth pair; None, or why it cannot be made."""
    if not any(os.access(os.path.join(d, "ip"), os.X_OK) for d in ("/usr/sbin", "/sbin", "/bin",
                                                                   "/usr/bin")):
        return "no ip command (iproute2)"
    r = run(["ip", "netns", "add", NETNS])
    if r.returncode != 0:
        return "ip netns add: " + r.stderr.strip()
    steps = [("link", "add", "ua0", "type", "veth", "peer", "name", "ua1"),
             ("link", "set", "lo", "up"),
             ("link", "set", "ua0", "up"),
             ("link", "set", "ua1", "up"),
             ("addr", "add", LOCAL + "/24", "dev", "ua0"),
             ("neigh", "replace", FAR, "lladdr", FAR_MAC, "dev", "ua0", "nud", "permanent")]
    for step in steps:
        r = ip(*step)
        if r.returncode != 0:
            return "ip %s: %s" % (" ".join(step), r.stderr.strip())
    return None


def remove_netns():
    r = run(["ip", "netns", "del", NETNS])
    if r.returncode != 0 and os.path.exists("/run/netns/" + NETNS):
        print("note: could not remove netns %s: %s" % (NETNS, r.stderr.strip()))


def rx_packets(dev):
    r = ip("-j", "-s", "link", "show", dev)
    try:
        return json.loads(r.stdout)[0]["stats64"]["rx"]["packets"]
    except (ValueError, IndexError, KeyError):
        return None


def counters():
    """The namespace's TCP counters ("Tcp:InSegs", "TcpExt:TCPSynRetrans"...)
    and the packets the veth's far end received."""
    r = run(["ip", "netns", "exec", NETNS, "cat", "/proc/net/snmp", "/proc/net/netstat"])
    lines = r.stdout.splitlines()
    found = {"ua1 rx": rx_packets("ua1")}
    for names, values in zip(lines[0::2], lines[1::2]):
        group = names.split()[0]
        found.update((group + name, int(v))
                     for name, v in zip(names.split()[1:], values.split()[1:]))
    return found


def sent_and_answered(before, after):
    """What the namespace did between two counters(): SYNs sent (first
    ones and retransmits), SYNs retransmitted, TCP segments received, and
    packets the far end received."""
    d = {k: after[k] - before[k] for k in ("Tcp:OutSegs", "Tcp:RetransSegs", "Tcp:InSegs",
                                            "TcpExt:TCPSynRetrans", "ua1 rx")
         if after.get(k) is not None and before.get(k) is not None}
    return {"syns": d.get("Tcp:OutSegs", 0) + d.get("Tcp:RetransSegs", 0),
            "syn_retrans": d.get("TcpExt:TCPSynRetrans"), "in_segs": d.get("Tcp:InSegs"),
            "far_rx": d.get("ua1 rx")}


def socket_in_netns():
    """A TCP socket created in the test's namespace (it stays there), bound
    to LOCAL so its port is known before the connect."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    there = os.open("/run/netns/" + NETNS, os.O_RDONLY)
    try:
        setns(there)
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((LOCAL, 0))
        finally:
            setns(home)
    finally:
        os.close(there)
        os.close(home)
    return s


def unanswered_connect(what, rport, prepare):
    """A socket in the namespace, prepare(s), connect() to FAR:rport, close.
    Returns the truth: the outcome, local port, seconds waited, and what the
    namespace's counters saw meanwhile."""
    s = socket_in_netns()
    prepare(s)
    lport = s.getsockname()[1]
    before = counters()
    t0 = time.monotonic()
    try:
        s.connect((FAR, rport))
        outcome = "connected"
    except OSError as e:  # socket.timeout (no errno) is an OSError too
        outcome = errno.errorcode.get(e.errno, str(e)) if e.errno else "timed out"
    waited = time.monotonic() - t0
    s.close()
    seen = sent_and_answered(before, counters())
    check(seen["syns"] >= 1 and seen["in_segs"] == 0 and (seen["far_rx"] or 0) >= seen["syns"],
          "%s: SYNs sent, no segment came back, the far end received them all: %r" % (what, seen))
    return dict(seen, outcome=outcome, lport=lport, waited=waited)


def syn_timeout():
    """TCP_SYNCNT 1: connect() gives up on its own (ETIMEDOUT)."""
    truth = unanswered_connect("SYNCNT 1", PORT,
                               lambda s: s.setsockopt(socket.IPPROTO_TCP, TCP_SYNCNT, 1))
    check(truth["outcome"] == "ETIMEDOUT", "SYNCNT 1: connect() fails with ETIMEDOUT (got %s "
          "after %.1f s)" % (truth["outcome"], truth["waited"]))
    return truth


def abandoned():
    """A 1 s timeout on connect(), then close() in SYN_SENT."""
    truth = unanswered_connect("abandoned", PORT + 1, lambda s: s.settimeout(1.0))
    check(truth["outcome"] == "timed out", "abandoned: connect() still waiting after 1 s (got %s)"
          % truth["outcome"])
    return truth


def check_row(events, truth, rport, what):
    rows = [e for e in events if e["raddr"] == FAR and e["rport"] == rport]
    check(len(rows) == 1, "%s: one row for %s:%d (got %d: %r)" % (
        what, FAR, rport, len(rows), rows))
    if len(rows) != 1:
        return None
    e = rows[0]
    got = (e["event"], e["end"], e["direction"], e["tx_bytes"], e["rx_bytes"])
    check(got == ("close", "timeout", "out", 0, 0),
          "%s: close, end timeout, out, 0 bytes each way (got %r)" % (what, got))
    got = (e["pid"], e["comm"], e["uid"], e["ppid"])
    check(got == (os.getpid(), "python3", 0, os.getppid()),
          "%s: this process's pid %d, comm, uid, ppid (got %r)" % (what, os.getpid(), got))
    got = (e["family"], e["laddr"], e["lport"])
    check(got == (4, LOCAL, truth["lport"]), "%s: local end %s:%d (got %r)" % (
        what, LOCAL, truth["lport"], got))
    # The row's duration is the kernel's, from SYN_SENT to CLOSE; the test's
    # own wait brackets it (a sanity bound, not a timing requirement).
    check(0 < e["duration_ms"] <= truth["waited"] * 1000 + 1000,
          "%s: duration_ms within the connect's %.2f s (got %r)" % (
              what, truth["waited"], e["duration_ms"]))
    check(e["exec_id"].split(":")[2] == str(os.getpid()), "%s: exec_id of this process (%r)"
          % (what, e["exec_id"]))
    # SYN_SENT's retransmits are the SYN's, as the namespace counted them.
    check(e["retransmits"] == truth["syn_retrans"], "%s: retransmits %r, the SYNs retransmitted "
          "(got %r)" % (what, truth["syn_retrans"], e["retransmits"]))


def main():
    require_root()
    why = make_netns()
    try:
        if why:
            skip("cannot make a network namespace with a veth pair: " + why)
        out = tempfile.mkdtemp(prefix="ebpfmon-net-unanswered-")
        tracer = Tracer([tool("netmon"), "-q", "-o", out, "--format", "jsonl"])
        timed_out = syn_timeout()
        gave_up = abandoned()
        rc = tracer.stop()
        check(rc == 0, "netmon exits 0 (got %d: %s)" % (rc, tracer.stderr_text()[-300:]))
        events = read_jsonl(output_files(out, "net", "jsonl")[0])
        check_row(events, timed_out, PORT, "SYNCNT 1")
        check_row(events, gave_up, PORT + 1, "abandoned")
        counts = summary_counts(tracer.stderr_text(), "net")
        check(counts is not None and counts[0] == len(events) and counts[1] == 0,
              "net summary counts the file's %d events, 0 lost (%r)" % (len(events), counts))
    finally:
        remove_netns()
    check(not os.path.exists("/run/netns/" + NETNS), "the namespace is gone")
    finish()


main()
