#!/usr/bin/env bash
# The power-loss simulator's long run (tests/crashsim/README.md): every
# scenario, ROUNDS times with new seeds, BLOCKS random crash states per
# crash point (the fault scenarios have no random part: they run once per
# round all the same). The defaults check over a million crash states (about an
# hour on two cores); CI runs each scenario once with BLOCKS=16. Prints each
# check, then the total and the violations. Usage:
#   bash tools/power_loss.sh [ROUNDS] [BLOCKS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-16}
blocks=${2:-120}

bash tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j "$(nproc)" --target annal_crashrec crash_writer toy_writer crash_check annal
b=build/tests/crashsim
export CRASHREC=$PWD/$b/libannal_crashrec.so CRASH_WRITER=$PWD/$b/crash_writer \
  TOY_WRITER=$PWD/$b/toy_writer CRASH_CHECK=$PWD/$b/crash_check ANNAL_CLI=$PWD/build/tools/annal
export ROUNDS=$rounds BLOCKS=$blocks SEED=${SEED:-$RANDOM}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for scenario in self-test appends group declared erasure deferred growth rebuild projection backup promote ship import nosync \
  faults faults-deferred faults-rebuild; do
  bash tests/crashsim/run.sh "$scenario" | tee -a "$log" | grep -v '^violation' || {
    echo "power loss: scenario $scenario FAILED (seed $SEED)"
    grep '^violation' "$log" | head -20
    exit 1
  }
done
awk '/crash states of/ { states += $1 } END { print "power loss: " states " crash states checked" }' "$log"
