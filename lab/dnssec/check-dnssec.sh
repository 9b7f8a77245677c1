#!/bin/bash
# Checks the DNSSEC lab (start-dnssec.sh) answers as designed, through the validating unbound:
# secure.dane.test's TLSA is authenticated (AD), insecure.dane.test's is answered without AD, and
# bogus.dane.test's is SERVFAIL. Prints "N passed, N failed"; exits 1 on any failure.
set -uo pipefail
pass=0; fail=0
check() { # NAME WANT-STATUS WANT-AD(yes/no)
  local out status ad
  out=$(kdig @127.0.0.1 -p "${DNSSEC_UNBOUND_PORT:-5301}" +dnssec +timeout=2 +retry=1 TLSA "$1" 2>&1)
  status=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$out" | head -1)
  if grep -q "^;; Flags:.* ad;" <<<"$out"; then ad=yes; else ad=no; fi
  if [ "$status" = "$2" ] && [ "$ad" = "$3" ]; then
    pass=$((pass + 1)); echo "ok   $1: $status ad=$ad"
  else
    fail=$((fail + 1)); echo "FAIL $1: $status ad=$ad, want $2 ad=$3" >&2
  fi
}
check _25._tcp.mx.secure.dane.test NOERROR yes
check _25._tcp.mx.insecure.dane.test NOERROR no
check _25._tcp.mx.bogus.dane.test SERVFAIL no
echo "dnssec lab: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
