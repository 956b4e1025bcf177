#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer on) and runs each for SECONDS seconds (default
# 60; CI runs 60, a longer hunt is `bash tools/fuzz.sh 3600`). Each target
# starts from its committed seed corpus; what it learns stays in
# build-fuzz/corpus/. A crash stops the run and leaves the input in
# build-fuzz/crash-*: copy it to tests/fuzz/regressions/<target>/ and fix.
# Prints one summary line per target: runs, corpus size, peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

bash tools/install-deps.sh
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DANNAL_FUZZ=ON -DANNAL_BUILD_BENCH=OFF > /dev/null
targets=(fuzz_jsonl fuzz_admit fuzz_record fuzz_store)
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
summary=()
for t in "${targets[@]}"; do
  work="build-fuzz/corpus/$t"
  mkdir -p "$work"
  log="build-fuzz/$t.log"
  echo "== fuzzing $t for ${seconds}s"
  # -rss_limit_mb/-malloc_limit_mb turn an unbounded allocation into a failure;
  # -max_len lets a record or line grow past the 64 KiB text limit.
  if ! "build-fuzz/tests/fuzz/$t" "$work" "tests/fuzz/corpus/$t" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -max_len=131072 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="build-fuzz/crash-$t-" > "$log" 2>&1; then
    tail -n 60 "$log"
    echo "$t FAILED: the input is in build-fuzz/crash-$t-*"
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$')
  summary+=("$t: $runs runs in ${seconds}s, corpus $(ls "$work" | wc -l) inputs, peak RSS ${rss} MiB, no failure")
done
printf '%s\n' "${summary[@]}"
