#!/usr/bin/env python3
"""Table of benches/peers.sh: per tool and target, connections, wall and CPU time, (version, suite)
pairs found, and agreement with the configured set and with the peers' consensus; then mxray's
ratios to the best peer and the issue-8 targets (connections <= k + 2*versions + 2, wall >= 3x
faster than the fastest peer).

usage: report.py RUNS.tsv [--machine FILE] [--markdown OUT.md] [--json OUT.json]
Python 3 standard library only.
"""

import argparse
import csv
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import parse  # noqa: E402
from suites import VERSIONS, NameMap, openssl_ciphers  # noqa: E402

# OpenSSL's default TLS 1.3 suites (what Postfix and s_server serve unless configured otherwise).
TLS13_DEFAULT = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"


def postconf(name):
    try:
        return subprocess.run(["postconf", "-h", name], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def expand(cipher_string, versions, auths, names):
    """The (version, id) pairs an OpenSSL server with CIPHER_STRING, protocol VERSIONS and certificates
    for AUTHS (e.g. {'RSA', 'ECDSA', 'None'}) can negotiate. PSK/SRP suites need credentials the lab
    servers do not configure, so they are left out; OpenSSL 3 has no static-DH suites."""
    order = {"SSLv3": 0, "TLSv1": 1, "TLSv1.0": 1, "TLSv1.2": 3, "TLSv1.3": 4}
    vnum = {"TLS1.0": 1, "TLS1.1": 2, "TLS1.2": 3}
    pairs = set()
    for row in openssl_ciphers(cipher_string):
        names.learn(row["id"], row["iana"])
        names.learn(row["id"], row["openssl"])
        if "PSK" in row["kx"] or "SRP" in row["kx"] or row["au"] not in auths:
            continue
        minv = order.get(row["min_version"])
        if minv is None or minv == 4:
            continue
        for v in versions:
            if v in vnum and vnum[v] >= minv:
                pairs.add((v, row["id"]))
    if "TLS1.3" in versions:
        for row in openssl_ciphers("ALL", tls13=TLS13_DEFAULT):
            if row["min_version"] == "TLSv1.3":
                pairs.add(("TLS1.3", row["id"]))
    return pairs


def configured(target, names):
    """The configured set, where the server's configuration determines it (OpenSSL servers);
    None for GnuTLS and tlslite-ng, whose suite lists openssl cannot expand."""
    if target == "postfix":
        level = postconf("smtpd_tls_ciphers") or "medium"
        clist = postconf("tls_%s_cipherlist" % level)
        if not clist:
            return None, "postconf unavailable"
        excl = postconf("smtpd_tls_exclude_ciphers") or ""
        s = clist + "".join(":!" + e for e in excl.replace(",", " ").split())
        # smtpd_tls_protocols '>=TLSv1'; RSA and ECDSA certificates; anonymous suites with 'may'.
        vers = ["TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"]
        return expand(s + ":@SECLEVEL=0", vers, {"RSA", "ECDSA", "None"}, names), (
            "smtpd_tls_ciphers=%s: %s%s, TLS1.0-1.3, RSA+ECDSA certs, anon allowed" % (level, clist, (" !" + excl) if excl else "")
        )
    if target == "ossl":
        # lab/ossl/start-ossl.sh: -cipher 'ALL:COMPLEMENTOFALL:@SECLEVEL=0', RSA certificate.
        s = "ALL:COMPLEMENTOFALL:@SECLEVEL=0"
        vers = ["TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"]
        return expand(s, vers, {"RSA", "None"}, names), "s_server -cipher '%s', RSA cert" % s
    return None, "not derivable from openssl (GnuTLS/tlslite-ng priority strings)"


def agree(found, ref):
    if ref is None:
        return "n/a"
    miss, extra = len(ref - found), len(found - ref)
    if not miss and not extra:
        return "= (%d)" % len(ref)
    return "%d/%d -%d +%d" % (len(found & ref), len(ref), miss, extra)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs")
    ap.add_argument("--machine")
    ap.add_argument("--markdown")
    ap.add_argument("--json")
    a = ap.parse_args()

    with open(a.runs, encoding="utf-8") as f:
        runs = list(csv.DictReader(f, delimiter="\t"))
    names = NameMap()
    # mxray first: its record teaches names (id + IANA name) to the other parsers.
    runs.sort(key=lambda r: (not r["tool"].startswith("mxray"),))
    for r in runs:
        r["cpu"] = float(r["user"] or 0) + float(r["sys"] or 0)
        r["wall"] = float(r["wall"] or 0)
        r["syns"] = int(r["syns"] or 0)
        r["dropped"] = int(r.get("dropped") or 0)
        try:
            r["pairs"], r["unknown"] = parse.PARSERS[r["format"]](r["output"], names)
        except (OSError, ValueError, KeyError) as e:  # missing or broken output: reported, not hidden
            r["pairs"], r["unknown"], r["error"] = set(), [], "%s: %s" % (type(e).__name__, e)

    targets = []
    for r in runs:
        if r["target"] not in targets:
            targets.append(r["target"])
    order = ["mxray", "mxray-enum", "sslscan", "testssl", "sslyze", "nmap"]
    lines, summary, out_json = [], [], {"targets": {}}
    hdr = "| tool | target | rc | connections | wall s | CPU s | pairs | versions | vs configured | vs peer consensus |"
    lines += [hdr, "|" + "---|" * 10]
    for t in targets:
        rows = sorted([r for r in runs if r["target"] == t], key=lambda r: order.index(r["tool"]))
        peers = [r for r in rows if not r["tool"].startswith("mxray")]
        conf, conf_note = configured(t, names)
        counts = {}
        for r in peers:
            for p in r["pairs"]:
                counts[p] = counts.get(p, 0) + 1
        need = len(peers) // 2 + 1
        consensus = {p for p, n in counts.items() if n >= need} if peers else None
        for r in rows:
            vers = sorted({v for v, _ in r["pairs"] if v}, key=VERSIONS.index)
            note = ""
            conns = str(r["syns"])
            if r["dropped"]:
                conns += " (>=; tcpdump: %d packets dropped)" % r["dropped"]
            if r["format"] == "mxray":
                own = parse.mxray_meta(r["output"])
                if own is not None and own != r["syns"]:
                    # Another client on the same port during the run, or capture drops.
                    conns += " (mxray counted %d)" % own
            if r.get("error"):
                note = " (output unreadable: %s)" % r["error"]
            elif r["unknown"]:
                note = " (%d unmapped names)" % len(r["unknown"])
            lines.append(
                "| %s | %s:%s | %s | %s | %.2f | %.2f | %d%s | %s | %s | %s |"
                % (
                    r["tool"], t, r["port"], r["rc"], conns, r["wall"], r["cpu"], len(r["pairs"]), note,
                    " ".join(v.replace("TLS", "") for v in vers), agree(r["pairs"], conf), agree(r["pairs"], consensus),
                )
            )
        ours = [r for r in rows if r["tool"].startswith("mxray")]
        tj = {"configured_note": conf_note, "configured": len(conf) if conf is not None else None,
              "consensus": len(consensus) if consensus is not None else None, "tools": {}}
        for r in rows:
            tj["tools"][r["tool"]] = {"rc": r["rc"], "connections": r["syns"], "wall_s": r["wall"], "cpu_s": r["cpu"],
                                      "pairs": len(r["pairs"]), "unknown_names": r["unknown"][:20]}
        for mx in ours if peers else []:
            ref = conf if conf is not None else consensus
            k = len(ref)
            nver = len({v for v, _ in ref})
            bound = k + 2 * nver + 2
            fast = min(peers, key=lambda r: r["wall"])
            fewest = min(peers, key=lambda r: r["syns"])
            speed = fast["wall"] / mx["wall"] if mx["wall"] else float("inf")
            conn_ratio = mx["syns"] / fewest["syns"] if fewest["syns"] else float("inf")
            complete = ref <= mx["pairs"]
            summary.append(
                "%s, %s: configured = %s. Found %d pairs (%s of the reference %d, %d versions). "
                "Connections %d vs bound k+2v+2 = %d -> %s; fewest among peers: %s %d (mxray/peer = %.2f). "
                "Wall %.2f s vs fastest peer %s %.2f s -> speed-up %.2fx (target 3x: %s); CPU %.2f s vs %s %.2f s."
                % (
                    t, mx["tool"], conf_note, len(mx["pairs"]), "all" if complete else "NOT all", k, nver,
                    mx["syns"], bound, "met" if mx["syns"] <= bound and complete else "MISSED",
                    fewest["tool"], fewest["syns"], conn_ratio,
                    mx["wall"], fast["tool"], fast["wall"], speed, "met" if speed >= 3 else "MISSED",
                    mx["cpu"], fast["tool"], fast["cpu"],
                )
            )
            if mx["format"] == "mxray_enum":
                br = parse.mxray_enum_breakdown(mx["output"])
                if br:
                    summary.append("    %s, mxray-enum connections: %s." % (t, br))
            tj.setdefault("ours", {})[mx["tool"]] = {"k": k, "versions": nver, "bound": bound, "mxray_complete": complete,
                       "speedup_vs_fastest": speed, "fastest_peer": fast["tool"],
                       "conn_ratio_vs_fewest": conn_ratio, "fewest_peer": fewest["tool"],
                       "missing": sorted("%s 0x%04X" % p for p in ref - mx["pairs"]),
                       "extra": sorted("%s 0x%04X" % p for p in mx["pairs"] - ref)}
        if peers:
            for r in peers:
                if consensus is not None and r["pairs"] != consensus:
                    tj["tools"][r["tool"]]["missing_vs_consensus"] = sorted("%s 0x%04X" % p for p in consensus - r["pairs"])[:40]
                    tj["tools"][r["tool"]]["extra_vs_consensus"] = sorted("%s 0x%04X" % p for p in r["pairs"] - consensus)[:40]
        out_json["targets"][t] = tj

    text = []
    if a.machine and os.path.exists(a.machine):
        with open(a.machine, encoding="utf-8") as f:
            text += [line.rstrip() for line in f if line.strip()]
        text.append("")
    text += lines + [""] + summary
    text.append("")
    text.append("pairs = (version, suite) pairs reported accepted; '= (n)' = identical set; 'a/b -m +e' = a of b, m missing, e extra.")
    text.append("peer consensus = pairs reported by a majority of the peers (mxray excluded).")
    text.append("connections = client SYNs to the port on lo; other clients of the shared lab port during a run would be counted too:")
    text.append("for mxray the record's own count (tls.connections) is shown when it differs.")
    print("\n".join(text))
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as f:
            f.write("\n".join(text) + "\n")
    jpath = a.json or os.path.join(os.path.dirname(a.runs), "compare.json")
    with open(jpath, "w", encoding="utf-8") as f:
        json.dump(out_json, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
