#!/bin/bash
# Start the real peers on loopback and wait until each one listens.
# usage: lab/up.sh [postfix] [exim] [ossl] [gnutls] [tlslite] [dnssec] [mta-sts] [ptr] [findings]   (no argument: all of them)
#   127.0.0.1:2525 Postfix defaults       127.0.0.1:2526 Postfix weak (NULL, DHE-1024)
#   127.0.0.1:2527 Exim GnuTLS NORMAL     127.0.0.1:2528 Exim legacy (RC4, 3DES)
#   127.0.0.1:2530 tlslite-ng STARTTLS (SSLv3, RC4, 3DES, NULL, DH-512)   127.0.0.1:2531 tlslite anon
#   127.0.0.1:4450-4452 openssl s_server (implicit TLS)   *:4443/4444 gnutls-serv (implicit TLS)
#   127.0.0.1:5300 knotd (signed dane.test)   127.0.0.1:5301 unbound validating it (lab/dnssec/)
#   127.0.0.1:5310 knotd (sts.test)   127.0.0.1:4460 the MTA-STS policy server (HTTPS; lab/mta-sts/)
#   127.0.0.1:5340 knotd (PTR and forward records of 127.0.0.0/24; lab/ptr/)
#   127.0.0.1:2650-2655, 2658 client-certificate, OCSP-staple and must-staple s_servers, Exim with AUTH before TLS and
#                  Exim on implicit TLS, Exim with AUTH only inside TLS (lab/findings/; needs exim)
# Fails loudly when a peer does not come up. Stop with lab/down.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/env.sh"
[ -f "$LAB/certs/rsa2048.crt" ] || "$HERE/certs/mkcerts.sh" >/dev/null
if [ $# -gt 0 ]; then groups=("$@"); else groups=(postfix exim ossl gnutls tlslite dnssec mta-sts ptr findings); fi

listening() { ss -ltnH "sport = :$1" | grep -q .; }
wait_port() { # PORT NAME
  for _ in $(seq 100); do listening "$1" && return 0; sleep 0.1; done
  echo "lab/up.sh: $2 did not start listening on port $1; see logs under $LAB" >&2; exit 1
}

for g in "${groups[@]}"; do
  case $g in
    postfix)
      if ! listening 2525; then
        "$HERE/postfix/setup-postfix.sh" >/dev/null
        postfix start >/dev/null 2>&1 || postfix reload >/dev/null 2>&1 || true
      fi
      wait_port 2525 postfix; wait_port 2526 postfix-weak ;;
    exim)
      listening 2527 || "$HERE/exim/start-exim.sh" >/dev/null
      wait_port 2527 exim; wait_port 2528 exim-legacy ;;
    ossl)
      listening 4450 || "$HERE/ossl/start-ossl.sh" >/dev/null
      wait_port 4450 s_server; wait_port 4451 s_server-tls10; wait_port 4452 s_server-tls13 ;;
    gnutls)
      listening 4443 || "$HERE/gnutls/start-gnutls.sh" >/dev/null
      wait_port 4443 gnutls-serv; wait_port 4444 gnutls-serv-null ;;
    tlslite)
      listening 2530 || "$HERE/tlslite/start-tlslite.sh" >/dev/null
      wait_port 2530 tlslite; wait_port 2531 tlslite-anon ;;
    dnssec)
      # Knot DNS (signed dane.test and its secure/insecure/bogus subzones) and a validating
      # unbound; UDP, so ask them rather than look for a TCP listener.
      kdig +short +timeout=1 @127.0.0.1 -p 5301 SOA dane.test >/dev/null 2>&1 \
        || "$HERE/dnssec/start-dnssec.sh" >/dev/null ;;
    mta-sts)
      # knotd serving sts.test and the MTA-STS policy server (lab/mta-sts/).
      if ! { kdig +short +timeout=1 @127.0.0.1 -p 5310 SOA sts.test 2>/dev/null | grep -q . && listening "${MTA_STS_PORT:-4460}"; }; then
        "$HERE/mta-sts/start-mta-sts.sh" >/dev/null
      fi
      wait_port "${MTA_STS_PORT:-4460}" mta-sts-policy-server ;;
    ptr)
      # knotd answering PTR and forward records of 127.0.0.0/24 (lab/ptr/); UDP, so ask it.
      kdig +short +timeout=1 @127.0.0.1 -p 5340 PTR 1.0.0.127.in-addr.arpa 2>/dev/null | grep -q . \
        || "$HERE/ptr/start-ptr.sh" >/dev/null ;;
    findings)
      listening 2650 || "$HERE/findings/start-findings.sh" >/dev/null
      for p in 2650 2651 2652 2653 2654 2655 2658; do wait_port $p findings-$p; done ;;
    *) echo "lab/up.sh: unknown peer '$g' (use: postfix exim ossl gnutls tlslite dnssec mta-sts ptr findings)" >&2; exit 2 ;;
  esac
done
echo "lab up ($*): state in $LAB"
