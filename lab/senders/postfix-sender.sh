#!/bin/sh
# A second, sending-only Postfix instance pointed at one `mxray lab` port (loopback only).
#
#   postfix-sender.sh start NAME LEVEL CAFILE|- DOMAIN=PORT...  # LEVEL: none|may|encrypt|verify|secure
#   postfix-sender.sh send  NAME FROM TO [SUBJECT]               # inject with sendmail -C, then flush
#   postfix-sender.sh flush NAME
#   postfix-sender.sh queue NAME                               # postqueue -p
#   postfix-sender.sh log   NAME
#   postfix-sender.sh stop  NAME
#
# Each instance lives in $SENDERS/NAME (default /tmp/mxray-senders/NAME) with its own
# config_directory, queue_directory and data_directory. It has no inet listener at all (only
# pickup, cleanup, qmgr, smtp and the internal services), so it cannot receive mail from
# the network. Mail for DOMAIN goes to [127.0.0.1]:PORT (transport_maps, one lab port per
# profile); any other domain is bounced by the error transport; DNS is disabled. The TLS policy
# is a texthash table, `[127.0.0.1]:PORT LEVEL match=$MATCH` per port (MATCH defaults to
# mx.lab.test, the lab's --hostname), with smtp_tls_CAfile = CAFILE for verify/secure.
# The EHLO name is NAME.sender.test, so the lab's summary has one row per instance.
# Needs root (Postfix drops privileges to the postfix user itself).
set -eu
. "$(cd "$(dirname "$0")" && pwd)/../lib/postfix-sender.sh"
SENDERS=${SENDERS:-/tmp/mxray-senders}
cmd=${1:?usage: $0 start|send|flush|queue|log|stop NAME ...}
name=${2:?instance name}
case "$name" in *[!A-Za-z0-9-]*) echo "bad name $name" >&2; exit 2;; esac
DIR=$SENDERS/$name
for tool in postfix postconf postqueue sendmail; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing tool: $tool (apt-get install postfix)" >&2; exit 3; }
done

case "$cmd" in
start)
  level=${3:?level}; ca=${4:?CA file or -}; shift 4
  [ "$ca" = - ] && ca=
  match=${MATCH:-mx.lab.test}
  [ -f "$DIR/main.cf" ] && postfix -c "$DIR" stop >/dev/null 2>&1 || true
  postfix_sender_dirs "$DIR"
  : > "$DIR/transport"; : > "$DIR/tls_policy"
  for route in "$@"; do
    domain=${route%%=*}; port=${route#*=}
    case "$port" in *[!0-9]*|'') echo "bad route $route (DOMAIN=PORT)" >&2; exit 2;; esac
    printf '%s smtp:[127.0.0.1]:%s\n' "$domain" "$port" >> "$DIR/transport"
    case "$level" in
      verify|secure) printf '[127.0.0.1]:%s %s match=%s\n' "$port" "$level" "$match" >> "$DIR/tls_policy" ;;
      *) printf '[127.0.0.1]:%s %s\n' "$port" "$level" >> "$DIR/tls_policy" ;;
    esac
  done
  postfix_sender_config "$DIR" "$name.sender.test" "$SENDERS" <<MAIN
mydomain = sender.test
inet_interfaces = loopback-only
inet_protocols = ipv4
transport_maps = texthash:$DIR/transport
default_transport = error:no route in the sender lab
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_tls_security_level = $level
smtp_tls_policy_maps = texthash:$DIR/tls_policy
smtp_tls_CAfile = ${ca:-}
smtp_connect_timeout = 10s
smtp_helo_timeout = 20s
queue_run_delay = 300s
minimal_backoff_time = 300s
MAIN
  postfix -c "$DIR" check
  postfix -c "$DIR" start
  ;;
send)
  from=${3:?from}; to=${4:?to}; subject=${5:-mxray lab test}
  id="<$(date +%s).$$.$name@sender.test>"
  printf 'From: %s\nTo: %s\nSubject: %s\nMessage-ID: %s\n\nA test message through the mxray lab.\n' \
    "$from" "$to" "$subject" "$id" | sendmail -C "$DIR" -f "$from" "$to"
  postqueue -c "$DIR" -f
  echo "$id"
  ;;
flush) postqueue -c "$DIR" -f ;;
queue) postqueue -c "$DIR" -p ;;
log) cat "$DIR/maillog" 2>/dev/null || true ;;
stop)
  if [ -f "$DIR/main.cf" ]; then postfix -c "$DIR" stop || true; fi
  ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
