#!/bin/bash
# The PTR lab on loopback: knotd at 127.0.0.1:5340 (UDP, TCP) answering reverse and forward
# records for 127.0.0.0/24, for the names of address targets (mxray scan --server-names):
#   0.0.127.in-addr.arpa  127.0.0.1 -> localhost. and mx.lab.test. (both confirmed forward),
#                         127.0.0.5 -> spoofed.ptr.test. (whose A is 127.0.0.99: not FCrDNS),
#                         127.0.0.7 -> dangling.ptr.test. (no address), 127.0.0.6: NXDOMAIN
#   localhost., lab.test., ptr.test.   the forward records of those names
# Clients: mxray scan 127.0.0.1:2525 --server-names --resolver 127.0.0.1:5340
#   LAB  state directory (see lab/env.sh), here $LAB/ptr. Stop: lab/stop-all.sh ptr
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
D=$LAB/ptr
PORT=${PTR_DNS_PORT:-5340}
for b in knotd kdig; do
  command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || { echo "start-ptr.sh: $b missing; run lab/install.sh as root" >&2; exit 1; }
done
# A running instance is stopped first (by its pid file), so a restart serves the current zones.
"$HERE/../stop-all.sh" ptr >/dev/null
mkdir -p "$D/knot"
zones=(0.0.127.in-addr.arpa localhost lab.test ptr.test)
{
  cat <<CONF
server:
    listen: 127.0.0.1@$PORT
    rundir: "$D/knot"
    pidfile: "$D/knot/knot.pid"
database:
    storage: "$D/knot"
log:
  - target: "$D/knot/knot.log"
    any: info
zone:
CONF
  for z in "${zones[@]}"; do
    cp "$HERE/$z.zone" "$D/$z.zone"
    printf '  - domain: %s\n    file: "%s"\n    zonefile-load: whole\n    journal-content: none\n' "$z" "$D/$z.zone"
  done
} > "$D/knot/knot.conf"
chmod -R a+rX "$D"
knotd -c "$D/knot/knot.conf" -d
for _ in $(seq 50); do
  kdig +short +timeout=1 @127.0.0.1 -p "$PORT" PTR 1.0.0.127.in-addr.arpa 2>/dev/null | grep -q . && break
  sleep 0.1
done
kdig +short +timeout=1 @127.0.0.1 -p "$PORT" PTR 1.0.0.127.in-addr.arpa | grep -q localhost \
  || { echo "start-ptr.sh: knotd does not answer PTR on $PORT; see $D/knot/knot.log" >&2; exit 1; }
echo "ptr lab up: knotd 127.0.0.1:$PORT (0.0.127.in-addr.arpa, localhost, lab.test, ptr.test)"
