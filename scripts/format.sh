#!/usr/bin/env bash
# clang-format over every C++/CUDA file of the repository (style: .clang-format).
#   bash scripts/format.sh          rewrite the files in place
#   bash scripts/format.sh --check  change nothing; list unformatted files and fail if any
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || bash scripts/deps.sh
mapfile -t files < <(git ls-files -co --exclude-standard '*.cpp' '*.hpp' '*.cu' '*.cuh' '*.h')
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
      echo "format: $f is not clang-formatted (run bash scripts/format.sh)"
      bad=1
    fi
  done
  [ "$bad" -eq 0 ] && echo "format: ${#files[@]} files clang-formatted"
  exit "$bad"
fi
clang-format -i "${files[@]}"
