#!/usr/bin/env python3
"""Table of benches/mass-peers.sh: one fleet of STARTTLS endpoints scanned by mxray (quick, standard)
and by the mass modes of sslyze, testssl.sh and nmap. Per tool: endpoints/s, client CPU per
endpoint, peak RSS, endpoints with a TLS handshake / certificate, TLS versions reported supported
and per-endpoint agreement with mxray standard, connections the server counted, and mxray's
throughput divided by the tool's (matching profile).

usage: mass_report.py RUNS.tsv [--machine FILE] [--markdown OUT.md] [--json OUT.json]
       mass_report.py --self-test     (the parsers on benches/peers/samples/, captured from the tools)
Python 3 standard library only.
"""

import argparse
import csv
import json
import os
import sys
import unittest
import xml.etree.ElementTree as ET
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import parse  # noqa: E402  (benches/peers/parse.py: norm_version, from suites.py)

VERSIONS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
# ssl-enum-ciphers tries SSLv3 to TLS 1.3 (SSLv2 is the separate sslv2 script).
NMAP_TESTED = frozenset(VERSIONS[1:])
TESTSSL_VERSION_IDS = {"SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3"}

LABELS = {
    ("mxray", "quick"): "mxray scan --profile quick",
    ("mxray", "standard"): "mxray scan --profile standard",
    ("sslyze", "quick"): "sslyze --targets_in --certinfo",
    ("sslyze", "standard"): "sslyze --targets_in --certinfo --sslv2 ... --tlsv1_3",
    ("testssl", "standard"): "testssl --file --mode parallel -p -S",
    ("nmap", "standard"): "nmap -sV --script ssl-cert,ssl-enum-ciphers",
}


def version(text):
    """Any spelling ('TLS_1_2', 'tls_1_3_cipher_suites', 'TLS1_1', 'TLSv1.2', 'SSL_2_0') -> 'TLSv1.2'
    / 'SSLv3' (parse.norm_version gives 'TLS1.2'), or None."""
    v = parse.norm_version(text or "")
    return v.replace("TLS1.", "TLSv1.") if v else None


def endpoint(handshake=False, cert=False, tested=None, supported=None, negotiated=None, error=None):
    """What one tool found on one endpoint. tested: the versions it tried (None: no version
    enumeration); supported: those it reports supported; negotiated: the one version a quick scan
    reports (mxray: the handshake's; sslyze: 'highest_tls_version_supported')."""
    return {"handshake": handshake, "cert": cert, "tested": tested, "supported": supported,
            "negotiated": negotiated, "error": error}


def parse_mxray(path):
    """mxray scan -o FILE.jsonl: one record per endpoint (ip, port, tls.handshake, tls.versions[],
    certificate.certificates[])."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            tls = rec.get("tls") or {}
            hs = tls.get("handshake") or {}
            tested, supported = None, None
            if tls.get("versions"):
                tested, supported = set(), set()
                for v in tls["versions"]:
                    name = version(v.get("version"))
                    if name is None or v.get("supported") is None:
                        continue  # not determined: not counted as tested
                    tested.add(name)
                    if v["supported"]:
                        supported.add(name)
            err = rec.get("error") or {}
            out["%s:%s" % (rec.get("ip"), rec.get("port"))] = endpoint(
                handshake=bool(hs.get("ok")),
                cert=bool((rec.get("certificate") or {}).get("certificates")),
                tested=tested, supported=supported,
                negotiated=version(hs.get("version")) if hs.get("ok") else None,
                error=err.get("kind") if err else (None if rec.get("status") == "completed" else rec.get("status")))
    return out


def parse_sslyze(path):
    """sslyze --json_out: server_scan_results[] with server_location, connectivity_status /
    connectivity_result, scan_result.<ssl_2_0|...|tls_1_3>_cipher_suites.result.is_tls_version_supported
    and scan_result.certificate_info.result.certificate_deployments[].received_certificate_chain."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = {}
    for srv in doc.get("server_scan_results") or []:
        loc = srv.get("server_location") or {}
        key = "%s:%s" % (loc.get("ip_address") or loc.get("hostname"), loc.get("port"))
        conn = srv.get("connectivity_result") or {}
        ok = srv.get("connectivity_status") == "COMPLETED"
        tested, supported, cert = set(), set(), False
        for cmd, res in (srv.get("scan_result") or {}).items():
            if not res or res.get("status") != "COMPLETED":
                continue
            r = res.get("result") or {}
            if cmd.endswith("_cipher_suites"):
                v = version(cmd)
                if v:
                    tested.add(v)
                    if r.get("is_tls_version_supported"):
                        supported.add(v)
            elif cmd == "certificate_info":
                cert = any(d.get("received_certificate_chain") for d in r.get("certificate_deployments") or [])
        error = None
        if not ok:
            trace = srv.get("connectivity_error_trace") or srv.get("connectivity_status") or "error"
            error = str(trace).strip().splitlines()[-1][:160]
        out[key] = endpoint(
            handshake=ok and bool(conn.get("cipher_suite_supported")) or bool(supported) or cert,
            cert=cert, tested=tested or None, supported=supported if tested else None,
            negotiated=version(conn.get("highest_tls_version_supported")) if ok else None, error=error)
    for bad in doc.get("invalid_server_strings") or []:
        s = bad.get("server_string", bad) if isinstance(bad, dict) else bad
        out[str(s)] = endpoint(error="invalid server string: %s" % (bad,))
    return out


def _testssl_items(doc):
    """(ip, port, item) of flat (--jsonfile) or pretty (--jsonfile-pretty) testssl JSON."""
    if isinstance(doc, list):
        for it in doc:
            yield it.get("ip", ""), str(it.get("port", "")), it
        return
    for sr in doc.get("scanResult") or []:
        ip, port = sr.get("ip", ""), str(sr.get("port", ""))
        for sec in sr.values():
            if isinstance(sec, list):
                for it in sec:
                    if isinstance(it, dict):
                        yield ip, port, it


def parse_testssl(path):
    """testssl --jsonfile: flat list of {id, ip: 'host/addr', port, severity, finding}; versions are
    ids SSLv2 ... TLS1_3 with findings 'offered', 'not offered', 'offered with final' ...; the
    certificate is cert / cert_fingerprintSHA256; a failed target has id scanProblem (FATAL)."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = {}
    for ip, port, it in _testssl_items(doc):
        addr = ip.rpartition("/")[2] if "/" in ip else ip
        if not addr:
            continue  # not about a target (ip "/"): e.g. engine_problem of the local openssl
        e = out.setdefault("%s:%s" % (addr, port), endpoint(tested=set(), supported=set()))
        ident, finding = it.get("id", ""), str(it.get("finding", ""))
        low = finding.strip().lower()
        if ident in TESTSSL_VERSION_IDS:
            v = version(ident)
            if low.startswith("not offered"):
                e["tested"].add(v)
            elif low.startswith("offered") or low.startswith("supported"):
                e["tested"].add(v)
                e["supported"].add(v)
            else:  # e.g. a test that could not run: not counted as tested
                e.setdefault("unclear", []).append("%s: %s" % (ident, finding))
        elif ident == "cert" or ident.startswith("cert_fingerprintSHA256"):
            e["cert"] = True
        elif ident == "scanProblem" or it.get("severity") == "FATAL":
            e["error"] = finding[:160]
    for e in out.values():
        e["handshake"] = bool(e["supported"]) or e["cert"]
        if not e["tested"]:
            e["tested"], e["supported"] = None, None
    return out


def parse_nmap(path):
    """nmap -oX: host/address, port/state, script ssl-enum-ciphers (<table key="TLSv1.2">, one per
    version accepted) and ssl-cert (<elem key="sha1">, <elem key="pem">)."""
    root = ET.parse(path).getroot()
    out = {}
    for host in root.iter("host"):
        addr = next((a.get("addr") for a in host.findall("address") if a.get("addrtype") in ("ipv4", "ipv6")), None)
        for port in host.iter("port"):
            state = (port.find("state").get("state") if port.find("state") is not None else "")
            scripts = {s.get("id"): s for s in port.findall("script")}
            enum, cert_s = scripts.get("ssl-enum-ciphers"), scripts.get("ssl-cert")
            supported = set()
            if enum is not None:
                for t in enum.findall("table"):
                    v = version(t.get("key"))
                    if v:
                        supported.add(v)
            cert = cert_s is not None and any(e.get("key") in ("sha1", "pem", "md5") for e in cert_s.iter("elem"))
            # No ssl-enum-ciphers output on an open port: it found no version (or did not run,
            # e.g. -sV did not see SMTP); counted as "tested, none supported", a visible disagreement.
            tested = set(NMAP_TESTED) if state == "open" else None
            svc = port.find("service")
            out["%s:%s" % (addr, port.get("portid"))] = endpoint(
                handshake=bool(supported) or cert, cert=cert, tested=tested,
                supported=supported if tested is not None else None,
                error=None if state == "open" else "port %s" % state)
            out["%s:%s" % (addr, port.get("portid"))]["service"] = svc.get("name") if svc is not None else None
    return out


PARSERS = {"mxray": parse_mxray, "sslyze": parse_sslyze, "testssl": parse_testssl, "nmap": parse_nmap}


def compare_versions(tool, ref):
    """Per endpoint of TOOL: agrees with REF (mxray standard) on the versions both tested?
    Returns (agree, compared, disagreements[(key, tool_set, ref_set)], versions compared)."""
    agree, compared, bad, covered = 0, 0, [], set()
    for key, e in sorted(tool.items()):
        r = ref.get(key)
        if r is None or r["tested"] is None:
            continue
        if e["tested"] is None:
            bad.append((key, None, sorted_versions(r["supported"])))
            compared += 1
            continue
        both = e["tested"] & r["tested"]
        covered |= both
        compared += 1
        mine, theirs = e["supported"] & both, r["supported"] & both
        if mine == theirs:
            agree += 1
        else:
            bad.append((key, sorted_versions(mine), sorted_versions(theirs)))
    return agree, compared, bad, covered


def compare_highest(tool, ref):
    """Quick scans: the negotiated / highest version against mxray standard's highest supported."""
    agree, compared, bad = 0, 0, []
    for key, e in sorted(tool.items()):
        r = ref.get(key)
        if r is None or not r["supported"]:
            continue
        compared += 1
        top = sorted_versions(r["supported"])[-1]
        if e["negotiated"] == top:
            agree += 1
        else:
            bad.append((key, e["negotiated"], top))
    return agree, compared, bad


def sorted_versions(vs):
    return sorted(vs or [], key=lambda v: VERSIONS.index(v) if v in VERSIONS else 99)


def span(vs):
    vs = sorted_versions(vs)
    if not vs:
        return "none"
    idx = [VERSIONS.index(v) for v in vs]
    if idx == list(range(idx[0], idx[-1] + 1)) and len(vs) > 2:
        return "%s–%s" % (vs[0], vs[-1])
    return ", ".join(vs)


def version_counts(res, quick):
    c = Counter()
    for e in res.values():
        if quick:
            if e["negotiated"]:
                c[e["negotiated"]] += 1
        else:
            for v in e["supported"] or ():
                c[v] += 1
    return ", ".join("%s: %d" % (v, c[v]) for v in sorted_versions(c)) or "none"


def fnum(x, fmt):
    return fmt % x if x == x else "n/a"  # NaN -> n/a


def build(runs):
    """Rows (dicts) and notes from the runs of mass-peers.sh."""
    results, notes, broken = {}, [], set()
    for r in runs:
        key = (r["tool"], r["profile"])
        try:
            results[key] = PARSERS[r["format"]](r["output"])
        except (OSError, ValueError, ET.ParseError) as e:
            results[key] = {}
            broken.add(key)
            notes.append("PARSE FAILURE: %s %s: %s: %s" % (r["tool"], r["profile"], r["output"], e))
    ref = results.get(("mxray", "standard"), {})
    eps_mx = {}
    for r in runs:
        if r["tool"] == "mxray":
            wall = float(r["wall"] or 0)
            eps_mx[r["profile"]] = int(r["endpoints"]) / wall if wall else float("nan")
    rows = []
    for r in runs:
        key = (r["tool"], r["profile"])
        res = results[key]
        n, fleet = int(r["endpoints"]), int(r["fleet"])
        wall = float(r["wall"] or 0)
        cpu = float(r["user"] or 0) + float(r["sys"] or 0)
        eps = n / wall if wall else float("nan")
        quick = r["profile"] == "quick"
        hs = sum(1 for e in res.values() if e["handshake"])
        certs = sum(1 for e in res.values() if e["cert"])
        name = "%s %s" % key
        if key == ("mxray", "standard"):
            agree_txt = "reference"
        elif quick:
            a, c, bad = compare_highest(res, ref)
            agree_txt = "highest: %d/%d" % (a, c)
            for k, mine, top in bad[:5]:
                notes.append("%s: %s negotiated/highest %s, mxray standard's highest %s" % (name, k, mine, top))
        else:
            a, c, bad, covered = compare_versions(res, ref)
            agree_txt = "%d/%d (%s)" % (a, c, span(covered))
            for k, mine, theirs in bad[:5]:
                notes.append("%s: %s versions %s, mxray standard %s" % (
                    name, k, "not enumerated" if mine is None else (", ".join(mine) or "none"), ", ".join(theirs) or "none"))
            if len(bad) > 5:
                notes.append("%s: ... %d endpoints disagree in all" % (name, len(bad)))
        missing = n - len(res)
        if missing > 0:
            notes.append("%s: %d of %d endpoints absent from its output" % (name, missing, n))
        errs = Counter(e["error"] for e in res.values() if e["error"])
        for msg, k in errs.most_common(3):
            notes.append("%s: %d endpoint(s) with error: %s" % (name, k, msg))
        unclear = [u for e in res.values() for u in e.get("unclear", [])]
        if unclear:
            notes.append("%s: %d version findings not understood, e.g. %s" % (name, len(unclear), unclear[0]))
        sconn = int(r["server_connections"] or 0)
        shs = int(r["server_handshakes_ok"] or 0)
        if shs and hs == 0:
            notes.append("%s: PARSE PROBLEM? the server counted %d handshakes but none was parsed from %s" % (name, shs, r["output"]))
        if cpu < 0.2:
            notes.append("%s: client CPU %.2f s in all: /usr/bin/time counts in 10 ms steps, so its CPU/endpoint "
                         "is coarse (a bigger COUNT makes it finer)" % (name, cpu))
        if r["rc"] != "0":
            notes.append("%s: exit status %s (see its .stderr in the output directory)" % (name, r["rc"]))
        ratio = eps_mx.get(r["profile"], float("nan")) / eps if eps == eps and eps else float("nan")
        scanned = str(n) if n == fleet else "%d (subset: the first %d of %d)" % (n, n, fleet)
        failed = ("no parsable output" if key in broken else "exit status %s" % r["rc"] if r["rc"] != "0"
                  else "no handshake found" if hs == 0 and n else None)
        if failed:
            ratio = float("nan")
        rows.append({
            "tool": r["tool"], "profile": r["profile"], "label": LABELS.get(key, name), "failed": failed,
            "endpoints": n, "fleet": fleet, "scanned": scanned, "wall_s": wall, "endpoints_per_s": eps,
            "cpu_ms_per_endpoint": 1000.0 * cpu / n if n else float("nan"),
            "rss_mb": int(r["maxrss_kb"] or 0) / 1024.0,
            "handshakes": hs, "certificates": certs, "records": len(res),
            "versions": version_counts(res, quick), "agreement": agree_txt,
            "server_connections_per_endpoint": sconn / n if n else float("nan"),
            "server_handshakes_ok": shs,
            "server_cpu_ms_per_endpoint": 1000.0 * float(r.get("server_cpu") or 0) / n if n else float("nan"),
            "mxray_ratio": None if r["tool"] == "mxray" else ratio, "rc": r["rc"],
        })
    return rows, notes


def markdown(rows, notes):
    lines = [
        "| tool | matches profile | endpoints scanned | wall s | endpoints/s | client CPU ms/endpoint | client peak RSS MB "
        "| handshakes / certificates found | versions reported supported | versions agreeing with mxray standard "
        "| server connections/endpoint | mxray ÷ tool throughput |",
        "|" + "---|" * 12,
    ]
    for w in rows:
        ratio = "—" if w["mxray_ratio"] is None else fnum(w["mxray_ratio"], "%.1f×")
        vers = ("negotiated " if w["tool"] == "mxray" else "highest ") + w["versions"] if w["profile"] == "quick" else w["versions"]
        lines.append("| %s | %s | %s | %s | %s | %s | %.0f | %d / %d | %s | %s | %s | %s |" % (
            w["label"] + (" **FAILED: %s**" % w["failed"] if w.get("failed") else ""), w["profile"], w["scanned"], ("%.3f" if w["wall_s"] < 10 else "%.1f") % w["wall_s"], fnum(w["endpoints_per_s"], "%.1f"),
            fnum(w["cpu_ms_per_endpoint"], "%.2f"), w["rss_mb"], w["handshakes"], w["certificates"], vers,
            w["agreement"], fnum(w["server_connections_per_endpoint"], "%.1f"), ratio))
    expl = [
        "endpoints/s = endpoints given to the tool / wall time; client CPU = user+sys of the tool and its "
        "children (/usr/bin/time) / endpoints; peak RSS = /usr/bin/time's %M, the largest single process (testssl "
        "forks openssl and child testssl processes: not a sum); server connections counted by fleet_server (SIGUSR1).",
        "mxray ÷ tool throughput: mxray's endpoints/s with the matching profile (over the whole fleet) / the tool's.",
        "Quick rows compare the one version reported (mxray: negotiated; sslyze: highest_tls_version_supported) with "
        "the highest version mxray standard found supported; standard rows compare, per endpoint, the set of supported "
        "versions among those both tools tried (range in parentheses).",
    ]
    if any(w["endpoints"] != w["fleet"] for w in rows):
        expl.append("Tools marked 'subset' scanned only the fleet's first endpoints (they take tens of seconds per "
                    "endpoint); their endpoints/s and CPU/endpoint are from that subset, and a subset smaller than "
                    "the tool's parallelism understates its steady-state rate.")
    return lines + [""] + expl + ([""] + ["- " + n for n in notes] if notes else [])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="?")
    ap.add_argument("--machine")
    ap.add_argument("--markdown")
    ap.add_argument("--json")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        sys.argv = sys.argv[:1]
        unittest.main(module=__name__, verbosity=2)
        return
    if not a.runs:
        ap.error("RUNS.tsv is required (or --self-test)")
    with open(a.runs, encoding="utf-8") as f:
        runs = list(csv.DictReader(f, delimiter="\t"))
    rows, notes = build(runs)
    text = []
    if a.machine and os.path.exists(a.machine):
        with open(a.machine, encoding="utf-8") as f:
            text += [line.rstrip() for line in f if line.strip()]
        text.append("")
    text += markdown(rows, notes)
    print("\n".join(text))
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as f:
            f.write("\n".join(text) + "\n")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"rows": rows, "notes": notes}, f, indent=1, default=str)
    if any("PARSE" in n for n in notes):
        sys.exit(1)


# Self-test: samples captured from the tools on fleet_server (127.3.0.0 and 127.3.0.1: TLS 1.2 and
# 1.3, one ECDSA certificate) and a closed port (127.3.0.9), trimmed; see samples/README.
SAMPLES = os.path.join(HERE, "samples")
UP = ("127.3.0.0:2601", "127.3.0.1:2601")
DOWN = "127.3.0.9:2601"
FLEET_VERSIONS = {"TLSv1.2", "TLSv1.3"}


def sample(name):
    return os.path.join(SAMPLES, name)


class SelfTest(unittest.TestCase):
    def test_version_names(self):
        for text, want in [("TLS_1_2", "TLSv1.2"), ("tls_1_3_cipher_suites", "TLSv1.3"), ("TLS1", "TLSv1.0"),
                           ("TLS1_1", "TLSv1.1"), ("SSL_2_0", "SSLv2"), ("ssl_3_0_cipher_suites", "SSLv3"),
                           ("TLSv1.2", "TLSv1.2"), ("SSLv3", "SSLv3")]:
            self.assertEqual(version(text), want, text)
        self.assertIsNone(version("QUIC"))

    def check_up_down(self, res, versions_tested, quick=False):
        self.assertEqual(set(res), set(UP) | {DOWN})
        for k in UP:
            e = res[k]
            self.assertTrue(e["handshake"], k)
            self.assertTrue(e["cert"], k)
            self.assertIsNone(e["error"], k)
            if quick:
                self.assertIsNone(e["tested"])
            else:
                self.assertEqual(e["tested"], versions_tested, k)
                self.assertEqual(e["supported"], FLEET_VERSIONS, k)
        d = res[DOWN]
        self.assertFalse(d["handshake"])
        self.assertFalse(d["cert"])
        self.assertTrue(d["error"])

    def test_mxray(self):
        std = parse_mxray(sample("mxray-standard.jsonl"))
        self.check_up_down(std, set(VERSIONS))
        quick = parse_mxray(sample("mxray-quick.jsonl"))
        self.check_up_down(quick, None, quick=True)
        self.assertEqual(quick[UP[0]]["negotiated"], "TLSv1.3")
        self.assertEqual(compare_highest(quick, std)[:2], (2, 2))

    def test_sslyze(self):
        std = parse_sslyze(sample("sslyze-standard.json"))
        self.check_up_down(std, set(VERSIONS))
        quick = parse_sslyze(sample("sslyze-quick.json"))
        self.check_up_down(quick, None, quick=True)
        self.assertEqual(quick[UP[1]]["negotiated"], "TLSv1.3")
        ref = parse_mxray(sample("mxray-standard.jsonl"))
        a, c, bad, covered = compare_versions(std, ref)
        self.assertEqual((a, c, bad, covered), (2, 2, [], set(VERSIONS)))

    def test_testssl(self):
        res = parse_testssl(sample("testssl.json"))
        self.check_up_down(res, set(VERSIONS))
        self.assertIn("Can't connect", res[DOWN]["error"])

    def test_nmap(self):
        res = parse_nmap(sample("nmap.xml"))
        self.check_up_down(res, set(NMAP_TESTED))
        self.assertEqual(res[UP[0]]["service"], "smtp")
        ref = parse_mxray(sample("mxray-standard.jsonl"))
        a, c, bad, covered = compare_versions(res, ref)
        self.assertEqual((a, c, covered), (2, 2, set(NMAP_TESTED)))

    def test_disagreement_is_counted(self):
        ref = parse_mxray(sample("mxray-standard.jsonl"))
        res = parse_nmap(sample("nmap.xml"))
        res[UP[0]]["supported"] = {"TLSv1.3"}
        a, c, bad, _ = compare_versions(res, ref)
        self.assertEqual((a, c), (1, 2))
        self.assertEqual(bad[0][0], UP[0])

    def test_table(self):
        runs = [
            {"tool": "mxray", "profile": "standard", "endpoints": "3", "fleet": "3", "format": "mxray",
             "output": sample("mxray-standard.jsonl"), "rc": "0", "wall": "0.5", "user": "0.1", "sys": "0.1",
             "maxrss_kb": "10240", "server_cpu": "0.01", "server_connections": "12", "server_handshakes_ok": "10",
             "server_handshakes_failed": "0"},
            {"tool": "nmap", "profile": "standard", "endpoints": "3", "fleet": "3", "format": "nmap",
             "output": sample("nmap.xml"), "rc": "0", "wall": "25", "user": "0.2", "sys": "0.1",
             "maxrss_kb": "40960", "server_cpu": "0.1", "server_connections": "300", "server_handshakes_ok": "200",
             "server_handshakes_failed": "50"},
        ]
        rows, notes = build(runs)
        self.assertEqual(rows[1]["handshakes"], 2)
        self.assertEqual(rows[1]["agreement"], "2/2 (SSLv3–TLSv1.3)")
        self.assertAlmostEqual(rows[1]["mxray_ratio"], 50.0)
        text = "\n".join(markdown(rows, notes))
        self.assertIn("| 50.0× |", text)
        self.assertFalse([n for n in notes if "PARSE" in n])


if __name__ == "__main__":
    main()
