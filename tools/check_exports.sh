#!/usr/bin/env bash
# What the shared libraries export, against the allowlist tools/exports.txt.
# libannal.so is compiled with hidden visibility and linked with
# cmake/libannal.map, so it exports what include/annal/ marks ANNAL_EXPORT
# and nothing else; this check is what keeps it so: an internal symbol that
# leaks, or an API function that stops being exported, fails it, with the
# difference printed.
#
#   tools/check_exports.sh LIB...            check (ctest runs it)
#   tools/check_exports.sh --update LIB...   rewrite the list after a
#                                            deliberate change of the API
# Each line of the list is "library: demangled symbol". The list is that of
# GCC's build (the one CI checks); ABI tags and the spelling of templates
# differ between compilers.
set -euo pipefail
list="$(cd "$(dirname "$0")" && pwd)/exports.txt"
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--update] LIB..." >&2; exit 2; }

exported() {
  for lib in "$@"; do
    name=$(basename "$lib")
    nm -DC --defined-only "$lib" | cut -d' ' -f3- | sed "s|^|${name%%.so*}: |"
  done | LC_ALL=C sort -u
}

if [ $update = 1 ]; then
  exported "$@" > "$list"
  echo "wrote $(wc -l < "$list") symbols to $list"
  exit 0
fi
if ! difference=$(diff <(LC_ALL=C sort -u "$list") <(exported "$@")); then
  echo "the libraries' exported symbols differ from tools/exports.txt"
  echo "(< allowed but not exported, > exported but not allowed):"
  echo "$difference"
  echo "a deliberate API change: tools/check_exports.sh --update LIB... and commit the list"
  exit 1
fi
echo "exports: $(wc -l < "$list") symbols, as allowed"
