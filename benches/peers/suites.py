"""Cipher-suite names and protocol versions, normalised to IANA code points and one spelling.

Name -> code point comes from three sources, none typed in here:
  * `openssl ciphers -V -stdname ALL:COMPLEMENTOFALL:@SECLEVEL=0` (IANA and OpenSSL names),
  * tls-parser's IANA table (scripts/tls-ciphersuites.txt in the cargo registry, if present),
  * the (id, name) pairs of mxray's own JSON record.
"""

import glob
import os
import re
import subprocess

VERSIONS = ["SSLv2", "SSLv3", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"]

_VERSION_RE = re.compile(r"(ssl|tls)[\s_v]*(\d)(?:[._](\d))?", re.IGNORECASE)


def norm_version(text):
    """'TLSv1.2', 'TLS 1.2', 'tls1_2', 'tls_1_2_cipher_suites', 'SSLv3', 'ssl3' -> 'TLS1.2' / 'SSLv3'."""
    m = _VERSION_RE.search(text or "")
    if not m:
        return None
    fam, major, minor = m.group(1).lower(), m.group(2), m.group(3)
    if fam == "ssl":
        return "SSLv" + major if major in ("2", "3") else None
    if major != "1":
        return None
    return "TLS1." + (minor or "0")


def openssl_ciphers(cipher_string, stdname=True, tls13=None):
    """Rows of `openssl ciphers -V [-stdname] [-ciphersuites TLS13] STRING`: dicts id, iana, openssl,
    min_version, kx, au."""
    args = ["openssl", "ciphers", "-V"] + (["-stdname"] if stdname else [])
    args += (["-ciphersuites", tls13] if tls13 else []) + [cipher_string]
    try:
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    rows = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 4 or not parts[0].startswith("0x"):
            continue
        hi, lo = parts[0].split(",")
        cid = (int(hi, 16) << 8) | int(lo, 16)
        # "0x00,0xA7 - IANA - OSSL TLSv1.2 Kx=.. Au=.." (stdname) or "0x00,0xA7 - OSSL TLSv1.2 Kx=.."
        rest = [p for p in parts[1:] if p != "-"]
        fields = {k: v for k, _, v in (p.partition("=") for p in rest if "=" in p)}
        names = [p for p in rest if "=" not in p]
        if stdname and len(names) >= 3:
            iana, ossl, minv = names[0], names[1], names[2]
        elif len(names) >= 2:
            iana, ossl, minv = None, names[0], names[1]
        else:
            continue
        rows.append(
            {
                "id": cid,
                "iana": iana,
                "openssl": ossl,
                "min_version": minv,
                "kx": fields.get("Kx", ""),
                "au": fields.get("Au", ""),
            }
        )
    return rows


class NameMap:
    """Suite name (IANA or OpenSSL spelling) -> code point."""

    def __init__(self):
        self.ids = {}
        for row in openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0"):
            for name in (row["iana"], row["openssl"]):
                if name:
                    self.ids.setdefault(name.upper(), row["id"])
        home = os.path.expanduser("~/.cargo/registry/src")
        for path in sorted(glob.glob(os.path.join(home, "*", "tls-parser-*", "scripts", "tls-ciphersuites.txt"))):
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    parts = line.split(":")
                    if len(parts) > 2:
                        try:
                            self.ids.setdefault(parts[1].upper(), int(parts[0], 16))
                        except ValueError:
                            pass

    def learn(self, cid, name):
        if name:
            self.ids.setdefault(name.upper(), cid)

    def lookup(self, name):
        """The code point of NAME, or None. nmap 7.93 spells TLS 1.3 suites TLS_AKE_WITH_*."""
        key = (name or "").strip().upper()
        if key in self.ids:
            return self.ids[key]
        if key.startswith("TLS_AKE_WITH_"):
            return self.ids.get("TLS_" + key[len("TLS_AKE_WITH_"):])
        return None
