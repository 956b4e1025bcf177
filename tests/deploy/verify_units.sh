#!/usr/bin/env bash
# The systemd units of deploy/systemd, checked as systemd reads them:
# `systemd-analyze verify` (any word it says fails the test: it reports a
# bad value as a warning and exits 0) with ExecStart pointed at the annal
# just built, and `systemd-analyze security --offline` keeping each
# unit's exposure at most 2.5 ("OK"; the units score 1.8 to 2.0).
#   tests/deploy/verify_units.sh SOURCE_DIR ANNAL_BINARY
set -euo pipefail
src=$1 annal=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in "$src"/deploy/systemd/*.service; do
  sed "s|/usr/bin/annal|$annal|" "$unit" > "$work/$(basename "$unit")"
done
said=$(systemd-analyze verify --man=no "$work"/*.service 2>&1) || {
  echo "$said"; exit 1; }
[ -z "$said" ] || { echo "systemd-analyze verify: $said"; exit 1; }
for unit in "$work"/*.service; do
  level=$(systemd-analyze security --offline=true "$unit" 2>&1 |
          sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  echo "$(basename "$unit"): exposure $level"
  awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 2.5) }' ||
    { echo "$(basename "$unit") is exposed at ${level:-?} (> 2.5)"; exit 1; }
done
