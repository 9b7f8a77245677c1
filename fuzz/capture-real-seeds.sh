#!/bin/bash
# Captures seeds from the lab's real peers (loopback only) and writes them under fuzz/seeds/:
#   client_hello_parse/real-*   ClientHellos of real senders: Postfix's smtp client (levels may
#                               and encrypt), swaks, curl and Python's smtplib, sent to a STARTTLS
#                               capture server (capture_real.py hellos)
#   smtp_server_reader/real-*   what those senders said before STARTTLS
#   tls_server_flight/real-*,   first flights of the lab's servers (Postfix, Exim, tlslite-ng,
#   tls_record_reassembly/real-*  openssl s_server, gnutls-serv) answering OpenSSL's ClientHello
#                               (default, TLS 1.2 with every suite, TLS 1.0 only)
#   smtp_session/real-*, smtp_reply/real-*  the STARTTLS servers' greeting, EHLO and 220 replies
# Run once; the seeds are committed. Servers that are not listening are started with lab/up.sh
# (state in $LAB, default /tmp/mxray-lab) and stopped again with lab/down.sh at the end.
# usage: [LAB=/tmp/lab-x] fuzz/capture-real-seeds.sh         (root: the Postfix sender needs it)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=$(mktemp -d /tmp/mxray-capture.XXXXXX)
chmod 755 "$WORK"   # the Postfix sender's queue lives here and runs as the postfix user
export SENDERS=$WORK/senders
SEEDS=$HERE/seeds
for tool in python3 swaks curl postfix; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool (lab/install.sh installs it)" >&2; exit 3; }
done

listening() { ss -ltnH "sport = :$1" | grep -q .; }
started=()
for g in postfix:2525 exim:2527 tlslite:2530 ossl:4450 gnutls:4443; do
  listening "${g#*:}" || started+=("${g%%:*}")
done
cleanup() {
  for n in cap-may cap-encrypt; do "$ROOT/lab/senders/postfix-sender.sh" stop "$n" >/dev/null 2>&1 || true; done
  [ -z "${CAP_PID:-}" ] || kill "$CAP_PID" 2>/dev/null || true
  [ ${#started[@]} -eq 0 ] || "$ROOT/lab/down.sh" "${started[@]}" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
[ ${#started[@]} -eq 0 ] || "$ROOT/lab/up.sh" "${started[@]}"

# --- ClientHellos of the senders ------------------------------------------------------------
python3 "$HERE/capture_real.py" hellos "$WORK/port" "$WORK/hellos" 5 120 &
CAP_PID=$!
for _ in $(seq 50); do [ -f "$WORK/port" ] && break; sleep 0.1; done
P=$(cat "$WORK/port")
swaks --server "127.0.0.1:$P" --ehlo swaks.test --from s@sender.test --to r@capture.test --tls \
  --timeout 10 >/dev/null 2>&1 || true
curl -sS --max-time 10 --url "smtp://127.0.0.1:$P/curl.test" --mail-from c@sender.test \
  --mail-rcpt r@capture.test --upload-file /dev/null --ssl-reqd -k >/dev/null 2>&1 || true
python3 - "$P" <<'PY' >/dev/null 2>&1 || true
import smtplib, ssl, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="python-smtplib.test", timeout=10)
s.starttls(context=ssl.create_default_context())
PY
for level in may encrypt; do
  "$ROOT/lab/senders/postfix-sender.sh" start "cap-$level" "$level" - "capture.test=$P" >"$WORK/sender.log" 2>&1 \
    || { cat "$WORK/sender.log" >&2; exit 1; }
  "$ROOT/lab/senders/postfix-sender.sh" send "cap-$level" root@sender.test r@capture.test >/dev/null 2>&1 || true
done
for _ in $(seq 300); do kill -0 "$CAP_PID" 2>/dev/null || break; sleep 0.1; done
for n in cap-may cap-encrypt; do "$ROOT/lab/senders/postfix-sender.sh" stop "$n" >/dev/null 2>&1 || true; done
kill "$CAP_PID" 2>/dev/null || true
wait "$CAP_PID" 2>/dev/null || true
n=0
for f in "$WORK"/hellos/*.hello; do
  [ -f "$f" ] || continue
  name=$(basename "$f" .hello)
  cp "$f" "$SEEDS/client_hello_parse/real-$name"
  # The server reader's seeds start with a control byte (the piece size).
  { printf '\377'; cat "${f%.hello}.smtp"; } > "$SEEDS/smtp_server_reader/real-$name"
  n=$((n + 1))
done
for want in swaks.test curl.test python-smtplib.test cap-may.sender.test cap-encrypt.sender.test; do
  [ -f "$WORK/hellos/$want.hello" ] || { echo "no ClientHello captured from $want" >&2; exit 1; }
done
echo "ClientHellos: $n"

# --- Server flights -------------------------------------------------------------------------
servers="postfix:2525:starttls postfix-weak:2526:starttls exim:2527:starttls exim-legacy:2528:starttls
tlslite:2530:starttls tlslite-anon:2531:starttls s_server:4450:implicit s_server-tls10:4451:implicit
s_server-tls13:4452:implicit gnutls-serv:4443:implicit gnutls-serv-null:4444:implicit"
n=0
for s in $servers; do
  IFS=: read -r name port mode <<<"$s"
  for variant in default tls12 tls10; do
    out=$WORK/$name-$variant
    python3 -W ignore::DeprecationWarning "$HERE/capture_real.py" flight "$port" "$mode" "$variant" "$out" || continue
    for t in tls_server_flight tls_record_reassembly; do
      { printf '\377'; cat "$out"; } > "$SEEDS/$t/real-$name-$variant"
    done
    n=$((n + 1))
    if [ -f "$out.smtp" ] && [ "$variant" = default ]; then
      { printf '\374'; cat "$out.smtp"; } > "$SEEDS/smtp_session/real-$name"
      cp "$out.smtp" "$SEEDS/smtp_reply/real-$name-transcript"
    fi
  done
done
[ "$n" -ge 11 ] || { echo "only $n server flights captured" >&2; exit 1; }
echo "server flights: $n"
