#!/usr/bin/env bash
# Captures real server replies from the lab (loopback only) into tests/corpus/<name>/.
# Usage: tests/corpus/capture.sh [name host port]...   (default: postfix 127.0.0.1 2525, exim 127.0.0.1 2527)
# Each file holds the exact bytes of one reply. Two connections per server: one for the plain
# commands ending in QUIT, one for STARTTLS (after its 220 the connection belongs to TLS).
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
if [ $# -eq 0 ]; then set -- postfix 127.0.0.1 2525 exim 127.0.0.1 2527; fi
while [ $# -ge 3 ]; do
  name=$1 host=$2 port=$3; shift 3
  case "$host" in 127.*|::1|localhost) ;; *) echo "refusing non-loopback host $host" >&2; exit 1;; esac
  mkdir -p "$dir/$name"
  python3 - "$dir/$name" "$host" "$port" <<'PY'
import re, socket, sys, time
out, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
END = re.compile(rb"(?:^|\n)\d{3}(?: [^\n]*)?\r?\n$")

def reply(s):
    buf = b""
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
        if END.search(buf):
            break
    return buf

def save(step, data):
    with open(f"{out}/{step}.reply", "wb") as f:
        f.write(data)
    print(f"{out}/{step}.reply: {data[:60]!r}")

def session(steps):
    s = socket.create_connection((host, port), timeout=10)
    save("greeting", reply(s))
    for step, cmd in steps:
        s.sendall(cmd)
        save(step, reply(s))
    s.close()

session([
    ("ehlo", b"EHLO capture.mxray.test\r\n"),
    ("noop", b"NOOP\r\n"),
    ("vrfy", b"VRFY postmaster\r\n"),
    ("help", b"HELP\r\n"),
    ("mail", b"MAIL FROM:<capture@mxray.test>\r\n"),
    ("rcpt_foreign", b"RCPT TO:<someone@foreign.example>\r\n"),
    ("rset", b"RSET\r\n"),
    ("unknown", b"XYZZY plugh\r\n"),
    ("quit", b"QUIT\r\n"),
])
s = socket.create_connection((host, port), timeout=10)
reply(s)
s.sendall(b"EHLO capture.mxray.test\r\n")
reply(s)
s.sendall(b"STARTTLS\r\n")
save("starttls", reply(s))
s.close()
PY
done
