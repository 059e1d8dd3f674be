#!/usr/bin/env python3
"""--export end to end, against real nats-server processes (Debian's, with
JetStream) on loopback: the stream is read back over the NATS protocol
(a raw socket, STREAM.MSG.GET requests) and must hold every event of a known
workload exactly once, with its host, monitor and Nats-Msg-Id, through a
server restart, a kill -9 of ebpfmon while the server is down, and the
leader of an R3 cluster being killed. Bad URLs, refused credentials and a
server that never comes up are checked for their exit code and messages."""
import base64
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HeldChild, Tracer, check, finish, require_root, run, skip, summary_counts,  # noqa: E402
                     tool)

NATS_SERVER = shutil.which("nats-server")
TRUE = "/bin/true"
HOST = socket.gethostname()


def free_ports(count):
    """`count` distinct free ports: each socket is held until all are
    chosen, or the kernel may hand out one port twice (two nodes of a
    cluster on one port: the second dies, see NatsServer.start)."""
    held = [socket.socket() for _ in range(count)]
    try:
        for s in held:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def free_port():
    return free_ports(1)[0]


class NatsServer:
    """One nats-server with JetStream, its store in `store`, until stop()."""

    def __init__(self, store, port=None, extra=()):
        self.store, self.port, self.extra = store, port or free_port(), list(extra)
        self.proc = None
        self.start()

    def start(self):
        """Returns once this server says it is ready. A port that answers is
        not enough: it may be another server's (a route port), while this
        one died of "address already in use"."""
        log_path = self.store + ".log"
        self.log = open(log_path, "ab")
        since = self.log.tell()  # a restart appends to the same log
        self.proc = subprocess.Popen([NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(self.port),
                                      "-sd", self.store] + self.extra,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            with open(log_path, "rb") as f:
                f.seek(since)
                if b"Server is ready" in f.read():
                    return
            time.sleep(0.05)
        with open(log_path, "rb") as f:
            f.seek(since)
            said = f.read().decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError("nats-server on %d is not ready (exit %s): %s" % (self.port, self.proc.poll(), said))

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        self.proc = None
        self.log.close()

    @property
    def url(self):
        return "nats://127.0.0.1:%d" % self.port


class JsReader:
    """The little of the NATS client protocol it takes to read a stream:
    CONNECT, one reply subject, request/reply on the JetStream API."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.line()  # INFO
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,'
                          b'"no_responders":true,"protocol":1}\r\nSUB _INBOX.reader 1\r\nPING\r\n')
        while self.line() != b"PONG":
            pass

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise RuntimeError("nats connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def take(self, n):
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(1 << 16)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def request(self, subject, payload=b""):
        self.sock.sendall(b"PUB %s _INBOX.reader %d\r\n%s\r\n" % (subject.encode(), len(payload), payload))
        while True:
            line = self.line()
            if line.startswith(b"PING"):
                self.sock.sendall(b"PONG\r\n")
            elif line.startswith(b"MSG "):
                return json.loads(self.take(int(line.split()[-1])) or b"{}")
            elif line.startswith(b"HMSG "):
                parts = line.split()
                data = self.take(int(parts[-1]))[int(parts[-2]):]
                return json.loads(data or b"{}")

    def messages(self, stream="EBPFMON"):
        """Every message of the stream: (subject, headers dict, json object)."""
        info = self.request("$JS.API.STREAM.INFO." + stream)
        if "error" in info:
            return []
        out = []
        state = info["state"]
        for seq in range(state.get("first_seq", 1), state.get("last_seq", 0) + 1):
            r = self.request("$JS.API.STREAM.MSG.GET." + stream, json.dumps({"seq": seq}).encode())
            if "message" not in r:
                continue
            m = r["message"]
            headers = {}
            for h in base64.b64decode(m.get("hdrs", "")).decode().split("\r\n")[1:]:
                if ":" in h:
                    k, v = h.split(":", 1)
                    headers[k.strip()] = v.strip()
            out.append((m["subject"], headers, json.loads(base64.b64decode(m.get("data", "")))))
        return out

    def close(self):
        self.sock.close()


def stream_messages(port):
    reader = JsReader(port)
    try:
        return reader.messages()
    finally:
        reader.close()


def marker_indices(messages, marker):
    """The i of every exec of `/bin/true <marker>-<i>` in the stream, in order."""
    found = []
    for _, _, obj in messages:
        m = re.search(r"\b%s-(\d+)\b" % re.escape(marker), str(obj.get("argv", "")))
        if m:
            found.append(int(m.group(1)))
    return found


def check_each_once(messages, marker, count, what):
    """Execs <marker>-0 .. <marker>-(count-1) each in the stream exactly once."""
    found = marker_indices(messages, marker)
    check(sorted(found) == list(range(count)),
          "%s: each of the %d execs exactly once, got %d (%d distinct)" % (what, count, len(found), len(set(found))))


def execs(marker, first, count, pause=0.0):
    for i in range(first, first + count):
        subprocess.run([TRUE, "%s-%d" % (marker, i)], check=True)
        if pause:
            time.sleep(pause)


def write_config(directory, spool, extra="", top=""):
    path = os.path.join(directory, "config.yaml")
    with open(path, "w") as f:
        f.write("%sexport:\n  nats:\n    spool:\n      dir: %s\n    drain_timeout: 15\n%s" % (top, spool, extra))
    os.chmod(path, 0o644)
    return path


def execmon(work, urls, *more):
    return [tool("execmon"), "-q", "--comm", "true", "-c", write_config(work, os.path.join(work, "spool")),
            "-o", os.path.join(work, "out"), "--export", urls] + list(more)


def spool_bytes(work):
    return sum(os.path.getsize(p) for p in glob.glob(os.path.join(work, "spool", "chunk-*.spool")))


def test_one_server(work):
    server = NatsServer(os.path.join(work, "store"))
    try:
        cmd = execmon(work, server.url)
        metrics_port = free_port()
        write_config(work, os.path.join(work, "spool"),
                     top="metrics:\n  enabled: true\n  listen: 127.0.0.1:%d\n" % metrics_port)
        tracer = Tracer(cmd)
        execs("one", 0, 1000)
        subprocess.run([TRUE, "--password=js3cr3te2e"], check=True)  # masked before it is published
        time.sleep(1)
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port, timeout=10) as page:
            metrics = page.read().decode()
        acked = re.search(r"^ebpfmon_export_acked_total (\S+)$", metrics, re.M)
        check(acked is not None and float(acked.group(1)) >= 1000,
              "one server: /metrics has ebpfmon_export_acked_total >= 1000: %s" % (acked and acked.group(0)))
        check(re.search(r"^ebpfmon_export_connected 1$", metrics, re.M) is not None and
              re.search(r'^ebpfmon_events_lost_total\{monitor="exec",stage="export"\} 0$', metrics, re.M)
              is not None and "ebpfmon_export_spool_bytes" in metrics and
              "ebpfmon_export_published_total" in metrics and "ebpfmon_export_retried_total" in metrics,
              "one server: /metrics has the export's families and loss stage")
        rc = tracer.stop()
        check(rc == 0, "one server: exit 0, got %d: %s" % (rc, tracer.stderr_text()))
        messages = stream_messages(server.port)
        check_each_once(messages, "one", 1000, "one server")
        check("js3cr3te2e" not in json.dumps([o for _, _, o in messages]) and
              any(o.get("argv") == [TRUE, "--password=****"] for _, _, o in messages),
              "one server: the secret in an argv reaches the stream as ****")
        ids = [h.get("Nats-Msg-Id", "") for _, h, _ in messages]
        check(len(set(ids)) == len(ids) and all(re.fullmatch(r"%s:[0-9a-f]{16}:exec:\d+" % re.escape(HOST), i)
                                                for i in ids),
              "one server: every message has its own Nats-Msg-Id host:run:exec:seq, e.g. %s" % ids[:2])
        check(all(o.get("host") == HOST and o.get("monitor") == "exec" and s == "ebpfmon.%s.exec" % HOST
                  for s, _, o in messages),
              "one server: host and monitor fields, subject ebpfmon.<host>.exec")
        written, lost = summary_counts(tracer.stderr_text(), "exec") or (None, None)
        check(lost == 0 and written == len(messages),
              "one server: summary %s written, %s lost; the stream holds %d" % (written, lost, len(messages)))
    finally:
        server.stop()


def test_syscalls(work):
    """syscallmon's events reach the stream too: a child whose pid is known
    makes 300 failed openat calls; the stream holds exactly those, with the
    syscall fields, subject ebpfmon.<host>.syscall and their own ids."""
    server = NatsServer(os.path.join(work, "store"))
    calls = 300

    def open_missing():
        for i in range(calls):
            try:
                os.open("/nonexistent/ebpfmon-export-%d" % i, os.O_RDONLY)
            except FileNotFoundError:
                pass

    try:
        child = HeldChild([open_missing], "ebpfmon-xsys")
        tracer = Tracer([tool("syscallmon"), "-q", "--pid", str(child.pid), "--syscall", "openat",
                         "--errors-only", "--max-rate", "0",
                         "-c", write_config(work, os.path.join(work, "spool")),
                         "-o", os.path.join(work, "out"), "--export", server.url])
        child.go()
        time.sleep(1)
        rc = tracer.stop()
        check(rc == 0, "syscalls: exit 0, got %d: %s" % (rc, tracer.stderr_text()))
        messages = stream_messages(server.port)
        mine = [(subject, h, o) for subject, h, o in messages if o.get("pid") == child.pid]
        check(len(mine) == calls and len(messages) == calls,
              "syscalls: the stream holds exactly the %d failed openat calls (%d, %d of the child)"
              % (calls, len(messages), len(mine)))
        check(all(o.get("syscall_name") == "openat" and o.get("error_name") == "ENOENT" and
                  o.get("is_error") is True and o.get("monitor") == "syscall" and
                  o.get("host") == HOST and s == "ebpfmon.%s.syscall" % HOST for s, _, o in mine),
              "syscalls: each is openat, ENOENT, with host and monitor, on ebpfmon.<host>.syscall")
        ids = [h.get("Nats-Msg-Id", "") for _, h, _ in mine]
        check(len(set(ids)) == calls and all(re.fullmatch(r"%s:[0-9a-f]{16}:syscall:\d+" % re.escape(HOST), i)
                                              for i in ids),
              "syscalls: every message has its own id host:run:syscall:seq, e.g. %s" % ids[:1])
        written, lost = summary_counts(tracer.stderr_text(), "syscall") or (None, None)
        check(written == calls and lost == 0,
              "syscalls: the summary says %s written, %s lost" % (written, lost))
    finally:
        server.stop()


def test_server_restart(work):
    server = NatsServer(os.path.join(work, "store"))
    try:
        tracer = Tracer(execmon(work, server.url))
        execs("restart", 0, 200, pause=0.005)
        server.stop(signal.SIGKILL)
        down_from = time.monotonic()
        execs("restart", 200, 300, pause=0.02)
        check(spool_bytes(work) > 0, "restart: events spool while the server is down")
        time.sleep(max(0, 10 - (time.monotonic() - down_from)))
        server.start()
        execs("restart", 500, 200, pause=0.005)
        time.sleep(3)
        rc = tracer.stop()
        check(rc == 0, "restart: exit 0, got %d: %s" % (rc, tracer.stderr_text()))
        check_each_once(stream_messages(server.port), "restart", 700, "restart after a 10 s outage")
        check(spool_bytes(work) == 0, "restart: the spool is empty once replayed")
    finally:
        server.stop()


def test_daemon_status(work):
    """--daemon-status (text and --json) shows the export: connected, counts
    and spool, as the server goes away and comes back."""
    server = NatsServer(os.path.join(work, "store"))
    env = dict(os.environ, EBPFMON_RUN_DIR=os.path.join(work, "run"))

    def ebpfmon(*args):
        return run([tool("ebpfmon")] + list(args), env=env, cwd=work)

    def status_until(what, ready, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            r = ebpfmon("--daemon-status", "--json")
            export = json.loads(r.stdout).get("export", {}) if r.returncode == 0 else {}
            if ready(export) or time.monotonic() > deadline:
                check(ready(export), "daemon status: %s (%s)" % (what, export))
                return export
            time.sleep(0.2)

    try:
        r = ebpfmon(*(execmon(work, server.url)[2:] + ["--daemon", "-m", "exec"]))
        check(r.returncode == 0, "daemon status: the daemon starts with --export (%d: %s)" % (r.returncode, r.stderr))
        if r.returncode != 0:
            return
        execs("status", 0, 100)
        status_until("connected, 100 execs published and acked",
                     lambda e: e.get("connected") is True and e.get("acked", 0) >= 100 and
                     e.get("published", 0) >= 100 and e.get("spool_bytes") == 0)
        text = ebpfmon("--daemon-status").stdout
        check(re.search(r"^  export: connected, \d+ published, \d+ acked, \d+ retried, 0 bytes spooled$",
                        text, re.M) is not None and "export 0)" in text,
              "daemon status: the text has the export line and the export loss stage: %s" % text)
        server.stop(signal.SIGKILL)
        status_until("not connected once the server is killed", lambda e: e.get("connected") is False)
        execs("status", 100, 50)
        status_until("the execs made while down are in the spool", lambda e: e.get("spool_bytes", 0) > 0)
        check("export: not connected" in ebpfmon("--daemon-status").stdout,
              "daemon status: the text says not connected")
        server.start()
        status_until("connected again, the spool replayed",
                     lambda e: e.get("connected") is True and e.get("spool_bytes") == 0 and
                     e.get("acked", 0) >= 150, timeout=60)
        r = ebpfmon("--daemon-stop")
        check(r.returncode == 0, "daemon status: the daemon stops (%d: %s)" % (r.returncode, r.stderr))
        check_each_once(stream_messages(server.port), "status", 150, "daemon status")
    finally:
        ebpfmon("--daemon-stop")
        server.stop()


def test_kill9_while_down(work):
    port = free_port()
    tracer = Tracer(execmon(work, "nats://127.0.0.1:%d" % port))
    execs("k9", 0, 300)
    time.sleep(1.5)  # the thread spools what is queued (it retries every 0.5 s)
    tracer.proc.kill()
    tracer.proc.wait()
    check(spool_bytes(work) > 0, "kill -9: the spool holds the events")
    server = NatsServer(os.path.join(work, "store"), port=port)
    try:
        shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
        second = Tracer(execmon(work, server.url, "--format", "none"))
        time.sleep(3)
        rc = second.stop()
        check(rc == 0, "kill -9: the second run exits 0: %s" % second.stderr_text())
        check(not os.path.exists(os.path.join(work, "out")) or not os.listdir(os.path.join(work, "out")),
              "--format none: no event file")
        check_each_once(stream_messages(server.port), "k9", 300, "kill -9: the next run replays the spool")
        check(spool_bytes(work) == 0, "kill -9: the spool is empty once replayed")
    finally:
        server.stop()


def test_never_up(work):
    port = free_port()
    tracer = Tracer(execmon(work, "nats://127.0.0.1:%d" % port, "-d", "4"))
    execs("never", 0, 50)
    rc = tracer.proc.wait(timeout=60)
    _, err = tracer.proc.communicate()
    text = (tracer.stderr + err).decode(errors="replace")
    check(rc == 0, "never up: exit 0 (a warning), got %d" % rc)
    check("no NATS server reachable" in text and "spool" in text, "never up: the warning names the spool: " + text)
    check(spool_bytes(work) > 0, "never up: the spool grows")
    check(re.search(r"export: \d+ published, 0 acked, .* (\d+) left in the spool", text) is not None,
          "never up: the summary says what is left in the spool: " + text)
    r = run(execmon(work, "nats://127.0.0.1:%d" % port, "--export-required", "-d", "1"), timeout=60)
    check(r.returncode == 1 and "--export-required" in r.stderr,
          "never up: --export-required exits 1, got %d: %s" % (r.returncode, r.stderr))


def wait_for(what, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (OSError, RuntimeError, ValueError):
            pass
        time.sleep(0.25)
    raise RuntimeError("timed out waiting for " + what)


class Cluster:
    """Three nats-servers with JetStream, routed into one cluster: node i is
    n<i>, started by start(i); stop() kills those started."""

    def __init__(self, work, size=3):
        chosen = free_ports(2 * size)
        self.work, self.ports, self.routes = work, chosen[:size], chosen[size:]
        self.nodes = [None] * size

    def start(self, i):
        others = ",".join("nats://127.0.0.1:%d" % r for j, r in enumerate(self.routes) if j != i)
        self.nodes[i] = NatsServer(os.path.join(self.work, "store%d" % i), port=self.ports[i],
                                   extra=["-n", "n%d" % i, "--cluster_name", "ebpfmon",
                                          "--cluster", "nats://127.0.0.1:%d" % self.routes[i], "--routes", others])

    def stop(self):
        for n in self.nodes:
            if n:
                n.stop(signal.SIGKILL)

    @property
    def urls(self):
        return ",".join("nats://127.0.0.1:%d" % p for p in self.ports)

    def request(self, node, subject, payload=b""):
        # A short wait per request: a server that does not answer yet is
        # asked again by wait_for, not waited on for the whole of its time.
        r = JsReader(self.ports[node], timeout=2)
        try:
            return r.request(subject, payload)
        finally:
            r.close()

    def stream_info(self, node=0):
        return self.request(node, "$JS.API.STREAM.INFO.EBPFMON")

    def holds_r3_streams(self):
        """Every node has joined: an R3 stream can be placed (one is made
        and deleted). A meta leader alone is no sign of that, as two of
        three nodes elect one, and ebpfmon's R3 stream then cannot be made."""
        config = {"name": "FORMED", "subjects": ["formed"], "storage": "memory", "num_replicas": 3}
        created = self.request(0, "$JS.API.STREAM.CREATE.FORMED", json.dumps(config).encode())
        if "error" in created:
            return False
        self.request(0, "$JS.API.STREAM.DELETE.FORMED")
        return True


def export_r3(work, cluster):
    """execmon exporting to `cluster` into a stream of 3 replicas."""
    cmd = execmon(work, cluster.urls)
    write_config(work, os.path.join(work, "spool"), "    replicas: 3\n")
    return Tracer(cmd)


def test_cluster_leader_killed(work):
    cluster = Cluster(work)
    try:
        for i in range(3):
            cluster.start(i)
        wait_for("all three nodes in the cluster", cluster.holds_r3_streams)
        tracer = export_r3(work, cluster)
        execs("r3", 0, 300, pause=0.002)
        wait_for("the stream's leader", lambda: cluster.stream_info().get("cluster", {}).get("leader"))
        info = cluster.stream_info()
        info_leader = info["cluster"]["leader"]
        replicas = info["config"].get("num_replicas")
        check(replicas == 3, "R3: ebpfmon created the stream with 3 replicas, got %s" % replicas)
        victim = int(info_leader[1:])
        cluster.nodes[victim].stop(signal.SIGKILL)
        execs("r3", 300, 300, pause=0.002)
        cluster.nodes[victim].start()
        execs("r3", 600, 100, pause=0.002)
        time.sleep(2)
        rc = tracer.stop()
        check(rc == 0, "R3: exit 0, got %d: %s" % (rc, tracer.stderr_text()))
        survivor = (victim + 1) % 3
        wait_for("the stream to have a leader again",
                 lambda: cluster.stream_info(survivor).get("cluster", {}).get("leader"))
        check_each_once(stream_messages(cluster.ports[survivor]), "r3", 700,
                        "R3: the leader (%s) killed mid-run" % info_leader)
    finally:
        cluster.stop()


def test_cluster_forming(work):
    """ebpfmon starts while one node of three has not joined: the R3 stream
    cannot be placed yet, so events spool and ebpfmon says so once; once the
    third node is up it makes the stream, with 3 replicas, and every event
    reaches it once."""
    cluster = Cluster(work)
    try:
        cluster.start(0)
        cluster.start(1)
        wait_for("a meta leader of two nodes", lambda: "error" not in cluster.request(0, "$JS.API.INFO"))
        tracer = export_r3(work, cluster)
        execs("forming", 0, 100)
        wait_for("the events in the spool, the stream not made", lambda: spool_bytes(work) > 0)
        cluster.start(2)
        wait_for("the stream's leader", lambda: cluster.stream_info().get("cluster", {}).get("leader"))
        replicas = cluster.stream_info()["config"].get("num_replicas")
        check(replicas == 3, "forming: ebpfmon made the stream with 3 replicas, got %s" % replicas)
        execs("forming", 100, 100)
        rc = tracer.stop()
        err = tracer.stderr_text()
        check(rc == 0, "forming: exit 0, got %d: %s" % (rc, err))
        warnings = re.findall(r"^.*cannot create stream.*$", err, re.M)
        check(len(warnings) == 1 and "no suitable peers" in warnings[0],
              "forming: one warning that the stream cannot be made yet, got %d: %s" % (len(warnings), warnings[:3]))
        check_each_once(stream_messages(cluster.ports[0]), "forming", 200, "forming: every event once")
        check(spool_bytes(work) == 0, "forming: the spool is empty once replayed")
    finally:
        cluster.stop()


def test_bad_url(work):
    for url in ["http://127.0.0.1:4222", "nats://127.0.0.1", "nats://127.0.0.1:99999", "nats://:4222"]:
        r = run(execmon(work, url), timeout=60)
        lines = r.stderr.splitlines()
        # The usage error is one line; the second is every usage error's "Try --help".
        check(r.returncode == 2 and "not a NATS server URL" in lines[0] and lines[1:] == [
            "Try 'execmon --help' for more information."],
              "bad URL %s: one line, exit 2, got %d: %s" % (url, r.returncode, r.stderr))


def test_wrong_credentials(work):
    server = NatsServer(os.path.join(work, "store"), extra=["--user", "ebpfmon", "--pass", "right"])
    try:
        r = run(execmon(work, server.url, "-d", "1"), timeout=60)
        check(r.returncode == 1 and "authentication failed" in r.stderr,
              "wrong credentials: exit 1 and says so, got %d: %s" % (r.returncode, r.stderr))
    finally:
        server.stop()


def make_tls_files(work):
    """A CA, and a server certificate for 127.0.0.1 signed by it (openssl)."""
    def openssl(*args):
        subprocess.run(["openssl"] + list(args), check=True, cwd=work,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
            "/CN=ebpfmon test CA", "-keyout", "ca.key", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(work, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "1", "-extfile", "san.ext", "-out", "server.pem")
    return {n: os.path.join(work, n) for n in ("ca.pem", "server.pem", "server.key")}


def test_tls(work):
    """A TLS-only server: with export.nats.tls.ca naming its CA every event
    is acked; without it the handshake fails: one line, exit 1."""
    if not shutil.which("openssl"):
        print("test_tls: skipped: openssl is not installed", flush=True)
        return
    files = make_tls_files(work)
    server = NatsServer(os.path.join(work, "store"),
                        extra=["--tls", "--tlscert", files["server.pem"], "--tlskey", files["server.key"]])
    url = "tls://127.0.0.1:%d" % server.port
    spool = os.path.join(work, "spool")
    try:
        config = write_config(work, spool, extra="    tls:\n      ca: %s\n" % files["ca.pem"])
        tracer = Tracer([tool("execmon"), "-q", "--comm", "true", "-c", config,
                         "-o", os.path.join(work, "out"), "--export", url])
        execs("tls", 0, 50)
        time.sleep(1)
        rc = tracer.stop()
        err = tracer.stderr_text()
        m = re.search(r"^export: (\d+) published, (\d+) acked", err, re.M)
        check(rc == 0 and m is not None and int(m.group(2)) >= 50 and int(m.group(1)) == int(m.group(2)),
              "tls: with the CA, exit 0 and every event acked (%d: %s)" % (rc, m and m.group(0)))
        check(spool_bytes(work) == 0, "tls: nothing left in the spool")
        config = write_config(work, spool)
        r = run([tool("execmon"), "-q", "-c", config, "-o", os.path.join(work, "out2"),
                 "--export", url, "-d", "1"], timeout=60)
        lines = [l for l in r.stderr.splitlines() if "TLS" in l]
        check(r.returncode == 1 and len(lines) == 1 and "TLS failed" in lines[0],
              "tls: without the CA, one line saying TLS failed and exit 1 (%d: %s)"
              % (r.returncode, r.stderr.strip()[-300:]))
    finally:
        server.stop()


def main():
    require_root()
    if not NATS_SERVER:
        skip("nats-server is not installed (scripts/install-deps)")
    tests = [test_bad_url, test_one_server, test_syscalls, test_wrong_credentials, test_tls, test_never_up,
             test_kill9_while_down, test_server_restart, test_cluster_leader_killed, test_cluster_forming,
             test_daemon_status]
    only = sys.argv[1:]
    for t in tests:
        if only and t.__name__ not in only:
            continue
        work = tempfile.mkdtemp(prefix="ebpfmon-export-")
        try:
            started = time.monotonic()
            t(work)
            print("%s: %.1f s" % (t.__name__, time.monotonic() - started), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
