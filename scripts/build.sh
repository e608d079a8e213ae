#!/usr/bin/env bash
# Configures and builds mint into ${BUILD_DIR:-build}. CUDA is on when nvcc is found
# (MINT_CUDA=AUTO); extra CMake arguments pass through, e.g. -DMINT_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
build="${BUILD_DIR:-build}"
export PATH="$PATH:/usr/local/cuda/bin"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
ninja -C "$build" -j"$(nproc)"
