#!/bin/bash
# Checks the findings catalogue's fix advice against real servers: starts a PRIVATE Postfix
# (`postfix -c DIR`, own config, queue and data directories) on 127.0.0.1:2640 and a PRIVATE
# Exim (`exim4 -C CONF`, own spool) on 127.0.0.1:2641, breaks each in several ways, scans it
# with `mxray probe --json`, applies the Postfix/Exim lines that `mxray explain ID --format
# json` gives for each finding present whose fix the catalogue says the lab checks, reloads,
# rescans and asserts that the finding is gone. At the end every catalogue entry that claims
# a lab check for Postfix (or Exim) must have been fixed on that server at least once.
#
#   lab/fixes/run.sh [postfix|exim|opensmtpd|all]       (default all; run as root)
#
# OpenSMTPD's lines are only syntax-checked (`smtpd -n -f`): see the end of this script.
#
# Environment: MXRAY (binary, default target/debug/mxray), MXRAY_LAB (the lab's state, for the
# unpacked Exim and OpenSMTPD; default /tmp/mxray-lab), FIXES_DIR (default /tmp/mxray-fixes),
# EXIM_BIN, SMTPD_BIN.
# The placeholder paths in the advice (/etc/postfix/tls/mx.example.org.pem, /etc/exim4/tls/
# mx.example.org.{crt,key}) are mapped to this test's good chain. Both servers are stopped on
# exit (by their recorded PIDs). Loopback only; relaying refused; no mail leaves.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MXRAY=${MXRAY:-$ROOT/target/debug/mxray}
LAB=${MXRAY_LAB:-/tmp/mxray-lab}
W=${FIXES_DIR:-/tmp/mxray-fixes}
PF_PORT=2640
EX_PORT=2641
EXIM=${EXIM_BIN:-$LAB/exim/unpacked/usr/sbin/exim4}
WHICH=${1:-all}
C=$W/certs
PF=$W/postfix
EX=$W/exim
VERIFIED=$W/verified
FAILURES=0

die() { echo "fixes: $*" >&2; exit 1; }
[ -x "$MXRAY" ] || die "no mxray binary at $MXRAY (cargo build -p mxray)"
command -v jq >/dev/null || die "jq missing (apt-get install jq)"
command -v postfix >/dev/null || die "postfix missing (lab/install.sh)"
[ "$(id -u)" = 0 ] || die "run as root (Postfix and Exim drop privileges themselves)"

mkdir -p "$W"; chmod 755 "$W"
"$HERE/certs.sh" "$C"
: > "$VERIFIED"

# --- Postfix ---------------------------------------------------------------------------------
# The instance directories are made like the lab's sending Postfix instances' (lab/lib/).
. "$HERE/../lib/postfix-sender.sh"
pf_stop() { [ -f "$PF/main.cf" ] && postfix -c "$PF" stop >/dev/null 2>&1 || true; }
pf_base() {
  pf_stop
  postfix_sender_dirs "$PF"
  cat > "$PF/master.cf" <<MASTER
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MASTER
  cat > "$PF/main.cf" <<MAIN
compatibility_level = 3.6
config_directory = $PF
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydomain = fixes.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
alias_database =
default_transport = error:no outbound mail in the fixes lab
local_transport = error:no local delivery in the fixes lab
smtpd_relay_restrictions = reject_unauth_destination
smtpd_peername_lookup = no
smtpd_client_connection_rate_limit = 0
smtpd_client_connection_count_limit = 0
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_junk_command_limit = 1000
smtpd_tls_loglevel = 1
smtpd_tls_security_level = may
smtpd_tls_chain_files = $C/good.pem
maillog_file_prefixes = $W
maillog_file = $PF/maillog
MAIN
}
pf_set() { local l; for l in "$@"; do postconf -c "$PF" -e "$l"; done; }
pf_start() { postfix -c "$PF" check && postfix -c "$PF" start >/dev/null 2>&1; wait_port "$PF_PORT"; }
pf_reload() { postfix -c "$PF" reload >/dev/null 2>&1; sleep 1; }

# --- Exim ------------------------------------------------------------------------------------
ex_stop() {
  if [ -f "$EX/exim.pid" ]; then
    local pid; pid=$(cat "$EX/exim.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$EX/exim.pid"
  fi
}
ex_base() {
  ex_stop
  [ -x "$EXIM" ] || die "no Exim at $EXIM (lab/install.sh unpacks it into \$MXRAY_LAB/exim/unpacked)"
  getent passwd Debian-exim >/dev/null || die "user Debian-exim missing (lab/install.sh)"
  rm -rf "$EX"; mkdir -p "$EX/spool" "$EX/log"
  chown Debian-exim: "$EX/spool" "$EX/log"; chmod 750 "$EX/spool" "$EX/log"
  cat > "$EX/exim.conf" <<CONF
primary_hostname = localhost
local_interfaces = 127.0.0.1
daemon_smtp_ports = $EX_PORT
spool_directory = $EX/spool
log_file_path = $EX/log/%s.log
pid_file_path = $EX/exim.pid
notifier_socket = $EX/notify
host_lookup =
rfc1413_hosts =
smtp_accept_max = 200
smtp_accept_max_per_host = 200
smtp_accept_queue_per_connection = 0
.include $EX/tls.conf
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  deny message = no relaying in the fixes lab
begin routers
begin transports
CONF
  cat > "$EX/tls.conf" <<TLS
tls_advertise_hosts = *
tls_certificate = $C/good.crt
tls_privatekey = $C/good.key
tls_require_ciphers = NORMAL
TLS
  chmod 644 "$EX/exim.conf" "$EX/tls.conf"
}
# ex_set LINE...: each `name = value` replaces that option's line in tls.conf.
ex_set() {
  local l name
  for l in "$@"; do
    name=${l%%=*}; name=${name// /}
    grep -v -E "^[[:space:]]*$name[[:space:]]*=" "$EX/tls.conf" > "$EX/tls.conf.new" || true
    printf '%s\n' "$l" >> "$EX/tls.conf.new"
    mv "$EX/tls.conf.new" "$EX/tls.conf"; chmod 644 "$EX/tls.conf"
  done
}
ex_start() { "$EXIM" -C "$EX/exim.conf" -bd -oX "$EX_PORT" -oP "$EX/exim.pid"; wait_port "$EX_PORT"; }
ex_reload() { ex_stop; wait_free "$EX_PORT"; ex_start; }

wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; die "nothing listens on 127.0.0.1:$1"; }
wait_free() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0; sleep 0.1; done; die "127.0.0.1:$1 still busy"; }
cleanup() { pf_stop; ex_stop; }
trap cleanup EXIT

# --- scanning and fixing ---------------------------------------------------------------------
# scan PORT OUT: the finding ids of one probe, one a line.
scan() {
  timeout 300 "$MXRAY" probe "127.0.0.1:$1" --sni localhost --ca-file "$C/ca.crt" --json \
    --connect-timeout 5s --read-timeout 10s > "$2.json" || [ -s "$2.json" ] || die "probe of $1 failed"
  jq -r '.findings[]?.id' "$2.json" | sort -u > "$2.ids"
}
# lines SERVER ID: the catalogue's lines for SERVER, when it says the lab checks them there.
lines() {
  local json; json=$("$MXRAY" explain "$2" --format json)
  local kind; kind=$(jq -r '.fix.check.kind' <<<"$json")
  case "$1:$kind" in
    postfix:lab|postfix:postfix-only|exim:lab|exim:exim-only) ;;
    *) return 0 ;;
  esac
  jq -r ".fix.$1[]" <<<"$json" | sed \
    -e "s|/etc/postfix/tls/mx.example.org.pem|$C/good.pem|g" \
    -e "s|/etc/exim4/tls/mx.example.org.crt|$C/good.crt|g" \
    -e "s|/etc/exim4/tls/mx.example.org.key|$C/good.key|g"
}

# scenario SERVER NAME "EXPECTED IDS" BAD-LINE...
scenario() {
  local server=$1 name=$2 expected=$3; shift 3
  local out=$W/$server-$name
  echo "== $server $name: breaking with: $*"
  if [ "$server" = postfix ]; then pf_base; pf_set "$@"; pf_start; else ex_base; ex_set "$@"; ex_start; fi
  local port=$PF_PORT; [ "$server" = exim ] && port=$EX_PORT
  scan "$port" "$out.before"
  local id missing=0
  for id in $expected; do
    grep -qx "$id" "$out.before.ids" || { echo "   FAIL: the broken $server lacks $id (has: $(tr '\n' ' ' < "$out.before.ids"))"; missing=1; }
  done
  [ $missing = 0 ] || { FAILURES=$((FAILURES + 1)); return 0; }
  local fixed=() l
  while read -r id; do
    mapfile -t ls < <(lines "$server" "$id")
    [ ${#ls[@]} -gt 0 ] || continue
    fixed+=("$id")
    for l in "${ls[@]}"; do
      echo "   $id: $l"
      if [ "$server" = postfix ]; then pf_set "$l"; else ex_set "$l"; fi
    done
  done < "$out.before.ids"
  if [ "$server" = postfix ]; then pf_reload; else ex_reload; fi
  scan "$port" "$out.after"
  for id in "${fixed[@]}"; do
    if grep -qx "$id" "$out.after.ids"; then
      echo "   FAIL: $id still present after its fix"; FAILURES=$((FAILURES + 1))
    else
      echo "   ok: $id gone"; echo "$server $id" >> "$VERIFIED"
    fi
  done
}

cert() { echo "smtpd_tls_chain_files = $C/$1.pem"; }
excert() { printf '%s\n' "tls_certificate = $C/$1.crt" "tls_privatekey = $C/$1.key"; }

if [ "$WHICH" = all ] || [ "$WHICH" = postfix ]; then
  scenario postfix no-starttls "starttls-not-offered" "smtpd_tls_security_level = none"
  scenario postfix defaults "anonymous no-forward-secrecy" "smtpd_tls_ciphers = medium"
  scenario postfix weak-suites "null-cipher weak-dh anonymous no-forward-secrecy" \
    "smtpd_tls_ciphers = low" "tls_low_cipherlist = ALL:COMPLEMENTOFALL:@SECLEVEL=0" \
    "smtpd_tls_dh1024_param_file = $LAB/certs/dh1024.pem" "smtpd_tls_exclude_ciphers ="
  scenario postfix old-protocols "no-tls12-or-later modern-handshake-failed" \
    "smtpd_tls_protocols = TLSv1, TLSv1.1" "smtpd_tls_mandatory_protocols = TLSv1, TLSv1.1" \
    "smtpd_tls_ciphers = low" "tls_low_cipherlist = ALL:@SECLEVEL=0"
  scenario postfix self-signed "self-signed" "$(cert bad-self-signed)"
  scenario postfix expired "expired" "$(cert bad-expired)"
  scenario postfix not-yet-valid "not-yet-valid" "$(cert bad-not-yet-valid)"
  scenario postfix expires-soon "expires-soon" "$(cert bad-expires-soon)"
  scenario postfix weak-rsa "weak-rsa-key" "$(cert bad-weak-rsa)"
  scenario postfix name-mismatch "name-mismatch" "$(cert bad-name-mismatch)"
  scenario postfix untrusted "untrusted-issuer" "$(cert bad-untrusted)"
  scenario postfix incomplete "incomplete-chain" "$(cert bad-incomplete)"
  scenario postfix extras "root-sent extra-certificate" "$(cert bad-extras)"
  scenario postfix duplicate "duplicate-certificate" "$(cert bad-duplicate)"
  pf_stop
fi
if [ "$WHICH" = all ] || [ "$WHICH" = exim ]; then
  scenario exim no-starttls "starttls-not-offered" "tls_advertise_hosts ="
  scenario exim legacy "rc4 sweet32 no-forward-secrecy" \
    "tls_require_ciphers = NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+ARCFOUR-128:+3DES-CBC:+MD5:+SHA1:+RSA:%VERIFY_ALLOW_SIGN_WITH_SHA1"
  scenario exim null "null-cipher" "tls_require_ciphers = NORMAL:+NULL:+VERS-TLS1.0:+VERS-TLS1.1"
  scenario exim old-protocols "no-tls12-or-later modern-handshake-failed" \
    "tls_require_ciphers = NORMAL:-VERS-TLS1.3:-VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0"
  mapfile -t l < <(excert bad-self-signed); scenario exim self-signed "self-signed" "${l[@]}"
  mapfile -t l < <(excert bad-expired); scenario exim expired "expired" "${l[@]}"
  mapfile -t l < <(excert bad-not-yet-valid); scenario exim not-yet-valid "not-yet-valid" "${l[@]}"
  mapfile -t l < <(excert bad-expires-soon); scenario exim expires-soon "expires-soon" "${l[@]}"
  mapfile -t l < <(excert bad-weak-rsa); scenario exim weak-rsa "weak-rsa-key" "${l[@]}"
  mapfile -t l < <(excert bad-name-mismatch); scenario exim name-mismatch "name-mismatch" "${l[@]}"
  mapfile -t l < <(excert bad-untrusted); scenario exim untrusted "untrusted-issuer" "${l[@]}"
  mapfile -t l < <(excert bad-incomplete); scenario exim incomplete "incomplete-chain" "${l[@]}"
  # GnuTLS drops the unrelated certificate (and duplicates) itself: only the root is sent.
  mapfile -t l < <(excert bad-extras); scenario exim extras "root-sent" "${l[@]}"
  ex_stop
fi

# OpenSMTPD cannot be broken and fixed here (Debian's 6.8 fails every certificate handshake
# with OpenSSL 3: OpenSMTPD/OpenSMTPD#1171), so its lines are syntax-checked: every entry's
# lines together in one smtpd.conf, read by `smtpd -n -f`.
if [ "$WHICH" = all ] || [ "$WHICH" = opensmtpd ]; then
  SMTPD=${SMTPD_BIN:-$LAB/opensmtpd/unpacked/usr/sbin/smtpd}
  if [ -x "$SMTPD" ]; then
    conf=$W/smtpd.conf
    # smtpd refuses a key readable by others (Exim needs the test's keys readable).
    install -m 600 "$C/good.key" "$W/smtpd.key"
    { "$MXRAY" explain --all --format json | jq -r '.[].fix.opensmtpd[]' | awk '!seen[$0]++' | sed \
        -e "s|/etc/mail/tls/mx.example.org.crt|$C/good.crt|g" \
        -e "s|/etc/mail/tls/mx.example.org.key|$W/smtpd.key|g" \
        -e "s|listen on 0.0.0.0 port 587|listen on 127.0.0.1 port 2643|" \
        -e "s|listen on 0.0.0.0 port 465|listen on 127.0.0.1 port 2644|" \
        -e "s|listen on 0.0.0.0|listen on 127.0.0.1 port 2642|"
      echo 'action "local" mbox'
      echo 'match from any for local action "local"'
    } > "$conf"
    if "$SMTPD" -n -f "$conf"; then
      echo "ok: OpenSMTPD accepts the catalogue's lines ($(grep -c . "$conf") lines)"
    else
      echo "FAIL: smtpd -n rejects the catalogue's OpenSMTPD lines ($conf)"; FAILURES=$((FAILURES + 1))
    fi
  else
    echo "FAIL: no OpenSMTPD at $SMTPD (lab/install.sh unpacks it)"; FAILURES=$((FAILURES + 1))
  fi
fi

# Every entry that claims a lab check for a server must have been fixed there.
for server in postfix exim; do
  [ "$WHICH" = all ] || [ "$WHICH" = "$server" ] || continue
  want=$("$MXRAY" explain --all --format json | jq -r --arg s "$server" \
    '.[] | select(.fix.check.kind == "lab" or .fix.check.kind == ($s + "-only")) | .id')
  for id in $want; do
    grep -qx "$server $id" "$VERIFIED" || { echo "FAIL: the catalogue says the lab checks $id on $server, but no scenario fixed it"; FAILURES=$((FAILURES + 1)); }
  done
done
n=$(wc -l < "$VERIFIED")
echo "fixes: $n fix(es) verified, $FAILURES failure(s)"
[ "$FAILURES" = 0 ]
