#!/bin/bash
# The MTA-STS lab on loopback: an unsigned zone and the HTTPS policy server.
#   127.0.0.1:5310 (UDP, TCP)  knotd: sts.test (lab/mta-sts/sts.test.zone): one domain per scenario,
#                              LABEL.sts.test, with its MX, _mta-sts and _smtp._tls TXT records and
#                              its policy host mta-sts.LABEL.sts.test (127.0.0.1)
#   127.0.0.1:$MTA_STS_PORT    the policy server (default 4460; mxray-lab's mtasts module, run as the
#                              example mta_sts_server): HTTPS with rustls, certificates from the lab CA
#                              ($LAB/mta-sts/lab-ca.pem), a behaviour per scenario chosen by SNI
#                              (enforce/testing/none, mx patterns that miss, bad certificates,
#                              redirects, oversized, malformed, wrong content type, slow, endless)
# Clients: mxray ... --resolver 127.0.0.1:5310 --ca-file $LAB/mta-sts/lab-ca.pem --mta-sts-port 4460
# The policy server is built with cargo from this checkout (target/ of the checkout).
#   LAB  state directory (see lab/env.sh). Stop: lab/stop-all.sh mta-sts
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../env.sh"
D=$LAB/mta-sts
PORT=${MTA_STS_PORT:-4460}
for b in knotd kdig cargo; do
  command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || { echo "start-mta-sts.sh: $b missing; run lab/install.sh as root" >&2; exit 1; }
done
# A running instance is stopped first (by its pid files), so a restart serves the current zone.
"$HERE/../stop-all.sh" mta-sts >/dev/null
mkdir -p "$D/knot"
cp "$HERE/sts.test.zone" "$D/sts.test.zone"
cat > "$D/knot/knot.conf" <<CONF
server:
    listen: 127.0.0.1@5310
    rundir: "$D/knot"
    pidfile: "$D/knot/knot.pid"
database:
    storage: "$D/knot"
log:
  - target: "$D/knot/knot.log"
    any: info
zone:
  - domain: sts.test
    file: "$D/sts.test.zone"
    zonefile-load: whole
    journal-content: none
CONF
chmod -R a+rX "$D"
knotd -c "$D/knot/knot.conf" -d
for _ in $(seq 50); do
  kdig +short +timeout=1 @127.0.0.1 -p 5310 SOA sts.test 2>/dev/null | grep -q . && break
  sleep 0.1
done
kdig +short +timeout=1 @127.0.0.1 -p 5310 TXT _mta-sts.enforce.sts.test | grep -q STSv1 \
  || { echo "start-mta-sts.sh: knotd does not answer sts.test on 5310; see $D/knot/knot.log" >&2; exit 1; }

(cd "$ROOT" && cargo build -q --locked -p mxray-lab --example mta_sts_server)
bin=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug/examples/mta_sts_server
[ -x "$bin" ] || { echo "start-mta-sts.sh: $bin was not built" >&2; exit 1; }
"$bin" "127.0.0.1:$PORT" "$D" sts.test > "$D/policy.log" 2>&1 &
echo $! > "$D/policy.pid"
for _ in $(seq 100); do ss -ltnH "sport = :$PORT" | grep -q . && break; sleep 0.1; done
ss -ltnH "sport = :$PORT" | grep -q . || { echo "start-mta-sts.sh: the policy server did not listen on $PORT; see $D/policy.log" >&2; exit 1; }
echo "mta-sts lab up: knotd 127.0.0.1:5310 (sts.test), policy server 127.0.0.1:$PORT, CA $D/lab-ca.pem"
