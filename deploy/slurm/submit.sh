#!/bin/bash
# Submit an mxray scan as a Slurm job array of N shards, and the job that merges them.
#
# usage: deploy/slurm/submit.sh N TARGETS OUTDIR [mxray scan options...]
#   e.g. deploy/slurm/submit.sh 16 targets.txt /shared/scan-2026-11 --profile standard --exclude-file ex.txt
# env:   MXRAY (binary every node can run; default: `mxray` on PATH), PARALLEL (most tasks at once:
#        --array=0-(N-1)%PARALLEL), SBATCH_ARGS (more sbatch options for both jobs, e.g. "-p scan -A lab").
# Prints "ARRAY_JOB_ID MERGE_JOB_ID". Resubmitting the same OUTDIR continues it (finished shards
# are skipped, the others resume their files).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 3 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
N=$1; TARGETS=$2; OUT=$3; shift 3
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: N must be a positive number" >&2; exit 2; }
[ -r "$TARGETS" ] || { echo "submit.sh: cannot read $TARGETS" >&2; exit 2; }
mkdir -p "$OUT"
TARGETS=$(cd "$(dirname "$TARGETS")" && pwd)/$(basename "$TARGETS")
OUT=$(cd "$OUT" && pwd)
export MXRAY_TARGETS=$TARGETS MXRAY_OUT=$OUT MXRAY_SHARDS=$N MXRAY_ARGS="$*"
export MXRAY=${MXRAY:-$(command -v mxray || echo mxray)}
range=0-$((N - 1))${PARALLEL:+%$PARALLEL}
# shellcheck disable=SC2086 # SBATCH_ARGS is split on purpose
array=$(sbatch --parsable ${SBATCH_ARGS:-} --array="$range" -o "$OUT/slurm-%A_%a.out" "$HERE/scan.sbatch")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_ARGS:-} --dependency="afterany:$array" -o "$OUT/slurm-merge-%j.out" "$HERE/merge.sbatch")
merge=${merge%%;*}
echo "$array $merge"
