#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/, -DMINT_FUZZ=ON: clang, CPU only, ASan + UBSan) in
# ${BUILD_DIR:-build-fuzz} and runs each for SECONDS (default 25) on a corpus seeded from
# tests/data (copied into BUILD_DIR/corpus/<harness>; tests/data is never written). Any finding
# (crash, sanitizer report, uncaught non-mint exception, broken invariant, hang over 10 s, more
# than 2 GB of memory) fails the script; libFuzzer leaves the input as BUILD_DIR/findings/.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     e.g. scripts/fuzz.sh 600 fuzz_npy
#   FUZZ_ARGS="-runs=1000000" scripts/fuzz.sh 0 fuzz_npy   (extra libFuzzer flags; 0: no time cap)
#   FUZZ_KEEP_CORPUS=1 ...                               (keep BUILD_DIR/corpus from earlier runs)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-25}"
shift || true
build="${BUILD_DIR:-build-fuzz}"
all=(fuzz_npy fuzz_jaspar fuzz_meme fuzz_safetensors_model fuzz_architecture fuzz_config
     fuzz_dataset fuzz_tsv)
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")

bash scripts/deps.sh
if ! command -v clang++ >/dev/null || ! [ -d /usr/lib/llvm-14/lib/clang ] ||
   ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
   ! [ -f /usr/lib/llvm-14/lib/libomp.so ]; then
  echo "fuzz: installing clang (libFuzzer) and libomp"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang libclang-rt-dev libomp-dev \
    >/dev/null
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DMINT_CUDA=OFF -DMINT_FUZZ=ON -DMINT_TESTS=OFF -DMINT_BENCH=OFF "${launcher[@]}" >/dev/null
ninja -C "$build" -j"$(nproc)" "${harnesses[@]}"

# ---- seed corpora (copies; the findings of earlier campaigns are under tests/data/fuzz/) ------
data=tests/data
seed() {  # seed HARNESS FILE...: copies the files into the harness's corpus
  local dir="$build/corpus/$1"
  shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/seed_$(echo "$f" | tr / _)"; done
  return 0
}
prefixed() {  # prefixed HARNESS BYTE FILE: the file behind a one-byte selector
  mkdir -p "$build/corpus/$1"
  { printf "\\x$(printf %02x "$2")"; cat "$3"; } >"$build/corpus/$1/seed_$(basename "$3")"
}
# FUZZ_KEEP_CORPUS=1 keeps what earlier runs found (a campaign resumed after a fix).
[ "${FUZZ_KEEP_CORPUS:-0}" = 1 ] || rm -rf "$build/corpus"
rm -rf "$build/findings"
mkdir -p "$build/findings"
seed fuzz_npy $data/npy/*.npy $data/auprc/*/*.npy $(find $data/sequential -name "*.npy" -size -8k)
seed fuzz_safetensors_model $data/captum/*/weights.safetensors $data/sequential/*/model.safetensors
for f in $data/sequential/*/model.safetensors; do
  out="$build/corpus/fuzz_architecture/seed_$(basename "$(dirname "$f")").json"
  mkdir -p "$(dirname "$out")"
  python3 -c 'import json,struct,sys; b=open(sys.argv[1],"rb").read(); n=struct.unpack("<Q",b[:8])[0]
print(json.loads(b[8:8+n])["__metadata__"]["mint.architecture"], end="")' "$f" >"$out"
done
seed fuzz_jaspar $data/motifs_bad/*.jaspar data/motifs/*.jaspar
seed fuzz_meme $data/motifs_bad/*.meme
# The large JASPAR collections, in pieces of about ten motifs (small inputs fuzz faster).
mkdir -p "$build/split"
split -l 50 $data/jaspar_core_vertebrates_nr.jaspar "$build/split/jaspar_"
seed fuzz_jaspar $(ls "$build"/split/jaspar_* | head -20)
awk -v out="$build/split/meme_" 'BEGIN{h="MEME version 4\n\nALPHABET= ACGT\n\n"}
  /^MOTIF/{if (n % 10 == 0) {f = out sprintf("%03d", n / 10); printf "%s", h > f} n++}
  n > 0 && n <= 200 {print >> f}' $data/jaspar_core_vertebrates_nr.meme
seed fuzz_meme "$build"/split/meme_*
for f in $data/fuzz/config/*.json; do prefixed fuzz_config 0 "$f"; prefixed fuzz_config 6 "$f"; done
for f in $data/fuzz/tsv/*; do prefixed fuzz_tsv "$((10#$(basename "$f" | cut -c1-2)))" "$f"; done
mkdir -p "$build/corpus/fuzz_dataset"
python3 tests/fuzz/pack_dataset.py $data/fuzz/dataset_small "$build/corpus/fuzz_dataset/seed_small"
for h in "${all[@]}"; do  # regression inputs of fixed findings
  [ -d "$data/fuzz/$h" ] && seed "$h" "$data/fuzz/$h"/*
done

# ---- run ---------------------------------------------------------------------------------------
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for h in "${harnesses[@]}"; do
  echo "== $h (${seconds} s)"
  time_flag=()
  [ "$seconds" -gt 0 ] && time_flag=(-max_total_time="$seconds")
  # shellcheck disable=SC2086
  if ! "$build/tests/fuzz/$h" "${time_flag[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$build/findings/$h-" -print_final_stats=1 ${FUZZ_ARGS:-} \
      "$build/corpus/$h" 2>"$build/$h.log"; then
    failed+=("$h")
    tail -40 "$build/$h.log"
  fi
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$build/$h.log" || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (inputs in $build/findings/)"
  exit 1
fi
echo "fuzz: no findings"
