#!/usr/bin/env bash
# The layers of annal import only downwards (docs/design.md):
#
#   common/         header-only helpers below every layer but the API (numbers, hex)
#   include/annal   the public API: its own headers only
#   store/          LMDB, keys, the schema table, digests, the hash chain
#   events/         the event codecs (JSONL, FlatBuffers records), the one log reader
#   validator/      the validator, over store/ and events/
#   projectors/     one projector per file, over store/, events/ and validator/
#   engine/         the public API's implementation, over all of the above
#   workload/       the event generator, over the public API only
#   server/         the HTTP API (annal serve), over the public API only
#   replication/    ship and replica over NATS JetStream, over the public API only
#   python/src      the Python module (pybind11), over the public API and
#                   the server (store.serve) only
#   tools/ bench/ tests/ examples/   anything
#
#   examples/       the public API only (they build against the installed
#                   package)
#
# Both #include "..." and #include <...> are checked: an angle-bracket
# include is the project's when its first folder is one of the layers'.
# Prints every include that reaches upwards and fails when there is one.
# Run at every build (a CMake target) and by ctest, which also runs it on a
# tree with upward includes planted (tests/layering/script_test.sh).
# ANNAL_LAYERS_ROOT: the tree to check (default: this repository).
set -euo pipefail
cd "${ANNAL_LAYERS_ROOT:-$(dirname "$0")/..}"

allowed() {  # folder -> the project folders its files may include from
  case "$1" in
    common) echo "common" ;;
    include/annal) echo "annal" ;;
    store) echo "common store" ;;
    events) echo "common annal store events" ;;
    validator) echo "common annal store events validator" ;;
    projectors) echo "common annal store events validator projectors" ;;
    engine) echo "common annal store events validator projectors engine" ;;
    workload) echo "common annal workload" ;;
    server) echo "common annal server" ;;
    replication) echo "common annal replication" ;;
    python/src) echo "common annal python server" ;;
    examples) echo "annal" ;;
  esac
}
project_folders="common annal store events validator projectors engine workload server replication python examples"

bad=0
for layer in common include/annal store events validator projectors engine workload server replication python/src examples; do
  [ -d "$layer" ] || continue
  ok=$(allowed "$layer")
  while IFS=: read -r file line text; do
    target=$(sed -E 's/.*#[[:space:]]*include[[:space:]]*[<"]([^">]+)[">].*/\1/' <<< "$text")
    case "$target" in
      *_generated.h) continue ;;  # flatc output: below every layer
    esac
    top=${target%%/*}
    [ "$top" = "$target" ] && top=""  # a bare name: same folder, or the system's
    if [[ "$text" == *"<"* ]] && ! grep -qw -- "$top" <<< "$project_folders"; then
      continue  # a system or library header
    fi
    if [ -n "$top" ] && ! grep -qw -- "$top" <<< "$ok"; then
      echo "layering: $file:$line includes \"$target\" ($layer may include from: $ok)"
      bad=1
    fi
  done < <(grep -rn --include='*.h' --include='*.cc' --include='*.cpp' \
             '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$layer" || true)
done
exit $bad
