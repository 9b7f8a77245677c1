#!/usr/bin/env python3
"""Groups a flat `perf report --no-children --sort dso,symbol -g none --stdio` listing (stdin) into
cost categories, so "where the time goes" reads in a few lines. Python 3 standard library only."""

import re
import sys

CATEGORIES = [
    ("P-256 (ECDSA verify of the server's CertificateVerify / certificate)", r"nistz256|p256"),
    ("X25519 (key share keygen + ECDH)", r"x25519|curve25519|fe4_|fe_loose|fe_|ge_"),
    ("SHA-2 (key schedule, transcript, fingerprints)", r"sha(256|512)|sha2"),
    ("AES-GCM / ChaCha (record layer)", r"aes|gcm|chacha|poly1305|ghash"),
    ("malloc / free / memmove", r"malloc|free|memmove|memcpy|memset|_int_|unlink_chunk|realloc|cfree"),
    ("JSON output (serde_json, fmt)", r"serde|fmt::|format_escaped"),
    ("x509 / cert-audit / webpki", r"x509|asn1|der_parser|cert_audit|webpki"),
    ("rustls state machine / codec", r"rustls"),
    ("tokio runtime / futex / scheduling", r"tokio|futex|syscall$|Future>::poll|parking"),
]


def main():
    totals, kernel, other, seen = {}, 0.0, 0.0, 0.0
    for line in sys.stdin:
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)", line)
        if not m:
            continue
        pct, dso, kind, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4).strip()
        seen += pct
        if kind == "k" or dso.startswith("[kernel"):
            kernel += pct
            continue
        for name, pat in CATEGORIES:
            if re.search(pat, sym, re.IGNORECASE):
                totals[name] = totals.get(name, 0.0) + pct
                break
        else:
            other += pct
    rows = sorted(totals.items(), key=lambda kv: -kv[1])
    rows.append(("kernel (TCP on loopback, scheduler, syscalls)", kernel))
    rows.append(("other user space (mxray, smtp-codec, tls-probe logic, ...)", other))
    for name, pct in sorted(rows, key=lambda kv: -kv[1]):
        print("%6.1f%%  %s" % (pct, name))
    print("%6.1f%%  (samples classified)" % seen)


if __name__ == "__main__":
    main()
