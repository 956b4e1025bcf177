#!/usr/bin/env bash
# Power-loss scenarios (README.md): record a run with the interposer, then
# check every crash state of it. SCENARIO: self-test, or one of
# crash_writer's (appends, group, nosync, deferred, growth, rebuild,
# projection, backup, promote, ship: with `annal ship` and a loopback
# nats-server), or import (`annal import`), or faults, faults-deferred,
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
servers=()
trap 'for p in "${servers[@]}"; do kill "$p" 2> /dev/null || true; done; wait; rm -rf "$tmp"' EXIT

record() {  # NAME COMMAND...: runs COMMAND, recorded, with its word DIR as $tmp/NAME
  local name=$1
  shift
  mkdir -p "$tmp/$name"
  ANNAL_CRASHREC_DIR="$tmp/$name" ANNAL_CRASHREC_OUT="$tmp/$name.rec" LD_PRELOAD="$CRASHREC" \
    ${exec_record:-} "${@/#DIR/$tmp/$name}" > /dev/null
}
# The same in the background, the program itself (not a subshell) as $!.
record_in_background() { exec_record=exec record "$@" & }
start_nats() {  # a JetStream server on a free loopback port; sets $nats_url
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${NATS_SERVER:-nats-server}" -a 127.0.0.1 -p "$port" -js -sd "$tmp/jetstream" \
    > "$tmp/nats.log" 2>&1 &
  servers+=($!)
  nats_url="nats://127.0.0.1:$port"
  for ((i = 0; i < 500; i++)); do
    (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && return 0
    sleep 0.01
  done
  echo "nats-server did not start:" >&2
  cat "$tmp/nats.log" >&2
  return 1
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
    record early-publish "$TOY_WRITER" DIR 40 publish-before-sync
    check early-publish toy durable --expect-violations
    # annal acknowledging before its journal's sync (the recorder skips
    # it): caught.
    ANNAL_CRASHREC_SKIP_SYNC=journal record unsynced-journal "$CRASH_WRITER" DIR appends 1 30
    check unsynced-journal annal durable --expect-violations
    ;;
  appends)
    annal batches-of-1 appends 1 60
    annal batches-of-10 appends 10 30
    annal batches-of-1000 appends 1000 4
    ;;
  group)
    annal sixteen-threads appends 1 8 16
    ;;
  declared)
    annal declared declared 4 30
    ;;
  erasure)
    annal erasure erasure 4 30
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
  ship)
    # `annal ship` publishes while crash_writer appends, both recorded into
    # one recording (recorder_nats.cc notes each publish before it is
    # sent): no crash state may lack a seq published before it. The writer
    # waits, after its first batch, until the shipper has it on the stream.
    start_nats
    record_in_background ship "$CRASH_WRITER" DIR ship 1 60
    writer=$!
    until grep -aq "ack 1" "$tmp/ship.rec" 2> /dev/null; do sleep 0.01; done
    record_in_background ship "$ANNAL_CLI" --db DIR ship --nats "$nats_url" --replicas 1 \
      2> "$tmp/ship.err"
    shipper=$!
    servers+=("$shipper")
    wait "$writer"
    kill -TERM "$shipper"
    wait "$shipper" || { echo "annal ship exited $?:"; cat "$tmp/ship.err"; exit 1; }
    published=$(grep -ao "published [0-9]*" "$tmp/ship.rec" | wc -l)
    echo "ship: $published publishes recorded"
    [ "$published" -ge 60 ]
    check ship annal durable --scenario ship
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
    # Sync off (docs/reliability.md): every write the OS holds is kept; a
    # power loss may take the last appends, never leave a store that does
    # not open, fails verify or holds part of a batch. Checked at every
    # point; and the same run checked against the durable contract must
    # fail, or this scenario would not be exploring anything.
    record nosync "$CRASH_WRITER" DIR nosync 10 30
    check nosync annal writes-kept --scenario nosync
    check nosync annal consistent --scenario nosync
    check nosync annal durable --scenario nosync --expect-violations
    ;;
  *)
    echo "unknown scenario $scenario" >&2
    exit 2
    ;;
esac
