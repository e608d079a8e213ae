#!/usr/bin/env bash
# The one script to run on a lent GPU machine (H100/H200, a 15-minute budget all told):
#
#   bash bench/device-check.sh          # from anywhere; logs go to $OUT (default ./device-out)
#
# Steps, each logged to "$OUT/<step>.log" (and echoed):
#   env        nvidia-smi (its full output), nvcc --version, nproc, git revision
#   configure  fresh build-device/ with -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_BUILD_TYPE=Release
#              -DMINT_CUDA=ON; if that fails and headers of CLI11, nlohmann-json, Google
#              Benchmark or GoogleTest are missing, it apt-get installs their Debian packages
#              quietly (when apt-get exists) and configures again
#   build      all targets with $(nproc) jobs
#   ctest      every test, GPU ones included (they skip without a GPU), --output-on-failure
#   bench_sampler_cuda          correctness check against the CPU, then CUDA-event timings
#                               (its csv lines also go to $OUT/bench_sampler_cuda.csv)
#   bench_cnn_cuda              CNN CUDA backend vs the CPU backend on 64 sequences, then
#                               CUDA-event timings: fused conv block, inference, training step
#                               (its csv lines also go to $OUT/bench_cnn_cuda.csv)
#   bench_ig_cuda               fused IG kernel (GL-50, riemann_right 20), checked against the
#                               CPU first: sequences/s (CUDA events)
#   bench_deeplift_cuda         fused DeepLIFT kernel (both modes), checked against the CPU
#                               first: sequences/s (CUDA events)
#   bench_auprc_cuda            per-row AUPRC (CUB block sort; segmented sort for long rows)
#                               checked against the CPU, then rows/s (CUDA events)
#   bench_stream                the streaming benchmark end to end (run_stream), IG-50 and
#                               DeepLIFT sequences/s on the CPU and with --device cuda (the
#                               device-resident stream: sampling, attribution, scoring and the
#                               pooled histograms on the GPU; only per-sequence values cross)
#   bench_sampler               CPU, --benchmark_min_time=0.2 (JSON in $OUT/bench_sampler.json)
#
# A test failure does not stop the benchmarks. Exit status: configure/build failure if any,
# else the ctest status, else bench_sampler_cuda's (non-zero when the GPU bytes differ from
# the CPU's), else bench_cnn_cuda's (non-zero when the CUDA CNN differs from the CPU backend).
# shellcheck disable=SC2317  # functions below are called through step()
set -u -o pipefail

OUT="${OUT:-./device-out}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
BUILD=build-device
JOBS="$(nproc)"
STEP_TIMEOUT=300  # seconds; a hung step must not eat the machine's whole budget

step() {  # step NAME COMMAND...: run, tee into $OUT/NAME.log, return the command's status
  local name="$1"; shift
  echo "=== $name: $*" | tee "$OUT/$name.log"
  "$@" 2>&1 | tee -a "$OUT/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "=== $name: exit $rc" | tee -a "$OUT/$name.log"
  return "$rc"
}

environment() {
  if command -v nvidia-smi >/dev/null; then nvidia-smi; else echo "nvidia-smi: not found"; fi
  /usr/local/cuda/bin/nvcc --version 2>/dev/null || nvcc --version 2>/dev/null
  echo "nproc: $JOBS"
  git rev-parse HEAD 2>/dev/null && git status --short 2>/dev/null | head -50
}

configure() {
  rm -rf "$BUILD"
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B "$BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CUDA_ARCHITECTURES=90 -DMINT_CUDA=ON -DMINT_TESTS=ON -DMINT_BENCH=ON
}

# Debian packages whose headers are missing (configure stops at the first failed
# find_package, so look at all of them at once).
missing_packages() {
  local packages=()
  [ -f /usr/include/CLI/CLI.hpp ] || packages+=(libcli11-dev)
  [ -f /usr/include/nlohmann/json.hpp ] || packages+=(nlohmann-json3-dev)
  [ -f /usr/include/benchmark/benchmark.h ] || packages+=(libbenchmark-dev)
  [ -f /usr/include/gtest/gtest.h ] || packages+=(libgtest-dev)
  echo "${packages[@]}"
}

install_packages() {
  local packages=("$@")
  command -v apt-get >/dev/null || { echo "apt-get not available"; return 1; }
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo -n)
  DEBIAN_FRONTEND=noninteractive timeout 180 "${sudo[@]}" apt-get install -y -qq \
    "${packages[@]}" >/dev/null 2>&1 ||
    { timeout 120 "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive timeout 180 "${sudo[@]}" apt-get install -y -qq \
        "${packages[@]}" >/dev/null 2>&1; }
}

step env environment

if ! step configure configure; then
  read -r -a packages <<<"$(missing_packages)"
  if [ "${#packages[@]}" -gt 0 ]; then
    step apt install_packages "${packages[@]}"
    step configure configure || exit 2
  else
    exit 2
  fi
fi
step build cmake --build "$BUILD" -j "$JOBS" || exit 3

step ctest ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --timeout 120
test_rc=$?

step bench_sampler_cuda timeout "$STEP_TIMEOUT" "$BUILD/bench/bench_sampler_cuda"
cuda_rc=$?
grep '^csv,' "$OUT/bench_sampler_cuda.log" | cut -c5- >"$OUT/bench_sampler_cuda.csv"

step bench_cnn_cuda timeout "$STEP_TIMEOUT" "$BUILD/bench/bench_cnn_cuda"
cnn_rc=$?
grep '^csv,' "$OUT/bench_cnn_cuda.log" | cut -c5- >"$OUT/bench_cnn_cuda.csv"

step bench_ig_cuda timeout "$STEP_TIMEOUT" "$BUILD/bench/bench_ig_cuda"
step bench_deeplift_cuda timeout "$STEP_TIMEOUT" "$BUILD/bench/bench_deeplift_cuda"
step bench_auprc_cuda timeout "$STEP_TIMEOUT" "$BUILD/bench/bench_auprc_cuda"

step bench_stream timeout "$STEP_TIMEOUT" "$BUILD/bench/bench_stream" \
  --benchmark_out="$OUT/bench_stream.json" --benchmark_out_format=json

step bench_sampler timeout "$STEP_TIMEOUT" "$BUILD/bench/bench_sampler" \
  --benchmark_min_time=0.2 --benchmark_out="$OUT/bench_sampler.json" \
  --benchmark_out_format=json

echo "device-check: ctest exit $test_rc, bench_sampler_cuda exit $cuda_rc," \
     "bench_cnn_cuda exit $cnn_rc; logs in $OUT"
[ "$test_rc" -ne 0 ] && exit "$test_rc"
[ "$cuda_rc" -ne 0 ] && exit "$cuda_rc"
exit "$cnn_rc"
