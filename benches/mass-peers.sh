#!/bin/bash
# Mass scans side by side: ONE fleet of STARTTLS endpoints on loopback, scanned in the same run by
# mxray (quick and standard profiles) and by the mass modes of the peers users run today: sslyze
# (--targets_in, concurrent over the fleet), testssl.sh (--file --mode parallel) and nmap
# (-sV --script ssl-cert,ssl-enum-ciphers over the range). For each tool: endpoints/s, client CPU
# per endpoint (user+sys of the tool and its children, /usr/bin/time), peak RSS, the endpoints it got
# a TLS handshake / certificate from, the TLS versions it reports supported and how many endpoints
# agree with mxray standard on them, and mxray's throughput divided by the tool's (matching profile).
# The fleet: one fleet_server process (benches/examples/fleet_server.rs: SMTP + STARTTLS, rustls,
# ECDSA P-256, TLS 1.2/1.3) on COUNT loopback addresses from 127.3.0.0, port 2601 (benches/fleet.sh
# uses 127.1.0.0:2600). Client tools and the server share the machine's cores.
#
# usage: benches/mass-peers.sh [COUNT]     (default 256 = 127.3.0.0/24; a power of two)
# env: TESTSSL_COUNT (default 16: testssl -p -S takes 10-20 s and ~7 s of CPU per endpoint; it scans
#        the first TESTSSL_COUNT endpoints of the fleet and its rates are per endpoint of that subset),
#      NMAP_COUNT (default 64, the first ones likewise: nmap's wall time grows linearly, ~1.5 s per
#        endpoint on 2 cores (16: 24 s, 64: 95 s), so 256 would add ~6 min for the same rate),
#      SSLYZE_COUNT (default COUNT), CERTS (distinct server certificates; default 1),
#      MXRAY_CONCURRENCY (default 1000), MXRAY_RATE (--per-ip-rate; default 1000, our own servers),
#      MXRAY / FLEET_SERVER (built binaries; default $CARGO_TARGET_DIR or target/release: build them
#        with `cargo build --release -p mxray && cargo build --release -p mxray-benches --example
#        fleet_server`), SSLYZE (default $LAB/venv/bin/sslyze, LAB default /tmp/mxray-lab; made by
#        lab/install.sh), TESTSSL (default testssl), NMAP (default nmap),
#      OUT (default /tmp/mxray-bench-mass/<timestamp>).
# Needs no root (no packet capture); the fleet's connections are counted by the server (SIGUSR1).
# Every tool must be installed: a missing one stops the run (no tool is skipped silently).
# Output: a Markdown table on stdout (also $OUT/table.md); raw outputs of every tool in $OUT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
case ${1:-} in -h|--help) sed -n '2,27p' "$0"; exit 0 ;; esac
COUNT=${1:-256}
BASE=127.3.0.0
PORT=2601
CERTS=${CERTS:-1}
TESTSSL_COUNT=${TESTSSL_COUNT:-16}
NMAP_COUNT=${NMAP_COUNT:-64}
SSLYZE_COUNT=${SSLYZE_COUNT:-$COUNT}
CONC=${MXRAY_CONCURRENCY:-1000}
RATE=${MXRAY_RATE:-1000}
die() { echo "mass-peers.sh: $*" >&2; exit 1; }

prefix=32; n=1; while [ $n -lt "$COUNT" ]; do n=$((n * 2)); prefix=$((prefix - 1)); done
[ $n = "$COUNT" ] || { echo "mass-peers.sh: COUNT must be a power of two (got $COUNT)" >&2; exit 2; }
[ "$COUNT" -le 65536 ] || die "COUNT must be <= 65536 (127.3.0.0/16)"
RANGE=$BASE/$prefix
for v in TESTSSL_COUNT NMAP_COUNT SSLYZE_COUNT; do
  [ "${!v}" -ge 1 ] && [ "${!v}" -le "$COUNT" ] || die "$v=${!v} must be 1..COUNT ($COUNT)"
done

# Tools: all of them, or nothing.
TD=${CARGO_TARGET_DIR:-$ROOT/target}
MXRAY=${MXRAY:-$TD/release/mxray}
FLEET_SERVER=${FLEET_SERVER:-$TD/release/examples/fleet_server}
LAB=${LAB:-/tmp/mxray-lab}
SSLYZE=${SSLYZE:-$LAB/venv/bin/sslyze}
TESTSSL=${TESTSSL:-testssl}
NMAP=${NMAP:-nmap}
[ -x "$MXRAY" ] || die "no mxray binary at $MXRAY (cargo build --release -p mxray, or set MXRAY)"
[ -x "$FLEET_SERVER" ] || die "no fleet_server binary at $FLEET_SERVER (cargo build --release -p mxray-benches --example fleet_server, or set FLEET_SERVER)"
[ -x "$SSLYZE" ] || die "sslyze not found at $SSLYZE (lab/install.sh creates the venv, or set SSLYZE)"
command -v "$TESTSSL" >/dev/null || die "testssl not found ('$TESTSSL'; install testssl.sh or set TESTSSL)"
command -v "$NMAP" >/dev/null || die "nmap not found ('$NMAP'; install nmap or set NMAP)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (GNU time: apt-get install time)"
command -v python3 >/dev/null || die "python3 not found"
TESTSSL=$(command -v "$TESTSSL"); NMAP=$(command -v "$NMAP")

ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge $((COUNT + CONC + 1000)) ] \
  || echo "mass-peers.sh: warning: ulimit -n $(ulimit -n) may be low for $COUNT listeners + $CONC connections" >&2

OUT=${OUT:-/tmp/mxray-bench-mass/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Target lists: the fleet's first N endpoints, host:port per line (sslyze, testssl) or addresses (nmap).
ip_of() { local b=$(( (127 << 24) + (3 << 16) + $1 )); echo "$((b >> 24 & 255)).$((b >> 16 & 255)).$((b >> 8 & 255)).$((b & 255))"; }
write_targets() {   # N FILE [ports]
  local i; for ((i = 0; i < $1; i++)); do
    if [ "${3:-}" = ports ]; then echo "$(ip_of $i):$PORT"; else ip_of $i; fi
  done > "$2"
}
write_targets "$SSLYZE_COUNT" "$OUT/targets-sslyze.txt" ports
write_targets "$TESTSSL_COUNT" "$OUT/targets-testssl.txt" ports
write_targets "$NMAP_COUNT" "$OUT/targets-nmap.txt"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
"$FLEET_SERVER" "$BASE" "$COUNT" "$PORT" "$CERTS" > "$OUT/server.out" 2> "$OUT/server.err" &
SPID=$!
trap 'kill -INT $SPID 2>/dev/null; wait $SPID 2>/dev/null || true' EXIT
for _ in $(seq 300); do grep -q '^ready' "$OUT/server.out" 2>/dev/null && break
  kill -0 $SPID 2>/dev/null || { cat "$OUT/server.err" >&2; die "fleet_server exited"; }; sleep 0.1; done
grep -q '^ready' "$OUT/server.out" || die "fleet_server not ready after 30 s"

TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime of the server
server_counters() {   # the fleet server's counters now: "connections handshakes_ok handshakes_failed"
  local before after
  before=$(grep -c '^fleet_server:' "$OUT/server.err" || true)
  kill -USR1 $SPID
  for _ in $(seq 50); do
    after=$(grep -c '^fleet_server:' "$OUT/server.err" || true)
    [ "$after" -gt "$before" ] && break; sleep 0.1
  done
  grep '^fleet_server:' "$OUT/server.err" | tail -1 \
    | sed -E 's/.*connections=([0-9]+).*handshakes_ok=([0-9]+) handshakes_failed=([0-9]+).*/\1 \2 \3/'
}

RUNS=$OUT/runs.tsv
printf 'tool\tprofile\tendpoints\tfleet\tformat\toutput\trc\twall\ttime_elapsed\tuser\tsys\tmaxrss_kb\tserver_cpu\tserver_connections\tserver_handshakes_ok\tserver_handshakes_failed\tcommand\n' > "$RUNS"

# measure NAME TOOL PROFILE ENDPOINTS FORMAT OUTPUT cmd args...: one run under /usr/bin/time
# (user+sys include the tool's waited-for children), with the server's counters around it.
measure() {
  local name=$1 tool=$2 profile=$3 endpoints=$4 fmt=$5 out=$6; shift 6
  rm -f "$out"
  local k0 h0 f0 k1 h1 f1 s0 s1 rc=0
  read -r k0 h0 f0 < <(server_counters); s0=$(cpu_ticks $SPID)
  echo "== $name: $endpoints endpoints: $*" >&2
  local t0 t1; t0=$(date +%s%N)
  /usr/bin/time -f '%e %U %S %M' -o "$OUT/$name.time" "$@" > "$OUT/$name.stdout" 2> "$OUT/$name.stderr" || rc=$?
  t1=$(date +%s%N)
  s1=$(cpu_ticks $SPID); read -r k1 h1 f1 < <(server_counters)
  local e u s m w; read -r e u s m < <(tail -1 "$OUT/$name.time")
  w=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')   # time's %e has 10 ms steps
  local scpu; scpu=$(awk -v a="$s0" -v b="$s1" -v t="$TCK" 'BEGIN{printf "%.2f", (b-a)/t}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$profile" "$endpoints" "$COUNT" \
    "$fmt" "$out" "$rc" "$w" "$e" "$u" "$s" "$m" "$scpu" $((k1 - k0)) $((h1 - h0)) $((f1 - f0)) "$*" >> "$RUNS"
  printf '   rc=%s wall=%ss cpu=%s+%ss rss=%sKB server: %s connections, %s handshakes ok, %s failed\n' \
    "$rc" "$w" "$u" "$s" "$m" $((k1 - k0)) $((h1 - h0)) $((f1 - f0)) >&2
  [ "$rc" = 0 ] || echo "mass-peers.sh: warning: $name exited with $rc (see $OUT/$name.stderr)" >&2
}

for p in quick standard; do
  measure "mxray-$p" mxray "$p" "$COUNT" mxray "$OUT/mxray-$p.jsonl" \
    "$MXRAY" scan "$RANGE" --port "$PORT" --profile "$p" --concurrency "$CONC" --per-ip-rate "$RATE" \
    --per-ip-burst 100 --tls-mode starttls --quiet -o "$OUT/mxray-$p.jsonl"
done
# sslyze's CLI has no concurrency option: its Scanner's defaults apply (10 servers scanned at once,
# 5 connections per server; --slow_connection would lower the latter to 2). --mozilla_config
# disable: otherwise it adds the commands of the Mozilla "intermediate" check to every server.
measure sslyze-quick sslyze quick "$SSLYZE_COUNT" sslyze "$OUT/sslyze-quick.json" \
  "$SSLYZE" --targets_in "$OUT/targets-sslyze.txt" --starttls smtp --certinfo --mozilla_config disable \
  --quiet --json_out "$OUT/sslyze-quick.json"
measure sslyze-standard sslyze standard "$SSLYZE_COUNT" sslyze "$OUT/sslyze-standard.json" \
  "$SSLYZE" --targets_in "$OUT/targets-sslyze.txt" --starttls smtp --certinfo --sslv2 --sslv3 --tlsv1 \
  --tlsv1_1 --tlsv1_2 --tlsv1_3 --mozilla_config disable --quiet --json_out "$OUT/sslyze-standard.json"
# testssl.sh mass mode: one child testssl per line, at most MAX_PARALLEL (default 20) at once, and
# it sleeps 1 s after starting each child. -p protocols, -S server defaults (certificate, picks).
# --nodns none: no DNS lookups at all (the fleet is addresses; nothing may leave loopback).
# --warnings batch: non-interactive (--file implies it for the children). The parent merges the
# children's flat JSON into --jsonfile.
measure testssl testssl standard "$TESTSSL_COUNT" testssl "$OUT/testssl.json" \
  "$TESTSSL" --file "$OUT/targets-testssl.txt" --mode parallel --starttls smtp -p -S --quiet --color 0 \
  --warnings batch --nodns none --jsonfile "$OUT/testssl.json"
# nmap: -sV finds the SMTP service on the non-standard port, which makes ssl-enum-ciphers and
# ssl-cert speak STARTTLS. -n: no DNS.
if [ "$NMAP_COUNT" = "$COUNT" ]; then nmap_targets=("$RANGE"); else nmap_targets=(-iL "$OUT/targets-nmap.txt"); fi
measure nmap nmap standard "$NMAP_COUNT" nmap "$OUT/nmap.xml" \
  "$NMAP" -Pn -n -sV -p "$PORT" --script ssl-cert,ssl-enum-ciphers -oX "$OUT/nmap.xml" "${nmap_targets[@]}"

kill -INT $SPID; wait $SPID 2>/dev/null || true; trap - EXIT
ver() { local o; o=$("$@" 2>&1 || true); grep -m1 -Eo '[0-9]+\.[0-9]+(\.[0-9]+)?' <<< "$o" || echo '?'; }
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "load average (1/5/15 min) before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work shares the machine)"
  echo "fleet: $COUNT endpoints $RANGE port $PORT (fleet_server: SMTP STARTTLS, rustls TLS 1.2/1.3, ECDSA P-256, $CERTS distinct certificate(s))"
  echo "mxray: scan --concurrency $CONC --per-ip-rate $RATE --per-ip-burst 100 --tls-mode starttls, over the whole fleet"
  echo "sslyze $("$SSLYZE" --help 2>&1 | grep -m1 -Eo 'SSLyze version [0-9.]+' | cut -d' ' -f3): --targets_in (CLI default concurrency: 10 servers at once x 5 connections each; no option to change it but --slow_connection), $SSLYZE_COUNT endpoints"
  echo "testssl $(grep -m1 -Eo '^declare -r VERSION="[^"]+"' "$TESTSSL" | cut -d'"' -f2): --file --mode parallel (MAX_PARALLEL=${MAX_PARALLEL:-20}, 1 s between starts), -p -S, first $TESTSSL_COUNT endpoints"
  echo "nmap $(ver "$NMAP" --version): -sV --script ssl-cert,ssl-enum-ciphers, $NMAP_COUNT endpoints$([ "$NMAP_COUNT" = "$COUNT" ] || echo ' (the first ones)')"
  echo "openssl (used by testssl): $(openssl version 2>/dev/null || echo '?')"
  echo "server counters: $(tail -1 "$OUT/server.err")"
} > "$OUT/machine.txt"
rc=0
python3 "$HERE/peers/mass_report.py" "$RUNS" --machine "$OUT/machine.txt" --markdown "$OUT/table.md" \
  --json "$OUT/summary.json" || rc=$?
echo "raw outputs: $OUT" >&2
[ $rc = 0 ] || die "the report found a tool without parsable output (see the notes under the table)"
