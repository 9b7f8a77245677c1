#!/bin/bash
# mxray's "what a DANE sender does" beside Postfix's own DANE client code: posttls-finger
# (postfix) with -l dane, resolving through a validating unbound (AD bit) of the DNSSEC lab,
# against the lab's Exim on 127.0.0.1:2527, for each DANE variant of the lab zone.
# Needs root: the glibc resolver has no port setting, so a private unbound listens on
# $PF_RESOLVER (default 127.0.53.53, port 53) and posttls-finger runs in a private mount
# namespace (unshare -m) where /etc/resolv.conf names it; the machine's resolv.conf is untouched.
# Postfix's outcome, from its log lines:
#   "Verified TLS connection" or "Matched DANE" + "Trusted TLS connection"  -> authenticated
#   "unsupported TLSA certificate usage" + "Untrusted TLS connection"       -> encrypted
#   "Untrusted TLS connection" otherwise                                     -> no_dane
#   "no matching DANE TLSA records", an MX or TLSA lookup failure, a DANE-TA match whose
#   leaf fails the name check ("verification failed ... hostname mismatch") -> defer
#   (posttls-finger, a diagnostic, goes on after a failed DANE verification; the smtp client
#   defers. A PKIX failure, "self-signed certificate", does not stop a dane-level sender
#   without usable TLSA records: it is not a deferral.)
# One difference is expected and shown, not counted: an MX host found through an insecure MX
# answer (tosecure.insecure.dane.test): mxray follows RFC 7672 2.2 (TLSA ignored), Postfix's
# smtp_tls_dane_insecure_mx_policy = dane uses the TLSA records ("MX RRset insecure: log
# verified as trusted").
# The lab server's DANE receivers (dane-good, dane-mismatch, dane-bogus) are started here with
# `mxray lab` on DNSSEC_DANE_PORT (2631) and the two ports after it, presenting the key the zone
# digests ($LAB/certs/rsa2048.crt), and stopped at the end: Postfix must deliver to dane-good
# and defer the other two.
# Prints the table and "N agree, N disagree"; exits 1 on a disagreement.
#   LAB, DNSSEC_KNOT_PORT (5300), DNSSEC_DANE_PORT (2631), PF_RESOLVER (127.0.53.53),
#   MXRAY (default: built here)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
KNOT_PORT=${DNSSEC_KNOT_PORT:-5300}
DANE_PORT=${DNSSEC_DANE_PORT:-2631}
PF_RESOLVER=${PF_RESOLVER:-127.0.53.53}
ROOT=$(cd "$HERE/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "postfix-dane-crosscheck: needs root (unshare -m, port 53)" >&2; exit 1; }
for b in posttls-finger unbound unshare kdig python3; do
  command -v "$b" >/dev/null || { echo "postfix-dane-crosscheck: $b missing; run lab/install.sh as root" >&2; exit 1; }
done
if [ -z "${MXRAY:-}" ]; then
  (cd "$ROOT" && cargo build -q -p mxray --locked) || { echo "postfix-dane-crosscheck: cargo build failed" >&2; exit 1; }
  MXRAY=$ROOT/target/debug/mxray
fi
ANCHOR=$LAB/dnssec/anchor.dnskey
[ -f "$ANCHOR" ] || { echo "postfix-dane-crosscheck: $ANCHOR missing: restart the DNSSEC lab" >&2; exit 1; }
D=$LAB/dnssec/postfix-sender; rm -rf "$D"; mkdir -p "$D"
# A second unbound like the lab's, on $PF_RESOLVER:53, stubbing to knotd.
sed -e "s/interface: .*/interface: $PF_RESOLVER@53/; s/^\(    port:\).*/\1 53/" \
    -e "s#pidfile: \".*\"#pidfile: \"$D/unbound.pid\"#; s#logfile: \".*\"#logfile: \"$D/unbound.log\"#" \
    -e "s#stub-addr: .*#stub-addr: 127.0.0.1@$KNOT_PORT#" \
    "$LAB/dnssec/unbound/unbound.conf" > "$D/unbound.conf"
unbound -c "$D/unbound.conf" || { echo "postfix-dane-crosscheck: unbound did not start; see $D/unbound.log" >&2; exit 1; }
stop_unbound() {
  local pid; pid=$(cat "$D/unbound.pid" 2>/dev/null) || return 0
  [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = unbound ] && kill "$pid"
}
# The DANE receivers, with the key the zone's TLSA records digest.
C=$LAB/certs
lab_args=(lab --state "$D/lab-state" --log "$D/lab.jsonl")
i=0
for p in dane-good dane-mismatch dane-bogus; do
  lab_args+=(--profile "$p=$((DANE_PORT + i))" --cert "$p=$C/rsa2048.crt,$C/rsa2048.key")
  i=$((i + 1))
done
"$MXRAY" "${lab_args[@]}" 2> "$D/lab.err" &
LAB_PID=$!
# DANE-TA: leaf + lab-made CA chains (start-dnssec.sh, $LAB/dnssec/ta) on DNSSEC_DANE_PORT+3/+4.
T=$LAB/dnssec/ta
"$MXRAY" lab --state "$D/lab-state-ta" --log "$D/lab-ta.jsonl" \
  --profile "good=$((DANE_PORT + 3))" --cert "good=$T/chain.pem,$T/leaf.key" \
  --profile "wrong-host=$((DANE_PORT + 4))" --cert "wrong-host=$T/badname-chain.pem,$T/badname.key" \
  2> "$D/lab-ta.err" &
LAB_TA_PID=$!
stop_all() {
  stop_unbound
  kill "$LAB_PID" "$LAB_TA_PID" 2>/dev/null; wait "$LAB_PID" "$LAB_TA_PID" 2>/dev/null
}
trap stop_all EXIT
for e in lab.err lab-ta.err; do
  for _ in $(seq 100); do grep -q "mxray lab: ready" "$D/$e" && break; sleep 0.1; done
  grep -q "mxray lab: ready" "$D/$e" || { echo "postfix-dane-crosscheck: mxray lab did not start; see $D/$e" >&2; exit 1; }
done
for _ in $(seq 50); do kdig +short +timeout=1 @"$PF_RESOLVER" SOA dane.test >/dev/null 2>&1 && break; sleep 0.1; done
printf 'nameserver %s\noptions trust-ad\n' "$PF_RESOLVER" > "$D/resolv.conf"

# target for mxray | destination for posttls-finger
rows=(
  "secure.dane.test|secure.dane.test:2527"
  "insecure.dane.test|insecure.dane.test:2527"
  "bogus.dane.test|bogus.dane.test:2527"
  "crossmx.secure.dane.test|crossmx.secure.dane.test:2527"
  "tosecure.insecure.dane.test|tosecure.insecure.dane.test:2527"
  "mismatch.secure.dane.test:2527|[mismatch.secure.dane.test]:2527"
  "pkix.secure.dane.test:2527|[pkix.secure.dane.test]:2527"
  "ta.secure.dane.test:2527|[ta.secure.dane.test]:2527"
  "rollover.secure.dane.test:2527|[rollover.secure.dane.test]:2527"
  "ee301.secure.dane.test:2527|[ee301.secure.dane.test]:2527"
  "ee312.secure.dane.test:2527|[ee312.secure.dane.test]:2527"
  "ee300.secure.dane.test:2527|[ee300.secure.dane.test]:2527"
  "many.secure.dane.test:2527|[many.secure.dane.test]:2527"
  "tlsaloop.secure.dane.test:2527|[tlsaloop.secure.dane.test]:2527"
  "mx.secure.dane.test:2525|[mx.secure.dane.test]:2525"
  "mx.dane-good.secure.dane.test:$DANE_PORT|[mx.dane-good.secure.dane.test]:$DANE_PORT"
  "mx.dane-mismatch.secure.dane.test:$((DANE_PORT + 1))|[mx.dane-mismatch.secure.dane.test]:$((DANE_PORT + 1))"
  "mx.dane-bogus.bogus.dane.test:$((DANE_PORT + 2))|[mx.dane-bogus.bogus.dane.test]:$((DANE_PORT + 2))"
  "mx.dane-ta.secure.dane.test:$((DANE_PORT + 3))|[mx.dane-ta.secure.dane.test]:$((DANE_PORT + 3))"
  "mx.dane-ta-badname.secure.dane.test:$((DANE_PORT + 4))|[mx.dane-ta-badname.secure.dane.test]:$((DANE_PORT + 4))"
)
targets=(); dests=()
for r in "${rows[@]}"; do targets+=("${r%%|*}"); dests+=("${r##*|}"); done
"$MXRAY" scan --quiet --profile quick --port 2527 --resolver "127.0.0.1:$KNOT_PORT" \
  --trust-anchor "$ANCHOR" -o "$D/mxray.jsonl" "${targets[@]}" || { echo "postfix-dane-crosscheck: mxray scan failed" >&2; exit 1; }
# posttls-finger, each destination's log in its own file, inside the private mount namespace.
cat > "$D/finger.sh" <<EOS
#!/bin/sh
mount --bind "$D/resolv.conf" /etc/resolv.conf || exit 1
i=0
for d in "\$@"; do
  posttls-finger -c -l dane -t 10 "\$d" > "$D/finger.\$i" 2>&1
  i=\$((i + 1))
done
EOS
chmod +x "$D/finger.sh"
unshare -m "$D/finger.sh" "${dests[@]}" || { echo "postfix-dane-crosscheck: unshare failed" >&2; exit 1; }
agree=0; disagree=0
printf '%-34s %-14s %-14s %s\n' target mxray postfix verdict
for i in "${!targets[@]}"; do
  t=${targets[$i]}; log=$D/finger.$i
  if grep -q "Verified TLS connection established" "$log" \
     || { grep -q "Matched DANE" "$log" && grep -q "Trusted TLS connection established" "$log"; }; then pf=authenticated
  elif grep -q "no matching DANE TLSA records\|TLSA lookup error\|address lookup failed\|Failed to establish session\|verification failed for .*: num=62:hostname mismatch" "$log"; then pf=defer
  elif grep -q "unsupported TLSA certificate usage" "$log" && grep -q "Untrusted TLS connection" "$log"; then pf=encrypted
  elif grep -q "Untrusted TLS connection established" "$log"; then pf=no_dane
  else pf=unknown; fi
  mx=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["target"] == sys.argv[2]:
        print((r.get("dane") or {}).get("delivery", "none")); break' "$D/mxray.jsonl" "$t")
  if [ "$mx" = "$pf" ]; then v=agree; agree=$((agree + 1))
  elif [ "$t" = tosecure.insecure.dane.test ] && [ "$mx" = no_dane ] && [ "$pf" = authenticated ]; then
    v="differs by policy (insecure MX: RFC 7672 2.2 vs smtp_tls_dane_insecure_mx_policy)"
  else v=DISAGREE; disagree=$((disagree + 1)); fi
  printf '%-34s %-14s %-14s %s\n' "$t" "$mx" "$pf" "$v"
done
echo "postfix dane cross-check: $agree agree, $disagree disagree"
[ "$disagree" -eq 0 ]
