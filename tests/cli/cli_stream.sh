#!/usr/bin/env bash
# mint stream end to end: a run killed with SIGKILL at a random moment, or stopped by SIGTERM /
# SIGINT, and resumed writes the same tables as an uninterrupted run, and so do two shards merged; bad options fail with one
# "mint: error:" line.   usage: cli_stream.sh MINT WORKDIR
set -euo pipefail
mint=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"

fail() {
  echo "cli_stream: $*" >&2
  exit 1
}

# One error line naming the problem, non-zero exit.
expect_error() {
  local needle=$1
  shift
  if "$mint" "$@" >out.txt 2>err.txt; then fail "mint $* succeeded; expected '$needle'"; fi
  [ "$(wc -l <err.txt)" -eq 1 ] || fail "mint $*: stderr is not one line: $(cat err.txt)"
  grep -q "^mint: error: " err.txt || fail "mint $*: no 'mint: error:' line: $(cat err.txt)"
  grep -qF -- "$needle" err.txt || fail "mint $*: error lacks '$needle': $(cat err.txt)"
}

# Every table and sampled attribution of two results directories is the same.
same_results() {
  local a=$1 b=$2
  diff -r "$a/tables" "$b/tables" >/dev/null || fail "$a and $b: tables differ"
  diff -r "$a/stream/attributions" "$b/stream/attributions" >/dev/null ||
    fail "$a and $b: sampled attributions differ"
}

"$mint" simulate --out data --train 400 --valid 100 --test-positives 8 --test-per-subset 2 \
  --length 120 --no-fasta >/dev/null
"$mint" train --data data --out models --seeds 2 --epochs 1 --filters 4 --quiet --device cpu \
  >/dev/null
m1=models/model_f4_seed1.safetensors
m2=models/model_f4_seed2.safetensors

common=(--model "A=$m1,$m2" --model "B=$m2" --compare A,B --length 120 --seed 3 --quiet
  --save-attributions 7 --device cpu)
"$mint" stream "${common[@]}" --method ig,deeplift --steps 50 --n 3000 --out whole \
  --threads 2 >whole.txt
grep -q "3008 sequences" whole.txt || fail "no summary line: $(cat whole.txt)"
for t in accuracy_by_count auprc_summary auprc_differences auprc_convergence pooled_bounds; do
  [ -s "whole/tables/$t.tsv" ] || fail "whole/tables/$t.tsv missing"
done

# Killed at a random moment (a checkpoint after every chunk), then resumed.
for trial in 1 2; do
  out=killed$trial
  "$mint" stream "${common[@]}" --method ig,deeplift --steps 50 --n 3000 --out $out \
    --chunk 64 --checkpoint-seconds 0 --threads 1 >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  [ ! -e $out/tables/auprc_summary.tsv ] || echo "cli_stream: trial $trial finished before the kill"
  mkdir -p $out/stream
  : >$out/stream/shard-0-of-1.state.tmp.999999999 # a dead process's temporary
  "$mint" stream "${common[@]}" --method ig,deeplift --steps 50 --n 3000 --out $out \
    --chunk 100 --threads 2 >/dev/null
  same_results whole $out
  [ -z "$(find $out -name '*.tmp.*')" ] || fail "$out: temporaries left: $(find $out -name '*.tmp.*')"
done

# SIGTERM (a scheduler's notice), SIGINT and SIGHUP: the chunk in hand is finished, the checkpoint saved,
# one error line says so, the exit is non-zero, and the same command resumes to the same tables.
for sig in TERM INT HUP; do
  out=signal$sig
  "$mint" stream "${common[@]}" --method ig,deeplift --steps 50 --n 3000 --out $out \
    --chunk 64 --checkpoint-seconds 1000 --threads 1 >/dev/null 2>$out.err &
  pid=$!
  sleep 0.4  # no checkpoint is due: the state file below is the signal's
  kill -$sig $pid 2>/dev/null || true
  rc=0
  wait $pid || rc=$?
  if [ -e $out/tables/auprc_summary.tsv ] && [ $rc -eq 0 ]; then
    echo "cli_stream: the SIG$sig run finished before the signal"
  else
    [ $rc -ne 0 ] || fail "SIG$sig: exit 0 without tables"
    grep -q "stopped by a signal after" $out.err || fail "SIG$sig: $(cat $out.err)"
    [ -s $out/stream/shard-0-of-1.state ] || fail "SIG$sig: no checkpoint saved"
  fi
  "$mint" stream "${common[@]}" --method ig,deeplift --steps 50 --n 3000 --out $out \
    --chunk 100 --threads 2 >/dev/null
  same_results whole $out
done

# Two shards, run in the reverse order, merge into the same tables.
"$mint" stream "${common[@]}" --method ig,deeplift --steps 50 --n 3000 --out sharded \
  --shard 1/2 >shard1.txt
grep -q "1 of 2 shards finished" shard1.txt || fail "shard 1/2: $(cat shard1.txt)"
"$mint" stream "${common[@]}" --method ig,deeplift --steps 50 --n 3000 --out sharded \
  --shard 0/2 >/dev/null
same_results whole sharded
"$mint" report sharded >/dev/null
[ -s sharded/report.html ] || fail "mint report drew nothing"

# A file-size limit: the checkpoint's write fails with one line (not a silent SIGXFSZ death).
(
  ulimit -f 100
  expect_error "write failed" stream "${common[@]}" --method deeplift --n 3000 --out limited
) || fail "ulimit -f"

# Bad options: one line naming the option.
expect_error "--n: 0 must be in [1, 4294967295]" stream --model "$m1" --length 120 --n 0 --out x
expect_error "--chunk: 0 must be in" stream --model "$m1" --length 120 --chunk 0 --out x
expect_error "--shard" stream --model "$m1" --length 120 --shard 2/2 --out x
expect_error "unknown attribution method 'shap'" stream --model "$m1" --length 120 --method shap \
  --out x
expect_error "missing.safetensors" stream --model A=missing.safetensors --out x
expect_error "--model 'A=': expected NAME=FILE" stream --model A= --out x
expect_error "length" stream --model "$m1" --length 200 --out x
expect_error "no model called 'C'" stream --model "A=$m1" --model "B=$m2" --compare A,C \
  --length 120 --out x
expect_error "given twice" stream --model "A=$m1" --model "A=$m2" --length 120 --out x
expect_error "other options" stream "${common[@]}" --method deeplift --n 3000 --out whole
expect_error "--ci: 1 must be in (0, 1)" stream --model "$m1" --length 120 --ci 1 --out x
expect_error "may not contain /" stream --model "../up=$m1" --length 120 --out x
expect_error "no column of" stream --model "$m1" --length 120 --positives ic --ic-threshold 1.9 \
  --out x
expect_error "shards for" stream --model "$m1" --length 120 --n 16 --shard 0/1000 --out x
expect_error "--fp-batch: 2147483646 must be in" stream --model "$m1" --length 120 --method fp \
  --fp-batch 2147483646 --out x

# A damaged or misplaced state is refused, naming the file.
cp -r whole damaged
printf 'x' | dd of=damaged/stream/shard-0-of-1.state bs=1 seek=5000 conv=notrunc 2>/dev/null
expect_error "checksum does not match" stream "${common[@]}" --method ig,deeplift --steps 50 \
  --n 3000 --out damaged
mkdir -p swapped/stream
cp sharded/stream/shard-0-of-2.state swapped/stream/shard-1-of-2.state
expect_error "not the shard its name says" stream "${common[@]}" --method ig,deeplift \
  --steps 50 --n 3000 --out swapped --shard 0/2
echo "cli_stream: ok"
