"""Failover: the primary is lost, a fresh directory becomes a replica, is
promoted, takes appends and ships them to the same stream; a second replica
follows across the switch without a gap; the old primary's shipper is
refused. Zero loss when asked: with --wait-for-ship, every append that
returned success is in the promoted store, however the primary and its
shipper are killed."""
import json
import random
import signal
import subprocess
import threading
import time

from annal_proc import (ANNAL, Proc, assert_same_store, export, generate, head, run,
                        wait_until)


def test_a_promoted_replica_continues_the_stream_and_the_old_primary_is_refused(
        cluster, tmp_path):
    old, new, follower = (str(tmp_path / n) for n in ("old", "new", "follower"))
    events = generate(6000, seed=41).splitlines(keepends=True)
    run(old, "import", "-", input=b"".join(events[:3000]))
    run(old, "ship", "--nats", cluster.urls, "--once")
    follow = Proc(str(tmp_path), "follower", follower, "replica", "--nats", cluster.urls)
    try:
        # The primary's machine is gone. A fresh directory catches up...
        run(new, "replica", "--nats", cluster.urls, "--once")
        assert head(new) == 3000
        # ...and becomes the primary: same seqs, same hash chain.
        out = run(new, "promote").stdout
        assert b"its next append is seq 3001" in out
        run(new, "import", "-", input=b"".join(events[3000:4000]))
        assert head(new) == 4000
        assert b"every projection equals" in run(new, "verify").stdout
        run(new, "ship", "--nats", cluster.urls, "--once")
        assert cluster.stream()["state"]["last_seq"] == 4000
        # The follower never stopped: it crossed the switch without a gap.
        wait_until(lambda: head(follower) == 4000, 60, 0.1, follow.log())
        assert follow.stop() == 0, follow.log()
        assert_same_store(new, follower)
        assert export(new).splitlines()[:3000] == export(old).splitlines()[:3000]
        # The old primary comes back and goes on writing on its own: its
        # shipper is refused, and the stream is left as it was.
        own = "".join(json.dumps({"type": "task_created", "task_id": f"old-{i}",
                                  "name": "job"}) + "\n" for i in range(2000))
        run(old, "import", "-", input=own.encode())
        r = run(old, "ship", "--nats", cluster.urls, "--once", check=False)
        assert r.returncode == 1, r.stdout
        assert b"is not this store's record at seq 4000" in r.stderr, r.stderr
        assert cluster.stream()["state"]["last_seq"] == 4000
        # A promoted store is a primary: promote again is refused.
        assert run(new, "promote", check=False).returncode == 1
    finally:
        follow.kill()


def test_with_wait_for_ship_no_acknowledged_append_is_lost(cluster, tmp_path):
    primary, replica = str(tmp_path / "primary"), str(tmp_path / "replica")
    run(primary, "import", "-", input=generate(100, seed=51))
    ship = Proc(str(tmp_path), "ship", primary, "ship", "--nats", cluster.urls)
    follow = Proc(str(tmp_path), "replica", replica, "replica", "--nats", cluster.urls)
    acknowledged: list[str] = []
    current: list[subprocess.Popen] = []
    stop = threading.Event()

    def writer():
        for i in range(100_000):
            if stop.is_set():
                return
            line = json.dumps({"type": "task_created", "task_id": f"z-{i}", "name": "job"})
            p = subprocess.Popen([ANNAL, "--db", primary, "import", "--wait-for-ship",
                                  "20000", "-"], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            current[:] = [p]
            p.communicate(line.encode() + b"\n")
            if p.returncode == 0:
                acknowledged.append(f"z-{i}")

    t = threading.Thread(target=writer, daemon=True)
    try:
        t.start()
        # A random moment once a few appends have been acknowledged (a count,
        # not a fixed time: under the sanitizers each append is a slow start).
        wait_until(lambda: len(acknowledged) >= 20, 120, 0.05, ship.log())
        time.sleep(random.Random(5).uniform(0, 2))
        # The primary's machine dies: its shipper and the writing process
        # at once, whatever they were doing.
        ship.kill()
        stop.set()
        for p in current:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
        t.join(timeout=60)
        wait_until(lambda: head(replica) == cluster.stream()["state"]["last_seq"], 60, 0.1,
                   follow.log())
        assert follow.stop() == 0, follow.log()
        run(replica, "promote")
        held = {json.loads(line).get("task_id") for line in export(replica).splitlines()}
        lost = [a for a in acknowledged if a not in held]
        assert not lost, f"{len(lost)} acknowledged appends lost: {lost[:5]}"
    finally:
        stop.set()
        ship.kill()
        follow.kill()
