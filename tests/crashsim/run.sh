#!/usr/bin/env bash
# Power-loss scenarios (README.md): record a run with the interposer, then
# check every crash state of it. SCENARIO: self-test, or one of
# crash_writer's (appends, group, nosync, deferred, growth, rebuild,
# projection, backup, promote), or import (`annal import`), or faults, faults-deferred,
# faults-rebuild (EIO and ENOSPC injected).
# CRASHREC, CRASH_WRITER, TOY_WRITER, CRASH_CHECK, ANNAL_CLI: the built
# programs (ctest sets them). SEED (default 1) picks the random crash states, BLOCKS
# (default 4) how many per crash point; ROUNDS (default 1) repeats each
# check with the next seeds (tools/power_loss.sh runs the long ones).
set -euo pipefail
scenario=$1
seed=${SEED:-1}
rounds=${ROUNDS:-1}
blocks=${BLOCKS:-4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

record() {  # NAME COMMAND...: runs COMMAND, recorded, with its word DIR as $tmp/NAME
  local name=$1
  shift
  mkdir -p "$tmp/$name"
  ANNAL_CRASHREC_DIR="$tmp/$name" ANNAL_CRASHREC_OUT="$tmp/$name.rec" LD_PRELOAD="$CRASHREC" \
    "${@/#DIR/$tmp/$name}" > /dev/null
}
check() {  # NAME SUBJECT CONTRACT [ARGS...]: crash_check of $tmp/NAME.rec
  local name=$1 subject=$2 contract=$3
  shift 3
  for ((round = 0; round < rounds; round++)); do
    echo "== $name ($subject, $contract, $*, seed $((seed + round)))"
    "$CRASH_CHECK" "$tmp/$name.rec" "$subject" "$contract" --seed $((seed + round)) \
      --blocks "$blocks" "$@"
  done
}
annal() {  # NAME SCENARIO BATCH BATCHES [THREADS]: record and check durably
  record "$1" "$CRASH_WRITER" DIR "${@:2}"
  check "$1" annal durable --scenario "$2"
}

case "$scenario" in
  self-test)
    record right "$TOY_WRITER" DIR 40
    check right toy durable
    record wrong "$TOY_WRITER" DIR 40 ack-before-sync
    check wrong toy durable --expect-violations
    ;;
  appends)
    annal batches-of-1 appends 1 60
    annal batches-of-10 appends 10 30
    annal batches-of-1000 appends 1000 4
    ;;
  group)
    annal sixteen-threads appends 1 8 16
    ;;
  deferred | rebuild | projection | promote)
    annal "$scenario" "$scenario" 10 30
    ;;
  growth)
    annal growth growth 100 20
    ;;
  backup)
    # A backup promises nothing until Backup returns; after, all of it.
    record backup "$CRASH_WRITER" DIR backup 10 30
    check backup annal durable --scenario backup --refusal-before-ack
    ;;
  import)
    # `annal import` acknowledges by exiting; it commits every 1000 lines.
    "$ANNAL_CLI" generate 5000 --seed 3 > "$tmp/events.jsonl"
    record import "$ANNAL_CLI" --db DIR import "$tmp/events.jsonl"
    check import annal durable --acked 5000 --batches-of 1000
    ;;
  faults | faults-deferred | faults-rebuild)
    # EIO and ENOSPC (in turn) at each write, then at each sync, of a run of
    # durable appends (deferred: with the projector; rebuild: with a
    # rebuild), one fault per run, until a run ends before its fault:
    # crash_writer checks the error, that nothing of the failed append is
    # visible, that the store stays usable, and verify.
    for kind in write sync; do
      for ((n = 1; ; n++)); do
        errno_name=$([ $((n % 2)) = 0 ] && echo EIO || echo ENOSPC)
        rm -rf "$tmp/faults" "$tmp/faults.rec"
        if ! ANNAL_CRASHREC_FAIL=$kind:$n:$errno_name record faults "$CRASH_WRITER" DIR \
             "$scenario" 10 10 2> "$tmp/faults.err"; then
          echo "FAILED with $kind $n $errno_name:"
          cat "$tmp/faults.err"
          exit 1
        fi
        grep -aq "fault $kind $n" "$tmp/faults.rec" || break
      done
      echo "$scenario: a fault at each $kind, $((n - 1)) runs: all passed"
    done
    ;;
  nosync)
    # Sync off promises nothing on a power loss (docs/reliability.md): what
    # it keeps is every write the OS holds. Checked at every point; and the
    # same run checked against the durable contract must fail, or this
    # scenario would not be exploring anything.
    record nosync "$CRASH_WRITER" DIR nosync 10 30
    check nosync annal writes-kept --scenario nosync
    check nosync annal durable --scenario nosync --expect-violations
    ;;
  *)
    echo "unknown scenario $scenario" >&2
    exit 2
    ;;
esac
