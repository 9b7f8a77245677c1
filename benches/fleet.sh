#!/bin/bash
# Fleet throughput (issue 8, part 2): `mxray scan` over many STARTTLS endpoints on loopback.
# fleet_server processes (benches/examples/fleet_server.rs: rustls, ECDSA P-256, TLS 1.2/1.3)
# listen on COUNT loopback addresses from 127.1.0.0, port 2600, each on at most FLEET_CHUNK
# consecutive addresses (one listening socket per address: with a limit of 20,000 open files, one
# process cannot hold much more than 8192 listeners plus their connections); mxray scans the range
# (one CIDR) with each PROFILE at each CONCURRENCY and we report endpoints/s, client and server CPU
# per endpoint (server: the sum over its processes) and the client's peak RSS. Client and server
# share the machine's cores.
#
# usage: benches/fleet.sh [COUNT]        (default 8192 = 127.1.0.0/19; a power of two, at most 65536)
# env: PROFILES (default "quick standard"), CONCURRENCY (default "100 1000 5000"),
#      CERTS (distinct server certificates, endpoint i serving number i % CERTS; default 1, as a
#      hoster's shared certificate; CERTS=$COUNT gives every endpoint its own; certificates are
#      minted by each server process, so with several processes each serves its own CERTS ones),
#      FLEET_CHUNK (most addresses per fleet_server process; default 8192, so ceil(COUNT/8192)
#      processes),
#      FLEET_PORT (default 2600; another port lets two benches, or a bench and a stray server, coexist),
#      MXRAY_RATE (--per-ip-rate; default 1000: our own servers, one endpoint per address),
#      MXRAY / FLEET_SERVER (built binaries; default: cargo build --release into $CARGO_TARGET_DIR),
#      OUT (default /tmp/mxray-bench-fleet/<timestamp>), PERF=1 (also record a perf profile of
#      the quick scan at concurrency 1000: $OUT/perf-quick.txt, flat, and perf-quick-categories.txt),
#      MXRAY_BASE (an older mxray binary: each scan is then run with it too, right after, so one
#      run gives the ratio of the two builds), FLOOR=1 (or a path: also run
#      benches/examples/handshake_floor beside each quick scan: the same connections, greeting,
#      EHLO, STARTTLS and rustls handshake with nothing else, the floor under the quick profile).
# The server's counters are taken after every scan (SIGUSR1 to every process, summed): connections
# and handshakes per endpoint are the server's count, not the scanner's.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
COUNT=${1:-8192}
PROFILES=${PROFILES:-quick standard}
CONCURRENCY=${CONCURRENCY:-100 1000 5000}
RATE=${MXRAY_RATE:-1000}
PORT=${FLEET_PORT:-2600}
BASE=127.1.0.0
prefix=32; n=1; while [ $n -lt "$COUNT" ]; do n=$((n * 2)); prefix=$((prefix - 1)); done
[ $n = "$COUNT" ] || { echo "fleet.sh: COUNT must be a power of two (got $COUNT)" >&2; exit 2; }
[ "$COUNT" -le 65536 ] || { echo "fleet.sh: COUNT must be at most 65536 (127.1.0.0/16; got $COUNT)" >&2; exit 2; }
CHUNK=${FLEET_CHUNK:-8192}
[ "$CHUNK" -ge 1 ] 2>/dev/null || { echo "fleet.sh: FLEET_CHUNK must be a positive number (got $CHUNK)" >&2; exit 2; }
NPROC_SERVER=$(( (COUNT + CHUNK - 1) / CHUNK ))
RANGE=$BASE/$prefix

TD=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${MXRAY:-}" ] || [ -z "${FLEET_SERVER:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p mxray && cargo build --release -q -p mxray-benches --example fleet_server)
fi
MXRAY=${MXRAY:-$TD/release/mxray}
FLEET_SERVER=${FLEET_SERVER:-$TD/release/examples/fleet_server}
if [ "${FLOOR:-}" = 1 ]; then
  FLOOR=$TD/release/examples/handshake_floor
  [ -x "$FLOOR" ] || (cd "$ROOT" && cargo build --release -q -p mxray-benches --example handshake_floor)
fi

ulimit -Hn 1048576 2>/dev/null || true   # root may raise the hard limit (fs.nr_open)
ulimit -n "$(ulimit -Hn)"
MAXC=0; for c in $CONCURRENCY; do [ "$c" -gt $MAXC ] && MAXC=$c; done
PER=$(( COUNT < CHUNK ? COUNT : CHUNK ))
[ "$(ulimit -n)" -ge $((PER + MAXC + 1000)) ] || echo "fleet.sh: warning: ulimit -n $(ulimit -n) may be low for $PER listeners per server process + $MAXC connections" >&2

OUT=${OUT:-/tmp/mxray-bench-fleet/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
CERTS=${CERTS:-1}

ip_add() {   # dotted IPv4 $1 plus $2
  local a b c d
  IFS=. read -r a b c d <<< "$1"
  local v=$(( (a << 24 | b << 16 | c << 8 | d) + $2 ))
  echo "$(( v >> 24 & 255 )).$(( v >> 16 & 255 )).$(( v >> 8 & 255 )).$(( v & 255 ))"
}

# Server process k serves addresses k*CHUNK .. min((k+1)*CHUNK, COUNT)-1 of the range; its stdout
# and stderr go to $OUT/server-k.out and server-k.err.
SPIDS=()
stop_servers() {
  local p
  for p in "${SPIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${SPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap stop_servers EXIT
trap 'exit 130' INT TERM   # so that the EXIT trap stops the servers
for ((k = 0; k < NPROC_SERVER; k++)); do
  start=$((k * CHUNK)); len=$(( COUNT - start < CHUNK ? COUNT - start : CHUNK ))
  "$FLEET_SERVER" "$(ip_add "$BASE" $start)" "$len" "$PORT" $(( CERTS < len ? CERTS : len )) \
    > "$OUT/server-$k.out" 2> "$OUT/server-$k.err" &
  SPIDS+=($!)
done
for ((k = 0; k < NPROC_SERVER; k++)); do
  for _ in $(seq 600); do grep -q '^ready' "$OUT/server-$k.out" 2>/dev/null && break
    kill -0 "${SPIDS[$k]}" 2>/dev/null || { echo "fleet.sh: fleet_server $k exited:" >&2; cat "$OUT/server-$k.err" >&2; exit 1; }
    sleep 0.1; done
  grep -q '^ready' "$OUT/server-$k.out" || { echo "fleet.sh: fleet_server $k not ready" >&2; exit 1; }
done
[ "$NPROC_SERVER" = 1 ] || echo "fleet.sh: $NPROC_SERVER fleet_server processes of at most $CHUNK addresses" >&2

TCK=$(getconf CLK_TCK)
cpu_ticks() {   # utime + stime of all server processes
  local p
  for p in "${SPIDS[@]}"; do cat "/proc/$p/stat"; done | awk '{s += $14 + $15} END {print s}'
}

counter_lines() {   # the latest counters line of each server process
  local k
  for ((k = 0; k < NPROC_SERVER; k++)); do grep '^fleet_server:' "$OUT/server-$k.err" | tail -1 || true; done
}
sum_counters() {   # counters lines on stdin -> one line of their sums, same keys in the same order
  awk '{for (i = 2; i <= NF; i++) { split($i, kv, "="); if (!(kv[1] in s)) order[++n] = kv[1]; s[kv[1]] += kv[2] }}
    END {printf "fleet_server:"; for (i = 1; i <= n; i++) printf " %s=%d", order[i], s[order[i]]; printf "\n"}'
}

server_counters() {   # the fleet servers' counters now, summed over the processes:
                      # "connections handshakes_ok handshakes_failed accept_errors"
  local k before=() n f
  for ((k = 0; k < NPROC_SERVER; k++)); do
    before[k]=$(grep -c '^fleet_server:' "$OUT/server-$k.err" || true)
    kill -USR1 "${SPIDS[$k]}"
  done
  for ((k = 0; k < NPROC_SERVER; k++)); do
    f=$OUT/server-$k.err
    for _ in $(seq 50); do
      # a new line, and complete (the file ends with a newline: stderr is unbuffered)
      n=$(grep -c '^fleet_server:' "$f" || true)
      [ "$n" -gt "${before[k]}" ] && [ -z "$(tail -c1 "$f")" ] && break; sleep 0.1
    done
    [ "$n" -gt "${before[k]}" ] || echo "fleet.sh: warning: fleet_server $k did not answer SIGUSR1" >&2
  done
  counter_lines | sum_counters \
    | sed -E 's/.*connections=([0-9]+).*handshakes_ok=([0-9]+) handshakes_failed=([0-9]+) accept_errors=([0-9]+).*/\1 \2 \3 \4/'
}

RUNS=$OUT/runs.tsv
printf 'build\tprofile\tconcurrency\tendpoints\twall\tuser\tsys\tmaxrss_kb\tserver_cpu\tserver_connections\tserver_handshakes\toutput\trc\n' > "$RUNS"
BUILDS="head=$MXRAY"
[ -n "${MXRAY_BASE:-}" ] && BUILDS="$BUILDS base=$MXRAY_BASE"
[ -n "${FLOOR:-}" ] && BUILDS="$BUILDS floor=$FLOOR"
for p in $PROFILES; do
  for c in $CONCURRENCY; do
    for b in $BUILDS; do
    label=${b%%=*}; bin=${b#*=}
    [ "$label" = floor ] && [ "$p" != quick ] && continue   # the floor matches quick only
    out=$OUT/scan-$label-$p-$c.jsonl
    s0=$(cpu_ticks)
    read -r k0 h0 f0 a0 < <(server_counters)
    rc=0
    if [ "$label" = floor ]; then
      out=$OUT/floor-$c.txt   # "floor: N endpoints, K handshakes, W s"
      /usr/bin/time -v -o "$OUT/time-$label-$p-$c.txt" "$bin" "$BASE" "$COUNT" "$PORT" "$c" \
        > "$out" 2> "$OUT/floor-$c.err" || rc=$?
    else
      /usr/bin/time -v -o "$OUT/time-$label-$p-$c.txt" "$bin" scan "$RANGE" --port "$PORT" --profile "$p" \
        --concurrency "$c" --per-ip-rate "$RATE" --per-ip-burst 100 --tls-mode starttls --quiet -o "$out" \
        2> "$OUT/scan-$label-$p-$c.err" || rc=$?
    fi
    s1=$(cpu_ticks)
    read -r k1 h1 f1 a1 < <(server_counters)
    t=$OUT/time-$label-$p-$c.txt
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$t")
    user=$(awk -F': ' '/User time/{print $2}' "$t")
    sys=$(awk -F': ' '/System time/{print $2}' "$t")
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$t")
    scpu=$(awk -v a="$s0" -v b="$s1" -v t="$TCK" 'BEGIN{printf "%.2f", (b-a)/t}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$p" "$c" "$COUNT" "$wall" "$user" "$sys" "$rss" "$scpu" \
      $((k1 - k0)) $((h1 + f1 - h0 - f0)) "$out" "$rc" >> "$RUNS"
    printf '  %-5s %-8s c=%-5s rc=%s wall=%ss cpu=%s+%ss rss=%sKB server_cpu=%ss connections=%s accept_errors=%s\n' "$label" "$p" "$c" "$rc" "$wall" "$user" "$sys" "$rss" "$scpu" $((k1 - k0)) $((a1 - a0)) >&2
    done
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

stop_servers; trap - EXIT
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "load average (1/5/15 min) before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work shares the machine)"
  echo "fleet: $COUNT endpoints $RANGE port $PORT ($NPROC_SERVER fleet_server process(es) of at most $CHUNK addresses, rustls, ECDSA P-256, $CERTS distinct certificate(s) per process); scan --per-ip-rate $RATE --per-ip-burst 100"
  echo "server counters (sum of $NPROC_SERVER process(es), whole run): $(counter_lines | sum_counters)"
} > "$OUT/machine.txt"
python3 "$HERE/fleet/report.py" "$RUNS" --machine "$OUT/machine.txt" --markdown "$OUT/table.md"
echo "raw outputs: $OUT" >&2
