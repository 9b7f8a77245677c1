#!/bin/sh
# Exim as a provider's outbound relay: one message delivered at once (exim -odi) through MX
# lookups against the loopback DNS server of dns.sh, never the machine's resolver.
#
#   exim-sender.sh send NAME HOSTNAME BIND_ADDR FROM TO   # exit 0 when Exim accepted the message
#   exim-sender.sh log NAME
#
# State in $PROVIDERS_LAB/exim/NAME (spool, logs, exim.conf). Exim is the lab's unpacked Debian
# build ($EXIM_ROOT, default $LAB/exim/unpacked, see lab/exim/start-exim.sh); it runs no daemon.
# Its TLS is opportunistic and does not verify (Exim's defaults: hosts_try_tls = *, no
# tls_verify_hosts); EHLO HOSTNAME from BIND_ADDR. As in mx-sender.sh, it runs in its own mount
# namespace whose /etc/resolv.conf names 127.0.22.53 and whose /usr/sbin is the unpacked tree's. A deferred message stays in NAME's spool
# (retry rule: every 10 s for a minute); nothing runs the queue afterwards. Needs root.
set -eu
LAB=${LAB:-/tmp/mxray-lab}
BASE=${PROVIDERS_LAB:-/tmp/providers-lab}/exim
NS=${DNS_ADDR53:-127.0.22.53}
EX=${EXIM_ROOT:-$LAB/exim/unpacked}/usr/sbin/exim4
cmd=${1:?usage: $0 send|log NAME ...}
name=${2:?instance name}
case "$name" in *[!A-Za-z0-9-]*) echo "bad name $name" >&2; exit 2;; esac
DIR=$BASE/$name
case "$cmd" in
send)
  host=${3:?hostname}; bind=${4:?bind address}; from=${5:?from}; to=${6:?to}
  case "$bind" in 127.*) ;; *) echo "bind address must be loopback: $bind" >&2; exit 2;; esac
  [ -x "$EX" ] || { echo "exim-sender.sh: $EX missing (lab/install.sh unpacks Exim)" >&2; exit 3; }
  mkdir -p "$DIR/spool" "$DIR/log"
  chmod 755 "${PROVIDERS_LAB:-/tmp/providers-lab}" "$BASE" "$DIR"
  chown -R Debian-exim "$DIR/spool" "$DIR/log"
  printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$NS" > "$DIR/resolv.conf"
  cat > "$DIR/exim.conf" <<CONF
primary_hostname = $host
spool_directory = $DIR/spool
log_file_path = $DIR/log/%s.log
exim_user = Debian-exim
exim_group = Debian-exim
never_users =
host_lookup =
rfc1413_hosts =
local_interfaces = 127.0.0.1
begin routers
dnslookup:
  driver = dnslookup
  transport = remote_smtp
  no_more
begin transports
remote_smtp:
  driver = smtp
  interface = $bind
  helo_data = $host
begin retry
* * F,1m,10s
CONF
  printf 'From: %s\nTo: %s\nSubject: mxray providers test\nMessage-ID: <%s.%s@%s>\n\nA test message for the mxray providers lab.\n' \
    "$from" "$to" "$(date +%s)" "$$" "$host" > "$DIR/msg"
  # Exim re-executes itself as /usr/sbin/exim4 to deliver (-Mc); in the namespace that path is
  # the unpacked tree's sbin directory.
  sbin=$(dirname "$EX")
  unshare -m sh -c "mount --bind '$DIR/resolv.conf' /etc/resolv.conf && mount --bind '$sbin' /usr/sbin && /usr/sbin/exim4 -C '$DIR/exim.conf' -odi -f '$from' '$to' < '$DIR/msg'"
  ;;
log) cat "$DIR"/log/*.log 2>/dev/null || true ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
