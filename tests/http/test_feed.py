"""GET /v1/feed: Server-Sent Events after commits, resume, heartbeat, caps."""
import json
import socket
import time

import pytest

from conftest import make_store, wait_until

EV = '{"type":"alarm_raised","ts":%d,"alarm_id":"%s","severity":"info","source":"s","message":"m"}\n'


class FeedReader:
    """A raw feed connection: its events and comment lines, as they come."""

    def __init__(self, port, path="/v1/feed", headers=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1])
        self.headers = head.decode()

    def _until(self, marker, timeout=10):
        self.sock.settimeout(timeout)
        while marker not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("feed closed")
            self.buf += chunk
        at = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:at], self.buf[at:]
        return out

    def next_block(self, timeout=10):
        """The next SSE block (event or comment), chunk framing removed."""
        while True:
            size_line = self._until(b"\r\n", timeout)
            size = int(size_line.strip(), 16)
            while len(self.buf) < size + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:size], self.buf[size + 2:]
            if data:
                return data.decode()

    def next_event(self, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no event")
            block = self.next_block(left)
            if not block.startswith(":"):
                fields = dict(line.split(": ", 1) for line in block.strip().split("\n"))
                return fields

    def close(self):
        self.sock.close()


@pytest.fixture
def live(tmp_path, serve):
    db = make_store(tmp_path / "f", 300)
    s = serve(db, "--allow-append", "--max-feeds", "3", "--heartbeat-ms", "500")
    yield s


def test_a_commit_is_announced_with_what_it_changed(live):
    f = FeedReader(live.port)
    assert f.status == 200 and "text/event-stream" in f.headers
    time.sleep(0.3)
    live.request("POST", "/v1/events", body=EV % (1800000000000000, "feed-1"))
    ev = f.next_event()
    assert ev["event"] == "commit" and ev["id"] == "301"
    data = json.loads(ev["data"])
    assert data == {"seq": 301, "changed": ["alarms", "audit_trail", "series"]}
    f.close()


def test_after_resumes_at_once_and_ids_only_increase(live):
    f = FeedReader(live.port, "/v1/feed?after=100")
    ev = f.next_event(timeout=3)
    assert ev["id"] == "300"
    live.request("POST", "/v1/events", body=EV % (1800000000000000, "r-1"))
    live.request("POST", "/v1/events", body=EV % (1800000000000001, "r-2"))
    ids = [300]
    while ids[-1] < 302:
        ids.append(int(f.next_event()["id"]))
    assert ids == sorted(set(ids))
    f.close()


def test_last_event_id_resumes_and_the_parameter_wins(live):
    f = FeedReader(live.port, headers={"Last-Event-ID": "5"})
    assert f.next_event(timeout=3)["id"] == "300"
    f.close()
    g = FeedReader(live.port, "/v1/feed?after=300", headers={"Last-Event-ID": "5"})
    with pytest.raises(socket.timeout):
        g.next_event(timeout=1.5)  # after=300 is the head: nothing until a commit
    g.close()
    status, _, _ = live.request("GET", "/v1/feed", headers={"Last-Event-ID": "abc"})
    assert status == 400


def test_a_quiet_feed_sends_heartbeats(live):
    f = FeedReader(live.port)
    start = time.monotonic()
    block = f.next_block(timeout=5)
    assert block.startswith(":")
    assert time.monotonic() - start < 2
    f.close()


def test_past_max_feeds_is_503_and_gone_clients_are_released(live):
    feeds = [FeedReader(live.port) for _ in range(3)]
    assert all(f.status == 200 for f in feeds)
    status, _, data = live.request("GET", "/v1/feed")
    assert status == 503 and b"max-feeds" in data
    feeds[0].close()
    assert wait_until(lambda: _feed_opens(live), timeout=5)
    for f in feeds[1:]:
        f.close()


def _feed_opens(server):
    f = FeedReader(server.port)
    ok = f.status == 200
    f.close()
    return ok
