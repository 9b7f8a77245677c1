#!/bin/sh
# The sender-behaviour table with real senders: starts `mxray lab --all` on loopback, sends one
# message per profile with Postfix (may, encrypt, verify), swaks (--tls, --tls-optional), curl
# (--ssl, --ssl-reqd with the lab CA) and Python's smtplib (default context with the lab CA),
# then prints `mxray lab summary`. Loopback only; needs root for Postfix.
#   lab/senders/matrix.sh [MXRAY_BINARY] [BASE_PORT]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
MXRAY=${1:-mxray}; BASE=${2:-2650}
OUT=${OUT:-/tmp/mxray-matrix}
for tool in postfix swaks curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing tool: $tool" >&2; exit 3; }
done
rm -rf "$OUT"; mkdir -p "$OUT"
PROFILES="good no-starttls self-signed expired wrong-host untrusted-ca starttls-refused handshake-fails injection tarpit"
ACCEPT=""; ROUTES=""; i=0
for p in $PROFILES; do
  ACCEPT="$ACCEPT --accept-domain $p.lab.test"
  ROUTES="$ROUTES $p.lab.test=$((BASE + i))"; i=$((i + 1))
done
"$MXRAY" lab --all --base-port "$BASE" --state "$OUT/state" --log "$OUT/log.jsonl" \
  --accept-domain lab.test $ACCEPT --tarpit-interval 100ms --idle-timeout 20s 2>"$OUT/lab.err" &
LAB_PID=$!
cleanup() {
  for n in mx-may mx-encrypt mx-verify; do "$HERE/postfix-sender.sh" stop "$n" >/dev/null 2>&1 || true; done
  kill "$LAB_PID" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do grep -q "ready" "$OUT/lab.err" 2>/dev/null && break; sleep 0.2; done
CA=$OUT/state/lab-ca.pem
port() { i=0; for p in $PROFILES; do [ "$p" = "$1" ] && echo $((BASE + i)) && return; i=$((i + 1)); done; }
printf 'From: m@sender.test\r\nTo: rcpt@lab.test\r\nMessage-ID: <matrix@sender.test>\r\nSubject: matrix\r\n\r\nhello\r\n' > "$OUT/msg"

# shellcheck disable=SC2086
"$HERE/postfix-sender.sh" start mx-may may - $ROUTES >/dev/null
"$HERE/postfix-sender.sh" start mx-encrypt encrypt - $ROUTES >/dev/null
"$HERE/postfix-sender.sh" start mx-verify verify "$CA" $ROUTES >/dev/null
for p in $PROFILES; do
  for n in mx-may mx-encrypt mx-verify; do
    "$HERE/postfix-sender.sh" send "$n" root@sender.test "rcpt@$p.lab.test" >/dev/null 2>&1 || true
  done
  P=$(port "$p")
  swaks --server "127.0.0.1:$P" --ehlo swaks-tls.test --from s@sender.test --to rcpt@lab.test --tls >/dev/null 2>&1 || true
  swaks --server "127.0.0.1:$P" --ehlo swaks-optional.test --from s@sender.test --to rcpt@lab.test --tls-optional >/dev/null 2>&1 || true
  curl -sS --max-time 20 --url "smtp://127.0.0.1:$P/curl-ssl.test" --mail-from c@sender.test --mail-rcpt rcpt@lab.test --upload-file "$OUT/msg" --ssl >/dev/null 2>&1 || true
  curl -sS --max-time 20 --url "smtp://127.0.0.1:$P/curl-ssl-reqd.test" --mail-from c@sender.test --mail-rcpt rcpt@lab.test --upload-file "$OUT/msg" --ssl-reqd --cacert "$CA" >/dev/null 2>&1 || true
  python3 - "$P" "$CA" <<'PY' >/dev/null 2>&1 || true
import smtplib, ssl, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="python-smtplib.test", timeout=20)
s.starttls(context=ssl.create_default_context(cafile=sys.argv[2]))
s.sendmail("p@sender.test", ["rcpt@lab.test"], "Subject: matrix\r\n\r\nhello\r\n")
s.quit()
PY
done
sleep 5   # let Postfix finish its deliveries and the lab write the last records
"$MXRAY" lab summary "$OUT/log.jsonl"
