#!/usr/bin/env bash
# The main job: builds mint and runs the quick experiment with the bundled distinct_1 motifs,
# writing its results under out/quick.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
./build/mint motifs distinct_1
./build/mint simulate --motifs distinct_1 --design classification --negatives with-subsets \
  --out out/quick/distinct_1_with_subsets --seed 1
