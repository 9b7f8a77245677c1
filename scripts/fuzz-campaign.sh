#!/bin/bash
# The fuzzing campaign: every target (or the ones named) for SECONDS each, with its options and
# seeds (fuzz/run.sh), one after the other; appends one row per target to FUZZING.md's table.
# A crash, timeout or out-of-memory is recorded in its row (with the artifact), the campaign goes
# on with the next target, and the script exits non-zero at the end.
# usage: scripts/fuzz-campaign.sh SECONDS [TARGET...]       e.g. scripts/fuzz-campaign.sh 3600
#   KIND=long|short (default: long from 3600 s per target, short below)
#   RUNS=N stops a target after N executions (e.g. RUNS=10000000, the goal), SECONDS still caps it
#   SANITIZER=address|none (default address; see fuzz/run.sh), written in the row's kind column
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:?usage: scripts/fuzz-campaign.sh SECONDS [TARGET...]}
shift
[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -gt 0 ] || { echo "SECONDS must be a positive integer" >&2; exit 2; }
kind=${KIND:-$([ "$secs" -ge 3600 ] && echo long || echo short)}
export SANITIZER=${SANITIZER:-address}
case "$SANITIZER" in address|none) ;; *) echo "SANITIZER must be address or none" >&2; exit 2 ;; esac
[ "$SANITIZER" = address ] || kind="$kind, sanitizer $SANITIZER"
runs=${RUNS:-}
[ -z "$runs" ] || [[ "$runs" =~ ^[0-9]+$ ]] || { echo "RUNS must be a number of executions" >&2; exit 2; }
cd "$ROOT/fuzz"
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: cargo install cargo-fuzz --locked" >&2; exit 1; }
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo +nightly fuzz list); fi
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets" >&2; exit 1; }
grep -q '^| date (UTC) | target |' "$ROOT/FUZZING.md" || { echo "FUZZING.md has no runs table" >&2; exit 1; }
cargo +nightly fuzz build --sanitizer "$SANITIZER"
# "+": built from uncommitted changes anywhere in the workspace (the targets build every crate),
# not counting this file's own rows.
commit=$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . ':!FUZZING.md' || echo +)
cpu=$(nproc)
log=$(mktemp /tmp/mxray-fuzz-campaign.XXXXXX)
trap 'rm -f "$log"' EXIT
failed=0
for t in "${targets[@]}"; do
  echo "== $t for ${secs}s${runs:+ or $runs executions}"
  date=$(date -u +%Y-%m-%dT%H:%MZ)
  start=$SECONDS
  set +e
  ./run.sh "$t" -max_total_time="$secs" ${runs:+-runs="$runs"} -print_final_stats=1 -rss_limit_mb=2048 >"$log" 2>&1
  rc=$?
  set -e
  took=$((SECONDS - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  # The last status line: "#N <event> cov: C ft: F corp: K/..."
  status=$(grep -E '^#[0-9]+[[:space:]].* cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1 || true)
  cov=$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$status")
  ft=$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<<"$status")
  corp=$(sed -E 's/.* corp: ([0-9]+).*/\1/' <<<"$status")
  if [ "$rc" -eq 0 ]; then
    result="no crash"
  else
    failed=1
    artifact=$(grep -oE 'artifacts/[^ ]+' "$log" | tail -1 || true)
    result="FAILED (exit $rc${artifact:+, $artifact})"
    tail -40 "$log" >&2
  fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  row="| $date | $t | $kind | $took | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | ${rss:-?} | $cpu | $load | $commit | $result |"
  echo "$row"
  echo "$row" >> "$ROOT/FUZZING.md"
done
exit $failed
