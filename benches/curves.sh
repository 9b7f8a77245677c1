#!/bin/bash
# Curves of the fleet bench (benches/fleet.sh): throughput (endpoints/s) and the client's peak RSS
# (a) against concurrency at one fleet size and (b) against fleet size at one concurrency, for each
# profile. It runs fleet.sh once per fleet size (one set of fleet_server processes per size) and
# draws the curves with benches/fleet/svg.py (plain SVG, Python standard library only).
#
# usage: benches/curves.sh
# env: PROFILES (default "quick standard"),
#      CONCURRENCIES (sweep (a); default "100 300 1000 3000 10000") at SWEEP_SIZE (default 8192),
#      SIZES (sweep (b); default "1024 4096 16384 65536") at SWEEP_CONCURRENCY (default 1000);
#        the run at SWEEP_SIZE and SWEEP_CONCURRENCY is made once and is a point of both curves,
#      RESULTS (default benches/results): curves.tsv (every run, counted), curves.md (tables),
#        curve-concurrency.svg and curve-fleet.svg,
#      OUT (raw outputs, default /tmp/mxray-bench-curves/<timestamp>; one fleet.sh directory per
#        fleet size, with its scans' JSON Lines: about 6 KB per endpoint and profile),
#      MXRAY / FLEET_SERVER (built binaries; default: cargo build --release once, here),
#      FLEET_CHUNK (most addresses per fleet_server process; default 4096 here, not fleet.sh's 8192:
#        with 8192 listeners, one process runs out of its 20,000 open files under the standard
#        profile at concurrency 10000 and refuses connections (accept_errors), which slowed that
#        scan from 6.9 to 11.9 s: the server's limit, not the scanner's),
#      and fleet.sh's own: CERTS, FLEET_PORT, MXRAY_RATE, MXRAY_BASE.
# A run in which a server process refused connections (accept_errors > 0) is named in curves.md.
# Redraw from the gathered TSV alone: python3 benches/fleet/svg.py benches/results/curves.tsv --fleet-svg ...
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export PROFILES=${PROFILES:-quick standard}
export FLEET_CHUNK=${FLEET_CHUNK:-4096}
CONCURRENCIES=${CONCURRENCIES-100 300 1000 3000 10000}
SIZES=${SIZES-1024 4096 16384 65536}
SWEEP_SIZE=${SWEEP_SIZE:-8192}
SWEEP_CONCURRENCY=${SWEEP_CONCURRENCY:-1000}
RESULTS=${RESULTS:-$HERE/results}
OUT=${OUT:-/tmp/mxray-bench-curves/$(date +%Y%m%d-%H%M%S)}

TD=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${MXRAY:-}" ] || [ -z "${FLEET_SERVER:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p mxray && cargo build --release -q -p mxray-benches --example fleet_server)
fi
export MXRAY=${MXRAY:-$TD/release/mxray}
export FLEET_SERVER=${FLEET_SERVER:-$TD/release/examples/fleet_server}

# The plan: fleet size -> concurrencies. Sweep (a) at SWEEP_SIZE (plus SWEEP_CONCURRENCY, so that
# the fleet-size curve has its point there), sweep (b) at every other size.
declare -A PLAN
add() { case " ${PLAN[$1]:-} " in *" $2 "*) ;; *) PLAN[$1]="${PLAN[$1]:+${PLAN[$1]} }$2" ;; esac; }
for c in $CONCURRENCIES; do add "$SWEEP_SIZE" "$c"; done
for n in $SIZES; do add "$n" "$SWEEP_CONCURRENCY"; done
[ -n "$SIZES" ] && add "$SWEEP_SIZE" "$SWEEP_CONCURRENCY"
[ ${#PLAN[@]} -gt 0 ] || { echo "curves.sh: nothing to run (CONCURRENCIES and SIZES empty)" >&2; exit 2; }
SORTED_SIZES=$(printf '%s\n' "${!PLAN[@]}" | sort -n)
for n in $SORTED_SIZES; do   # fail early rather than after an hour
  m=1; while [ $m -lt "$n" ]; do m=$((m * 2)); done
  [ $m = "$n" ] && [ "$n" -le 65536 ] || { echo "curves.sh: fleet size $n: a power of two up to 65536" >&2; exit 2; }
done

mkdir -p "$OUT" "$RESULTS"
START=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)
echo "curves.sh: raw outputs in $OUT; plan (fleet size: concurrencies), profiles $PROFILES:" >&2
for n in $SORTED_SIZES; do echo "  $n: ${PLAN[$n]}" >&2; done

runs=(); failed=()
for n in $SORTED_SIZES; do
  echo "curves.sh: fleet of $n endpoints, concurrency ${PLAN[$n]}" >&2
  rc=0
  CONCURRENCY="${PLAN[$n]}" OUT="$OUT/fleet-$n" "$HERE/fleet.sh" "$n" 2>&1 > "$OUT/fleet-$n.report.txt" \
    | tee "$OUT/fleet-$n.log" >&2 || rc=$?
  [ $rc = 0 ] || { echo "curves.sh: warning: fleet.sh $n failed (exit $rc); see $OUT/fleet-$n" >&2; failed+=("$n"); }
  [ -s "$OUT/fleet-$n/runs.tsv" ] && runs+=("$OUT/fleet-$n/runs.tsv")
done
[ ${#runs[@]} -gt 0 ] || { echo "curves.sh: no runs" >&2; exit 1; }
T1=$(date +%s)

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
{
  echo "Runs of $START, $((T1 - T0)) s in all: \`PROFILES=\"$PROFILES\" CONCURRENCIES=\"$CONCURRENCIES\" SIZES=\"$SIZES\" benches/curves.sh\`$( [ "${CERTS:-1}" = 1 ] || echo " with CERTS=$CERTS")."
  echo "Machine: $(nproc) cores, $CPU; load average (1/5/15 min) before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (client and server share the cores)."
  echo "Fleet: fleet_server processes of at most $FLEET_CHUNK loopback addresses each (rustls, ECDSA P-256, ${CERTS:-1} certificate(s) per process); \`mxray scan 127.1.0.0/PREFIX --per-ip-rate ${MXRAY_RATE:-1000} --per-ip-burst 100 --tls-mode starttls\`."
  [ ${#failed[@]} = 0 ] || echo "FAILED fleet sizes: ${failed[*]} (see $OUT)."
  # fleet.sh's progress lines: "  head  standard c=10000 rc=0 ... accept_errors=N"
  refused=$(for n in $SORTED_SIZES; do
    awk -v n="$n" '/accept_errors=[1-9]/ {split($NF, a, "="); printf "%s %s %s at %s endpoints: %s; ", $1, $2, $3, n, a[2]}' \
      "$OUT/fleet-$n.log" 2>/dev/null; done)
  [ -z "$refused" ] || echo "WARNING: fleet_server ran out of open files and refused connections (accept_errors) in: ${refused%; } (the server's limit shaped these runs; a smaller FLEET_CHUNK gives it more room)."
} > "$OUT/context.txt"

python3 "$HERE/fleet/svg.py" "${runs[@]}" --size "$SWEEP_SIZE" --concurrency "$SWEEP_CONCURRENCY" \
  --context "$OUT/context.txt" --subtitle "$(nproc) cores ($CPU), client and server on loopback, $START" \
  --tsv "$RESULTS/curves.tsv" --markdown "$RESULTS/curves.md" \
  --concurrency-svg "$RESULTS/curve-concurrency.svg" --fleet-svg "$RESULTS/curve-fleet.svg"
echo "curves.sh: $RESULTS/{curves.tsv,curves.md,curve-concurrency.svg,curve-fleet.svg}; raw outputs: $OUT ($((T1 - T0)) s)" >&2
[ ${#failed[@]} = 0 ]
