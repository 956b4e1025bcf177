#!/usr/bin/env bash
# Runs the whole benchmark suite and writes Google Benchmark JSON, one file
# per benchmark, into OUT (default bench-results/). Then:
#   python3 bench/report.py OUT      # writes docs/performance.md and docs/performance.svg
# ANNAL_BENCH_MAX_STORE (default 1000000) caps the store sizes measured.
# ANNAL_BENCH_LONG=1 is the long command: it adds replay (rebuild and verify)
# at 10^7 events, a 2 GB store and several minutes more.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-results}
export ANNAL_BENCH_MAX_STORE=${ANNAL_BENCH_MAX_STORE:-1000000}
bash tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build --target write_overhead_bench read_bench replay_bench import_bench \
  projector_bench concurrent_bench http_bench annal
mkdir -p "$out"
git rev-parse --short HEAD > "$out/commit" 2>/dev/null || echo unknown > "$out/commit"
for b in write_overhead read replay import projector concurrent http; do
  echo "== ${b}_bench"
  build/bench/${b}_bench --benchmark_out="$out/$b.json" --benchmark_out_format=json \
    --benchmark_counters_tabular=true
done
