#!/usr/bin/env bash
# The layers' build targets refuse upward includes (cmake/layers.cmake).
# For each LAYER:HEADER given, the probe target layer_probe_LAYER_up, which
# includes HEADER from a layer above LAYER, must fail to build because the
# header is not there for that layer; every probe "down", which includes a
# header from beneath, must build, so that a failure cannot come from a
# probe that would fail anyway.
set -euo pipefail
build=$1
shift
downs=()
for probe in "$@"; do
  layer=${probe%%:*}
  header=${probe#*:}
  downs+=("layer_probe_${layer}_down")
  if out=$(cmake --build "$build" --target "layer_probe_${layer}_up" 2>&1); then
    echo "FAIL: the $layer layer built an include of $header"
    exit 1
  fi
  grep -q "$header: No such file or directory" <<< "$out" ||
    { echo "FAIL: the $layer probe failed, but not on $header:"; echo "$out"; exit 1; }
  echo "refused: $layer including $header"
done
cmake --build "$build" --target "${downs[@]}"
echo "layering build test: ok (${#downs[@]} layers)"
