#!/usr/bin/env bash
# tools/check_layers.sh against trees with upward includes planted: each
# must fail, naming the file, and the clean tree must pass. A layer check
# that could not fail would let any layer include any other.
set -euo pipefail
check="$(cd "$(dirname "$0")/../.." && pwd)/tools/check_layers.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_refused() {  # FILE TEXT: a tree holding only FILE, with TEXT in it
  local root="$tmp/tree$RANDOM"
  mkdir -p "$root/$(dirname "$1")"
  printf '%s\n' "$2" > "$root/$1"
  if out=$(ANNAL_LAYERS_ROOT="$root" bash "$check" 2>&1); then
    echo "FAIL: $1 with '$2' passed the layer check"; exit 1
  fi
  grep -q "layering: $1:1 includes" <<< "$out" ||
    { echo "FAIL: no line naming $1 in: $out"; exit 1; }
}

expect_refused store/up.h '#include "engine/engine_impl.h"'
expect_refused store/up.cc '#include <annal/engine.h>'
expect_refused projectors/up.cc '  #  include "server/server.h"'
expect_refused server/up.cc '#include "store/keys.h"'
expect_refused examples/plugin/up.cc '#include "engine/engine_impl.h"'

# Allowed: the same folder, below, a system header, a generated header.
root="$tmp/clean"
mkdir -p "$root/engine" "$root/store"
printf '#include "store/keys.h"\n#include <vector>\n#include "log_generated.h"\n' \
  > "$root/engine/ok.cc"
printf '#include "keys.h"\n#include <lmdb.h>\n' > "$root/store/ok.cc"
ANNAL_LAYERS_ROOT="$root" bash "$check"
bash "$check"  # and this repository
echo "layering script test: ok"
