"""A bounded load test on loopback: 50 clients for ANNAL_LOAD_SECONDS (10 by
default) mixing queries and feeds while a writer appends. Every answer must
be a 200; the latencies' p50 and p99 are printed (figures, not a verdict)."""
import http.client
import os
import threading
import time

from conftest import make_store

SECONDS = float(os.environ.get("ANNAL_LOAD_SECONDS", "10"))
QUERY_CLIENTS, FEED_CLIENTS = 40, 10
PATHS = ["/v1/projections/active_tasks?limit=100", "/v1/status",
         "/v1/projections/alarms?state=open&limit=100", "/v1/projections/queue_depth",
         "/v1/events?after=100&limit=100"]
EV = '{"type":"alarm_raised","alarm_id":"load-%d","severity":"info","source":"s","message":"m"}\n'
JSONL = {"Content-Type": "application/x-ndjson"}


def test_fifty_clients_and_a_writer(tmp_path, serve):
    db = make_store(tmp_path / "load", 20000)
    s = serve(db, "--allow-append")
    stop = threading.Event()
    latencies, errors, feed_events, appended = [], [], [0] * FEED_CLIENTS, [0]
    lock = threading.Lock()

    def query(i):
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        n = i
        while not stop.is_set():
            path = PATHS[n % len(PATHS)]
            n += 1
            t = time.perf_counter()
            try:
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                took = time.perf_counter() - t
                with lock:
                    latencies.append(took)
                    if r.status != 200:
                        errors.append((path, r.status))
            except Exception as e:  # noqa: BLE001 - every failure counts
                with lock:
                    errors.append((path, repr(e)))
                c.close()
        c.close()

    def feed(i):
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        c.request("GET", "/v1/feed")
        r = c.getresponse()
        if r.status != 200:
            with lock:
                errors.append(("/v1/feed", r.status))
            return
        while not stop.is_set():
            line = r.fp.readline()
            if not line:
                break
            if line.startswith(b"event: commit"):
                feed_events[i] += 1
        c.close()

    def writer():
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        n = 0
        while not stop.is_set():
            c.request("POST", "/v1/events", body=EV % n, headers=JSONL)
            r = c.getresponse()
            r.read()
            if r.status != 200:
                with lock:
                    errors.append(("POST", r.status))
            else:
                appended[0] += 1
            n += 1
            time.sleep(0.02)
        c.close()

    threads = [threading.Thread(target=query, args=(i,)) for i in range(QUERY_CLIENTS)]
    threads += [threading.Thread(target=feed, args=(i,)) for i in range(FEED_CLIENTS)]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    time.sleep(SECONDS)
    stop.set()
    # Feeds wake on the next heartbeat or commit; one last append ends them.
    http.client.HTTPConnection("127.0.0.1", s.port).request("POST", "/v1/events",
                                                            body=EV % 10**9, headers=JSONL)
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors[:10]
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    print(f"\nload: {len(latencies)} queries in {SECONDS:.0f} s "
          f"({len(latencies) / SECONDS:.0f}/s), p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"{appended[0]} appends, feed events per client {feed_events}")
    assert appended[0] > 0 and len(latencies) > 0
    assert all(n > 0 for n in feed_events)
