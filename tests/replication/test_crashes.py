"""What a cluster and a crash do to ship and replica, under steady appends:
the stream's leader SIGKILLed and restarted, then quorum lost (two servers
killed) and regained; `annal ship` and `annal replica` SIGKILLed ten times
each at random moments. At the end the stream is the log and the replica is
the primary, byte for byte: nothing lost, nothing doubled."""
import random
import time

from annal_proc import (Proc, Writer, assert_same_store, generate, head, run,
                        wait_until)


def settle(cluster, primary, replica, ship, follow):
    """Waits until the stream and the replica hold the primary's whole log,
    stops both processes cleanly, and checks the end state."""
    want = head(primary)
    wait_until(lambda: (cluster.stream() or {}).get("state", {}).get("last_seq") == want,
               120, 0.2, "the stream to reach seq %d\n%s" % (want, ship.log()))
    wait_until(lambda: head(replica) == want, 120, 0.2,
               "the replica to reach seq %d\n%s" % (want, follow.log()))
    assert ship.stop() == 0, ship.log()
    assert follow.stop() == 0, follow.log()
    st = cluster.stream()["state"]
    assert st["last_seq"] == want and st["messages"] == want  # no gap, no double
    assert_same_store(primary, replica)


def lines(n, seed):
    return generate(n, seed=seed).splitlines(keepends=True)


def test_leader_kill_and_lost_quorum_lose_nothing(cluster, tmp_path):
    primary, replica = str(tmp_path / "primary"), str(tmp_path / "replica")
    events = lines(100_000, 22)
    run(primary, "import", "-", input=b"".join(events[:2000]))
    ship = Proc(str(tmp_path), "ship", primary, "ship", "--nats", cluster.urls)
    follow = Proc(str(tmp_path), "replica", replica, "replica", "--nats", cluster.urls)
    writer = Writer(primary, events[2000:], batch=50, pause=0.02)  # still going at the end
    try:
        wait_until(lambda: cluster.stream_leader() is not None, 30, 0.1, "a stream leader")
        time.sleep(1)
        leader = cluster.stream_leader()
        cluster.kill(leader)
        time.sleep(6)  # an election: shipping pauses, then goes on
        cluster.start(leader)
        cluster.wait_ready()
        time.sleep(2)
        # Two of three down: no quorum, no acknowledgement, nothing shipped.
        leader = cluster.stream_leader()
        down = [leader, (leader + 1) % 3]
        for i in down:
            cluster.kill(i)
        time.sleep(1)
        up = [i for i in range(3) if i not in down][0]
        before, primary_before = cluster.monitor(up, "/jsz").get("messages"), head(primary)
        time.sleep(3)
        assert cluster.monitor(up, "/jsz").get("messages") == before  # paused
        assert head(primary) > primary_before  # while the primary goes on
        for i in down:
            cluster.start(i)
        cluster.wait_ready()
        time.sleep(2)
        assert writer.done_lines < len(events) - 2000  # appends went on throughout
        writer.stop()
        settle(cluster, primary, replica, ship, follow)
        assert "retrying" in ship.log() or "resuming" in ship.log()  # it met the errors
    finally:
        writer.stop_flag.set()
        ship.kill()
        follow.kill()


def test_ship_and_replica_sigkilled_ten_times_each(cluster, tmp_path):
    primary, replica = str(tmp_path / "primary"), str(tmp_path / "replica")
    rng = random.Random(7)
    events = lines(40_000, 32)
    run(primary, "import", "-", input=b"".join(events[:1000]))
    ship = Proc(str(tmp_path), "ship", primary, "ship", "--nats", cluster.urls,
                "--replicas", "3")
    follow = Proc(str(tmp_path), "replica", replica, "replica", "--nats", cluster.urls,
                  "--batch", "97")
    writer = Writer(primary, events[1000:], batch=50, pause=0.01)
    try:
        for _ in range(10):
            time.sleep(rng.uniform(0.1, 0.8))
            ship.restart()  # SIGKILL, then start again
            time.sleep(rng.uniform(0.1, 0.8))
            follow.restart()
        assert writer.done_lines < len(events) - 1000  # appends went on throughout
        writer.stop()
        settle(cluster, primary, replica, ship, follow)
    finally:
        writer.stop_flag.set()
        ship.kill()
        follow.kill()
