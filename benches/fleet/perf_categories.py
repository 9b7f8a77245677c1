#!/usr/bin/env python3
"""Groups a flat `perf report --no-children --sort dso,symbol -g none --stdio` listing (stdin) into
cost categories, so "where the time goes" reads in a few lines. Python 3 standard library only.
`perf_categories.py --self-test` checks the patterns on symbols of real profiles."""

import re
import sys

CATEGORIES = [
    ("P-256 (ECDSA verify of the server's CertificateVerify / certificate)", r"nistz256|p256"),
    # The field arithmetic's own names (fe_mul, ge_scalarmult...) only where they start a name or
    # follow a non-letter: a bare "ge_" also matched mimalloc's _mi_page_* and "message_".
    ("X25519 (key share keygen + ECDH)", r"x25519|curve25519|(^|[^a-z])(fe4?|fe_loose|ge)_"),
    ("SHA-2 (key schedule, transcript, fingerprints)", r"sha(256|512)|sha2"),
    ("AES-GCM / ChaCha (record layer)", r"aes|gcm|chacha|poly1305|ghash"),
    ("malloc / free / memmove",
     r"malloc|free|memmove|memcpy|memset|_int_|unlink_chunk|realloc|cfree|^_?mi_"),
    ("JSON output (serde_json, fmt)", r"serde|fmt::|format_escaped"),
    ("x509 / cert-audit / webpki", r"x509|asn1|der_parser|cert_audit|webpki"),
    ("rustls state machine / codec", r"rustls"),
    ("tokio runtime / futex / scheduling", r"tokio|futex|syscall$|Future>::poll|parking"),
]


def category(dso, kind, sym):
    """The category of one sample line's symbol."""
    if kind == "k" or dso.startswith("[kernel"):
        return "kernel"
    for name, pat in CATEGORIES:
        if re.search(pat, sym, re.IGNORECASE):
            return name
    return "other"


def self_test():
    """Symbols seen in mxray's and the floor's profiles, and where each belongs."""
    cases = [
        ("Lcurve25519_x25519_scalarloop", "X25519"),
        ("aws_lc_0_47_0_curve25519_x25519base", "X25519"),
        ("fe_mul_impl", "X25519"),
        ("ring_core_0_17_14__x25519_ge_scalarmult_base_adx", "X25519"),
        ("_mi_page_malloc_zero", "malloc"),
        ("_mi_page_free_collect", "malloc"),
        ("_mi_page_retire", "malloc"),
        ("mi_arenas_page_regular_alloc", "malloc"),
        ("rustls::msgs::message::outbound::read_opaque_message_header", "rustls"),
        ("ring::limb::parse_big_endian_in_range_and_pad_consttime", "other"),
        ("__ecp_nistz256_mul_montx", "P-256"),
        ("ring_core_0_17_14__sha512_block_data_order_avx", "SHA-2"),
        ("serde_json::ser::format_escaped_str", "JSON"),
    ]
    bad = [(sym, want, category("mxray", ".", sym)) for sym, want in cases
           if not category("mxray", ".", sym).startswith(want)]
    for sym, want, got in bad:
        print("perf_categories self-test: %s is %r, want %s" % (sym, got, want), file=sys.stderr)
    if category("[kernel.kallsyms]", "k", "page_fault") != "kernel":
        bad.append(("page_fault", "kernel", "?"))
    print("perf_categories self-test: %d of %d right" % (len(cases) + 1 - len(bad), len(cases) + 1))
    return 1 if bad else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    totals, kernel, other, seen = {}, 0.0, 0.0, 0.0
    for line in sys.stdin:
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)", line)
        if not m:
            continue
        pct, dso, kind, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4).strip()
        seen += pct
        name = category(dso, kind, sym)
        if name == "kernel":
            kernel += pct
        elif name == "other":
            other += pct
        else:
            totals[name] = totals.get(name, 0.0) + pct
    rows = sorted(totals.items(), key=lambda kv: -kv[1])
    rows.append(("kernel (TCP on loopback, scheduler, syscalls)", kernel))
    rows.append(("other user space (mxray, smtp-codec, tls-probe logic, ...)", other))
    for name, pct in sorted(rows, key=lambda kv: -kv[1]):
        print("%6.1f%%  %s" % (pct, name))
    print("%6.1f%%  (samples classified)" % seen)


if __name__ == "__main__":
    main()
