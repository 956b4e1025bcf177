#!/usr/bin/env bash
# A longer hunt than CI's, for before a release or after touching the write
# path: the crash test with KILLS SIGKILLs per mode (default 1000; CI does
# 50), the many-processes test ROUNDS times (default 50), and each fuzz
# target for FUZZ_SECONDS (default 600). Usage:
#   bash tools/soak.sh [KILLS] [ROUNDS] [FUZZ_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-1000}
rounds=${2:-50}
fuzz_seconds=${3:-600}

bash tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j "$(nproc)" --target crash_test many_processes_test annal

echo "== crash test: $kills kills per mode"
ANNAL_CRASH_KILLS=$kills build/tests/crash_test --gtest_filter='Crash.Killed*' | grep -E 'kills survived|OK|FAILED'
echo "== many processes: $rounds rounds"
build/tests/many_processes_test --gtest_repeat="$rounds" --gtest_brief=1 | tail -n 3
echo "== fuzzing: ${fuzz_seconds}s per target"
bash tools/fuzz.sh "$fuzz_seconds"
