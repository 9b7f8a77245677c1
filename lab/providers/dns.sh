#!/bin/sh
# An authoritative DNS server (Knot) for the providers experiment on loopback: it serves the zones
# `mxray lab dns` prints (plus the senders' forward and reverse zones), so real sending MTAs
# deliver through MX lookups and the lab checks reverse DNS, without the internet.
#
#   dns.sh start ZONEDIR   # serves every ZONEDIR/<zone>.zone as <zone>
#   dns.sh stop
#
# Listens on 127.0.0.1:5330 (for `mxray lab --resolver` and kdig) and 127.0.22.53:53 (for
# sending MTAs, whose resolver cannot use another port: see mx-sender.sh). State and pid under
# $PROVIDERS_LAB (default /tmp/providers-lab/dns). Needs knotd (Debian package knot).
# Stops only the knotd it started (pid file).
set -eu
D=${PROVIDERS_LAB:-/tmp/providers-lab}/dns
PORT=${DNS_PORT:-5330}
ADDR53=${DNS_ADDR53:-127.0.22.53}
cmd=${1:?usage: $0 start ZONEDIR | stop}
stop() {
  if [ -f "$D/knot.pid" ]; then
    pid=$(cat "$D/knot.pid")
    if [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = knotd ]; then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$D/knot.pid"
  fi
}
case "$cmd" in
start)
  zones=${2:?zone directory}
  command -v knotd >/dev/null || { echo "dns.sh: knotd missing (apt-get install knot)" >&2; exit 3; }
  stop
  rm -rf "$D"; mkdir -p "$D/db"
  {
    echo "server:"
    echo "    listen: [ 127.0.0.1@$PORT, $ADDR53@53 ]"
    echo "    rundir: \"$D\""
    echo "    pidfile: \"$D/knot.pid\""
    echo "database:"
    echo "    storage: \"$D/db\""
    echo "log:"
    echo "  - target: \"$D/knot.log\""
    echo "    any: info"
    echo "zone:"
    for f in "$zones"/*.zone; do
      z=$(basename "$f" .zone)
      echo "  - domain: $z"
      echo "    file: \"$(cd "$(dirname "$f")" && pwd)/$(basename "$f")\""
      echo "    zonefile-load: whole"
      echo "    journal-content: none"
    done
  } > "$D/knot.conf"
  chmod -R a+rX "$D" "$zones"
  knotd -c "$D/knot.conf" -d
  for _ in $(seq 50); do
    kdig +short +timeout=1 @127.0.0.1 -p "$PORT" SOA "$(basename "$(ls "$zones"/*.zone | head -1)" .zone)" 2>/dev/null | grep -q . && break
    sleep 0.1
  done
  kdig +short +timeout=1 @127.0.0.1 -p "$PORT" SOA "$(basename "$(ls "$zones"/*.zone | head -1)" .zone)" | grep -q . \
    || { echo "dns.sh: knotd does not answer; see $D/knot.log" >&2; exit 1; }
  echo "providers dns up: 127.0.0.1:$PORT and $ADDR53:53"
  ;;
stop) stop ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
