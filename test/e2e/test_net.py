#!/usr/bin/env python3
"""The net monitor end to end: loopback TCP connections whose truth this test
makes (owner pid, comm, uid, cgroup; both ends; payload bytes each way; how
each ended), one event per end of each, and every filter judged in the
kernel: -p, -u, --pid, --cgroup, --container, --port, --remote."""
import ipaddress
import os
import re
import socket
import struct
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Tracer, cgroup_mount, check, finish, output_files, parse_metrics,  # noqa: E402
                     read_csv, read_jsonl, require_root, run, scrape, skip, summary_counts, tool)

NET_COLUMNS = ["timestamp", "time_str", "comm", "uid", "pid", "ppid", "event", "direction",
               "family", "laddr", "lport", "raddr", "rport", "tx_bytes", "rx_bytes", "duration_ms",
               "retransmits", "end", "exec_id", "cgroup_id", "container_id"]
NOBODY = 65534


def listener(family, host):
    s = socket.socket(family)
    s.bind((host, 0))
    s.listen(16)
    return s


def read_to_eof(conn):
    n = 0
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return n
        n += len(chunk)


def read_exactly(conn, n):
    got = 0
    while got < n:
        chunk = conn.recv(n - got)
        if not chunk:
            break
        got += len(chunk)
    return got


class Client:
    """A forked client named `comm`, held until go(): setup() (a cgroup, a
    uid), then connect from `source` (or any) to `target`, then `talk(sock)`,
    then exit. Its pid is known before tracing starts."""

    def __init__(self, family, target, talk, comm="netclient", setup=None, source=None):
        self.go_r, self.go_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            code = 0
            try:
                with open("/proc/self/comm", "w") as f:
                    f.write(comm)
                os.read(self.go_r, 1)
                if setup:
                    setup()
                s = socket.socket(family)
                if source:
                    s.bind((source, 0))
                try:
                    s.connect(target)
                except ConnectionRefusedError:
                    os._exit(3)
                talk(s)
            except BaseException:
                code = 1
            os._exit(code)
        os.close(self.go_r)

    def go(self):
        os.write(self.go_w, b"g")
        os.close(self.go_w)

    def wait(self):
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


def exchange(family, host, client_bytes, server_bytes, **client_kw):
    """The client sends client_bytes and shuts down its side; the server
    (this process) reads them to the end, answers server_bytes and closes;
    the client reads them to the end and closes. Returns the truth."""
    srv = listener(family, host)
    port = srv.getsockname()[1]

    def talk(s):
        s.sendall(b"c" * client_bytes)
        s.shutdown(socket.SHUT_WR)
        if read_to_eof(s) != server_bytes:
            os._exit(4)
        s.close()

    client = Client(family, (host, port), talk, **client_kw)
    client.go()
    conn, peer = srv.accept()
    got = read_to_eof(conn)
    conn.sendall(b"s" * server_bytes)
    conn.close()
    rc = client.wait()
    srv.close()
    check(rc == 0 and got == client_bytes, "exchange %s: client exits 0 (%d), server read %d of %d"
          % (host, rc, got, client_bytes))
    return {"port": port, "client_pid": client.pid, "client_port": peer[1], "host": host,
            "family": 4 if family == socket.AF_INET else 6}


def refused_connect():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # bound, never listening: a SYN there gets a RST
    client = Client(socket.AF_INET, ("127.0.0.1", port), lambda s: None, comm="netrefused")
    client.go()
    rc = client.wait()
    check(rc == 3, "refused: the connect was refused (exit %d)" % rc)
    return {"port": port, "client_pid": client.pid}


def reset_connection():
    """The client sends 1000 bytes, gets one back, then closes with SO_LINGER
    0: a RST, which the server sees as a reset too."""
    srv = listener(socket.AF_INET, "127.0.0.1")
    port = srv.getsockname()[1]

    def talk(s):
        s.sendall(b"r" * 1000)
        read_exactly(s, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()

    client = Client(socket.AF_INET, ("127.0.0.1", port), talk, comm="netreset")
    client.go()
    conn, _ = srv.accept()
    got = read_exactly(conn, 1000)
    conn.sendall(b"k")
    client.wait()
    try:
        leftover = conn.recv(10)  # the RST: ECONNRESET (or end of file)
    except ConnectionResetError:
        leftover = b""
    conn.close()
    srv.close()
    check(got == 1000 and leftover == b"", "reset: server read 1000 bytes, then the reset")
    return {"port": port, "client_pid": client.pid}


def client_gone_first():
    """The client sends 2000 bytes and exits without closing: the kernel
    closes its socket, whose end (the server's FIN) arrives after it is gone,
    in this process's context."""
    srv = listener(socket.AF_INET, "127.0.0.1")
    port = srv.getsockname()[1]
    client = Client(socket.AF_INET, ("127.0.0.1", port), lambda s: s.sendall(b"g" * 2000),
                    comm="netgone")
    client.go()
    conn, _ = srv.accept()
    client.wait()  # reaped: the owner is gone before its connection ends
    got = read_to_eof(conn)
    conn.close()
    srv.close()
    check(got == 2000, "gone: server read 2000 bytes (%d)" % got)
    return {"port": port, "client_pid": client.pid}


def never_accepted():
    """A connection the listener's owner never accepts: its row belongs to
    the process that listens."""
    srv = listener(socket.AF_INET, "127.0.0.1")
    port = srv.getsockname()[1]

    def talk(s):
        s.sendall(b"n" * 100)
        s.close()

    client = Client(socket.AF_INET, ("127.0.0.1", port), talk, comm="netnoaccept")
    client.go()
    client.wait()
    srv.close()  # the queued connection goes with it
    return {"port": port, "client_pid": client.pid}


def rows_on(events, port):
    """{direction: [events]} of the connections to `port`."""
    out = {"out": [], "in": []}
    for e in events:
        if (e["direction"] == "out" and e["rport"] == port) or \
                (e["direction"] == "in" and e["lport"] == port):
            out[e["direction"]].append(e)
    return out


def check_exchange(events, truth, client_bytes, server_bytes, what):
    rows = rows_on(events, truth["port"])
    closes = {d: [e for e in rows[d] if e["event"] == "close"] for d in rows}
    check(len(closes["out"]) == 1 and len(closes["in"]) == 1,
          "%s: one close row per end (got %d out, %d in)" % (what, len(closes["out"]),
                                                            len(closes["in"])))
    if len(closes["out"]) != 1 or len(closes["in"]) != 1:
        return rows
    out, inn = closes["out"][0], closes["in"][0]
    host, fam = truth["host"], truth["family"]
    check(out["pid"] == truth["client_pid"] and out["comm"] == "netclient" and out["uid"] == 0
          and out["ppid"] == os.getpid(),
          "%s: the client row is the client's (pid %d comm netclient ppid %d): %r" % (
              what, truth["client_pid"], os.getpid(), (out["pid"], out["comm"], out["ppid"])))
    check(inn["pid"] == os.getpid() and inn["comm"] == "python3",
          "%s: the server row is the accepting process's (pid %d): %r" % (
              what, os.getpid(), (inn["pid"], inn["comm"])))
    for e, tx, rx in ((out, client_bytes, server_bytes), (inn, server_bytes, client_bytes)):
        check(e["tx_bytes"] == tx and e["rx_bytes"] == rx,
              "%s %s: tx_bytes %d rx_bytes %d exactly (got %r %r)" % (
                  what, e["direction"], tx, rx, e["tx_bytes"], e["rx_bytes"]))
        check(e["end"] == "fin" and e["family"] == fam and e["laddr"] == host and
              e["raddr"] == host and e["retransmits"] == 0,
              "%s %s: fin, family %d, %s both ends, no retransmits: %r" % (
                  what, e["direction"], fam, host, (e["end"], e["family"], e["laddr"],
                                                   e["raddr"], e["retransmits"])))
        check(0 < e["duration_ms"] < 60000, "%s %s: duration_ms plausible (%r)" % (
            what, e["direction"], e["duration_ms"]))
        check(e["exec_id"].split(":")[2] == str(e["pid"]) and e["cgroup_id"] > 0,
              "%s %s: exec_id of the owner, its cgroup: %r" % (what, e["direction"],
                                                             (e["exec_id"], e["cgroup_id"])))
    check(out["lport"] == truth["client_port"] and out["rport"] == truth["port"] and
          inn["rport"] == truth["client_port"],
          "%s: the ports of both ends (%d -> %d): %r" % (
              what, truth["client_port"], truth["port"], (out["lport"], out["rport"],
                                                          inn["rport"])))
    return rows


def main_run():
    out = tempfile.mkdtemp(prefix="ebpfmon-net-")
    tracer = Tracer([tool("netmon"), "-q", "-o", out, "--format", "jsonl", "--established"])
    v4 = exchange(socket.AF_INET, "127.0.0.1", 12345, 777)
    v6 = exchange(socket.AF_INET6, "::1", 54321, 4321)
    refused = refused_connect()
    reset = reset_connection()
    gone = client_gone_first()
    lonely = never_accepted()
    rc = tracer.stop()
    check(rc == 0, "netmon exits 0 (got %d: %s)" % (rc, tracer.stderr_text()))
    events = read_jsonl(output_files(out, "net", "jsonl")[0])

    for truth, cb, sb, what in ((v4, 12345, 777, "IPv4"), (v6, 54321, 4321, "IPv6")):
        rows = check_exchange(events, truth, cb, sb, what)
        est = {d: [e for e in rows[d] if e["event"] == "established"] for d in rows}
        check(len(est["out"]) == 1 and len(est["in"]) == 1 and
              est["out"][0]["pid"] == truth["client_pid"] and est["in"][0]["pid"] == os.getpid()
              and est["out"][0]["tx_bytes"] is None and est["in"][0]["end"] == "",
              "%s --established: one row per end with its owner, no bytes yet: %r" % (what, est))

    rows = rows_on(events, refused["port"])["out"]
    check(len(rows) == 1 and rows[0]["end"] == "refused" and rows[0]["pid"] == refused["client_pid"]
          and rows[0]["comm"] == "netrefused" and rows[0]["tx_bytes"] == 0 and
          rows[0]["rx_bytes"] == 0 and rows[0]["event"] == "close",
          "refused: one close row, end refused, the client's, no bytes: %r" % rows)

    rows = rows_on(events, reset["port"])
    check([(e["end"], e["pid"], e["tx_bytes"], e["rx_bytes"]) for e in rows["out"]
           if e["event"] == "close"] == [("rst", reset["client_pid"], 1000, 1)],
          "reset: the client's row ends rst with 1000 bytes out, 1 in: %r" % rows["out"])
    check([(e["end"], e["pid"], e["tx_bytes"], e["rx_bytes"]) for e in rows["in"]
           if e["event"] == "close"] == [("rst", os.getpid(), 1, 1000)],
          "reset: the server's row ends rst with 1 byte out, 1000 in: %r" % rows["in"])

    rows = [e for e in rows_on(events, gone["port"])["out"] if e["event"] == "close"]
    check([(e["pid"], e["comm"], e["tx_bytes"], e["end"]) for e in rows] ==
          [(gone["client_pid"], "netgone", 2000, "fin")],
          "gone: the row of a client that exited first is still its own: %r" % rows)

    rows = [e for e in rows_on(events, lonely["port"])["in"] if e["event"] == "close"]
    check([(e["pid"], e["comm"], e["rx_bytes"]) for e in rows] == [(os.getpid(), "python3", 100)],
          "never accepted: the row belongs to the listening process, 100 bytes in: %r" % rows)

    written, lost = summary_counts(tracer.stderr_text(), "net")
    check(written == len(events) and lost == 0,
          "net summary counts the file's %d events, 0 lost (%r)" % (len(events), (written, lost)))

    # CSV: the columns, in order; ebpfmon -m net writes the same monitor.
    csv_out = tempfile.mkdtemp(prefix="ebpfmon-net-csv-")
    tracer = Tracer([tool("ebpfmon"), "-m", "net", "-q", "-o", csv_out])
    exchange(socket.AF_INET, "127.0.0.1", 10, 20)
    tracer.stop()
    rows = read_csv(output_files(csv_out, "net", "csv")[0])
    check(rows and rows[0] == NET_COLUMNS, "net CSV header (got %r)" % (rows[:1],))


def move_to(cgroup_dir):
    def setup():
        with open(os.path.join(cgroup_dir, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    return setup


def become_nobody():
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def filtered_run(what, args, make_clients, expect, each):
    """netmon with `args`; make_clients() returns held clients (pids known
    before tracing) and the connections' truths; only the rows `expect`
    names among ours may appear, and every row written passes `each`."""
    out = tempfile.mkdtemp(prefix="ebpfmon-net-filter-")
    plan = make_clients()
    tracer = Tracer([tool("netmon"), "-q", "-o", out, "--format", "jsonl"] + args)
    truths = plan()
    rc = tracer.stop()
    check(rc == 0, "%s: exit 0 (%d: %s)" % (what, rc, tracer.stderr_text()[-300:]))
    events = read_jsonl(output_files(out, "net", "jsonl")[0])
    ours = sorted((name, d) for name, t in truths.items() for d, rows in
                  rows_on(events, t["port"]).items() for _ in rows)
    check(ours == sorted(expect), "%s: exactly %s among ours (got %s)" % (what, expect, ours))
    bad = [e for e in events if not each(e)]
    check(not bad, "%s: every row passes the filter (%d of %d do not: %r)" % (
        what, len(bad), len(events), bad[:2]))


def served(family, host, client, srv):
    """Serve one held client: accept, read to its end, close."""
    client.go()
    conn, _ = srv.accept()
    read_to_eof(conn)
    conn.close()
    client.wait()
    srv.close()


def pair(client_kw, family=socket.AF_INET, host="127.0.0.1", target_host=None):
    """A listener and a held client that sends 50 bytes to it and closes."""
    srv = listener(family, host if target_host is None else "0.0.0.0")
    port = srv.getsockname()[1]

    def talk(s):
        s.sendall(b"f" * 50)
        s.close()

    client = Client(family, (target_host or host, port), talk, **client_kw)
    return srv, client, {"port": port}


def test_filters():
    mount = cgroup_mount()

    def owner_plan(special_kw):
        """Two clients: `special` with special_kw, `plain` without."""
        def make():
            a_srv, a, a_truth = pair(special_kw)
            b_srv, b, b_truth = pair({})

            def go():
                served(socket.AF_INET, "127.0.0.1", a, a_srv)
                served(socket.AF_INET, "127.0.0.1", b, b_srv)
                return {"special": a_truth, "plain": b_truth}
            return go
        return make

    make = owner_plan({"comm": "netspecial"})
    filtered_run("-p netspecial", ["-p", "netspecial"], make, [("special", "out")],
                 lambda e: e["comm"] == "netspecial")
    make = owner_plan({"setup": become_nobody})
    filtered_run("-u nobody", ["-u", str(NOBODY)], make, [("special", "out")],
                 lambda e: e["uid"] == NOBODY)

    # --pid: the client's pid is known before tracing starts.
    a_srv, a, a_truth = pair({})
    b_srv, b, b_truth = pair({})

    def pid_plan():
        served(socket.AF_INET, "127.0.0.1", a, a_srv)
        served(socket.AF_INET, "127.0.0.1", b, b_srv)
        return {"special": a_truth, "plain": b_truth}
    filtered_run("--pid", ["--pid", str(a.pid)], lambda: pid_plan, [("special", "out")],
                 lambda e: e["pid"] == a.pid)

    if mount is None:
        print("SKIP: --cgroup and --container: no cgroup v2 mounted")
    else:
        made = []
        try:
            plain_dir = os.path.join(mount, "ebpfmon-net-test")
            cid = "%064x" % (0xfeed0000 + os.getpid())
            slice_dir = os.path.join(mount, "system.slice")
            scope = os.path.join(slice_dir, "docker-%s.scope" % cid)
            for d in (plain_dir, slice_dir, scope):
                if not os.path.isdir(d):
                    os.mkdir(d)
                    made.append(d)
            make = owner_plan({"setup": move_to(plain_dir)})
            ino = os.stat(plain_dir).st_ino
            filtered_run("--cgroup", ["--cgroup", plain_dir], make, [("special", "out")],
                         lambda e: e["cgroup_id"] == ino)
            make = owner_plan({"setup": move_to(scope)})
            filtered_run("--container", ["--container", cid[:12]], make, [("special", "out")],
                         lambda e: e["container_id"].startswith(cid[:12]))
        finally:
            for d in reversed(made):
                try:
                    os.rmdir(d)
                except OSError as err:
                    print("note: could not remove %s: %s" % (d, err))

    # --port: the service port, both ends of the connections to it.
    def port_plan():
        a_srv, a, a_truth = pair({})
        b_srv, b, b_truth = pair({})
        port_plan.port = a_truth["port"]

        def go():
            served(socket.AF_INET, "127.0.0.1", a, a_srv)
            served(socket.AF_INET, "127.0.0.1", b, b_srv)
            return {"special": a_truth, "plain": b_truth}
        return go
    go = port_plan()
    port = port_plan.port
    filtered_run("--port", ["--port", "%d,1" % port], lambda: go,
                 [("special", "in"), ("special", "out")],
                 lambda e: (e["rport"] if e["direction"] == "out" else e["lport"]) in (port, 1))

    # --remote: an IPv4 /32 and an IPv6 /128. Seen from the client, the peer
    # is 127.0.0.2 or ::1; seen from the server, 127.0.0.3 or ::1.
    def remote_plan():
        v4_srv, v4, v4_truth = pair({"source": "127.0.0.3"}, target_host="127.0.0.2")
        v6_srv, v6, v6_truth = pair({}, family=socket.AF_INET6, host="::1")
        lo_srv, lo, lo_truth = pair({})

        def go():
            served(socket.AF_INET, "127.0.0.1", v4, v4_srv)
            served(socket.AF_INET6, "::1", v6, v6_srv)
            served(socket.AF_INET, "127.0.0.1", lo, lo_srv)
            return {"v4": v4_truth, "v6": v6_truth, "lo": lo_truth}
        return go
    blocks = [ipaddress.ip_network("127.0.0.2/32"), ipaddress.ip_network("::1/128")]
    filtered_run("--remote", ["--remote", "127.0.0.2/32,::1/128"], remote_plan,
                 [("v4", "out"), ("v6", "in"), ("v6", "out")],
                 lambda e: any(ipaddress.ip_address(e["raddr"]) in b for b in blocks))


def test_summary_and_metrics():
    """--summary --per container: exact counts of connections,
    failures and bytes per row; /metrics: by direction and end, bytes each
    way, and per container capped at container_series with "other"."""
    mount = cgroup_mount()
    if not mount:
        check(False, "summary: no cgroup v2 to make containers in")
        return
    parent = os.path.join(mount, "ebpfmon-net-summary-%d.slice" % os.getpid())
    ids = {k: uuid.uuid4().hex + uuid.uuid4().hex for k in "abc"}
    counts = {"a": 3, "b": 2, "c": 1}  # connections made from each container
    dirs = {k: os.path.join(parent, "docker-%s.scope" % ids[k]) for k in ids}
    for d in dirs.values():
        os.makedirs(d)
    out = tempfile.mkdtemp(prefix="ebpfmon-net-summary-")
    config = os.path.join(out, "net.yaml")
    with open(config, "w") as f:
        f.write("monitors:\n  net:\n    container_series: 3\n")
    try:
        tracer = Tracer([tool("ebpfmon"), "-c", config, "-m", "net", "-o", out, "--summary",
                         "--per", "container", "--top", "0", "--metrics", "127.0.0.1:0"])
        ports = []
        for k, n in counts.items():
            for _ in range(n):
                srv, client, truth = pair({"setup": move_to(dirs[k]), "comm": "netsum" + k})
                served(socket.AF_INET, "127.0.0.1", client, srv)
                ports.append(truth["port"])
        refused = refused_connect()
        address = re.search(r"^metrics: http://(127\.0\.0\.1:\d+)/metrics$", tracer.stderr_text(), re.M)
        samples = {}
        for _ in range(50):  # the exits reach /metrics as they are read
            samples = parse_metrics(scrape(address.group(1))[2]) if address else {}
            # The refused connect was the last made: once it shows, all have.
            if samples.get(("ebpfmon_net_connections_total",
                            frozenset({("direction", "out"), ("end", "refused")})), 0) >= 1:
                break
            time.sleep(0.1)
        rc = tracer.stop()
    finally:
        for d in dirs.values():
            os.rmdir(d)
        os.rmdir(parent)
    check(rc == 0, "summary: exit 0: %s" % tracer.stderr_text()[-300:])
    text = tracer.stdout.decode()
    rows = {}
    for line in text.splitlines():
        cells = line.split()
        if len(cells) == 7 and cells[1].isdigit():
            rows[cells[0].rstrip("\u2026")] = cells[1:]
    for k, n in counts.items():
        row = next((v for key, v in rows.items() if ids[k].startswith(key)), None)
        check(row is not None and row[0] == str(n) and row[1] == "0" and row[2] == str(50 * n)
              and row[3] == "0",
              "summary by container: %s made %d connections, 0 failed, %d bytes sent: %s"
              % (k, n, 50 * n, row))
    host = rows.get("host")
    check(host is not None and int(host[0]) >= 7 and int(host[1]) >= 1,
          "summary by container: the host row has the 6 accepted ends and the refused connect: %s"
          % host)
    check(re.search(r"whole run [\d.]+ s: \d+ connections, [1-9]\d* failed \(by container\)", text),
          "summary: the title counts the connections and failures: %s" % text[:200])
    per = {dict(k[1])["container"]: v for k, v in samples.items()
           if k[0] == "ebpfmon_net_container_connections_total"}
    check(per.get(ids["a"]) == 3 and per.get(ids["b"]) == 2 and per.get("host", 0) >= 7
          and ids["c"] not in per and per.get("other") == 1 and len(per) == 4,
          "metrics: the 3 busiest (the host, a, b) by name, c as other: %s" % per)
    out_refused = samples.get(("ebpfmon_net_connections_total",
                               frozenset({("direction", "out"), ("end", "refused")})))
    check(out_refused is not None and out_refused >= 1, "metrics: the refused connect: %s" % out_refused)
    tx = samples.get(("ebpfmon_net_bytes_total", frozenset({("direction", "tx")})))
    check(tx is not None and tx >= 50 * 6, "metrics: bytes sent include the 300 of ours: %s" % tx)
    del refused, ports


def test_doctor_and_usage():
    r = run([tool("ebpfmon"), "--doctor", "-m", "net"])
    check("net:" in r.stdout and "sock:inet_sock_set_state" in r.stdout,
          "doctor -m net names the tracepoint: %s" % r.stdout[-600:])
    r = run([tool("netmon"), "--port", "70000"])
    check(r.returncode == 2 and "--port" in r.stderr, "--port 70000: usage error (%d %s)" % (
        r.returncode, r.stderr))
    r = run([tool("netmon"), "--remote", "10.0.0.0/33"])
    check(r.returncode == 2 and "--remote" in r.stderr, "--remote 10.0.0.0/33: usage error (%d %s)"
          % (r.returncode, r.stderr))


def main():
    require_root()
    if not os.path.exists("/proc/net/if_inet6"):
        skip("no IPv6 on this machine: the IPv6 cases cannot run")
    test_doctor_and_usage()
    main_run()
    test_filters()
    test_summary_and_metrics()
    finish()


main()
