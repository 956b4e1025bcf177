"""16 Python threads appending single durable events at once: the GIL is
released around the commit, so the engine's group commit serves them."""
import threading

import annal

THREADS, EACH = 16, 150


def test_sixteen_threads_append_single_events(tmp_path):
    with annal.open(str(tmp_path / "s")) as s:
        receipts = [[] for _ in range(THREADS)]
        start = threading.Barrier(THREADS)

        def worker(t):
            start.wait()
            for i in range(EACH):
                r = s.append(annal.AlarmRaised(alarm_id=f"a{t}-{i}", severity="info",
                                               source=f"thread{t}", message=str(i)))
                receipts[t].append(r)

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        seqs = sorted(r.first_seq for rs in receipts for r in rs)
        assert seqs == list(range(1, THREADS * EACH + 1))  # gapless, each its own
        assert all(r.first_seq == r.last_seq for rs in receipts for r in rs)
        # Each receipt names that thread's own event, in its own order.
        by_seq = {e["seq"]: e for e in s.export()}
        for t, rs in enumerate(receipts):
            assert [by_seq[r.first_seq]["alarm_id"] for r in rs] == [
                f"a{t}-{i}" for i in range(EACH)]
        assert s.verify()["identical"]
        stats = s.stats()
        assert stats["append_events"] == THREADS * EACH
        # Group commit: fewer durable commits than appends (threads met).
        print(f"{THREADS * EACH} appends in {stats['commits']} commits")
        assert stats["commits"] < THREADS * EACH
