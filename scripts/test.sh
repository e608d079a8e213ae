#!/usr/bin/env bash
# Builds mint and runs the whole test suite (CUDA tests skip, with the reason, without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh "$@"
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j"$(nproc)"
