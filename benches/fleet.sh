#!/bin/bash
# Fleet throughput (issue 8, part 2): `mxray scan` over many STARTTLS endpoints on loopback.
# One fleet_server process (benches/examples/fleet_server.rs: rustls, ECDSA P-256, TLS 1.2/1.3)
# listens on COUNT loopback addresses from 127.1.0.0, port 2600; mxray scans the range with each
# PROFILE at each CONCURRENCY and we report endpoints/s, client and server CPU per endpoint and the
# client's peak RSS. Client and server share the machine's cores.
#
# usage: benches/fleet.sh [COUNT]        (default 8192 = 127.1.0.0/19; a power of two)
# env: PROFILES (default "quick standard"), CONCURRENCY (default "100 1000 5000"),
#      CERTS (distinct server certificates, endpoint i serving number i % CERTS; default 1, as a
#      hoster's shared certificate; CERTS=$COUNT gives every endpoint its own),
#      MXRAY_RATE (--per-ip-rate; default 1000: our own servers, one endpoint per address),
#      MXRAY / FLEET_SERVER (built binaries; default: cargo build --release into $CARGO_TARGET_DIR),
#      OUT (default /tmp/mxray-bench-fleet/<timestamp>), PERF=1 (also record a perf profile of
#      the quick scan at concurrency 1000: $OUT/perf-quick.txt, flat, and perf-quick-categories.txt).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
COUNT=${1:-8192}
PROFILES=${PROFILES:-quick standard}
CONCURRENCY=${CONCURRENCY:-100 1000 5000}
RATE=${MXRAY_RATE:-1000}
PORT=2600
BASE=127.1.0.0
prefix=32; n=1; while [ $n -lt "$COUNT" ]; do n=$((n * 2)); prefix=$((prefix - 1)); done
[ $n = "$COUNT" ] || { echo "fleet.sh: COUNT must be a power of two (got $COUNT)" >&2; exit 2; }
RANGE=$BASE/$prefix

TD=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${MXRAY:-}" ] || [ -z "${FLEET_SERVER:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p mxray && cargo build --release -q -p mxray-benches --example fleet_server)
fi
MXRAY=${MXRAY:-$TD/release/mxray}
FLEET_SERVER=${FLEET_SERVER:-$TD/release/examples/fleet_server}

ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $((COUNT + 5000 + 1000)) ] || echo "fleet.sh: warning: ulimit -n $(ulimit -n) may be low for $COUNT listeners + 5000 connections" >&2

OUT=${OUT:-/tmp/mxray-bench-fleet/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
CERTS=${CERTS:-1}
"$FLEET_SERVER" "$BASE" "$COUNT" "$PORT" "$CERTS" > "$OUT/server.out" 2> "$OUT/server.err" &
SPID=$!
trap 'kill -INT $SPID 2>/dev/null; wait $SPID 2>/dev/null || true' EXIT
for _ in $(seq 300); do grep -q '^ready' "$OUT/server.out" 2>/dev/null && break
  kill -0 $SPID 2>/dev/null || { cat "$OUT/server.err" >&2; exit 1; }; sleep 0.1; done
grep -q '^ready' "$OUT/server.out" || { echo "fleet.sh: fleet_server not ready" >&2; exit 1; }

TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime of the server

RUNS=$OUT/runs.tsv
printf 'profile\tconcurrency\tendpoints\twall\tuser\tsys\tmaxrss_kb\tserver_cpu\toutput\trc\n' > "$RUNS"
for p in $PROFILES; do
  for c in $CONCURRENCY; do
    out=$OUT/scan-$p-$c.jsonl
    s0=$(cpu_ticks $SPID)
    rc=0
    /usr/bin/time -v -o "$OUT/time-$p-$c.txt" "$MXRAY" scan "$RANGE" --port "$PORT" --profile "$p" \
      --concurrency "$c" --per-ip-rate "$RATE" --per-ip-burst 100 --tls-mode starttls --quiet -o "$out" \
      2> "$OUT/scan-$p-$c.err" || rc=$?
    s1=$(cpu_ticks $SPID)
    t=$OUT/time-$p-$c.txt
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$t")
    user=$(awk -F': ' '/User time/{print $2}' "$t")
    sys=$(awk -F': ' '/System time/{print $2}' "$t")
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$t")
    scpu=$(awk -v a="$s0" -v b="$s1" -v t="$TCK" 'BEGIN{printf "%.2f", (b-a)/t}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$c" "$COUNT" "$wall" "$user" "$sys" "$rss" "$scpu" "$out" "$rc" >> "$RUNS"
    printf '  %-8s c=%-5s rc=%s wall=%ss cpu=%s+%ss rss=%sKB server_cpu=%ss\n' "$p" "$c" "$rc" "$wall" "$user" "$sys" "$rss" "$scpu" >&2
  done
done

if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null; then
  perf record -F 999 -g -o "$OUT/perf-quick.data" -- "$MXRAY" scan "$RANGE" --port "$PORT" --profile quick \
    --concurrency 1000 --per-ip-rate "$RATE" --per-ip-burst 100 --tls-mode starttls --quiet -o /dev/null 2>/dev/null
  perf report -i "$OUT/perf-quick.data" --no-children --sort dso,symbol -g none --stdio 2>/dev/null | grep -v '^#' \
    | grep -v '^$' | head -60 > "$OUT/perf-quick.txt" || true
  perf report -i "$OUT/perf-quick.data" --no-children --sort dso,symbol -g none --stdio 2>/dev/null \
    | python3 "$HERE/fleet/perf_categories.py" > "$OUT/perf-quick-categories.txt" || true
  echo "client CPU by category (perf, quick profile, concurrency 1000):" >&2
  cat "$OUT/perf-quick-categories.txt" >&2
fi

kill -INT $SPID; wait $SPID 2>/dev/null || true; trap - EXIT
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "load average (1/5/15 min) before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work shares the machine)"
  echo "fleet: $COUNT endpoints $RANGE port $PORT (fleet_server, rustls, ECDSA P-256, $CERTS distinct certificate(s)); scan --per-ip-rate $RATE --per-ip-burst 100"
  echo "server counters: $(tail -1 "$OUT/server.err")"
} > "$OUT/machine.txt"
python3 "$HERE/fleet/report.py" "$RUNS" --machine "$OUT/machine.txt" --markdown "$OUT/table.md"
echo "raw outputs: $OUT" >&2
