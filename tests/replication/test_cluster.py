"""The harness itself: three nodes form a cluster with a meta leader, and
it survives a node's SIGKILL and restart (what the replication tests put
the shipper and the replicas through)."""
import time


def test_three_nodes_elect_a_meta_leader_and_survive_a_kill(cluster):
    leader = cluster.meta_leader()
    assert leader in ("n0", "n1", "n2")
    first = int(leader[1])
    cluster.kill(first)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = cluster.meta_leader()
        if now and now != leader:
            break
        time.sleep(0.2)
    assert now and now != leader
    cluster.start(first)
    cluster.wait_ready()
    assert sorted(cluster.running()) == [0, 1, 2]
