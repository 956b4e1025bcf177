"""A Python projection's cost (issue 21's target): inline appends of the
generated stream in batches of 1,000 (no fsync, so that the figure is the
CPU's), into a store of the nine alone and into one with a Python
projection of two puts per event beside them, alternating, median of
`--rounds`. Prints events/s for both and the Python apply's share.

    python3 bench/python_projection_bench.py [--build build] [--events 100000]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(args.build, "python"))
    import annal

    class TwoPuts(annal.Projection):
        name = "two_puts"
        version = 1
        tables = {
            "last_of_type": annal.Table(key=("type",), fields={"seq": int}),
            "by_seq": annal.Table(key={"seq": int}, fields={"type": str}),
        }

        def apply(self, tx, event):
            tx.put("last_of_type", (event["type"],), {"seq": event["seq"]})
            tx.put("by_seq", (event["seq"],), {"type": event["type"]})

    cli = os.path.join(args.build, "tools", "annal")
    out = subprocess.run([cli, "generate", str(args.events), "--seed", "1"], check=True,
                         capture_output=True, text=True).stdout
    events = [json.loads(line) for line in out.splitlines()]
    tmp = tempfile.mkdtemp(prefix="annal-pyproj-")
    rates: dict[str, list[float]] = {"nine": [], "nine + two puts": []}
    try:
        for r in range(args.rounds):
            for label, projections in (("nine", []), ("nine + two puts", [TwoPuts()])):
                path = os.path.join(tmp, f"{r}-{len(projections)}")
                with annal.open(path, sync=False, projections=projections) as s:
                    start = time.perf_counter()
                    for i in range(0, len(events), 1000):
                        s.append(events[i:i + 1000])
                    rates[label].append(len(events) / (time.perf_counter() - start))
                shutil.rmtree(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    nine = statistics.median(rates["nine"])
    both = statistics.median(rates["nine + two puts"])
    print(f"events/s, nine alone:            {nine:,.0f}")
    print(f"events/s, nine + Python two puts: {both:,.0f}  ({nine / both:.2f}x the time)")
    print(f"Python apply alone (the difference): {1 / (1 / both - 1 / nine):,.0f} events/s")


if __name__ == "__main__":
    main()
