#!/usr/bin/env python3
"""Captures what real TLS peers send, for fuzz seeds (driven by capture-real-seeds.sh).

  capture_real.py hellos PORTFILE OUTDIR COUNT TIMEOUT
      A STARTTLS SMTP server on 127.0.0.1 (a free port, written to PORTFILE). For each client it
      answers the greeting, EHLO and STARTTLS, then keeps the client's first TLS record (its
      ClientHello) as OUTDIR/<EHLO name>.hello and what the client sent before it as
      OUTDIR/<EHLO name>.smtp. Stops after COUNT clients or TIMEOUT seconds.

  capture_real.py flight PORT starttls|implicit VARIANT OUT
      Connects to 127.0.0.1:PORT (after the SMTP STARTTLS exchange if asked), sends a ClientHello
      that Python's OpenSSL makes for VARIANT (default, tls12, tls10), and writes every byte the
      server answers (until it stops for a second, closes, or 300 KB) to OUT. The server's SMTP
      replies before STARTTLS go to OUT.smtp.

Loopback only; every wait has a timeout.
"""
import os
import re
import socket
import ssl
import sys
import time

MAX = 300_000


def read_reply(sock, buf=b""):
    """Reads one whole SMTP reply; returns (reply, rest)."""
    deadline = time.monotonic() + 10
    while True:
        m = re.search(rb"(?m)^\d{3} [^\n]*\n", buf)
        if m:
            return buf[: m.end()], buf[m.end():]
        if time.monotonic() > deadline or len(buf) > 65536:
            raise TimeoutError("no whole SMTP reply")
        data = sock.recv(4096)
        if not data:
            raise ConnectionError("closed during SMTP")
        buf += data


def read_line(conn, buf):
    while b"\n" not in buf:
        data = conn.recv(4096)
        if not data or len(buf) > 8192:
            raise ConnectionError("closed or overlong line")
        buf += data
    i = buf.index(b"\n") + 1
    return buf[:i], buf[i:]


def read_exact(conn, buf, n):
    while len(buf) < n:
        data = conn.recv(65536)
        if not data:
            raise ConnectionError("closed in a record")
        buf += data
    return buf[:n], buf[n:]


def hellos(portfile, outdir, count, timeout):
    os.makedirs(outdir, exist_ok=True)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    end = time.monotonic() + timeout
    got = 0
    while got < count and time.monotonic() < end:
        srv.settimeout(max(0.1, end - time.monotonic()))
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            break
        conn.settimeout(10)
        name, sent = "unknown", b""
        try:
            conn.sendall(b"220 capture.test ESMTP\r\n")
            buf = b""
            while True:
                line, buf = read_line(conn, buf)
                sent += line
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    name = re.sub(r"[^A-Za-z0-9.-]", "_", line[5:].strip().decode("ascii", "replace"))[:60]
                    conn.sendall(b"250-capture.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                                 b"250-8BITMIME\r\n250-STARTTLS\r\n250 SMTPUTF8\r\n")
                elif verb == b"STAR":
                    conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                    break
                elif verb == b"QUIT":
                    raise ConnectionError("client quit")
                else:
                    conn.sendall(b"250 ok\r\n")
            header, buf = read_exact(conn, buf, 5)
            length = int.from_bytes(header[3:5], "big")
            body, _ = read_exact(conn, buf, length)
            with open(os.path.join(outdir, name + ".hello"), "wb") as f:
                f.write(header + body)
            with open(os.path.join(outdir, name + ".smtp"), "wb") as f:
                f.write(sent)
            got += 1
            print(f"captured {name}: {5 + length} bytes", flush=True)
        except (OSError, ConnectionError, TimeoutError) as e:
            print(f"client {name}: {e}", file=sys.stderr, flush=True)
        finally:
            conn.close()
    srv.close()


def context(variant):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if variant == "tls12":
        ctx.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    elif variant == "tls10":
        ctx.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1
    elif variant != "default":
        raise SystemExit(f"unknown variant {variant}")
    return ctx


def flight(port, mode, variant, out):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    smtp = b""
    if mode == "starttls":
        rest = b""
        greeting, rest = read_reply(sock, rest)
        sock.sendall(b"EHLO capture.test\r\n")
        ehlo, rest = read_reply(sock, rest)
        sock.sendall(b"STARTTLS\r\n")
        go, rest = read_reply(sock, rest)
        smtp = greeting + ehlo + go
        if not go.startswith(b"220"):
            raise SystemExit(f"port {port}: STARTTLS refused: {go!r}")
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = context(variant).wrap_bio(incoming, outgoing, server_hostname="mx.lab.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    sock.sendall(outgoing.read())
    got = b""
    sock.settimeout(1.0)
    while len(got) < MAX:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except OSError:
            break
        if not data:
            break
        got += data
    sock.close()
    if not got:
        raise SystemExit(f"port {port} ({variant}): no answer")
    with open(out, "wb") as f:
        f.write(got[:MAX])
    if smtp:
        with open(out + ".smtp", "wb") as f:
            f.write(smtp)
    print(f"port {port} {variant}: {len(got)} bytes", flush=True)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "hellos":
        hellos(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    elif len(sys.argv) == 6 and sys.argv[1] == "flight":
        flight(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
