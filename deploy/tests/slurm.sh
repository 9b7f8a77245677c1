#!/bin/bash
# deploy/slurm on a real single-node Slurm (slurmctld + slurmd + munged under $LAB/slurm, started
# by lab/slurm/start.sh, no systemd): a 4-task array scans a loopback fleet of 80 STARTTLS endpoints
# (benches/examples/fleet_server.rs on 127.19.0.0/26 port 2719, and a second one on the first 16 of
# those addresses, port 2721) while task 1 is killed mid-way with SIGKILL (a node crash: no grace,
# perhaps a torn last line) and requeued. Then:
#   - every endpoint has exactly one record over the four shard files, none `interrupted`;
#   - each IP is in one shard only, its two ports included (shards never multiply the per-IP rate);
#   - the merge job's report equals the report of the same scan on one machine (JSON, all of it
#     but the number of input files);
#   - the merge refuses, loudly, a shard count whose shards are not all there.
# Needs root, slurm-wlm and munge (lab/install.sh). About 15 s once built.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_root
need_cmd sbatch squeue scontrol scancel jq

FLEET_NET=127.19.0.0/26
FLEET_BASE=127.19.0.0
FLEET_COUNT=64
FLEET_PORT=2719
FLEET2_NET_BASE=127.19.0
FLEET2_COUNT=16
FLEET2_PORT=2721
ENDPOINTS=$((FLEET_COUNT + FLEET2_COUNT))
SHARDS=4
# standard profile, paced per IP so that one shard takes about 2 s and can be killed mid-way
SCAN_ARGS="--port $FLEET_PORT --profile standard --tls-mode starttls --per-ip-rate 40 --per-ip-burst 1 --concurrency 2"

WORK=$(mktemp -d /tmp/mxray-deploy-slurm.XXXXXX)
chmod 755 "$WORK"
export SLURM_LAB=${SLURM_LAB:-$LAB/slurm}
FLEET_PID=
FLEET2_PID=
cleanup() {
  [ -n "$FLEET_PID" ] && kill -TERM "$FLEET_PID" 2>/dev/null && wait "$FLEET_PID" 2>/dev/null
  [ -n "$FLEET2_PID" ] && kill -TERM "$FLEET2_PID" 2>/dev/null && wait "$FLEET2_PID" 2>/dev/null
  "$ROOT/lab/slurm/stop.sh" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

(cd "$ROOT" && cargo build -q --locked -p mxray -p mxray-benches --example fleet_server) \
  || fatal "cargo build of mxray and fleet_server failed"
export MXRAY=$TARGET_DIR/debug/mxray
FLEET=$TARGET_DIR/debug/examples/fleet_server

for p in $FLEET_PORT $FLEET2_PORT; do
  ! ss -ltnH "sport = :$p" | grep -q . || fatal "port $p is in use (another fleet?)"
done
"$FLEET" "$FLEET_BASE" "$FLEET_COUNT" "$FLEET_PORT" > "$WORK/fleet.out" 2> "$WORK/fleet.err" &
FLEET_PID=$!
"$FLEET" "$FLEET_BASE" "$FLEET2_COUNT" "$FLEET2_PORT" > "$WORK/fleet2.out" 2> "$WORK/fleet2.err" &
FLEET2_PID=$!
wait_for 30 grep -qs '^ready' "$WORK/fleet.out" || fatal "fleet_server did not start: $(cat "$WORK/fleet.err")"
wait_for 30 grep -qs '^ready' "$WORK/fleet2.out" || fatal "fleet_server 2 did not start: $(cat "$WORK/fleet2.err")"

"$ROOT/lab/slurm/start.sh" > "$WORK/slurm-start.log" 2>&1 || fatal "lab/slurm/start.sh failed: $(tail -5 "$WORK/slurm-start.log")"
export SLURM_CONF=$SLURM_LAB/etc/slurm.conf

{ echo "$FLEET_NET"; for i in $(seq 0 $((FLEET2_COUNT - 1))); do echo "$FLEET2_NET_BASE.$i:$FLEET2_PORT"; done; } > "$WORK/targets.txt"

# The reference: the same scan on one machine.
# shellcheck disable=SC2086
"$MXRAY" scan --targets-file "$WORK/targets.txt" $SCAN_ARGS --quiet -o "$WORK/one.jsonl" \
  || fatal "one-machine scan failed"
"$MXRAY" report "$WORK/one.jsonl" --format json -o "$WORK/one-report.json" || fatal "one-machine report failed"
handshakes=$(jq '[.sections[] | select(.id == "funnel") | .tables[] | select(.id == "funnel") | .rows[] | select(.key == "handshake") | .count][0]' "$WORK/one-report.json")
check "one-machine scan: $ENDPOINTS endpoints, all with a handshake (got $handshakes)" [ "$handshakes" = "$ENDPOINTS" ]

# The array, and the merge job that depends on it.
# shellcheck disable=SC2086
ids=$("$ROOT/deploy/slurm/submit.sh" "$SHARDS" "$WORK/targets.txt" "$WORK/out" $SCAN_ARGS) || fatal "submit.sh failed"
read -r ARRAY MERGE <<< "$ids"
[[ "$ARRAY" =~ ^[0-9]+$ && "$MERGE" =~ ^[0-9]+$ ]] || fatal "submit.sh printed '$ids', not two job ids"
echo "array job $ARRAY, merge job $MERGE"
OUT=$WORK/out
S1=$OUT/shard-1-of-$SHARDS.jsonl

# Kill task 1 once it has written a few records, as a node crash would: SIGKILL to the batch script
# and mxray, no grace. Then requeue it. A requeued job is held back by Slurm for about 2 minutes
# (EligibleTime); StartTime=now lets it run at once.
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
has_lines() { [ "$(lines "$1")" -ge "$2" ]; }
wait_for 60 has_lines "$S1" 4 || fatal "task 1 wrote no records within 60 s; see $OUT/slurm-${ARRAY}_1.out"
scancel --full --signal=KILL "${ARRAY}_1" || fatal "scancel ${ARRAY}_1 failed"
not_running() { [ -z "$(squeue -h -t R -j "${ARRAY}_1" 2>/dev/null)" ]; }
wait_for 30 not_running || fatal "task 1 still runs 30 s after SIGKILL"
killed_at=$(lines "$S1")
check "task 1 killed before it finished (no .done)" test ! -e "$OUT/shard-1-of-$SHARDS.done"
scontrol requeue "${ARRAY}_1" || fatal "scontrol requeue ${ARRAY}_1 failed"
# The requeue completes asynchronously and then sets the delay: an update made before that is lost.
UPDATED=0
eligible_now() {
  local st
  st=$(squeue -h -j "${ARRAY}_1" -o '%T %r' 2>/dev/null)
  case $st in
    "PENDING BeginTime") scontrol update JobId="${ARRAY}_1" StartTime=now && UPDATED=1; return 1 ;;
    *) [ "$UPDATED" = 1 ] ;;   # pending for another reason, running, or already finished
  esac
}
wait_for 30 eligible_now || fatal "requeued task 1 not eligible to run within 30 s: $(squeue -h -j "${ARRAY}_1" -o '%T %r')"
echo "[${SECONDS}s] task 1 requeued"

all_done() { [ -z "$(squeue -h -j "$ARRAY,$MERGE" 2>/dev/null)" ]; }
wait_for 120 all_done || { squeue; fatal "array and merge not finished within 120 s"; }
merge_state=$(scontrol show job "$MERGE" | grep -o 'JobState=[A-Z_]* \|ExitCode=[0-9:]*' | tr -d ' ' | tr '\n' ' ')
check "merge job completed ($merge_state)" grep -q 'JobState=COMPLETED ExitCode=0:0' <<< "$merge_state"
check "task 1 ran again with --resume" grep -q 'restart 1 .*--resume' "$OUT/slurm-${ARRAY}_1.out"
check "task 1 was killed mid-way: $killed_at of its $(lines "$S1") records written" [ "$killed_at" -lt "$(lines "$S1")" ]
for i in $(seq 0 $((SHARDS - 1))); do
  check "shard $i finished" test -e "$OUT/shard-$i-of-$SHARDS.done"
done

# Exactly one record per endpoint over the shards, and the same endpoints as the one-machine scan.
endpoints() { jq -r '"\(.ip) \(.port)"' "$@" | sort; }
dups=$(cat "$OUT"/shard-*-of-$SHARDS.jsonl | jq -r '"\(.ip) \(.port)"' | sort | uniq -d | head -3)
check "no endpoint recorded twice${dups:+ (repeated: $dups)}" [ -z "$dups" ]
check "the shards hold the one-machine scan's $ENDPOINTS endpoints" \
  cmp -s <(endpoints "$OUT"/shard-*-of-$SHARDS.jsonl) <(endpoints "$WORK/one.jsonl")
interrupted=$(cat "$OUT"/shard-*-of-$SHARDS.jsonl | jq -r 'select(.status == "interrupted") | .ip' | wc -l)
check "no interrupted record left ($interrupted)" [ "$interrupted" = 0 ]
# Politeness: each IP's endpoints in one shard only.
ips_in_two=$(for f in "$OUT"/shard-*-of-$SHARDS.jsonl; do jq -r .ip "$f" | sort -u; done | sort | uniq -d | head -3)
check "each IP in one shard only${ips_in_two:+ (in several: $ips_in_two)}" [ -z "$ips_in_two" ]

# The merged report is the one-machine report.
if [ -f "$OUT/report.json" ]; then
  files=$(jq .input.files "$OUT/report.json")
  check "merge read $SHARDS files (got $files)" [ "$files" = "$SHARDS" ]
  if cmp -s <(jq -S 'del(.input.files)' "$OUT/report.json") <(jq -S 'del(.input.files)' "$WORK/one-report.json"); then
    ok "merged report equals the one-machine report"
  else
    fail "merged report differs from the one-machine report:"
    diff <(jq -S 'del(.input.files)' "$OUT/report.json") <(jq -S 'del(.input.files)' "$WORK/one-report.json") | head -20
  fi
  check "merge wrote report.txt and report.html" test -s "$OUT/report.txt" -a -s "$OUT/report.html"
else
  fail "merge wrote no report.json: $(cat "$OUT"/slurm-merge-*.out 2>/dev/null | tail -3)"
fi

# The merge refuses shards that are not all there (here: 5 asked, 4 exist), naming them.
rc=0
MXRAY_OUT=$OUT MXRAY_SHARDS=5 "$ROOT/deploy/slurm/merge.sbatch" > "$WORK/merge5.out" 2>&1 || rc=$?
check "merge of missing shards fails with exit 2 (got $rc)" [ "$rc" = 2 ]
check "and names them" grep -q 'shard(s) 0 1 2 3 4 of 5 not finished' "$WORK/merge5.out"

finish
