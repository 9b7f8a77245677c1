#!/bin/bash
# Cross-checks mxray's DANE verdicts against real DANE tools, on the DNSSEC lab's variants
# (lab/dnssec/start-dnssec.sh) served by the lab's Exim on 127.0.0.1:2527:
#   - mxray scan --trust-anchor (its own DNSSEC validation, asking knotd directly);
#   - the TLSA RRset fetched independently through the validating unbound (AD flag required);
#   - ldns-dane -n -c CERT -t TLSAFILE verify (ldnsutils; -n: DANE-EE ignores names, RFC 7672);
#   - openssl s_client -starttls smtp -dane_tlsa_rrdata ... -dane_ee_no_namechecks, live
#     (OpenSSL's DANE, what Postfix's smtp_tls_security_level = dane uses).
# Agreement: mxray "authenticated" <=> both tools verify. Records with PKIX usages only (host
# pkix) are unusable for SMTP (RFC 7672 3.1.3: mxray says "only_unusable", mandatory TLS without
# authentication) while the RFC 6698 tools apply PKIX: shown, not compared.
# Prints a table and "N agree, N disagree"; exits 1 on any disagreement or missing tool.
#   LAB (lab/env.sh), DNSSEC_KNOT_PORT (5300), DNSSEC_UNBOUND_PORT (5301),
#   MXRAY (default: target/debug/mxray, built here with cargo build -p mxray --locked)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
KNOT_PORT=${DNSSEC_KNOT_PORT:-5300}
UNBOUND_PORT=${DNSSEC_UNBOUND_PORT:-5301}
ROOT=$(cd "$HERE/../.." && pwd)
if [ -z "${MXRAY:-}" ]; then
  (cd "$ROOT" && cargo build -q -p mxray --locked) || { echo "dane-crosscheck: cargo build failed" >&2; exit 1; }
  MXRAY=$ROOT/target/debug/mxray
fi
for b in ldns-dane openssl kdig python3; do
  command -v "$b" >/dev/null || { echo "dane-crosscheck: $b missing; run lab/install.sh as root" >&2; exit 1; }
done
CERT=$LAB/certs/rsa2048.crt
ANCHOR=$LAB/dnssec/anchor.dnskey
[ -f "$ANCHOR" ] || { echo "dane-crosscheck: $ANCHOR missing: restart the DNSSEC lab" >&2; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
hosts=(mx ee301 ee312 ee300 mismatch pkix ta rollover many)
targets=(); for h in "${hosts[@]}"; do targets+=("$h.secure.dane.test:2527"); done
"$MXRAY" scan --quiet --profile quick --port 2527 --resolver "127.0.0.1:$KNOT_PORT" \
  --trust-anchor "$ANCHOR" -o "$T/dane.jsonl" "${targets[@]}" || { echo "dane-crosscheck: mxray scan failed" >&2; exit 1; }
agree=0; disagree=0
printf '%-10s %-15s %-8s %-8s %s\n' host mxray ldns-dane openssl verdict
for h in "${hosts[@]}"; do
  name=_2527._tcp.$h.secure.dane.test
  out=$(kdig @127.0.0.1 -p "$UNBOUND_PORT" +tcp +dnssec +timeout=3 TLSA "$name")
  grep -q "^;; Flags:.* ad;" <<<"$out" || { echo "dane-crosscheck: $name not authenticated by unbound" >&2; disagree=$((disagree + 1)); continue; }
  kdig @127.0.0.1 -p "$UNBOUND_PORT" +tcp +short TLSA "$name" \
    | awk -v n="$name." '{d=""; for (i = 4; i <= NF; i++) d = d $i; print n, "300 IN TLSA", $1, $2, $3, d}' > "$T/$h.tlsa"
  if ldns-dane -n -c "$CERT" -t "$T/$h.tlsa" verify >"$T/$h.ldns" 2>&1; then ldns=ok; else ldns=fail; fi
  rr=(); while read -r _ _ _ _ u s m d; do rr+=(-dane_tlsa_rrdata "$u $s $m $d"); done < "$T/$h.tlsa"
  if echo QUIT | timeout 15 openssl s_client -starttls smtp -connect 127.0.0.1:2527 \
      -dane_tlsa_domain "$h.secure.dane.test" "${rr[@]}" -dane_ee_no_namechecks 2>&1 \
      | grep -q "Verify return code: 0 (ok)"; then ossl=ok; else ossl=fail; fi
  state=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["target"] == sys.argv[2]:
        print((r.get("dane") or {}).get("state", "none"))' "$T/dane.jsonl" "$h.secure.dane.test:2527")
  if [ "$h" = pkix ]; then
    verdict="not compared (PKIX usages: unusable for SMTP)"
    [ "$state" = only_unusable ] || { verdict="DISAGREE (want only_unusable)"; disagree=$((disagree + 1)); }
  else
    want=fail; [ "$state" = authenticated ] && want=ok
    if [ "$ldns" = "$want" ] && [ "$ossl" = "$want" ]; then verdict=agree; agree=$((agree + 1))
    else verdict=DISAGREE; disagree=$((disagree + 1)); fi
  fi
  printf '%-10s %-15s %-8s %-8s %s\n' "$h" "$state" "$ldns" "$ossl" "$verdict"
done
echo "dane cross-check: $agree agree, $disagree disagree"
[ "$disagree" -eq 0 ]
