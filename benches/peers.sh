#!/bin/bash
# Side by side: mxray probe (full profile) against sslscan, testssl.sh, sslyze and nmap, on the same
# lab endpoints in the same run (issue 8, part 1). Also measured: mxray-enum, the full profile's suite
# enumeration alone (version probe + suite probe of tls-probe, as the scanner configures them;
# benches/examples/suite_enum.rs), since the full probe asks for much more than suites.
#
# usage: benches/peers.sh [--quick] [TARGET...]
#   TARGET: postfix (127.0.0.1:2525 STARTTLS, Postfix TLS defaults), ossl (127.0.0.1:4450 implicit TLS,
#           openssl s_server 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'), gnutls (127.0.0.1:4443 implicit TLS,
#           legacy GnuTLS priority: RC4, 3DES, anon), tlslite (127.0.0.1:2530 STARTTLS, SSLv3/RC4/3DES;
#           pure-Python crypto, slow). Default: postfix ossl gnutls.
#   --quick   skip testssl (about 40 s per target).
# env: LAB (default /tmp/mxray-lab), OUT (default $LAB/bench-peers/<timestamp>),
#      MXRAY, SUITE_ENUM (built binaries: mxray and benches/examples/suite_enum.rs; default: cargo
#      build --release into $CARGO_TARGET_DIR),
#      MXRAY_RATE (probe --per-ip-rate, default 1000: the lab is ours and on loopback).
# Needs root (tcpdump on lo counts each tool's client SYNs = TCP connections) and /usr/bin/time.
# Output: a table on stdout (also $OUT/table.md), raw tool outputs and pcaps in $OUT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export LAB=${LAB:-/tmp/mxray-lab}

QUICK=0
targets=()
for a in "$@"; do
  case $a in
    --quick) QUICK=1 ;;
    postfix|ossl|gnutls|tlslite) targets+=("$a") ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "peers.sh: unknown argument '$a'" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(postfix ossl gnutls)

[ "$(id -u)" = 0 ] || { echo "peers.sh: needs root for tcpdump on lo" >&2; exit 1; }
for t in tcpdump sslscan nmap /usr/bin/time python3 openssl; do
  command -v "$t" >/dev/null || { echo "peers.sh: $t not found (lab/install.sh installs the peers)" >&2; exit 1; }
done
[ $QUICK = 1 ] || command -v testssl >/dev/null || { echo "peers.sh: testssl not found (or use --quick)" >&2; exit 1; }
SSLYZE=$LAB/venv/bin/sslyze
[ -x "$SSLYZE" ] || { echo "peers.sh: $SSLYZE missing (lab/install.sh creates the venv)" >&2; exit 1; }

# Start the targets that are not running yet (lab/up.sh is idempotent per peer).
"$ROOT/lab/up.sh" "${targets[@]}" >/dev/null

TD=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${MXRAY:-}" ] || [ -z "${SUITE_ENUM:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p mxray && cargo build --release -q -p mxray-benches --example suite_enum)
fi
MXRAY=${MXRAY:-$TD/release/mxray}
SUITE_ENUM=${SUITE_ENUM:-$TD/release/examples/suite_enum}
[ -x "$MXRAY" ] || { echo "peers.sh: no mxray binary at $MXRAY" >&2; exit 1; }
[ -x "$SUITE_ENUM" ] || { echo "peers.sh: no suite_enum binary at $SUITE_ENUM" >&2; exit 1; }
RATE=${MXRAY_RATE:-1000}

OUT=${OUT:-$LAB/bench-peers/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
RUNS=$OUT/runs.tsv
printf 'target\tport\tmode\ttool\tformat\toutput\trc\twall\tuser\tsys\tsyns\tdropped\n' > "$RUNS"

# measure TARGET PORT MODE TOOL FORMAT OUTPUT cmd args...: one run, its SYNs to PORT on lo, wall/CPU.
measure() {
  local target=$1 port=$2 mode=$3 tool=$4 fmt=$5 out=$6; shift 6
  local base=$OUT/$target-$tool
  rm -f "$out"
  # --immediate-mode: without it the last capture block is lost on SIGINT (a 0.2 s run counted 0 SYNs).
  # -B: a 32 MiB buffer; a loaded machine made the kernel drop packets with the default (reported as `dropped`).
  tcpdump -i lo -n -U --immediate-mode -B 32768 -w "$base.pcap" \
    "tcp dst port $port and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" 2>"$base.tcpdump.err" &
  local tp=$!
  for _ in $(seq 50); do grep -q 'listening on' "$base.tcpdump.err" 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  local rc=0
  /usr/bin/time -f '%e %U %S' -o "$base.time" "$@" >"$base.stdout" 2>"$base.stderr" || rc=$?
  sleep 0.5
  kill -INT "$tp"; wait "$tp" 2>/dev/null || true
  local syns; syns=$(tcpdump -r "$base.pcap" -n 2>/dev/null | wc -l)
  local dropped; dropped=$(awk '/dropped by kernel/{print $1}' "$base.tcpdump.err"); dropped=${dropped:-0}
  local w u s; read -r w u s < <(tail -1 "$base.time")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$port" "$mode" "$tool" "$fmt" "$out" \
    "$rc" "$w" "$u" "$s" "$syns" "$dropped" >> "$RUNS"
  printf '  %-8s %-8s rc=%-3s wall=%6ss cpu=%5.2fs conns=%s\n' "$target" "$tool" "$rc" "$w" \
    "$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')" "$syns" >&2
}

for t in "${targets[@]}"; do
  case $t in
    postfix) port=2525; mode=starttls ;;
    ossl)    port=4450; mode=implicit ;;
    gnutls)  port=4443; mode=implicit ;;
    tlslite) port=2530; mode=starttls ;;
  esac
  ep=127.0.0.1:$port
  echo "== $t ($ep, $mode)" >&2
  if [ $mode = starttls ]; then
    mx_mode=(--tls-mode starttls); ss_mode=(--starttls-smtp); ts_mode=(-t smtp); sy_mode=(--starttls smtp)
  else
    mx_mode=(--tls-mode implicit); ss_mode=(); ts_mode=(); sy_mode=()
  fi
  measure "$t" "$port" "$mode" mxray mxray "$OUT/$t-mxray.stdout" \
    "$MXRAY" probe "$ep" --json --profile full "${mx_mode[@]}" \
    --per-ip-rate "$RATE" --per-ip-burst 1000
  enum_args=(); [ $mode = starttls ] && enum_args=(--starttls)
  measure "$t" "$port" "$mode" mxray-enum mxray_enum "$OUT/$t-mxray-enum.stdout" \
    "$SUITE_ENUM" "$ep" "${enum_args[@]}"
  measure "$t" "$port" "$mode" sslscan sslscan "$OUT/$t-sslscan.xml" \
    sslscan --no-colour "${ss_mode[@]}" --xml="$OUT/$t-sslscan.xml" "$ep"
  if [ $QUICK = 0 ]; then
    measure "$t" "$port" "$mode" testssl testssl "$OUT/$t-testssl.json" \
      testssl --quiet --color 0 --warnings off "${ts_mode[@]}" -E --jsonfile "$OUT/$t-testssl.json" "$ep"
  fi
  measure "$t" "$port" "$mode" sslyze sslyze "$OUT/$t-sslyze.json" \
    "$SSLYZE" "${sy_mode[@]}" --sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 --json_out="$OUT/$t-sslyze.json" "$ep"
  measure "$t" "$port" "$mode" nmap nmap "$OUT/$t-nmap.xml" \
    nmap -Pn -n -sV --version-light -p "$port" --script ssl-enum-ciphers -oX "$OUT/$t-nmap.xml" 127.0.0.1
done

{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "load average (1/5/15 min) before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work shares the machine)"
  echo "mxray probe: --profile full --per-ip-rate $RATE --per-ip-burst 1000 (lab on loopback; the default is 20/s)"
} > "$OUT/machine.txt"
python3 "$HERE/peers/report.py" "$RUNS" --machine "$OUT/machine.txt" --markdown "$OUT/table.md"
echo "raw outputs: $OUT" >&2
