"""A 3-node NATS JetStream cluster of Debian's nats-server for the
replication tests: every node on free loopback ports with its own store
directory, started and SIGKILLed one by one, torn down at the end (the
fixture in conftest.py stops it even when a test fails)."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def _ephemeral_low() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_taken: set[int] = set()


def free_port() -> int:
    """A free loopback port below the kernel's ephemeral range. A node's
    ports must stay its own from the moment they are chosen until the node
    binds them, and again while it is down between a kill and a restart: a
    port the kernel handed out (bind to port 0) could meanwhile go to any
    test's server or outgoing connection (seen under a parallel ctest: a
    route dialling an HTTP server, and the stream never forming)."""
    rng = random.SystemRandom()
    low, high = 20000, max(_ephemeral_low(), 20001)
    for _ in range(1000):
        port = rng.randrange(low, high)
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError(f"no free loopback port in {low}-{high}")


class Cluster:
    def __init__(self, root: str, nodes: int = 3) -> None:
        self.root = root
        self.ports = [(free_port(), free_port(), free_port()) for _ in range(nodes)]
        self.procs: list[subprocess.Popen | None] = [None] * nodes
        routes = ", ".join(f"nats-route://127.0.0.1:{c}" for _, c, _ in self.ports)
        self.configs = []
        for i, (client, route, http) in enumerate(self.ports):
            conf = os.path.join(root, f"n{i}.conf")
            with open(conf, "w") as f:
                f.write(f"""server_name: n{i}
listen: 127.0.0.1:{client}
http: 127.0.0.1:{http}
jetstream {{ store_dir: "{root}/js{i}" }}
cluster {{ name: annal, listen: 127.0.0.1:{route}, routes: [{routes}] }}
""")
            self.configs.append(conf)

    @property
    def urls(self) -> str:
        return ",".join(f"nats://127.0.0.1:{c}" for c, _, _ in self.ports)

    def url(self, i: int) -> str:
        return f"nats://127.0.0.1:{self.ports[i][0]}"

    def start(self, i: int) -> None:
        log = open(os.path.join(self.root, f"n{i}.log"), "a")
        self.procs[i] = subprocess.Popen([NATS_SERVER, "-c", self.configs[i]],
                                         stdout=log, stderr=log)

    def start_all(self) -> None:
        for i in range(len(self.ports)):
            self.start(i)
        self.wait_ready()

    def kill(self, i: int) -> None:
        """SIGKILL, as a crashed machine: no goodbye to the cluster."""
        p = self.procs[i]
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()
        self.procs[i] = None

    def stop(self) -> None:
        for i in range(len(self.ports)):
            self.kill(i)

    def running(self) -> list[int]:
        return [i for i, p in enumerate(self.procs) if p is not None and p.poll() is None]

    def monitor(self, i: int, path: str) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[i][2]}{path}",
                                    timeout=2) as r:
            return json.loads(r.read() or b"{}")

    def meta_leader(self) -> str | None:
        for i in self.running():
            try:
                leader = self.monitor(i, "/jsz").get("meta_cluster", {}).get("leader")
                if leader:
                    return leader
            except OSError:
                pass
        return None

    def stream(self, name: str = "annal") -> dict | None:
        """The stream's detail (cluster leader, replicas, state) as its
        leader tells it; if no node says it leads, as the first node that
        knows the stream tells it. A publish is acked once a quorum holds it,
        so a follower's own report may still lag what was acked."""
        first = None
        for i in self.running():
            try:
                jsz = self.monitor(i, "/jsz?streams=true")
            except (OSError, ValueError):
                continue
            for account in jsz.get("account_details", []):
                for st in account.get("stream_detail", []):
                    if st.get("name") != name:
                        continue
                    if st.get("cluster", {}).get("leader") == f"n{i}":
                        return st
                    first = first or st
        return first

    def stream_leader(self, name: str = "annal") -> int | None:
        st = self.stream(name)
        leader = st and st.get("cluster", {}).get("leader")
        return int(leader[1:]) if leader else None

    def meta_formed(self) -> bool:
        """Every running node names the same meta leader, and that leader
        has every other running node as a current peer: only then does a
        kill of the leader leave a quorum that knows its members (a node
        killed before it joined leaves the other two unable to elect)."""
        running = self.running()
        metas = {f"n{i}": self.monitor(i, "/jsz").get("meta_cluster", {}) for i in running}
        leaders = {m.get("leader") for m in metas.values()}
        if len(leaders) != 1 or None in leaders:
            return False
        leader = leaders.pop()
        if leader not in metas:
            return False
        current = {r["name"] for r in metas[leader].get("replicas", []) if r.get("current")}
        return current >= set(metas) - {leader}

    def wait_ready(self, timeout: float = 60) -> None:
        """Until every running node answers /healthz and the meta group has
        formed with all of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if all(self.monitor(i, "/healthz").get("status") == "ok"
                       for i in self.running()) and self.meta_formed():
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        raise AssertionError("the NATS cluster did not become ready: see " + self.root)

    def logs(self) -> str:
        """The tail of every node's log, for a failing test's report."""
        out = []
        for i in range(len(self.ports)):
            path = os.path.join(self.root, f"n{i}.log")
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    out.append(f"--- n{i}.log\n" + "".join(f.readlines()[-40:]))
        return "\n".join(out)
