"""annal ship and annal replica on a 3-node cluster: 100,000 events shipped
to an R3 stream and followed by a fresh replica, byte for byte; a message
forged onto the stream's subject stops the replica at its seq; a stream
that is another store's log is refused by ship."""
import json
import os
import pathlib
import subprocess
import urllib.request

from annal_proc import (ANNAL, Proc, assert_same_store, export, generate, head, run, status,
                        wait_until)
from nats_wire import NatsWire


def test_100k_events_shipped_to_r3_and_a_fresh_replica_catches_up(cluster, tmp_path):
    primary, replica = str(tmp_path / "primary"), str(tmp_path / "replica")
    run(primary, "import", "--no-sync", "-", input=generate(100_000, seed=3))
    out = run(primary, "ship", "--nats", cluster.urls, "--replicas", "3", "--once")
    assert b"shipped through seq 100000" in out.stdout
    st = cluster.stream()
    assert st["state"]["last_seq"] == 100_000 and st["state"]["messages"] == 100_000
    assert len(st["cluster"]["replicas"]) == 2  # R3: a leader and two more
    assert "ship lag 0 events" in status(primary)
    out = run(replica, "replica", "--nats", cluster.urls, "--once")
    assert b"replica holds seq 100000" in out.stdout
    assert_same_store(primary, replica)
    s = status(replica)
    assert "replica of a stream ending at seq 100000" in s and "replica lag 0" in s
    # Run again, both are no-ops: nothing is published or applied twice.
    run(primary, "ship", "--nats", cluster.urls, "--once")
    run(replica, "replica", "--nats", cluster.urls, "--once")
    assert cluster.stream()["state"]["last_seq"] == 100_000
    assert head(replica) == 100_000
    # A replica refuses appends, and answers queries like its primary.
    refused = run(replica, "import", "-", input=generate(1, seed=9), check=False)
    assert refused.returncode == 1 and b"is a replica" in refused.stderr
    assert (run(replica, "query", "alarms").stdout == run(primary, "query", "alarms").stdout)
    # Dashboards see the same through the HTTP API, on both sides.
    status_of, metrics_of = http_status(replica)
    assert status_of["replication"] == {"stream_end_seq": 100_000, "replica_lag_events": 0}
    assert "\nannal_stream_end_seq 100000\n" in metrics_of
    assert "\nannal_replica_lag_events 0\n" in metrics_of
    status_of, metrics_of = http_status(primary)
    assert status_of["replication"] == {"shipped_seq": 100_000, "ship_lag_events": 0}
    assert "\nannal_shipped_seq 100000\n" in metrics_of


def test_subject_keys_reach_a_replica_wrapped_and_go_with_the_forget(cluster, tmp_path):
    """Subject keys (docs/replication.md): with one key file on both sides,
    the replica asks the running shipper for the keys of what it applied and
    reads Ana's values in clear, as the primary does; the stream holds only
    the records. Her forget destroys the replica's copy: no plaintext on
    disk, the key gone from mdb_dump. A replica holding another key file
    refuses the keys, naming the subject, and reads her values erased."""
    primary, replica = str(tmp_path / "primary"), str(tmp_path / "replica")
    key_file, other_key = tmp_path / "kek", tmp_path / "other"
    for f in (key_file, other_key):
        f.write_bytes(os.urandom(32))
        f.chmod(0o600)
    lines = [
        '{"type":"alarm_raised","ts":1,"actor":"operator:ana-lindqvist",'
        '"subject":"user:ana","alarm_id":"a1","severity":"info","source":"laptop",'
        '"message":"laptop of Ana Lindqvist is offline"}',
        '{"type":"task_created","ts":2,"task_id":"t1","name":"n","actor":"bo-berglund",'
        '"subject":"user:bo"}',
    ]
    run(primary, "import", "-", input=("\n".join(lines) + "\n").encode())
    ship = Proc(str(tmp_path), "ship", primary, "ship", "--nats", cluster.urls,
                "--replicas", "1", "--key-file", str(key_file))
    try:
        wait_until(lambda: (cluster.stream() or {}).get("state", {}).get("last_seq") == 2,
                   30, why="the records on the stream")
        out = run(replica, "replica", "--nats", cluster.urls, "--once", "--key-file",
                  str(key_file))
        said = out.stdout + out.stderr
        assert b"installed 2 subject key(s)" in said, said
        assert_same_store(primary, replica)
        assert b'"actor":"operator:ana-lindqvist"' in export(replica)
        assert cluster.stream()["state"]["messages"] == 2  # no key went on it
        keys = subprocess.run(["mdb_dump", "-p", "-s", "subject_keys", replica],
                              capture_output=True, check=True).stdout
        assert b"user:ana" in keys and b"user:bo" in keys

        foreign = str(tmp_path / "foreign")
        out = run(foreign, "replica", "--nats", cluster.urls, "--once", "--key-file",
                  str(other_key))
        said = out.stdout + out.stderr
        assert b"does not open with this key-encryption key" in said, said
        assert b'"erased":["actor","message"]' in export(foreign)

        run(primary, "forget", "user:ana")
        wait_until(lambda: cluster.stream()["state"]["last_seq"] == 3, 30,
                   why="the forget on the stream")
        run(replica, "replica", "--nats", cluster.urls, "--once", "--key-file",
            str(key_file))
        assert_same_store(primary, replica)
        exported = export(replica)
        assert b'"erased":["actor","message"]' in exported
        assert b'"actor":"bo-berglund"' in exported
        for f in pathlib.Path(replica).iterdir():
            data = f.read_bytes()
            assert b"Lindqvist" not in data and b"ana-lindqvist" not in data, f
        keys = subprocess.run(["mdb_dump", "-p", "-s", "subject_keys", replica],
                              capture_output=True, check=True).stdout
        assert b"user:ana" not in keys and b"user:bo" in keys
    finally:
        assert ship.stop() == 0, ship.log()


def http_status(db: str) -> tuple[dict, str]:
    """GET /v1/status and /metrics from an `annal serve` started and
    stopped here."""
    p = subprocess.Popen([ANNAL, "--db", db, "serve", "--listen", "127.0.0.1:0"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = p.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        base = line.split()[-1]
        with urllib.request.urlopen(f"{base}/v1/status", timeout=30) as r:
            status_of = json.loads(r.read())
        with urllib.request.urlopen(f"{base}/metrics", timeout=30) as r:
            return status_of, r.read().decode()
    finally:
        p.terminate()
        p.wait(timeout=30)


def test_a_forged_message_stops_the_replica_naming_its_seq(cluster, tmp_path):
    primary, replica = str(tmp_path / "primary"), str(tmp_path / "replica")
    run(primary, "import", "-", input=generate(500, seed=4))
    run(primary, "ship", "--nats", cluster.urls, "--replicas", "1", "--once")
    run(replica, "replica", "--nats", cluster.urls, "--once")
    before = export(replica)
    # A stranger publishes straight to the subject: seq 501, bytes and a
    # hash of its own making.
    wire = NatsWire(cluster.url(0))
    try:
        ack = wire.publish("annal.log", b"\x10" * 200 + os.urandom(32))
    finally:
        wire.close()
    assert ack.get("seq") == 501, ack
    r = run(replica, "replica", "--nats", cluster.urls, "--once", check=False)
    assert r.returncode == 1
    assert b"seq 501" in r.stderr, r.stderr
    assert export(replica) == before
    assert head(replica) == 500
    assert b"every projection equals" in run(replica, "verify").stdout


def test_ship_refuses_a_stream_that_is_another_stores_log(cluster, tmp_path):
    one, other = str(tmp_path / "one"), str(tmp_path / "other")
    run(one, "import", "-", input=generate(300, seed=5))
    run(other, "import", "-", input=generate(300, seed=6))
    run(one, "ship", "--nats", cluster.urls, "--replicas", "1", "--once")
    r = run(other, "ship", "--nats", cluster.urls, "--once", check=False)
    assert r.returncode == 1
    assert b"is not this store's record at seq 300" in r.stderr, r.stderr
    assert cluster.stream()["state"]["last_seq"] == 300
    # A store whose log is behind the stream's end is refused too.
    short = str(tmp_path / "short")
    run(short, "import", "-", input=generate(100, seed=5))
    r = run(short, "ship", "--nats", cluster.urls, "--once", check=False)
    assert r.returncode == 1 and b"past this store's log" in r.stderr, r.stderr


def test_events_of_your_own_reach_a_replica_byte_for_byte(cluster, tmp_path):
    primary, replica = str(tmp_path / "primary"), str(tmp_path / "replica")
    lines = [
        '{"type":"event_type_declared","name":"deploy.done","version":1,'
        '"fields":"service:str,seconds:float,ok:bool?"}',
        '{"type":"deploy.done","ts":1,"service":"api","seconds":12}',
        '{"type":"event_type_declared","name":"deploy.done","version":2,'
        '"fields":"service:str,seconds:float,ok:bool?,region:str?"}',
        '{"type":"deploy.done","ts":2,"service":"db","seconds":0.5,"region":"eu"}',
    ]
    run(primary, "import", "-", input=("\n".join(lines) + "\n").encode())
    run(primary, "ship", "--nats", cluster.urls, "--replicas", "1", "--once")
    run(replica, "replica", "--nats", cluster.urls, "--once")
    assert_same_store(primary, replica)
    assert run(replica, "schema", "list").stdout == run(primary, "schema", "list").stdout
    assert b'"region":"eu"' in export(replica)


def test_a_forget_reaches_a_replica_and_no_plaintext_does(cluster, tmp_path):
    """Erasure (docs/security.md): the stream carries sealed values and the
    subject_forgotten record, never a key; the replica, like the primary,
    holds no byte of the subject's plaintext and verifies."""
    primary, replica = str(tmp_path / "primary"), str(tmp_path / "replica")
    lines = [
        '{"type":"task_created","ts":1,"task_id":"t1","name":"invoice"}',
        '{"type":"alarm_raised","ts":1,"actor":"operator:ana-lindqvist",'
        '"subject":"user:ana","alarm_id":"a1","severity":"info","source":"laptop",'
        '"message":"laptop of Ana Lindqvist is offline"}',
        '{"type":"approval_requested","ts":2,"subject":"user:ana","approval_id":"p1",'
        '"task_id":"t1","action":"pay","context":"Ana Lindqvist, invoice 4711",'
        '"expires_at":99}',
    ]
    run(primary, "import", "-", input=("\n".join(lines) + "\n").encode())
    run(primary, "forget", "user:ana")
    run(primary, "ship", "--nats", cluster.urls, "--replicas", "1", "--once")
    run(replica, "replica", "--nats", cluster.urls, "--once")
    assert_same_store(primary, replica)
    exported = export(replica).decode()
    assert '"erased":["actor","message"]' in exported
    assert '"type":"subject_forgotten"' in exported
    for db in (primary, replica):
        for f in pathlib.Path(db).iterdir():
            data = f.read_bytes()
            assert b"Lindqvist" not in data and b"invoice 4711" not in data, f
