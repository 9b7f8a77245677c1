#!/bin/bash
# Alternating runs of two or more mxray builds against one running fleet, for differences smaller
# than the machine's run-to-run noise (10 to 30 % on a shared virtual machine: BENCHMARKS.md 0.8):
# each round runs every build once, in turn; the summary gives each build's median, range and all
# values of client CPU per endpoint (user + system time by /usr/bin/time, over the records written),
# its median endpoints/s and its smallest peak RSS.
#
# usage: benches/alternate.sh ROUNDS PROFILE CONCURRENCY MXRAY_BINARY...
# env:   RANGE (default 127.1.0.0/19), FLEET_PORT (default 2700), MXRAY_RATE (--per-ip-rate,
#        default 1000, as in fleet.sh), OUT (default a new directory under
#        /tmp/mxray-bench-alternate). The fleet must already listen there, e.g.
#        target/release/examples/fleet_server 127.1.0.0 8192 2700 1 &
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ROUNDS=$1 PROFILE=$2 CONC=$3; shift 3
RANGE=${RANGE:-127.1.0.0/19}
PORT=${FLEET_PORT:-2700}
RATE=${MXRAY_RATE:-1000}
OUT=${OUT:-$(mktemp -d /tmp/mxray-bench-alternate.XXXXXX)}
mkdir -p "$OUT"
for b in "$@"; do [ -x "$b" ] || { echo "alternate.sh: $b is not an executable mxray build" >&2; exit 2; }; done
ulimit -n "$(ulimit -Hn)"
: > "$OUT/runs.tsv"
for r in $(seq "$ROUNDS"); do
  i=0
  for b in "$@"; do
    i=$((i + 1))
    rec=$OUT/records.jsonl
    rm -f "$rec"
    if ! /usr/bin/time -f "%U %S %e %M" -o "$OUT/time" "$b" scan "$RANGE" --port "$PORT" \
        --profile "$PROFILE" --concurrency "$CONC" --per-ip-rate "$RATE" --per-ip-burst 100 \
        --tls-mode starttls --quiet -o "$rec" 2> "$OUT/scan-$i.err"; then
      echo "alternate.sh: $b failed (round $r); see $OUT/scan-$i.err" >&2; exit 1
    fi
    read -r u s e m < <(tail -1 "$OUT/time")
    n=$(wc -l < "$rec")
    [ "$n" -gt 0 ] || { echo "alternate.sh: $b wrote no records (is the fleet listening on $RANGE port $PORT?)" >&2; exit 1; }
    awk -v i="$i" -v u="$u" -v s="$s" -v e="$e" -v m="$m" -v n="$n" \
      'BEGIN { printf "%d\t%.4f\t%.0f\t%d\t%d\n", i, (u + s) * 1000 / n, n / e, m / 1024, n }' >> "$OUT/runs.tsv"
    echo "round $r/$ROUNDS: $(tail -1 "$OUT/runs.tsv" | cut -f2) ms/endpoint  $b" >&2
  done
done
i=0
for b in "$@"; do
  i=$((i + 1))
  awk -F'\t' -v i="$i" '$1 == i' "$OUT/runs.tsv" | sort -t$'\t' -k2 -n | awk -F'\t' -v b="$b" '
    { v[NR] = $2; e[NR] = $3; if (NR == 1 || $4 < r) r = $4 }
    END {
      m = int((NR + 1) / 2)
      printf "%s: client CPU ms/endpoint median %.3f (%.3f to %.3f), endpoints/s median %d, peak RSS %d MB; all:", b, v[m], v[1], v[NR], e[m], r
      for (k = 1; k <= NR; k++) printf " %.3f", v[k]
      printf "\n"
    }'
done
echo "raw: $OUT/runs.tsv" >&2
