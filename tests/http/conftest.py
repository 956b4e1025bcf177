"""Fixtures of the HTTP API tests: the annal binary (ANNAL_CLI, set by ctest),
generated stores, and `annal serve` started on a free loopback port and
stopped at the end of each test, even when it fails."""
import http.client
import json
import os
import signal
import subprocess
import tempfile
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

import openapi_check

ANNAL = os.environ.get("ANNAL_CLI", "annal")


def annal(*args, stdin=None, check=True):
    """Runs the CLI and returns its completed process (stdout as text)."""
    p = subprocess.run([ANNAL, *args], input=stdin, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"annal {' '.join(args)}: {p.stderr}")
    return p


def make_store(path, events, deferred=False, plugin=None):
    gen = subprocess.Popen([ANNAL, "generate", str(events), "--seed", "3"],
                           stdout=subprocess.PIPE)
    args = [ANNAL, *(["--plugin", plugin] if plugin else []), "--db", str(path), "import",
            "-", "--no-sync"]
    if deferred:
        args.append("--deferred")
    subprocess.run(args, stdin=gen.stdout, check=True, capture_output=True)
    gen.wait()
    return str(path)


class Server:
    """One `annal serve` process and a client for it."""

    def __init__(self, db, *flags):
        # stderr to a file: a pipe nobody reads would block the server.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([ANNAL, "-v", "--db", db, "serve", "--listen",
                                      "127.0.0.1:0", *flags], stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on http://127.0.0.1:"):
            self.stop()
            self.log.seek(0)
            raise AssertionError("no listening line: " + line + self.log.read())
        self.port = int(line.rsplit(":", 1)[1])
        self.token = None

    def conn(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, token=True):
        h = dict(headers or {})
        if method == "POST" and "Content-Type" not in h:
            h["Content-Type"] = "application/x-ndjson"
        if token and self.token and "Authorization" not in h:
            h["Authorization"] = "Bearer " + self.token
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            openapi_check.check(method, path, r.status, r.getheader("Content-Type", ""), data)
            return r.status, dict(r.getheaders()), data
        finally:
            c.close()

    def get_json(self, path, expect=200, **kw):
        status, headers, data = self.request("GET", path, **kw)
        assert status == expect, (path, status, data)
        return json.loads(data)

    def stop(self):
        died = self.proc.poll()
        if died is not None:
            # It ended before the test stopped it: show why (a sanitizer's report).
            self.log.seek(0)
            print(f"annal serve exited with {died} during the test; its stderr:\n" +
                  self.log.read()[-20000:])
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


@pytest.fixture(scope="session")
def big_store(tmp_path_factory):
    """A 200,000-event generated store, shared read-only by the tests."""
    return make_store(tmp_path_factory.mktemp("big") / "store", 200000)


@pytest.fixture
def serve():
    """serve(db, *flags) starts a server; every one is stopped at the end."""
    started = []

    def start(db, *flags):
        s = Server(db, *flags)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def writable(tmp_path, serve):
    """A 500-event store served with --allow-append: (its path, the server)."""
    db = make_store(tmp_path / "w", 500)
    return db, serve(db, "--allow-append")


def wait_until(predicate, timeout=5.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def metrics(s):
    """The samples of GET /metrics, parsed by prometheus_client's own parser:
    {"name{label=value}": value}."""
    status, headers, data = s.request("GET", "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    values = {}
    for family in text_string_to_metric_families(data.decode()):
        for sample in family.samples:
            key = sample.name + "".join(f"{{{k}={v}}}" for k, v in sorted(sample.labels.items()))
            values[key] = sample.value
    return values
