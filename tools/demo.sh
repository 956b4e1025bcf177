#!/usr/bin/env bash
# The main job: install what is missing, build, write a realistic stream of
# events into a fresh store with every projection kept up to date, then print
# the write rate and a dashboard read from the projections.
#   ANNAL_DEMO_EVENTS=N (default 200000)   ANNAL_DEMO_SEED=S (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${ANNAL_DEMO_EVENTS:-200000}
seed=${ANNAL_DEMO_SEED:-1}

bash tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build --target annal

mkdir -p data
store=data/demo-store
rm -rf "$store"
build/tools/annal generate "$events" --seed "$seed" > data/demo-events.jsonl
echo "== import: $events generated events, durable commits of 1000 events"
build/tools/annal --db "$store" import data/demo-events.jsonl
echo
build/tools/annal --db "$store" dashboard
