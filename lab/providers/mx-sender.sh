#!/bin/sh
# A sending-only Postfix instance that delivers through MX lookups, as a provider's outbound
# relay would, against the loopback DNS server of dns.sh (never the machine's resolver).
#
#   mx-sender.sh start NAME HOSTNAME BIND_ADDR LEVEL CAFILE|- [SNI]  # SNI: yes = send the MX name
#   mx-sender.sh send  NAME FROM TO [SUBJECT]
#   mx-sender.sh flush NAME | queue NAME | log NAME | stop NAME
#
# The instance lives in $PROVIDERS_LAB/senders/NAME (default /tmp/providers-lab/senders/NAME),
# with its own config, queue and data directories and no inet listener (it cannot receive
# mail). It sends EHLO HOSTNAME from BIND_ADDR (a loopback address whose PTR the test zone
# sets), at smtp_tls_security_level LEVEL (CAFILE trusted for verify/secure), and with SNI
# when asked (smtp_tls_servername = hostname: the MX name).
#
# DNS: Postfix's resolver reads /etc/resolv.conf and cannot use another port, so the master
# runs in its own mount namespace (unshare -m) where /etc/resolv.conf is a bind mount of
# NAME/resolv.conf: `nameserver 127.0.22.53` (dns.sh). The machine's resolver configuration is
# not changed. Every name it can resolve is in the test zones, whose addresses are loopback.
# Retries are fast (queue_run_delay and minimal_backoff_time 3s) so a test sees them.
# MX_SENDER_RESOLV_OPTIONS: more resolv.conf options (e.g. trust-ad, so that glibc passes the
# AD bit of a validating resolver on). MX_SENDER_SET: main.cf settings applied after the
# defaults, one "name = value" a line (postconf -e), e.g. smtp_dns_support_level = dnssec.
# Needs root (unshare, mount; Postfix drops privileges itself).
set -eu
. "$(cd "$(dirname "$0")" && pwd)/../lib/postfix-sender.sh"
BASE=${PROVIDERS_LAB:-/tmp/providers-lab}/senders
NS=${DNS_ADDR53:-127.0.22.53}
cmd=${1:?usage: $0 start|send|flush|queue|log|stop NAME ...}
name=${2:?instance name}
case "$name" in *[!A-Za-z0-9-]*) echo "bad name $name" >&2; exit 2;; esac
DIR=$BASE/$name
for tool in postfix postconf postqueue sendmail unshare mount; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing tool: $tool" >&2; exit 3; }
done
case "$cmd" in
start)
  host=${3:?hostname}; bind=${4:?bind address}; level=${5:?level}; ca=${6:?CA file or -}; sni=${7:-no}
  [ "$ca" = - ] && ca=
  case "$bind" in 127.*) ;; *) echo "bind address must be loopback: $bind" >&2; exit 2;; esac
  [ -f "$DIR/main.cf" ] && postfix -c "$DIR" stop >/dev/null 2>&1 || true
  postfix_sender_dirs "$DIR"; chmod 755 "$BASE"
  echo "nameserver $NS" > "$DIR/resolv.conf"
  echo "options timeout:2 attempts:1${MX_SENDER_RESOLV_OPTIONS:+ $MX_SENDER_RESOLV_OPTIONS}" >> "$DIR/resolv.conf"
  servername=
  [ "$sni" = yes ] && servername=hostname
  postfix_sender_config "$DIR" "$host" "$BASE" <<MAIN
inet_interfaces = 127.0.0.1
inet_protocols = all
smtp_bind_address = $bind
smtp_bind_address6 = ::1
smtp_dns_support_level = enabled
smtp_host_lookup = dns
smtp_tls_security_level = $level
smtp_tls_CAfile = ${ca:-}
smtp_tls_servername = $servername
smtp_connect_timeout = 10s
smtp_helo_timeout = 20s
queue_run_delay = 3s
minimal_backoff_time = 3s
maximal_backoff_time = 6s
MAIN
  printf '%s\n' "${MX_SENDER_SET:-}" | while IFS= read -r kv; do
    [ -z "$kv" ] || postconf -c "$DIR" -e "$kv"
  done
  postfix -c "$DIR" check
  unshare -m sh -c "mount --bind '$DIR/resolv.conf' /etc/resolv.conf && postfix -c '$DIR' start"
  ;;
send)
  from=${3:?from}; to=${4:?to}; subject=${5:-mxray providers test}
  id="<$(date +%s).$$.$name@sender.test>"
  printf 'From: %s\nTo: %s\nSubject: %s\nMessage-ID: %s\n\nA test message for the mxray providers lab.\n' \
    "$from" "$to" "$subject" "$id" | sendmail -C "$DIR" -f "$from" "$to"
  postqueue -c "$DIR" -f
  echo "$id"
  ;;
flush) postqueue -c "$DIR" -f ;;
queue) postqueue -c "$DIR" -p ;;
log) cat "$DIR/maillog" 2>/dev/null || true ;;
stop) if [ -f "$DIR/main.cf" ]; then postfix -c "$DIR" stop || true; fi ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
