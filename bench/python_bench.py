"""annal from Python against Python's own sqlite3 doing the same work
(bench/python_sqlite_peer.py), and against annal from C++, side by side in
one run; writes the "## From Python" section of docs/performance.md.

    python3 bench/python_bench.py [--build build] [--rounds 3] [--no-doc]

Needs the build's module (build/python), CLI and benchmarks (bench/). Each
cell runs `--rounds` times, alternating the contenders; the median counts.
Write cells as write_overhead_bench's: the stream of `Workload{seed 1}`
(`annal generate N --seed 1`), appended after a 10,000-event prefix,
durable (annal sync; SQLite WAL + synchronous=FULL), one transaction per
batch; 1,000 events for single-event batches, 20,000 otherwise.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADING = "## From Python"
PREFIX = 10_000


def measured(batch):
    return 1000 if batch == 1 else 20_000


def load_events(cli, n):
    out = subprocess.run([cli, "generate", str(n), "--seed", "1"], check=True,
                         capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines()]


class Cells:
    def __init__(self, build, events):
        sys.path.insert(0, os.path.join(build, "python"))
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        import annal
        from python_sqlite_peer import PySqlitePeer
        self.annal, self.Peer, self.events = annal, PySqlitePeer, events
        self.tmp = tempfile.mkdtemp(prefix="annal-pybench-")

    def fresh(self, name):
        path = os.path.join(self.tmp, name)
        shutil.rmtree(path, ignore_errors=True)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + ".sqlite" + suffix):
                os.remove(path + ".sqlite" + suffix)
        return path

    def annal_append(self, batch):
        path = self.fresh("annal")
        with self.annal.open(path, initial_map_size=1 << 30) as s:
            for i in range(0, PREFIX, 1000):
                s.append(self.events[i:i + 1000])
            n = measured(batch)
            todo = self.events[PREFIX:PREFIX + n]
            start = time.perf_counter()
            for i in range(0, n, batch):
                s.append(todo[i:i + batch])
            return n / (time.perf_counter() - start)

    def sqlite_append(self, batch):
        peer = self.Peer(self.fresh("sqlite") + ".sqlite", durable=True)
        for i in range(0, PREFIX, 1000):
            peer.append(self.events[i:i + 1000])
        n = measured(batch)
        todo = self.events[PREFIX:PREFIX + n]
        start = time.perf_counter()
        for i in range(0, n, batch):
            peer.append(todo[i:i + batch])
        rate = n / (time.perf_counter() - start)
        peer.close()
        return rate

    @staticmethod
    def threaded(threads, append_one):
        """16 threads, 3,200 single durable appends in all (as concurrent_bench)."""
        per = 3200 // threads
        lat = [[] for _ in range(threads)]

        def work(t):
            for i in range(per):
                a = time.perf_counter()
                append_one(t, {"type": "task_created", "task_id": f"t{t}-{i}",
                               "name": "job", "ts": 1_700_000_000_000_000 + i})
                lat[t].append(time.perf_counter() - a)

        ths = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        start = time.perf_counter()
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        secs = time.perf_counter() - start
        all_lat = sorted(x for l in lat for x in l)
        return (len(all_lat) / secs, all_lat[len(all_lat) // 2] * 1e3,
                all_lat[len(all_lat) * 99 // 100] * 1e3)

    def annal_threads(self, threads):
        with self.annal.open(self.fresh("annal-threads")) as s:
            return self.threaded(threads, lambda t, e: s.append(e))

    def sqlite_threads(self, threads):
        file = self.fresh("sqlite-threads") + ".sqlite"
        self.Peer(file, durable=True).close()
        peers = [self.Peer(file, durable=True, shared=True) for _ in range(threads)]
        try:
            return self.threaded(threads, lambda t, e: peers[t].append([e]))
        finally:
            for p in peers:
                p.close()

    def read_stores(self, n):
        path = self.fresh("read")
        self.read_store = self.annal.open(path, sync=False)
        self.read_peer = self.Peer(self.fresh("read-peer") + ".sqlite", durable=False)
        for i in range(0, n, 5000):
            self.read_store.append(self.events[i:i + 5000])
            self.read_peer.append(self.events[i:i + 5000])

    def annal_page(self, reps=2000):
        start = time.perf_counter()
        for _ in range(reps):
            with self.read_store.read() as snap:
                rows = [r.to_dict() for r in snap.active_tasks(limit=100)]
        assert len(rows) == 100
        return (time.perf_counter() - start) / reps

    def sqlite_page(self, reps=2000):
        start = time.perf_counter()
        for _ in range(reps):
            rows = self.read_peer.active_tasks_page(100)
        assert len(rows) == 100
        return (time.perf_counter() - start) / reps


def cpp_figures(build):
    """annal and the SQLite peer from C++, this run (write_overhead_bench,
    concurrent_bench), in events/s; plus the 16-thread p50/p99."""
    def run(binary, flt):
        out = subprocess.run([os.path.join(build, "bench", binary),
                              f"--benchmark_filter={flt}", "--benchmark_format=json"],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)["benchmarks"]
    figs = {}
    for b in run("write_overhead_bench",
                 r"Append/(inline|sqlite)/sync/batch:(1|100|1000)/store:10000/seq_ids"):
        kind, batch = b["name"].split("/")[1], int(b["name"].split("batch:")[1].split("/")[0])
        figs[(kind, batch)] = b["items_per_second"]
    for b in run("concurrent_bench", r"Concurrent/(annal|sqlite)/durable/threads:16"):
        kind = b["name"].split("/")[1]
        figs[(kind, "threads")] = (b["events_per_s"], b["p50_us"] / 1e3, b["p99_us"] / 1e3)
    return figs


def k(x):
    return f"{x / 1000:.1f} K" if x >= 1000 else f"{x:.0f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args()
    cli = os.path.join(args.build, "tools", "annal")
    cells = Cells(args.build, load_events(cli, PREFIX + 20_000 + 100_000))
    med = statistics.median
    rows = []
    # Each round runs the C++ cells and then the Python ones: the machine's
    # noise falls on both alike; the median of the rounds counts.
    cpps, py = [], {}
    for _ in range(args.rounds):
        cpps.append(cpp_figures(args.build))
        for batch in (1, 100, 1000):
            py.setdefault(("annal", batch), []).append(cells.annal_append(batch))
            py.setdefault(("sqlite", batch), []).append(cells.sqlite_append(batch))
    cpp = {key: (med([c[key] for c in cpps]) if key[1] != "threads" else
                 sorted((c[key] for c in cpps))[len(cpps) // 2]) for key in cpps[0]}
    for batch in (1, 100, 1000):
        rows.append((batch, cpp[("inline", batch)], cpp[("sqlite", batch)],
                     med(py[("annal", batch)]), med(py[("sqlite", batch)])))
        print(f"batch {batch}: C++ annal {k(rows[-1][1])}/s, C++ sqlite {k(rows[-1][2])}/s, "
              f"Python annal {k(rows[-1][3])}/s, Python sqlite3 {k(rows[-1][4])}/s",
              flush=True)
    ta = [cells.annal_threads(16) for _ in range(args.rounds)]
    ts = [cells.sqlite_threads(16) for _ in range(args.rounds)]
    ta, ts = sorted(ta)[len(ta) // 2], sorted(ts)[len(ts) // 2]
    print(f"16 threads: Python annal {k(ta[0])}/s, Python sqlite3 {k(ts[0])}/s", flush=True)
    cells.read_stores(100_000)
    pa = med([cells.annal_page() for _ in range(args.rounds)])
    ps = med([cells.sqlite_page() for _ in range(args.rounds)])
    print(f"page of 100 active tasks: annal {pa * 1e6:.0f} µs, sqlite3 {ps * 1e6:.0f} µs")
    cells.read_store.close()
    shutil.rmtree(cells.tmp, ignore_errors=True)

    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    when = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    lines = [HEADING, "",
             "The Python module (docs/python.md) against Python's own `sqlite3` doing the "
             "same work (bench/python_sqlite_peer.py: the C++ peer's schema and "
             "statements, one transaction per batch, WAL, `synchronous=FULL`), and against "
             "annal and the SQLite peer from C++ (write_overhead_bench, concurrent_bench), "
             f"all in one run at commit `{commit}`, {when}, median of {args.rounds} rounds; "
             "reproduce with `python3 bench/python_bench.py`. Durable appends after a "
             "10,000-event prefix of the generated stream; Python appends dicts (read "
             "straight into the engine's events), C++ appends pre-built events.", "",
             "| batch | C++ annal | C++ SQLite peer | C++ annal / SQLite | Python annal | "
             "Python sqlite3 | Python annal / sqlite3 | Python annal / C++ annal |",
             "|---|---|---|---|---|---|---|---|"]
    for batch, ca, cs, pa_, ps_ in rows:
        lines.append(f"| {batch} | {k(ca)}/s | {k(cs)}/s | {ca / cs:.1f}x | {k(pa_)}/s | "
                     f"{k(ps_)}/s | {pa_ / ps_:.1f}x | {pa_ / ca:.0%} |")
    ca, cs = cpp[("annal", "threads")], cpp[("sqlite", "threads")]
    lines += ["", "| 16 threads, single durable events | events/s | p50 | p99 |",
              "|---|---|---|---|",
              f"| C++ annal (group commit) | {k(ca[0])} | {ca[1]:.2f} ms | {ca[2]:.2f} ms |",
              f"| C++ SQLite peer, a connection per thread | {k(cs[0])} | {cs[1]:.2f} ms | "
              f"{cs[2]:.2f} ms |",
              f"| Python annal, 16 threads, one Store | {k(ta[0])} | {ta[1]:.2f} ms | "
              f"{ta[2]:.2f} ms |",
              f"| Python sqlite3, a connection per thread | {k(ts[0])} | {ts[1]:.2f} ms | "
              f"{ts[2]:.2f} ms |",
              "", "| read: a page of 100 `active_tasks` rows as dicts, 100,000-event store | "
              "per page |", "|---|---|",
              f"| annal: `snap.active_tasks(limit=100)` and `to_dict()` each, a fresh "
              f"snapshot per page | {pa * 1e6:.0f} µs |",
              f"| sqlite3: `SELECT ... ORDER BY task_id LIMIT 100`, rows zipped into dicts | "
              f"{ps * 1e6:.0f} µs |", ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_doc:
        from report import update_section  # bench/report.py's, on sys.path above
        update_section(os.path.join(ROOT, "docs", "performance.md"), HEADING, text)
        print("updated the", HEADING, "section of docs/performance.md")


if __name__ == "__main__":
    main()
