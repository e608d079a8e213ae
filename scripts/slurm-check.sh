#!/usr/bin/env bash
# Runs docs/cluster.md's job array on a real Slurm: installs Debian's slurm-wlm and munge when
# missing (apt-get), starts munged, slurmctld and slurmd for one node on localhost (root; its own
# slurm.conf, key, state and logs in the work directory; plugins that need no systemd or cgroups),
# submits a tiny `mint experiment all` as the array (3 tasks, CPU, --threads 1): stage train,
# then stage attribute (afterok), each task into its own --out directory, then `mint merge` of
# the attribute tasks' directories (afterok). Then it runs the same experiment in one process and
# compares every file of it with the merged run's, byte for byte (models/*.log.tsv without
# their `seconds` column, the only timing). Any difference, failed job or timeout fails the
# script with one line (and the job logs); the daemons are always stopped at exit.
#
#   scripts/slurm-check.sh [MINT [WORKDIR]]     MINT default: $MINT or build/mint (paths relative
#                                               to the caller; WORKDIR empty or absent)
#   KEEP=1 ...                  keep WORKDIR (default: a mktemp directory, removed at the end)
#   SLURM_CHECK_PORT=6817 ...   slurmctld's port (slurmd uses the next one)
#   SLURM_CHECK_TIMEOUT=240 ... seconds the jobs may take in all
set -euo pipefail
start=$(date +%s)
fail() { echo "slurm-check: FAILED: $*" >&2; exit 1; }

# Arguments are relative to the caller's directory; the defaults to the repository's.
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${1:-${MINT:-}}" ]; then mint="${1:-$MINT}"; else mint="$repo/build/mint"; fi
if [ ! -f "$mint" ] || [ ! -x "$mint" ]; then
  fail "no mint binary at '$mint' (give it as the first argument or MINT=)"
fi
mint=$(realpath "$mint")
workdir="${2:-}"
[ -z "$workdir" ] || workdir=$(realpath -m "$workdir")
cd "$repo"
[ "$(id -u)" -eq 0 ] || fail "run as root (it installs packages and starts the Slurm daemons)"
port="${SLURM_CHECK_PORT:-6817}"
timeout="${SLURM_CHECK_TIMEOUT:-240}"
# Plain integers only: both go through shell arithmetic (as root).
if ! [[ "$port" =~ ^[0-9]{1,5}$ ]] || (( 10#$port < 1024 || 10#$port > 65534 )); then
  fail "SLURM_CHECK_PORT: '$port' is not a port in [1024, 65534]"
fi
if ! [[ "$timeout" =~ ^[0-9]{1,6}$ ]] || (( 10#$timeout < 1 )); then
  fail "SLURM_CHECK_TIMEOUT: '$timeout' is not a number of seconds in [1, 999999]"
fi
port=$((10#$port))
timeout=$((10#$timeout))
tasks=3

missing=0
for c in slurmctld slurmd sbatch munged; do command -v "$c" >/dev/null || missing=1; done
if [ "$missing" = 1 ]; then
  echo "slurm-check: installing slurm-wlm and munge (apt-get)"
  t=$(date +%s)
  apt-get update -qq || fail "apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge \
    >/dev/null || fail "apt-get install slurm-wlm munge"
  echo "slurm-check: installed in $(( $(date +%s) - t )) s"
fi

if [ -n "$workdir" ]; then  # a given WORKDIR is kept
  w="$workdir"; KEEP=1
  [ ! -e "$w" ] || [ -d "$w" ] || fail "WORKDIR '$w' is not a directory"
  [ ! -e "$w" ] || [ -z "$(ls -A "$w")" ] || fail "WORKDIR '$w' is not empty"
  mkdir -p "$w"
else
  w=$(mktemp -d /tmp/mint-slurm.XXXXXX)
  chmod 755 "$w"  # munged wants its socket's directories open to all
fi
w=$(realpath "$w")
pids=()
ours=""  # this script's slurm.conf, once written
names=(munged slurmctld slurmd)  # the daemons of pids, in order
cleanup() {
  local rc=$?
  if [ ${#pids[@]} -gt 0 ]; then
    # Only this script's cluster (never an inherited SLURM_CONF's), never waiting on a dead
    # controller.
    [ -z "$ours" ] || SLURM_CONF="$ours" timeout 5 scancel --quiet --user=root >/dev/null 2>&1 ||
      true
    # Newest first: slurmd (its job steps end with it), slurmctld, munged.
    for ((k = ${#pids[@]} - 1; k >= 0; k--)); do kill "${pids[k]}" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
      for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$p" 2>/dev/null || true
    done
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "slurm-check: kept $w"; else rm -rf "$w"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
logs() {  # logs FILE...: the last lines of each (daemon and job logs), for a failure
  for f in "$@"; do [ -f "$f" ] && { echo "---- $f"; tail -n 30 "$f"; }; done >&2 || true
}

# ---- munge and Slurm on localhost ---------------------------------------------------------------
t=$(date +%s)
mkdir -p "$w/munge" "$w/state" "$w/spool" "$w/logs"
chmod 755 "$w/munge"
dd if=/dev/urandom of="$w/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$w/munge/munge.key"
munged --foreground --socket="$w/munge/munge.sock" --key-file="$w/munge/munge.key" \
  --pid-file="$w/munge/munged.pid" --seed-file="$w/munge/seed" \
  --log-file="$w/munge/munged.log" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$w/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$w/munge/munge.sock" ] || { logs "$w/munge/munged.log"; fail "munged did not start"; }

export SLURM_CONF="$w/slurm.conf"
ours="$SLURM_CONF"
cat >"$SLURM_CONF" <<EOF
ClusterName=mintcheck
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$w/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$w/state
SlurmdSpoolDir=$w/spool
SlurmctldPidFile=$w/slurmctld.pid
SlurmdPidFile=$w/slurmd.pid
SlurmctldLogFile=$w/slurmctld.log
SlurmdLogFile=$w/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MailProg=/bin/true
ReturnToService=2
MinJobAge=3600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=check Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" >"$w/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$w/slurmd.out" 2>&1 &
pids+=($!)
daemon_logs() { logs "$w"/slurm*.out "$w/slurmctld.log" "$w/slurmd.log"; }
state=""
deadline=$(( $(date +%s) + 30 ))
while :; do
  # (a client waits for an unreachable controller for minutes: hence `timeout`)
  state=$(timeout 5 sinfo -h -n localhost -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  for k in 1 2; do
    kill -0 "${pids[k]}" 2>/dev/null || { daemon_logs; fail "${names[k]} exited (logs above)"; }
  done
  (( $(date +%s) < deadline )) || { daemon_logs;
    fail "the node is not idle after 30 s (state '${state:-no answer}'; port $port in use?)"; }
  sleep 0.5
done
version=$(sinfo --version)
echo "slurm-check: $version, node localhost idle $(( $(date +%s) - t )) s after starting munged"

# ---- the job array of docs/cluster.md (CPU, tiny) ----------------------------------------------
tiny="--filters 4 --seeds 1 --effects additive --length 100 --train 300 --valid 60 \
--test-positives 20 --test-per-subset 4 --regression-train 300 --regression-valid 60 \
--test-per-count 6 --epochs 1 --ig-steps 4 --fp-batch 16 --bootstrap 20"
cat >"$w/mint-array.sh" <<EOF
#!/usr/bin/env bash
#SBATCH --job-name=mint-train
#SBATCH --array=0-$((tasks - 1))
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=logs/%x-%A_%a.out
set -euo pipefail
N=\${SLURM_ARRAY_TASK_COUNT}
I=\${SLURM_ARRAY_TASK_ID}
STAGE=\${STAGE:-train}
OUT="$w/\$STAGE/\$I"
if [ "\$STAGE" = attribute ]; then  # no shared file system: stage every train task's models in
  mkdir -p "\$OUT"
  for d in "$w"/train/*/; do cp -a "\$d". "\$OUT"/; done
fi
"$mint" experiment all --out "\$OUT" --shard "\$I/\$N" --stage "\$STAGE" $tiny \\
  --device cpu --threads "\$SLURM_CPUS_PER_TASK" --quiet
EOF
cd "$w"
t=$(date +%s)
train=$(sbatch --parsable mint-array.sh) || fail "sbatch (train)"
attr=$(STAGE=attribute sbatch --parsable --dependency="afterok:$train" --kill-on-invalid-dep=yes \
  --job-name=mint-attr mint-array.sh) || fail "sbatch (attribute)"
merge=$(sbatch --parsable --dependency="afterok:$attr" --kill-on-invalid-dep=yes \
  --job-name=mint-merge --cpus-per-task=1 --output=logs/%x-%j.out \
  --wrap "\"$mint\" merge --out merged attribute/*") ||
  fail "sbatch (merge)"
states() {  # " 6 COMPLETED 1 PENDING ": how many of the jobs' records are in which state
  for j in "$train" "$attr" "$merge"; do timeout 10 scontrol -o show job "$j"; done 2>/dev/null |
  grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort | uniq -c | tr -s ' \n' ' '; }
while :; do
  s=$(states)
  # 3 array tasks of train and attribute, the merge: 2 * tasks + 1 records when all are done.
  [ "$s" = " $((2 * tasks + 1)) COMPLETED " ] && break
  if grep -qE 'FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE' <<<"$s"; then
    logs "$w"/logs/*.out; fail "a job failed: states:$s(logs above)"
  fi
  if (( $(date +%s) - t > timeout )); then
    timeout 10 squeue >&2 || true; logs "$w"/logs/*.out "$w/slurmctld.log"
    fail "the jobs did not finish in $timeout s (states:$s)"
  fi
  sleep 1
done
jobs_s=$(( $(date +%s) - t ))
echo "slurm-check: jobs train $train, attribute $attr ($tasks tasks each), merge $merge: done in" \
  "$jobs_s s"
mlog=$(cat "$w"/logs/mint-merge-*.out)
grep -q "$tasks shard(s), 2 of " <<<"$mlog" ||
  { echo "$mlog" >&2; fail "merge ran more steps than tables and report (or its log is missing)"; }

# ---- the same experiment in one process; compare ------------------------------------------------
# shellcheck disable=SC2086  # $tiny is a list of options
"$mint" experiment all --out "$w/single" $tiny --device cpu --threads 1 --quiet ||
  fail "the single run"
untimed() { awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") c = i }
  { if (c) $c = ""; print }' "$1"; }
(cd single && find . -type f | sort) >files.single
(cd merged && find . -type f | sort) >files.merged
diff files.single files.merged >&2 || fail "the merged run has other files than the single run"
n=0; bad=0; logs_n=0
differs() {  # differs FILE A B: says so, with the first differing lines of a text file
  echo "differs: $1" >&2; bad=1
  case "$1" in *.tsv | *.json | *.html | *.fasta | *.jaspar) diff "$2" "$3" | head -n 10 >&2 ;;
               *) cmp "$2" "$3" >&2 ;; esac || true
}
while read -r f; do
  if [[ "$f" == *.log.tsv ]]; then
    cmp -s <(untimed "single/$f") <(untimed "merged/$f") ||
      differs "$f" <(untimed "single/$f") <(untimed "merged/$f")
    logs_n=$((logs_n + 1))
  else
    cmp -s "single/$f" "merged/$f" || differs "$f" "single/$f" "merged/$f"
  fi
  n=$((n + 1))
done <files.single
[ "$bad" = 0 ] || fail "the merged run differs from the single run (files above)"
echo "slurm-check: OK: $n files of the merged run equal the single run's ($logs_n training logs" \
  "without their seconds column) in $(( $(date +%s) - start )) s"
