#!/usr/bin/env python3
"""cert-audit's lints beside pkilint (DigiCert's CA/B Forum linter), on one corpus.

The corpus: the leaves `examples/lint_corpus.rs` writes (a positive and a negative case per lint,
made with rcgen) and the openssl-made key fixtures (tests/fixtures/lint-*.pem and a few leaf-*
fixtures). For each cert-audit lint that pkilint also has, every certificate is a true positive
(both flag it), a false positive (cert-audit only), a false negative (pkilint only) or a true
negative, counting pkilint as the reference. The table and a one-line explanation of every
disagreement go to cert-audit/PKILINT.md.

usage: compare.py [--check] [--pkilint-bin DIR]
  --check   regenerate the table and fail (exit 1) if it differs from the committed one, or if a
            disagreement has no explanation.
"""
import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CRATE = Path(__file__).resolve().parents[2]
ROOT = CRATE.parent
FIXTURES = CRATE / "tests" / "fixtures"
OUT = CRATE / "PKILINT.md"
FIXTURE_NAMES = ["lint-dsa", "lint-rsa-e3", "lint-close-primes", "lint-gentime", "leaf-ec192",
                 "leaf-rsa1024", "leaf-md5", "leaf-sha1", "leaf-zero-serial", "leaf-long",
                 "leaf-client-eku", "leaf-ca", "leaf-cn-only", "leaf-ip", "leaf-good"]

# cert-audit id -> the pkilint codes that say the same thing (any of them counts).
MAPPING = {
    "weak-rsa-key": ["cabf.rsa_modulus_invalid_length"],
    "rsa-modulus-size": ["cabf.rsa_modulus_invalid_length"],
    "rsa-exponent": ["cabf.rsa_exponent_not_in_recommended_range", "cabf.rsa_exponent_prohibited_value"],
    "dsa-key": ["cabf.serverauth.prohibited_subject_public_key_algorithm_encoding",
                "pkix.public_key_algorithm_unsupported"],
    "ec-curve-not-allowed": ["cabf.serverauth.prohibited_subject_public_key_algorithm_encoding",
                             "cabf.ecdsa_key_validation_failed"],
    "md5-signature": ["cabf.serverauth.prohibited_signature_algorithm_encoding"],
    "sha1-signature": ["cabf.serverauth.prohibited_signature_algorithm_encoding"],
    "long-validity": ["cabf.serverauth.certificate_validity_period_exceeds_398_days",
                      "cabf.serverauth.certificate_validity_period_exceeds_200_days",
                      "cabf.serverauth.certificate_validity_period_exceeds_100_days",
                      "cabf.serverauth.certificate_validity_period_exceeds_47_days"],
    "missing-san": ["cabf.serverauth.subscriber.subject_altname_extension_absent"],
    "cn-not-in-san": ["cabf.serverauth.subscriber_common_name_unknown_source"],
    "san-dns-invalid": ["cabf.serverauth.invalid_dnsname_syntax", "pkix.invalid_domain_name_syntax",
                        "pkix.dnsname_domain_name_too_long"],
    "san-idn-invalid": ["cabf.serverauth.invalid_plabel_encoding"],
    "san-bad-tld": ["cabf.internal_domain_name@subjectAltName"],
    "san-reserved-ip": ["cabf.internal_ip_address"],
    "san-other-type": ["cabf.serverauth.prohibited_san_type"],
    "leaf-key-usage-ca": ["pkix.ee_certificate_keycertsign_keyusage_set"],
    "key-usage-mismatch": ["cabf.serverauth.subscriber_prohibited_ku_present"],
    "eku-missing": ["cabf.serverauth.subscriber.extended_key_usage_extension_absent"],
    "eku-extra": ["cabf.serverauth.subscriber.anyeku_eku_present",
                  "cabf.serverauth.subscriber.codesigning_eku_present",
                  "cabf.serverauth.subscriber.emailprotection_eku_present",
                  "cabf.serverauth.subscriber.ocspsigning_eku_present",
                  "cabf.serverauth.subscriber.timestamping_eku_present",
                  "cabf.serverauth.subscriber.unknown_eku_present"],
    "no-revocation-info": ["cabf.serverauth.subscriber.revocation_information_absent"],
    "serial-too-long": ["pkix.certificate_serial_number_out_of_range"],
    "zero-serial": ["pkix.certificate_serial_number_out_of_range"],
    "time-encoding": ["pkix.wrong_time_useful_type"],
    "ca-leaf": ["cabf.serverauth.subscriber_basic_constraints_ca_bit_set"],
}
# Lints pkilint has no counterpart for (listed so the table says so).
NO_PEER = {
    "rsa-close-primes": "pkilint checks small prime factors, not Fermat-close primes",
    "wildcard-public-suffix": "pkilint has no public-suffix wildcard lint",
    "no-aia-ca-issuers": "cert-audit reports it only on an incomplete chain; pkilint's caIssuers lint is for every subscriber certificate",
}
# One line per (lint, certificate) where the two disagree: why.
EXPLAINED = {
    ("san-bad-tld", "*"): "looser on purpose: RFC 6761 special-use names (.test, .example, .invalid, .localhost) are used by the lab and fixtures and not linted as TLDs",
    ("leaf-key-usage-ca", "leaf-ca.pem"): "same finding: the CA leaf's keyCertSign; pkilint files it under the CA-leaf lint",
    ("ca-leaf", "ku-certsign.pem"): "cert-audit reports keyCertSign on a non-CA leaf as leaf-key-usage-ca, not ca-leaf",
    ("weak-rsa-key", "lint-rsa-e3.pem"): "the same pkilint code covers both: a 2047-bit modulus is under 2048 and not a multiple of 8",
    ("rsa-modulus-size", "leaf-rsa1024.pem"): "pkilint's length code covers size too; cert-audit reports a 1024-bit key as weak-rsa-key",
    ("key-usage-mismatch", "ku-certsign.pem"): "pkilint's prohibited-KU code also covers keyCertSign on a leaf, which cert-audit calls leaf-key-usage-ca",
    ("leaf-key-usage-ca", "ku-ec-keyencipherment.pem"): "pkilint's prohibited-KU code also covers keyEncipherment with an EC key, which cert-audit calls key-usage-mismatch",
    ("ec-curve-not-allowed", "lint-dsa.pem"): "pkilint's prohibited-algorithm code also covers DSA, which cert-audit calls dsa-key",
    ("dsa-key", "leaf-ec192.pem"): "pkilint's prohibited-algorithm code also covers P-192, which cert-audit calls ec-curve-not-allowed",
    ("zero-serial", "serial-21.pem"): "pkilint's out-of-range code also covers a 21-octet serial, which cert-audit calls serial-too-long",
    ("serial-too-long", "leaf-zero-serial.pem"): "pkilint's out-of-range code also covers serial 0, which cert-audit calls zero-serial",
    ("san-bad-tld", "dns-empty-label.pem"): "cert-audit reports the malformed name (an empty label) as san-dns-invalid and does not look further",
    ("key-usage-mismatch", "leaf-ca.pem"): "cert-audit reports a leaf that is a CA (keyCertSign with CA:TRUE) as ca-leaf",
    ("san-idn-invalid", "idn-invalid.pem"): "stricter: 'xn--a' does not decode as Punycode (RFC 3492, RFC 5891); pkilint does not flag it",
    ("md5-signature", "lint-dsa.pem"): "pkilint's prohibited-signature code also covers dsa-with-SHA256, which cert-audit reports through dsa-key",
    ("sha1-signature", "lint-dsa.pem"): "pkilint's prohibited-signature code also covers dsa-with-SHA256, which cert-audit reports through dsa-key",
    ("md5-signature", "leaf-sha1.pem"): "pkilint has one code for every prohibited signature algorithm",
    ("sha1-signature", "leaf-md5.pem"): "pkilint has one code for every prohibited signature algorithm",
}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def pkilint_codes(linter, path):
    out = subprocess.run([linter, "lint", "-t", "DV-FINAL-CERTIFICATE", "-f", "CSV",
                          "--validity-period-start", "DOCUMENT", str(path)],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1) and not out.stdout:
        raise SystemExit(f"pkilint failed on {path}: {out.stderr}")
    codes = set()
    for row in csv.DictReader(io.StringIO(out.stdout)):
        code = row.get("code") or ""
        codes.add(code)
        if "subjectAltName" in (row.get("node_path") or ""):
            codes.add(code + "@subjectAltName")
    return codes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--pkilint-bin", default=os.environ.get("PKILINT_BIN", ""))
    args = ap.parse_args()
    linter = str(Path(args.pkilint_bin) / "lint_cabf_serverauth_cert") if args.pkilint_bin else "lint_cabf_serverauth_cert"
    try:
        version = run([str(Path(linter).with_name("python")) if args.pkilint_bin else sys.executable,
                       "-c", "import importlib.metadata as m; print(m.version('pkilint'))"]).strip()
    except Exception as e:  # noqa: BLE001 - say what is missing, loudly
        raise SystemExit(f"pkilint is not installed ({e}); lab/install.sh puts it in the lab venv")

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp)
        run(["cargo", "run", "-q", "-p", "cert-audit", "--example", "lint_corpus", "--", "write", str(corpus)], cwd=ROOT)
        files = sorted(corpus.glob("*.pem"))
        for n in FIXTURE_NAMES:
            dst = corpus / f"{n}.pem"
            dst.write_bytes((FIXTURES / f"{n}.pem").read_bytes())
            files.append(dst)
        ours = {}
        for line in run(["cargo", "run", "-q", "-p", "cert-audit", "--example", "lint_corpus", "--", "audit",
                         *map(str, files)], cwd=ROOT).splitlines():
            path, _, ids = line.partition("\t")
            ours[Path(path).name] = set(filter(None, ids.split(",")))
        theirs = {f.name: pkilint_codes(linter, f) for f in files}

    rows, disagreements, unexplained = [], [], []
    for lint in sorted(MAPPING):
        tp = fp = fn = tn = 0
        for name in sorted(ours):
            a = lint in ours[name]
            b = any(code in theirs[name] for code in MAPPING[lint])
            if a and b:
                tp += 1
            elif a:
                fp += 1
            elif b:
                fn += 1
            else:
                tn += 1
            if a != b:
                why = EXPLAINED.get((lint, name)) or EXPLAINED.get((lint, "*"))
                kind = "cert-audit only" if a else "pkilint only"
                disagreements.append((lint, name, kind, why or "UNEXPLAINED"))
                if not why:
                    unexplained.append((lint, name, kind))
        total = tp + fp + fn + tn
        rows.append(f"| `{lint}` | {tp} | {fp} | {fn} | {tn} | {100 * (tp + tn) / total:.0f} % | {', '.join(f'`{c}`' for c in MAPPING[lint])} |")

    md = [
        "# cert-audit beside pkilint",
        "",
        "Made by `python3 cert-audit/tests/pkilint/compare.py` (checked by `scripts/test.sh` with",
        f"`--check`), pkilint {version}, `lint_cabf_serverauth_cert -t DV-FINAL-CERTIFICATE`.",
        f"Corpus: {len(ours)} leaves, the rcgen cases of `examples/lint_corpus.rs` and openssl fixtures",
        "(`tests/fixtures/gen.sh`); cert-audit audits each alone with `all_lints`. pkilint is the",
        "reference: TP both flag it, FP cert-audit only, FN pkilint only, TN neither.",
        "",
        "| cert-audit lint | TP | FP | FN | TN | agreement | pkilint codes |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "## Lints without a pkilint counterpart",
        "",
        *[f"- `{k}`: {v}." for k, v in sorted(NO_PEER.items())],
        "",
        "## Every disagreement, explained",
        "",
        "| lint | certificate | who flags it | why |",
        "| --- | --- | --- | --- |",
        *[f"| `{l}` | `{n}` | {k} | {w} |" for l, n, k, w in disagreements],
        "",
    ]
    text = "\n".join(md)
    if args.check:
        committed = OUT.read_text() if OUT.exists() else ""
        if unexplained:
            print("unexplained disagreements:", *unexplained, sep="\n  ", file=sys.stderr)
        if committed != text:
            print(f"{OUT} differs from this run; regenerate with compare.py and review the diff",
                  file=sys.stderr)
            sys.stdout.write(text)
            return 1
        if unexplained:
            return 1
        print(f"pkilint comparison: {len(rows)} lints, {len(disagreements)} disagreements, all explained")
        print(f"{len(rows)} passed, 0 failed")
        return 0
    OUT.write_text(text)
    print(text)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
