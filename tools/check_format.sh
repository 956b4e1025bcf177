#!/usr/bin/env bash
# Fails when a C++ file of the tree is not as clang-format (.clang-format)
# would write it. To fix: clang-format -i $(git ls-files '*.cc' '*.h')
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z '*.cc' '*.h' | xargs -0 clang-format --dry-run -Werror
