#!/bin/bash
# A real MTA-STS sender against the lab: Postfix with postfix-mta-sts-resolver's mta-sts-daemon
# as its TLS policy (socketmap), sending one message to each lab domain; mxray's "an MTA-STS
# sender delivers / does not deliver" (mxray probe --mx) must agree with what Postfix did,
# except where KNOWN below names the difference and why.
#
# The sender is a second, sending-only Postfix instance (no listener, DNS off): transport_maps
# send DOMAIN to its own receiver port, [127.0.0.1]:PORT (mxray lab, profile good, a lab-CA
# certificate for mx.sts.test; [127.0.0.2]:PORT for allfail, whose MX is mx-bad.sts.test), and
# smtp_tls_policy_maps = pipemap:{texthash: [127.0.0.1]:PORT -> DOMAIN, socketmap: the daemon},
# so the daemon is asked about DOMAIN as when Postfix routes by MX. The daemon and mxray use
# the lab's DNS (127.0.0.1:5310), policy server and CA. Needs root, Postfix, the MTA-STS lab
# (lab/up.sh mta-sts). Prints "N passed, N failed"; exits 1 on any failure.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../env.sh"
. "$HERE/../lib/postfix-sender.sh"
PORT=${MTA_STS_PORT:-4460}
CA=$LAB/mta-sts/lab-ca.pem
PY=$LAB/venv/bin/python
W=$LAB/mta-sts/postfix-sts
BASE=${STS_SMTP_BASE:-2670}
DAEMON_PORT=${STS_DAEMON_PORT:-8471}
for t in postfix postconf postqueue sendmail; do
  command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "postfix-sts.sh: $t missing (lab/install.sh)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "postfix-sts.sh: needs root (Postfix)" >&2; exit 1; }
"$PY" -c 'import postfix_mta_sts_resolver' || { echo "postfix-sts.sh: postfix-mta-sts-resolver missing in $LAB/venv (lab/install.sh)" >&2; exit 1; }
[ -f "$CA" ] && ss -ltnH "sport = :$PORT" | grep -q . || { echo "postfix-sts.sh: the MTA-STS lab is not up (lab/up.sh mta-sts)" >&2; exit 1; }
(cd "$ROOT" && cargo build -q --locked -p mxray) || exit 1
MXRAY=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug/mxray

# domain ip port
domains=(enforce testing none mxmiss badcert notxt allfail)
postfix_sender_dirs "$W"
: > "$W/transport"; : > "$W/port2domain"
pids=()
cleanup() {
  [ -f "$W/main.cf" ] && postfix -c "$W" stop >/dev/null 2>&1
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT
lab1=(); lab2=(); accept=()
i=0
for d in "${domains[@]}"; do
  port=$((BASE + i)); ip=127.0.0.1; i=$((i + 1))
  [ "$d" = allfail ] && ip=127.0.0.2
  if [ "$ip" = 127.0.0.1 ]; then lab1+=(--profile "good=$port"); else lab2+=(--profile "good=$port"); fi
  accept+=(--accept-domain "$d.sts.test")
  printf '%s.sts.test smtp:[%s]:%s\n' "$d" "$ip" "$port" >> "$W/transport"
  printf '[%s]:%s %s.sts.test\n' "$ip" "$port" "$d" >> "$W/port2domain"
done
"$MXRAY" lab --listen 127.0.0.1 "${lab1[@]}" --hostname mx.sts.test --state "$LAB/mta-sts" "${accept[@]}" --log "$W/lab1.jsonl" > "$W/lab1.out" 2>&1 &
pids+=($!)
"$MXRAY" lab --listen 127.0.0.2 "${lab2[@]}" --hostname mx.sts.test --state "$LAB/mta-sts" "${accept[@]}" --log "$W/lab2.jsonl" > "$W/lab2.out" 2>&1 &
pids+=($!)
cat > "$W/daemon.yml" <<YML
host: 127.0.0.1
port: $DAEMON_PORT
shutdown_timeout: 2
cache: {type: internal, options: {cache_size: 100}}
default_zone: {strict_testing: false, timeout: 4}
YML
"$PY" "$HERE/mta_sts_query.py" --dns 127.0.0.1:5310 --https-port "$PORT" --ca-file "$CA" --daemon "$W/daemon.yml" > "$W/daemon.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do ss -ltnH "sport = :$DAEMON_PORT" | grep -q . && ss -ltnH "sport = :$BASE" | grep -q . && break; sleep 0.1; done
ss -ltnH "sport = :$DAEMON_PORT" | grep -q . || { echo "postfix-sts.sh: mta-sts-daemon did not start; see $W/daemon.log" >&2; cat "$W/daemon.log" >&2; exit 1; }

postfix_sender_config "$W" mta-sts.sender.test "$LAB" <<MAIN
mydomain = sender.test
inet_interfaces = loopback-only
inet_protocols = ipv4
transport_maps = texthash:$W/transport
default_transport = error:no route in the sender lab
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_tls_security_level = may
smtp_tls_policy_maps = pipemap:{texthash:$W/port2domain, socketmap:inet:127.0.0.1:$DAEMON_PORT:postfix}
smtp_tls_CAfile = $CA
smtp_connect_timeout = 10s
queue_run_delay = 300s
minimal_backoff_time = 300s
MAIN
postfix -c "$W" check || exit 1
postfix -c "$W" start >/dev/null 2>&1 || { echo "postfix-sts.sh: the sender Postfix did not start" >&2; exit 1; }
for d in "${domains[@]}"; do
  printf 'From: t@sender.test\nTo: postmaster@%s.sts.test\nSubject: mta-sts\n\nMTA-STS lab.\n' "$d" \
    | sendmail -C "$W" -f t@sender.test "postmaster@$d.sts.test"
done
postqueue -c "$W" -f
# Wait until every message is sent or deferred (at most 60 s).
for _ in $(seq 120); do
  n=$(grep -cE 'status=(sent|deferred|bounced)' "$W/maillog" 2>/dev/null || true)
  [ "${n:-0}" -ge ${#domains[@]} ] && break; sleep 0.5
done

declare -A KNOWN=(
  [allfail]="Postfix delivers: postfix-mta-sts-resolver turns the policy into 'secure match=.sts.test', which the certificate for mx.sts.test satisfies, so Postfix does not check that the certificate names the MX host it connected to (mx-bad.sts.test), as RFC 8461 4.1 requires; mxray says an MTA-STS sender does not deliver"
)
pass=0; fail=0
i=0
for d in "${domains[@]}"; do
  port=$((BASE + i)); i=$((i + 1))
  line=$(grep -E "to=<postmaster@$d\.sts\.test>.*status=" "$W/maillog" | tail -1)
  case "$line" in
    *status=sent*) postfix_says=delivers ;;
    *status=deferred*|*status=bounced*) postfix_says=does-not-deliver ;;
    *) postfix_says="no-result" ;;
  esac
  v=$("$MXRAY" probe --mx "$d.sts.test:$port" --resolver 127.0.0.1:5310 --ca-file "$CA" \
        --mta-sts-port "$PORT" --mta-sts-timeout 4s --profile quick 2>&1 | NO_COLOR=1 sed -n 's/^  MTA-STS  *\(not delivered\|encrypted and authenticated\|encrypted only\|plaintext\|unknown\).*/\1/p' | head -1)
  case "$v" in
    "not delivered") mxray_says=does-not-deliver ;;
    "encrypted and authenticated"|"encrypted only"|plaintext) mxray_says=delivers ;;
    *) mxray_says="no-verdict($v)" ;;
  esac
  if [ -n "${KNOWN[$d]:-}" ]; then
    if [ "$postfix_says" = delivers ] && [ "$mxray_says" = does-not-deliver ]; then
      pass=$((pass + 1)); echo "ok   $d.sts.test: Postfix $postfix_says, mxray $mxray_says (known difference: ${KNOWN[$d]})"
    else
      fail=$((fail + 1)); echo "FAIL $d.sts.test: Postfix $postfix_says, mxray $mxray_says (the known difference changed)"
    fi
  elif [ "$postfix_says" = "$mxray_says" ]; then
    pass=$((pass + 1)); echo "ok   $d.sts.test: Postfix and mxray: $postfix_says ($v)"
  else
    fail=$((fail + 1)); echo "FAIL $d.sts.test: Postfix $postfix_says, mxray $mxray_says ($v); Postfix: ${line:-no log line}"
  fi
done
echo "postfix mta-sts sender: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -eq ${#domains[@]} ]
