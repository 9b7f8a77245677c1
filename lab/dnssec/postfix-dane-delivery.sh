#!/bin/bash
# A real DANE sender delivering: Postfix (smtp_tls_security_level = dane,
# smtp_dns_support_level = dnssec) resolving MX, A and TLSA through a validating unbound, sends
# one message to each DANE receiver of the DNSSEC lab; what it did (sent over a verified or an
# unverified TLS connection, or deferred, and why, from its log) must agree with mxray's "a
# DANE sender will / won't deliver" (the record's dane.delivery) for the same receiver.
#
# Receivers (`mxray lab`, stopped at the end; P = DNSSEC_DANE_PORT, default 2631, the ports the
# zone of start-dnssec.sh publishes TLSA records for):
#   dane-good      P    MX dane-good.secure.dane.test, TLSA 3 1 1 of the served key
#   dane-mismatch  P+1  MX dane-mismatch.secure.dane.test, TLSA 3 1 1 matching no key
#   dane-bogus     P+2  MX dane-bogus.bogus.dane.test (the zone's signatures are broken)
#   dane-ta        P+3  [mx.dane-ta.secure.dane.test], TLSA 2 1 1 of the lab CA, leaf names it
#   dane-ta-badname P+4 [mx.dane-ta-badname.secure.dane.test], same CA, leaf for other.invalid
#   tlsa-less      P+5  MX secure.dane.test (signed, no TLSA for port P+5: authenticated denial)
#   insecure       P+5  MX insecure.dane.test (unsigned delegation)
# Postfix reaches the domains by MX lookup (transport nexthop DOMAIN:PORT, so the TLSA name is
# _PORT._tcp.MXHOST), the DANE-TA hosts as [HOST]:PORT; mxray scans the same domains and
# host:port targets with --port, validating DNSSEC itself from the lab's trust anchor.
#
# The sender is lab/providers/mx-sender.sh's Postfix in a private mount namespace whose
# /etc/resolv.conf names a private unbound (PF_DELIVERY_RESOLVER, default 127.0.53.60, port 53,
# stub to knotd on DNSSEC_KNOT_PORT); its inet_interfaces is [::1] (it has no listener) so that
# MX hosts at 127.0.0.1 are not "myself" (Postfix: "mail for ... loops back to myself"). Nothing
# of the shared lab is restarted. Needs root (unshare, mount, port 53).
#
# Agreement: mxray authenticated = Postfix sent over a verified TLS connection; encrypted and
# no_dane = sent over TLS without verification (a DANE sender with only unusable records, or
# none, delivers); defer = deferred. Prints the table and "N agree, N disagree"; exits 1 on any
# disagreement or a message with no result.
#   LAB, DNSSEC_KNOT_PORT (5300), DNSSEC_DANE_PORT (2631), PF_DELIVERY_RESOLVER (127.0.53.60),
#   MXRAY (default: built here)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
KNOT_PORT=${DNSSEC_KNOT_PORT:-5300}
P=${DNSSEC_DANE_PORT:-2631}
NS=${PF_DELIVERY_RESOLVER:-127.0.53.60}
SELF="[::1]"
ROOT=$(cd "$HERE/../.." && pwd)
me=postfix-dane-delivery
[ "$(id -u)" = 0 ] || { echo "$me: needs root (unshare -m, port 53)" >&2; exit 1; }
for b in postfix postconf sendmail unbound unshare kdig python3; do
  command -v "$b" >/dev/null || { echo "$me: $b missing; run lab/install.sh as root" >&2; exit 1; }
done
if [ -z "${MXRAY:-}" ]; then
  (cd "$ROOT" && cargo build -q -p mxray --locked) || { echo "$me: cargo build failed" >&2; exit 1; }
  MXRAY=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug/mxray
fi
ANCHOR=$LAB/dnssec/anchor.dnskey
[ -f "$ANCHOR" ] || { echo "$me: $ANCHOR missing: start the DNSSEC lab (lab/up.sh dnssec)" >&2; exit 1; }
kdig +short +timeout=1 @127.0.0.1 -p "$KNOT_PORT" SOA dane.test >/dev/null 2>&1 \
  || { echo "$me: knotd does not answer on 127.0.0.1:$KNOT_PORT (lab/up.sh dnssec)" >&2; exit 1; }
D=$LAB/dnssec/postfix-delivery; rm -rf "$D"; mkdir -p "$D"; chmod 755 "$D"
SENDER="$ROOT/lab/providers/mx-sender.sh"
export PROVIDERS_LAB=$D DNS_ADDR53=$NS

# The validating resolver, like the lab's, on $NS:53.
sed -e "s/interface: .*/interface: $NS@53/; s/^\(    port:\).*/\1 53/" \
    -e "s#pidfile: \".*\"#pidfile: \"$D/unbound.pid\"#; s#logfile: \".*\"#logfile: \"$D/unbound.log\"#" \
    -e "s#stub-addr: .*#stub-addr: 127.0.0.1@$KNOT_PORT#" \
    "$LAB/dnssec/unbound/unbound.conf" > "$D/unbound.conf"
unbound -c "$D/unbound.conf" || { echo "$me: unbound did not start; see $D/unbound.log" >&2; exit 1; }
LAB_PIDS=()
stop_all() {
  "$SENDER" stop dane >/dev/null 2>&1
  local pid; pid=$(cat "$D/unbound.pid" 2>/dev/null)
  [ -n "$pid" ] && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = unbound ] && kill "$pid"
  for p in "${LAB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait "${LAB_PIDS[@]}" 2>/dev/null
}
trap stop_all EXIT

# name | recipient domain | Postfix nexthop | mxray target | mxray --port
rows=(
  "dane-good|dane-good.secure.dane.test|dane-good.secure.dane.test:$P|dane-good.secure.dane.test|$P"
  "dane-mismatch|dane-mismatch.secure.dane.test|dane-mismatch.secure.dane.test:$((P + 1))|dane-mismatch.secure.dane.test|$((P + 1))"
  "dane-bogus|dane-bogus.bogus.dane.test|dane-bogus.bogus.dane.test:$((P + 2))|dane-bogus.bogus.dane.test|$((P + 2))"
  "dane-ta|ta.delivery.invalid|[mx.dane-ta.secure.dane.test]:$((P + 3))|mx.dane-ta.secure.dane.test:$((P + 3))|$((P + 3))"
  "dane-ta-badname|ta-badname.delivery.invalid|[mx.dane-ta-badname.secure.dane.test]:$((P + 4))|mx.dane-ta-badname.secure.dane.test:$((P + 4))|$((P + 4))"
  "tlsa-less|secure.dane.test|secure.dane.test:$((P + 5))|secure.dane.test|$((P + 5))"
  "insecure|insecure.dane.test|insecure.dane.test:$((P + 5))|insecure.dane.test|$((P + 5))"
)
# The receivers (they accept mail for the rows' domains).
C=$LAB/certs; T=$LAB/dnssec/ta
accept=()
for r in "${rows[@]}"; do IFS='|' read -r _ dom _ _ _ <<< "$r"; accept+=(--accept-domain "$dom"); done
args=(lab --state "$D/lab-state" --log "$D/lab.jsonl" "${accept[@]}")
i=0
for p in dane-good dane-mismatch dane-bogus; do
  args+=(--profile "$p=$((P + i))" --cert "$p=$C/rsa2048.crt,$C/rsa2048.key"); i=$((i + 1))
done
args+=(--profile "good=$((P + 5))")
"$MXRAY" "${args[@]}" 2> "$D/lab.err" & LAB_PIDS+=($!)
"$MXRAY" lab --state "$D/lab-state-ta" --log "$D/lab-ta.jsonl" "${accept[@]}" \
  --profile "good=$((P + 3))" --cert "good=$T/chain.pem,$T/leaf.key" \
  --profile "wrong-host=$((P + 4))" --cert "wrong-host=$T/badname-chain.pem,$T/badname.key" \
  2> "$D/lab-ta.err" & LAB_PIDS+=($!)
for e in lab.err lab-ta.err; do
  for _ in $(seq 100); do grep -q "mxray lab: ready" "$D/$e" && break; sleep 0.1; done
  grep -q "mxray lab: ready" "$D/$e" || { echo "$me: mxray lab did not start; see $D/$e" >&2; exit 1; }
done
for _ in $(seq 50); do kdig +short +timeout=1 @"$NS" SOA dane.test >/dev/null 2>&1 && break; sleep 0.1; done

: > "$D/transport"
for r in "${rows[@]}"; do
  IFS='|' read -r _ dom hop _ _ <<< "$r"
  printf '%s smtp:%s\n' "$dom" "$hop" >> "$D/transport"
done
chmod 644 "$D/transport"

MX_SENDER_RESOLV_OPTIONS=trust-ad MX_SENDER_SET="smtp_dns_support_level = dnssec
inet_interfaces = $SELF
transport_maps = texthash:$D/transport
default_transport = error:no route in the DANE delivery lab
smtp_tls_loglevel = 1" \
  "$SENDER" start dane sender.dane.test 127.0.0.1 dane - >/dev/null \
  || { echo "$me: the sending Postfix did not start" >&2; exit 1; }
for r in "${rows[@]}"; do
  IFS='|' read -r name dom _ _ _ <<< "$r"
  "$SENDER" send dane "dane@sender.dane.test" "$name@$dom" "dane $name" >/dev/null \
    || { echo "$me: sendmail failed for $name@$dom" >&2; exit 1; }
done
# Every message sent or deferred (at most 60 s).
LOG=$D/senders/dane/maillog
for _ in $(seq 120); do
  missing=0
  for r in "${rows[@]}"; do
    IFS='|' read -r name dom _ _ _ <<< "$r"
    grep -qE "to=<$name@$dom>.*status=" "$LOG" 2>/dev/null || missing=$((missing + 1))
  done
  [ "$missing" -eq 0 ] && break; sleep 0.5
done

agree=0; disagree=0
printf '%-16s %-14s %-14s %-20s %s\n' receiver mxray-state mxray postfix "verdict / Postfix's reason"
for r in "${rows[@]}"; do
  IFS='|' read -r name dom _ target port <<< "$r"
  line=$(grep -E "to=<$name@$dom>.*status=" "$LOG" | head -1)
  qid=$(sed -n 's/.*: \([0-9A-F]\{6,\}\): to=.*/\1/p' <<< "$line")
  reason=$(sed -n 's/.*status=[a-z]* (\(.*\))$/\1/p' <<< "$line")
  # The smtp client's TLS line for this delivery: same process, same relay (host[addr]:port).
  spid=$(sed -n 's/.*postfix\/smtp\[\([0-9]*\)\]: .*/\1/p' <<< "$line")
  relay=$(sed -n 's/.*, relay=\([^,]*\), .*/\1/p' <<< "$line")
  tls=$(grep -F "postfix/smtp[$spid]: " "$LOG" 2>/dev/null | grep -F "TLS connection established to $relay:" | head -1)
  case "$line" in
    *status=sent*)
      case "$tls" in
        *Verified*|*Trusted*) pf=sent-verified ;;
        *Untrusted*|*Anonymous*) pf=sent-unverified ;;
        *) pf=sent-plaintext ;;
      esac ;;
    *status=deferred*|*status=bounced*) pf=deferred ;;
    *) pf=no-result; reason="no status line (queue id ${qid:-none})" ;;
  esac
  rec=$("$MXRAY" scan --quiet --profile quick --port "$port" --resolver "127.0.0.1:$KNOT_PORT" \
          --trust-anchor "$ANCHOR" "$target" 2>> "$D/mxray.err" | head -1)
  read -r st mx < <(python3 -c 'import json,sys
try:
    d = json.loads(sys.argv[1]).get("dane") or {}
except ValueError:
    d = {}
print(d.get("state", "none"), d.get("delivery", "none"))' "$rec")
  case "$mx:$pf" in
    authenticated:sent-verified|encrypted:sent-unverified|no_dane:sent-unverified|no_dane:sent-plaintext|defer:deferred)
      v=agree; agree=$((agree + 1)) ;;
    *) v=DISAGREE; disagree=$((disagree + 1)) ;;
  esac
  printf '%-16s %-14s %-14s %-20s %s: %s\n' "$name" "$st" "$mx" "$pf" "$v" "${reason:-}"
done
echo "postfix dane delivery: $agree agree, $disagree disagree"
[ "$disagree" -eq 0 ] && [ "$agree" -eq ${#rows[@]} ]
