#!/usr/bin/env bash
# Builds mint and runs the whole test suite: the C++ tests (ctest; CUDA tests skip, with the
# reason, without a GPU), then the Python package's (scripts/python-test.sh: pytest in .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh "$@"
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j"$(nproc)"
bash scripts/python-test.sh
