"""POST /v1/events, the token, metrics, the listening rules and shutdown."""
import json
import signal
import subprocess
import time

import pytest

from conftest import ANNAL, annal, make_store, metrics, wait_until

EV = '{"type":"alarm_raised","ts":%d,"alarm_id":"%s","severity":"info","source":"s","message":"m"}'


def test_a_batch_is_appended_and_projected(writable):
    db, s = writable
    body = "\n".join(EV % (1800000000000000 + i, f"zz-{i}") for i in range(3)) + "\n"
    status, _, data = s.request("POST", "/v1/events", body=body)
    assert status == 200, data
    assert json.loads(data) == {"first_seq": 501, "last_seq": 503}
    alarms = annal("--db", db, "query", "alarms").stdout
    assert '"alarm_id":"zz-2"' in alarms


def test_a_rejected_line_writes_nothing_and_names_the_line(writable):
    db, s = writable
    body = (EV % (1800000000000000, "ok-1") + "\r\n\n   \n" +
            '{"type":"alarm_resolved","alarm_id":"never-raised"}\n')
    status, _, data = s.request("POST", "/v1/events", body=body)
    assert status == 422
    err = json.loads(data)
    assert err["line"] == 4 and "never-raised" in err["error"]
    assert s.get_json("/v1/status")["head_seq"] == 500


def test_a_subject_is_forgotten_over_http(writable):
    db, s = writable
    raised = ('{"type":"alarm_raised","alarm_id":"gdpr-1","severity":"info","source":"s",'
              '"message":"Ana\'s laptop","subject":"user:ana"}\n')
    status, _, data = s.request("POST", "/v1/events", body=raised)
    assert status == 200, data
    forget = '{"type":"subject_forgotten","subject":"user:ana"}\n'
    status, _, data = s.request("POST", "/v1/events", body=forget)
    assert status == 200, data
    exported = annal("--db", db, "export").stdout
    assert "Ana's laptop" not in exported
    assert '"subject":"user:ana","erased":["message"]' in exported


def test_a_line_that_is_no_json_object_is_422(writable):
    _, s = writable
    status, _, data = s.request("POST", "/v1/events", body="\n[1,2]\n")
    assert status == 422 and json.loads(data)["line"] == 2


@pytest.mark.parametrize("body", ["", "\n\n", "  \r\n"])
def test_a_body_with_no_event_is_400(writable, body):
    _, s = writable
    status, _, _ = s.request("POST", "/v1/events", body=body)
    assert status == 400


def test_a_body_over_16_mib_is_413(writable):
    _, s = writable
    status, _, data = s.request("POST", "/v1/events", body=b" " * (16 * 1024 * 1024 + 1))
    assert status == 413 and json.loads(data)["error"]
    assert s.get_json("/v1/status")["head_seq"] == 500


def test_a_chunked_body_over_16_mib_is_413(writable):
    _, s = writable
    c = s.conn()

    def chunks():
        for _ in range(17):
            yield b" " * (1024 * 1024)

    c.request("POST", "/v1/events", body=chunks(), encode_chunked=True,
              headers={"Transfer-Encoding": "chunked", "Content-Type": "application/jsonl"})
    r = c.getresponse()
    assert r.status == 413
    c.close()


def test_appends_need_allow_append(tmp_path, serve):
    db = make_store(tmp_path / "r", 10)
    s = serve(db)
    status, _, _ = s.request("POST", "/v1/events", body=EV % (1, "a") + "\n")
    assert status == 405
    assert annal("--db", db, "status").stdout.startswith("log head seq 10\n")


def test_no_appends_on_a_public_address_without_a_token(tmp_path):
    db = make_store(tmp_path / "p", 10)
    p = subprocess.run([ANNAL, "--db", db, "serve", "--listen", "0.0.0.0:0", "--allow-append"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode != 0 and "token" in p.stderr


@pytest.fixture
def guarded(tmp_path, serve):
    db = make_store(tmp_path / "t", 50)
    (tmp_path / "token").write_text("  s3cret-token\n")
    s = serve(db, "--token-file", str(tmp_path / "token"), "--allow-append")
    return s


@pytest.mark.parametrize("path", ["/v1/status", "/v1/projections/alarms", "/v1/events",
                                  "/v1/event-types", "/v1/history/task/t", "/v1/series/queue",
                                  "/metrics", "/v1/feed", "/v1/projections/nope",
                                  "/nowhere"])
def test_every_path_but_the_page_needs_the_token(guarded, path):
    for headers in [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"},
                    {"Authorization": "Basic s3cret-token"}]:
        status, h, data = guarded.request("GET", path, headers=headers, token=False)
        assert status == 401, (path, headers)
        assert json.loads(data)["error"]
    status, _, _ = guarded.request("DELETE", "/v1/status", token=False)
    assert status == 401  # before 405


def test_the_token_opens_every_path(guarded):
    for scheme in ["Bearer", "bearer", "BEARER"]:
        status, _, _ = guarded.request("GET", "/v1/status",
                                       headers={"Authorization": f"{scheme} s3cret-token"})
        assert status == 200
    status, _, _ = guarded.request("GET", "/", token=False)
    assert status == 200
    # The page's script too: a browser fetches it before it has the token.
    status, headers, body = guarded.request("GET", "/chart.js", token=False)
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert b"Chart" in body
    status, _, _ = guarded.request("GET", "/v1/status?access_token=s3cret-token", token=False)
    assert status == 401  # only the feed takes it as a parameter
    c = guarded.conn(timeout=5)
    c.request("GET", "/v1/feed?access_token=s3cret-token")
    r = c.getresponse()
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/event-stream")
    c.close()


def test_metrics_parse_and_move(writable):
    _, s = writable
    before = metrics(s)
    for name in ["annal_head_seq", "annal_projected_seq", "annal_lag_events",
                 "annal_append_batches_total", "annal_append_events_total",
                 "annal_rejected_batches_total", "annal_commit_seconds_count",
                 "annal_commit_seconds_sum", "annal_map_used_bytes", "annal_feed_clients"]:
        assert name in before, name
    assert before["annal_head_seq"] == 500
    s.request("POST", "/v1/events", body=EV % (1800000000000000, "m-1") + "\n" +
              EV % (1800000000000001, "m-2") + "\n")
    s.request("POST", "/v1/events", body='{"type":"alarm_resolved","alarm_id":"none"}\n')
    s.request("GET", "/v1/projections/nope")
    # Answers are counted once written: wait for the 404's to show.
    assert wait_until(lambda: metrics(s).get("annal_http_requests_total{code=404}", 0) >= 1)
    after = metrics(s)
    assert after["annal_head_seq"] == 502
    assert after["annal_append_batches_total"] == before["annal_append_batches_total"] + 1
    assert after["annal_append_events_total"] == before["annal_append_events_total"] + 2
    assert after["annal_rejected_batches_total"] == before["annal_rejected_batches_total"] + 1
    assert after["annal_commit_seconds_count"] == before["annal_commit_seconds_count"] + 1
    assert after['annal_commit_seconds_bucket{le=+Inf}'] == after["annal_commit_seconds_count"]
    assert after["annal_http_requests_total{code=200}"] > before.get(
        "annal_http_requests_total{code=200}", 0)


def test_sigterm_with_feeds_open_exits_within_5_s(tmp_path, serve):
    db = make_store(tmp_path / "s", 10)
    s = serve(db)
    conns = []
    for _ in range(3):
        c = s.conn(timeout=10)
        c.request("GET", "/v1/feed")
        assert c.getresponse().status == 200
        conns.append(c)
    start = time.monotonic()
    s.proc.send_signal(signal.SIGINT)
    s.proc.wait(timeout=5)
    assert time.monotonic() - start < 5
    assert s.proc.returncode == 0


@pytest.mark.parametrize("raw", [b"GARBAGE\r\n\r\n", b"GET /v1/status HTTP/9.9\r\n\r\n",
                                 b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                                 b"GET /v1/status HTTP/1.1\r\nX: " + b"b" * 9000 + b"\r\n\r\n",
                                 b"\x00\xff\xfe\r\n\r\n"])
def test_malformed_requests_are_refused_and_the_server_lives_on(writable, raw):
    import socket
    _, s = writable
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
        c.sendall(raw)
        answer = c.recv(4096)
    assert answer == b"" or answer.split(b" ")[1][:1] == b"4", answer[:80]
    assert s.get_json("/v1/status")["head_seq"] == 500


def test_events_of_your_own_are_declared_and_appended_over_http(writable):
    db, s = writable
    declare = ('{"type":"event_type_declared","name":"budget.exceeded","version":1,'
               '"fields":"amount:float,team_id:str"}')
    event = '{"type":"budget.exceeded","ts":1800000000000000,"amount":3,"team_id":"t9"}'
    status, _, data = s.request("POST", "/v1/events", body=declare + "\n" + event + "\n")
    assert status == 200, data
    bad = '{"type":"budget.exceeded","amount":"three","team_id":"t9"}'
    status, _, data = s.request("POST", "/v1/events", body=bad + "\n")
    assert status == 422
    err = json.loads(data)
    assert err["line"] == 1 and 'field \\"amount\\" must be a float' in data.decode()
    exported = annal("--db", db, "export").stdout.splitlines()
    assert exported[-1] == ('{"type":"budget.exceeded","seq":502,"ts":1800000000000000,'
                            '"amount":3.0,"team_id":"t9"}')
    assert s.get_json("/v1/event-types") == {"event_types": [
        {"name": "budget.exceeded", "version": 1,
         "fields": [{"name": "amount", "type": "float", "optional": False},
                    {"name": "team_id", "type": "str", "optional": False}]}]}
