#!/usr/bin/env python3
"""Seeds that sit at and just past every limit the fuzz targets guard.

Small seeds (up to SMALL bytes) are written to seeds/TARGET/limit-* and committed; larger ones to
seeds-gen/TARGET/ (not committed: fuzz/run.sh runs this script when they are missing). Output is
deterministic, so running it again changes nothing. The limits are the libraries' defaults (or the
harness's own lowered limits) as of this commit; each seed's name says which limit and which side.

usage: python3 fuzz/gen-limit-seeds.py
"""
import base64
import os
import re
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL = 20_000

# smtp-codec Limits::default()
COMMAND_LINE = 512
REPLY_LINE_STRICT = 512
REPLY_LINE_TOLERANT = 4096
TEXT_LINE = 1000
LINES_PER_REPLY = 100
REPLY_BYTES = 64 * 1024
# fuzz_targets/smtp_session.rs lowers these.
SESSION_REPLY_BYTES = 4096
SESSION_REPLY_LINE = 1024
SESSION_LINES_PER_REPLY = 16
# fuzz_targets/smtp_server_reader.rs lowers message_bytes to this.
READER_MESSAGE_BYTES = 1024
# tls-probe record.rs
MAX_RECORD = (1 << 14) + 2048
MAX_FLIGHT = 256 * 1024
SSLV2_CAP = 2 * MAX_RECORD
# cert-audit limits.rs, and fuzz_targets/cert_chain.rs SMALL (flag bit 3)
MAX_CHAIN_LEN = 16
MAX_TLSA_RECORDS = 64
SMALL_CHAIN_LEN, SMALL_CHAIN_BYTES, SMALL_CERT_BYTES, SMALL_TLSA = 3, 6000, 2500, 2

written = []


def out(target, name, data):
    big = len(data) > SMALL
    d = os.path.join(HERE, "seeds-gen" if big else "seeds", target)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name if big else "limit-" + name)
    with open(path, "wb") as f:
        f.write(data)
    written.append((path, len(data)))


def line(prefix, total):
    """A CRLF line of exactly `total` bytes starting with `prefix`."""
    assert total >= len(prefix) + 2
    return prefix + b"x" * (total - len(prefix) - 2) + b"\r\n"


def reply(lines_total, code=b"250"):
    """A multiline reply whose lines have the given total lengths (CRLF included)."""
    parts = []
    for i, n in enumerate(lines_total):
        sep = b" " if i == len(lines_total) - 1 else b"-"
        parts.append(line(code + sep, n))
    return b"".join(parts)


def reply_of_bytes(total, most=4000, max_lines=LINES_PER_REPLY):
    """A reply of exactly `total` bytes in at most `max_lines` lines of at most `most` bytes."""
    sizes = [most] * (total // most)
    if total % most:
        sizes.append(total % most)
    if sizes[-1] < 6:  # too short for "250 " + CRLF: borrow from the previous line
        sizes[-2] -= 6 - sizes[-1]
        sizes[-1] = 6
    assert sum(sizes) == total and len(sizes) <= max_lines
    return reply(sizes)


def smtp():
    for n, side in ((COMMAND_LINE, "at"), (COMMAND_LINE + 1, "past")):
        out("smtp_command", f"command-line-{n}-{side}", line(b"NOOP ", n))
        out("smtp_command", f"ehlo-line-{n}-{side}", line(b"EHLO ", n))
        # The server reader: a command line at/past the limit, then a command that must still parse.
        out("smtp_server_reader", f"command-line-{n}-{side}",
            b"\xff" + line(b"NOOP ", n) + b"QUIT\r\n")

    for target in ("smtp_reply", "smtp_ehlo"):
        for n, side in ((REPLY_LINE_STRICT, "at"), (REPLY_LINE_STRICT + 1, "past"),
                        (REPLY_LINE_TOLERANT, "at"), (REPLY_LINE_TOLERANT + 1, "past")):
            out(target, f"line-{n}-{side}", reply([20, n, 30]))
        for n, side in ((LINES_PER_REPLY, "at"), (LINES_PER_REPLY + 1, "past")):
            out(target, f"lines-{n}-{side}", reply([12] * n))
        for n, side in ((REPLY_BYTES, "at"), (REPLY_BYTES + 1, "past")):
            out(target, f"reply-bytes-{n}-{side}", reply_of_bytes(n))
    # smtp_reply's own small limits: 64-byte lines, 4 lines, 200 bytes.
    for n, side in ((64, "at"), (65, "past")):
        out("smtp_reply", f"small-line-{n}-{side}", reply([n]))
    for n, side in ((4, "at"), (5, "past")):
        out("smtp_reply", f"small-lines-{n}-{side}", reply([10] * n))
    for n, side in ((200, "at"), (201, "past")):
        out("smtp_reply", f"small-bytes-{n}-{side}", reply([50, 50, 50, n - 150]))

    # The client session (control byte 0xfc: 63-byte pieces, EOF at the end), at the harness's
    # lowered limits (fuzz_targets/smtp_session.rs).
    for n, side in ((SESSION_REPLY_BYTES, "at"), (SESSION_REPLY_BYTES + 1, "past")):
        out("smtp_session", f"greeting-{n}-{side}",
            b"\xfc" + reply_of_bytes(n, 1000, SESSION_LINES_PER_REPLY).replace(b"250", b"220"))
    for n, side in ((SESSION_REPLY_LINE, "at"), (SESSION_REPLY_LINE + 1, "past")):
        out("smtp_session", f"greeting-line-{n}-{side}", b"\xfc" + reply([n], b"220"))
    for n, side in ((SESSION_LINES_PER_REPLY, "at"), (SESSION_LINES_PER_REPLY + 1, "past")):
        ehlo = reply([12] * n)
        out("smtp_session", f"ehlo-lines-{n}-{side}", b"\xfc220 hi\r\n" + ehlo)
    # A flood without a line end past the session's buffer (2 * reply_bytes).
    out("smtp_session", f"flood-{2 * SESSION_REPLY_BYTES + 1}-past",
        b"\xfc220-" + b"y" * (2 * SESSION_REPLY_BYTES - 3))

    # The server reader: DATA and BDAT bodies at and past message_bytes, DATA lines at and past
    # text_line. Control byte 0xff: 255-byte pieces.
    env = b"EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n"
    for n, side in ((READER_MESSAGE_BYTES, "at"), (READER_MESSAGE_BYTES + 1, "past")):
        body = b"".join(line(b"L", 64) for _ in range(n // 64 - 1))
        body += line(b"L", n - len(body))
        assert len(body) == n
        out("smtp_server_reader", f"data-body-{n}-{side}", b"\xff" + env + b"DATA\r\n" + body + b".\r\nQUIT\r\n")
        out("smtp_server_reader", f"bdat-{n}-{side}",
            b"\xff" + env + b"BDAT %d LAST\r\n" % n + b"b" * n + b"QUIT\r\n")
        half = n // 2
        out("smtp_server_reader", f"bdat-two-chunks-{n}-{side}",
            b"\xff" + env + b"BDAT %d\r\n" % half + b"b" * half
            + b"BDAT %d LAST\r\n" % (n - half) + b"b" * (n - half) + b"QUIT\r\n")
    for n, side in ((TEXT_LINE, "at"), (TEXT_LINE + 1, "past")):
        out("smtp_server_reader", f"data-line-{n}-{side}",
            b"\xff" + env + b"DATA\r\n" + line(b"T", n) + b"after\r\n.\r\nQUIT\r\n")


def rec(ct, frag, version=0x0303):
    return struct.pack(">BHH", ct, version, len(frag)) + frag


def hs(typ, body_len, fill=b"\x00"):
    return struct.pack(">B", typ) + body_len.to_bytes(3, "big") + fill * body_len


def in_records(data, size=1 << 14):
    return b"".join(rec(22, data[i:i + size]) for i in range(0, len(data), size))


def server_hello(suite=0x002F):
    body = struct.pack(">H", 0x0303) + b"\x09" * 32 + b"\x00" + struct.pack(">HB", suite, 0) + b"\x00\x00"
    return struct.pack(">B", 2) + len(body).to_bytes(3, "big") + body


def tls():
    for target in ("tls_record_reassembly", "tls_server_flight"):
        # One record of exactly MAX_RECORD bytes, then one whose header says one byte more.
        out(target, f"record-{MAX_RECORD}-at", b"\xff" + rec(23, b"\x00" * MAX_RECORD))
        out(target, f"record-{MAX_RECORD + 1}-past", b"\xff" + rec(23, b"\x00" * (MAX_RECORD + 1)))
        # Full records of handshake bytes: MAX_FLIGHT in all (a ServerHello, a Certificate
        # filling the rest), then one byte more.
        sh = server_hello()
        for extra, side in ((0, "at"), (1, "past")):
            cert = hs(11, MAX_FLIGHT - len(sh) - 4 + extra)
            out(target, f"flight-{MAX_FLIGHT + extra}-{side}", b"\xff" + in_records(sh + cert + hs(14, 0)))
        # Handshake records of exactly MAX_RECORD bytes (a ServerHello, a 60 KB Certificate, a
        # ServerHelloDone), and the same with one record a byte longer.
        msgs = sh + hs(11, 60_000) + hs(14, 0)
        full = in_records(msgs, MAX_RECORD)
        out(target, f"flight-records-{MAX_RECORD}-at", b"\xff" + full)
        out(target, f"flight-records-{MAX_RECORD + 1}-past", b"\xff" + in_records(msgs, MAX_RECORD + 1))
        # A handshake header announcing MAX_FLIGHT + 1 bytes (refused at once) and MAX_FLIGHT.
        for n, side in ((MAX_FLIGHT, "at"), (MAX_FLIGHT + 1, "past")):
            out(target, f"message-header-{n}-{side}", b"\x10" + rec(22, b"\x0b" + n.to_bytes(3, "big")))
        # The record buffer's cap: MAX_FLIGHT + MAX_RECORD bytes of whole records, then one more.
        cap = MAX_FLIGHT + MAX_RECORD
        full = rec(23, b"\x00" * MAX_RECORD)
        stream = full * (cap // len(full))
        stream += rec(23, b"\x00" * (cap - len(stream) - 5))
        assert len(stream) == cap
        out(target, f"buffer-{cap}-at", b"\xff" + stream)
        out(target, f"buffer-{cap + 1}-past", b"\xff" + stream + b"\x17")
    # An SSLv2 answer: a SERVER-HELLO record as long as the 15-bit header allows, then the
    # 2 * MAX_RECORD cap on what is buffered (one feed), at and past.
    specs, conn_id = bytes([1, 0, 0x80, 7, 0, 0xC0, 3, 0, 0x80]), b"\x00" * 16
    cert_len = 0x7FFF - 11 - len(specs) - len(conn_id)
    v2 = bytes([0xFF, 0xFF, 4, 0, 1, 0, 2]) + struct.pack(">HHH", cert_len, len(specs), len(conn_id))
    v2 += b"\x30" * cert_len + specs + conn_id
    assert len(v2) == 0x7FFF + 2
    out("tls_server_flight", "sslv2-server-hello-max", b"\xff" + v2)
    for n, side in ((SSLV2_CAP, "at"), (SSLV2_CAP + 1, "past")):
        out("tls_server_flight", f"sslv2-buffer-{n}-{side}", b"\xff" + (v2 + b"\x00" * n)[:n])

    # ClientHello records whose fragment is 16 KiB, MAX_RECORD, one past it, and the u16 maximum.
    for n, side in ((1 << 14, "plaintext-at"), (MAX_RECORD, "at"), (MAX_RECORD + 1, "past"), (0xFFFF, "max")):
        out("client_hello_parse", f"hello-fragment-{n}-{side}", client_hello(n))


def client_hello(frag_len):
    def body(pad):
        exts = struct.pack(">HH", 0x0015, pad) + b"\x00" * pad
        b = struct.pack(">H", 0x0303) + b"\x07" * 32 + b"\x00"
        b += struct.pack(">HHHBB", 4, 0x1301, 0x002F, 1, 0) + struct.pack(">H", len(exts)) + exts
        return b
    fixed = len(body(0)) + 4
    b = body(frag_len - fixed)
    frag = b"\x01" + len(b).to_bytes(3, "big") + b
    assert len(frag) == frag_len
    return rec(22, frag, 0x0301)


def fixture_ders():
    d = os.path.join(HERE, "..", "cert-audit", "tests", "fixtures")
    ders = []
    for name in ("leaf-good.pem", "int.pem", "root.pem", "leaf-ec.pem", "leaf-wildcard.pem",
                 "leaf-sha1.pem", "xs-leaf.pem", "xs-int.pem", "xs-root.pem"):
        with open(os.path.join(d, name)) as f:
            for m in re.finditer(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", f.read(), re.S):
                ders.append(base64.b64decode("".join(m.group(1).split())))
    return ders


def chain(flags, chunks):
    return bytes([flags]) + b"".join(struct.pack(">H", len(c)) + c for c in chunks)


def certs():
    ders = fixture_ders()
    real = [ders[i % len(ders)] for i in range(MAX_CHAIN_LEN + 1)]
    for n, side in ((MAX_CHAIN_LEN, "at"), (MAX_CHAIN_LEN + 1, "past")):
        out("cert_chain", f"chain-len-{n}-{side}", chain(0, real[:n]))
    for n, side in ((SMALL_CHAIN_LEN, "at"), (SMALL_CHAIN_LEN + 1, "past")):
        out("cert_chain", f"small-chain-len-{n}-{side}", chain(8, real[:n]))
    # Bytes of the whole chain (and of one certificate) under the small limits; the default
    # MAX_CHAIN_BYTES (256 KiB) would need inputs that slow the target down 50-fold.
    for n, side in ((SMALL_CHAIN_BYTES, "at"), (SMALL_CHAIN_BYTES + 1, "past")):
        out("cert_chain", f"small-chain-bytes-{n}-{side}",
            chain(8, [b"\x30" * SMALL_CERT_BYTES, b"\x30" * SMALL_CERT_BYTES, b"\x30" * (n - 2 * SMALL_CERT_BYTES)]))
    for n, side in ((SMALL_CERT_BYTES, "at"), (SMALL_CERT_BYTES + 1, "past")):
        leaf = ders[0] + b"\x00" * (n - len(ders[0]))
        out("cert_chain", f"small-cert-bytes-{n}-{side}", chain(8, [leaf, ders[1]]))
    # TLSA records (DANE-EE SPKI SHA-256, arbitrary digests), at and past the record limit.
    rr = b"\x23" + bytes([3, 1, 1]) + b"\x5a" * 32
    for n, side, flags in ((MAX_TLSA_RECORDS, "at", 1), (MAX_TLSA_RECORDS + 1, "past", 1),
                           (SMALL_TLSA, "small-at", 9), (SMALL_TLSA + 1, "small-past", 9)):
        out("cert_chain", f"tlsa-{n}-{side}", chain(flags, [rr * n] + ders[:3]))


def main():
    gen = os.path.join(HERE, "seeds-gen")
    shutil.rmtree(gen, ignore_errors=True)
    smtp()
    tls()
    certs()
    os.makedirs(gen, exist_ok=True)
    open(os.path.join(gen, ".done"), "w").close()
    for path, n in written:
        print(f"{n:>8}  {os.path.relpath(path, HERE)}")


if __name__ == "__main__":
    main()
