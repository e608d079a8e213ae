#!/usr/bin/env bash
# mint experiment and mint merge killed with SIGKILL (kill -9) at random moments: the promises of
# docs/reliability.md, "Interruptions (kill -9)". For each trial the command is started into a
# fresh directory and killed after a random delay in (0, T), T the uninterrupted run's time; then
#   - every file it left, temporaries (*.tmp.*) aside, equals the uninterrupted run's file
#     byte for byte: no partial file under a finished file's name;
#   - the same command, rerun (once killed again in one trial), finishes; it skips every step
#     finished before the kill; the temporaries of the dead processes (two planted per trial) are
#     gone, and the directory holds the same files with the same bytes as the uninterrupted run's
#     (a training log's `seconds` column aside).
# A merge leaves its shards' directories as they were. mint stream's kill test is cli_stream.sh.
# usage: cli_kill.sh MINT WORKDIR
# MINT_KILL_SEED=S replays the delays (as fractions of T) of a run that printed "seed S".
set -euo pipefail
mint=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"

seed=${MINT_KILL_SEED:-$RANDOM}
RANDOM=$seed
echo "cli_kill: seed $seed (MINT_KILL_SEED=$seed replays these delays, as fractions of T)"

fail() {
  echo "cli_kill: $*" >&2
  exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }


# Files $1 and $2 hold the same bytes; a training log's `seconds` column (wall time, the only
# output that is not deterministic) aside.
same_file() {
  case $1 in
    *.log.tsv) cmp -s <(cut -f1-4,6- "$1") <(cut -f1-4,6- "$2") ;;
    *) cmp -s "$1" "$2" ;;
  esac
}

# Files of $2, temporaries aside, that differ from $1's: a partial file left by a kill.
check_partial() {
  local ref=$1 dir=$2 what=$3 f
  while IFS= read -r f; do
    [ -e "$ref/$f" ] || fail "$what: $f is not an output of the uninterrupted run"
    same_file "$ref/$f" "$dir/$f" ||
      fail "$what: $f differs from the uninterrupted run's (a partial file under its name)"
  done < <(cd "$dir" && find . -type f ! -path '*.tmp.*' | sort)
}

# $2 holds exactly $1's files, with the same bytes.
check_same() {
  local ref=$1 dir=$2 what=$3 f
  diff <(cd "$ref" && find . -type f | sort) <(cd "$dir" && find . -type f | sort) >files.diff ||
    fail "$what: other files than the uninterrupted run's: $(grep '^[<>]' files.diff | tr '\n' ' ')"
  while IFS= read -r f; do
    same_file "$ref/$f" "$dir/$f" || fail "$what: $f differs from the uninterrupted run's"
  done < <(cd "$ref" && find . -type f | sort)
}

# Runs "$@" and kills it with SIGKILL after $delay_ms milliseconds; sets $step to the step it
# was running ("[i/N] name", from its output) or "finished" when it finished first.
run_killed() {
  : >killed.txt
  "$@" >killed.txt 2>/dev/null &
  local pid=$! rc=0
  sleep "$((delay_ms / 1000)).$(printf %03d $((delay_ms % 1000)))"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || rc=$?
  step=$( (grep -o '\[[0-9]*/[0-9]*\] [^…:]*' killed.txt || true) | tail -1 | sed 's/ *$//')
  [ $rc -ne 0 ] || step="finished"
}

# One trial: kill "$@" (which writes $dir) `kills` times after random delays in (0, $t_ms), then
# rerun it.
trial() {
  local name=$1 ref=$2 dir=$3 kills=$4 k
  shift 4
  local what=""
  for ((k = 1; k <= kills; ++k)); do
    # A fraction of T in (0, 1), 1/10000 steps, drawn in this shell (a subshell's $RANDOM is
    # seeded anew): a replay kills at the same fractions of its own T.
    frac=$((1 + RANDOM % 9999))
    delay_ms=$((t_ms * frac / 10000))
    [ "$delay_ms" -ge 1 ] || delay_ms=1
    run_killed "$@"
    what="$what${what:+, }killed after ${delay_ms} ms = $(printf 0.%04d $frac) T (${step:-starting})"
    # Finished first (T was timed on a busier machine): later delays stay below this run's time.
    if [ "$step" = finished ] && [ "$delay_ms" -gt 2 ]; then t_ms=$delay_ms; fi
    [ -d "$dir" ] || continue # killed before config.json
    check_partial "$ref" "$dir" "$name ($what)"
  done
  # A dead process's temporaries, as a kill during a write leaves them (io/atomic_file's names:
  # <path>.tmp.<pid>@<host>, and the older <path>.tmp.<pid>).
  mkdir -p "$dir/tables"
  echo partial >"$dir/config.json.tmp.999999999"
  echo partial >"$dir/tables/auprc.tsv.tmp.999999998$host"
  "$@" >rerun.txt 2>&1 || fail "$name ($what): the rerun failed: $(tail -1 rerun.txt)"
  check_same "$ref" "$dir" "$name ($what), rerun"
  # Only the step in progress was lost: the rerun skips every step before it.
  if [[ $step =~ ^\[([0-9]+)/([0-9]+)\] ]]; then
    for ((k = 1; k < BASH_REMATCH[1]; ++k)); do
      grep -q "^\[$k/${BASH_REMATCH[2]}\] .*: skipped\$" rerun.txt ||
        fail "$name ($what): the rerun ran step $k again (finished before the kill)"
    done
  elif [ "$step" = finished ]; then
    ! grep -q '^\[.*…' rerun.txt || fail "$name ($what): a finished run's rerun ran a step"
  fi
  echo "cli_kill: $name: $what, rerun: same bytes"
}

host=$(uname -n)
[[ $host =~ ^[A-Za-z0-9._-]+$ ]] && host="@$host" || host=""

tiny=(--filters 4 --seeds 1 --effects additive --length 100 --train 300 --valid 60
  --test-positives 20 --test-per-subset 4 --regression-train 300 --regression-valid 60
  --test-per-count 6 --epochs 1 --ig-steps 4 --fp-batch 16 --bootstrap 20 --threads 1
  --device cpu)

# mint experiment: once uninterrupted (T), then 5 trials, the last killed twice.
t0=$(now_ms)
"$mint" experiment all --out exp_ref "${tiny[@]}" --quiet >/dev/null ||
  fail "the uninterrupted mint experiment failed"
t_exp=$(($(now_ms) - t0))
echo "cli_kill: mint experiment uninterrupted: ${t_exp} ms"
[ "$t_exp" -gt 1 ] || fail "mint experiment took ${t_exp} ms"
t_ms=$t_exp
for i in 1 2 3 4 5; do
  kills=1
  [ $i -ne 5 ] || kills=2
  trial "experiment trial $i" exp_ref exp_$i $kills \
    "$mint" experiment all --out exp_$i "${tiny[@]}"
  rm -rf exp_$i
done

# mint merge of 3 shards (train stage): copies data and models, attributes, writes the tables.
for s in 0 1 2; do
  "$mint" experiment all --out shard_$s "${tiny[@]}" --quiet --shard $s/3 >/dev/null ||
    fail "mint experiment --shard $s/3 failed"
done
t0=$(now_ms)
"$mint" merge --out merged_ref shard_0 shard_1 shard_2 >/dev/null ||
  fail "the uninterrupted mint merge failed"
t_merge=$(($(now_ms) - t0))
echo "cli_kill: mint merge uninterrupted: ${t_merge} ms"
[ "$t_merge" -gt 1 ] || fail "mint merge took ${t_merge} ms"
t_ms=$t_merge
cmp -s exp_ref/tables/auprc_summary.tsv merged_ref/tables/auprc_summary.tsv ||
  fail "merge: tables/auprc_summary.tsv differs from the single run's"
for i in 1 2 3; do
  kills=1
  [ $i -ne 3 ] || kills=2
  rm -rf copy && mkdir copy && cp -a shard_0 shard_1 shard_2 copy/
  trial "merge trial $i" merged_ref merged_$i $kills \
    "$mint" merge --out merged_$i copy/shard_0 copy/shard_1 copy/shard_2
  for s in 0 1 2; do
    diff -r shard_$s copy/shard_$s >/dev/null || fail "merge trial $i: changed shard_$s"
  done
  rm -rf merged_$i
done
echo "cli_kill: ok"
