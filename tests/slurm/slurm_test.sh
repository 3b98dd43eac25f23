#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine runs how_can_we_be_so_dense's
# quick preset as a job array (--launcher=slurm), and its result must equal
# the local launcher's, metric for metric, bit for bit (one thread per task).
#
#   tests/slurm/slurm_test.sh [path/to/how_can_we_be_so_dense]
#       (default: bazel-bin/experiments/how_can_we_be_so_dense/how_can_we_be_so_dense;
#       MNIST from $SPARSELAB_DATA, default ./data)
#
# Installs slurm-wlm and munge with apt-get when they are missing (needs root),
# writes a slurm.conf for localhost in a temporary folder, starts munged,
# slurmctld and slurmd there (on ports 16817/16818, with their own munge
# socket, so a Slurm or munge already on the machine is left alone), waits
# until sinfo shows the node idle, runs both launchers, compares, and stops
# the daemons it started and removes the folder on every exit, failure
# included. .ci/run runs it after the Bazel tests.
set -euo pipefail

say() { printf '[slurm_test] %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${1:-$ROOT/bazel-bin/experiments/how_can_we_be_so_dense/how_can_we_be_so_dense}"
[[ -x "$BIN" ]] || die "no experiment binary at '$BIN' (bazel build //experiments/how_can_we_be_so_dense, or pass its path)"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
CONFIG="$ROOT/experiments/how_can_we_be_so_dense/config.json"
export SPARSELAB_DATA="${SPARSELAB_DATA:-$ROOT/data}"
PYTHON=/usr/bin/python3

# --- packages ---
missing=()
for prog in sbatch squeue sinfo slurmctld slurmd munged mungekey; do
  command -v "$prog" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$prog" >/dev/null 2>&1 || missing+=("$prog")
done
export PATH="$PATH:/usr/sbin:/sbin"
if ((${#missing[@]})); then
  say "installing slurm-wlm and munge (missing: ${missing[*]})"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo -n"
  $SUDO apt-get install -y --no-install-recommends slurm-wlm munge >&2 ||
    die "apt-get install slurm-wlm munge failed (root or passwordless sudo needed)"
fi

# --- a one-node cluster in a temporary folder ---
WORK="$(mktemp -d "${TEST_TMPDIR:-/tmp}/slurm_test.XXXXXX")"
chmod 755 "$WORK"
PIDFILES=("$WORK/slurmd.pid" "$WORK/slurmctld.pid" "$WORK/munge/munged.pid")
cleanup() {
  local rc=$?
  for f in "${PIDFILES[@]}"; do
    [[ -f "$f" ]] && kill "$(cat "$f")" 2>/dev/null || true
  done
  for f in "${PIDFILES[@]}"; do  # wait until they are gone (ports free for a next run)
    for _ in $(seq 50); do [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.1; done
  done
  if ((rc != 0)); then
    for log in "$WORK"/slurmctld.log "$WORK"/slurmd.log "$WORK"/out-slurm/runs/quick/slurm/*/*.log; do
      [[ -f "$log" ]] && { say "--- tail of $log"; tail -n 20 "$log" >&2; }
    done
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for port in 16817 16818; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use (a Slurm from an earlier run still up?); stop it first"
  fi
done

mkdir -p "$WORK/state" "$WORK/spool" "$WORK/munge"
chmod 700 "$WORK/munge"
mungekey --create --keyfile="$WORK/munge/munge.key"
munged --force --socket="$WORK/munge/munge.sock" --key-file="$WORK/munge/munge.key" \
  --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/munge/munged.log" \
  --seed-file="$WORK/munge/munged.seed"

HOST="$(hostname -s)"
USER_NAME="$(id -un)"
export SLURM_CONF="$WORK/slurm.conf"
cat >"$SLURM_CONF" <<EOC
ClusterName=sparselabtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=$USER_NAME
SlurmdUser=$USER_NAME
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=8000 State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOC
slurmctld -i
slurmd
for _ in $(seq 60); do
  [[ "$(sinfo -h -o %t 2>/dev/null)" == idle ]] && break
  sleep 0.5
done
[[ "$(sinfo -h -o %t 2>/dev/null)" == idle ]] || die "the node did not become idle: $(sinfo 2>&1)"
say "one-node cluster up: $(sinfo -h -o '%P %D node(s) %t %c CPUs')"

# --- the same four tasks through both launchers ---
ARGS=(--config="$CONFIG" --preset=quick --seeds=42,43 --epochs=1 --threads=1)  # 2 networks x 2 seeds
cd "$WORK"
start=$(date +%s.%N)
SPARSELAB_SLURM_POLL_SECONDS=1 "$BIN" "${ARGS[@]}" --out="$WORK/out-slurm" \
  --launcher=slurm --max_parallel=2 --slurm_mem=2G --slurm_time=10 --slurm_wait \
  2>"$WORK/slurm.stderr" || { cat "$WORK/slurm.stderr" >&2; die "the Slurm run failed"; }
slurm_seconds=$(echo "$(date +%s.%N) - $start" | bc)
grep -q "submitted job [0-9]*: 4 array element(s), 2 at a time" "$WORK/slurm.stderr" ||
  { cat "$WORK/slurm.stderr" >&2; die "no 4-element job array was submitted"; }
start=$(date +%s.%N)
"$BIN" "${ARGS[@]}" --out="$WORK/out-local" --launcher=local --jobs=2 2>"$WORK/local.stderr" ||
  { cat "$WORK/local.stderr" >&2; die "the local run failed"; }
local_seconds=$(echo "$(date +%s.%N) - $start" | bc)
say "4 tasks: Slurm array ${slurm_seconds} s (submission to rebuilt result), local --jobs=2 ${local_seconds} s"

# Every metric of every row, except wall-clock times, must be identical.
"$PYTHON" - "$WORK/out-slurm/result-quick.json" "$WORK/out-local/result-quick.json" <<'EOP'
import json, sys
def metrics(path):
    rows = json.load(open(path))["rows"]
    out = {}
    for row in rows:
        for metric, values in row.get("per_seed", {}).items():
            if not metric.endswith("_seconds"):
                out[(row["name"], metric)] = values
    return out
slurm, local = metrics(sys.argv[1]), metrics(sys.argv[2])
seeds = {s for v in local.values() for s in v}
if slurm != local or len(local) < 8 or seeds != {"42", "43"}:
    diff = [k for k in set(slurm) | set(local) if slurm.get(k) != local.get(k)]
    sys.exit(f"results differ in {len(diff)} metric(s), e.g. {sorted(diff)[:5]} "
             f"({len(slurm)} vs {len(local)} metrics)")
print(f"[slurm_test] {len(local)} (row, metric) pairs x 2 seeds identical", file=sys.stderr)
EOP
say "PASS"
