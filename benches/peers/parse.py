"""Each tool's output -> the set of (version, suite code point) pairs it reports as accepted.

Every parser returns (pairs, unknown_names): names it could not map to a code point are kept
and reported, never silently dropped.
"""

import json
import xml.etree.ElementTree as ET

from suites import norm_version


def mxray(path, names):
    """`mxray probe --json`: one EndpointRecord; tls.suites[].{version, accepted[].{id, name}}."""
    pairs, unknown = set(), []
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    if not text:
        return pairs, unknown
    try:
        rec = json.loads(text)
    except ValueError:  # JSON Lines: the first record
        rec = json.loads(text.splitlines()[0])
    tls = rec.get("tls") or {}
    for vs in tls.get("suites") or []:
        v = norm_version(vs.get("version", ""))
        for s in vs.get("accepted") or []:
            names.learn(s.get("id"), s.get("name"))
            if v and isinstance(s.get("id"), int):
                pairs.add((v, s["id"]))
    return pairs, unknown


def mxray_meta(path):
    """Connections counted by mxray itself (tls.connections), or None."""
    try:
        with open(path, encoding="utf-8") as f:
            rec = json.loads(f.read())
        return (rec.get("tls") or {}).get("connections")
    except (OSError, ValueError):
        return None


def mxray_enum(path, names):
    """benches/examples/suite_enum.rs: {"versions": [...], "pairs": [["TLSv1.2", id], ...], ...}."""
    with open(path, encoding="utf-8") as f:
        doc = json.loads(f.read())
    return {(norm_version(v), i) for v, i in doc.get("pairs") or []}, []


def mxray_enum_breakdown(path):
    """Where suite_enum's connections went: version probes, accepted handshakes of the removal
    loop (the version probes' picks are reused as its first answers: "seeded"), refusals, and the
    order probes."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.loads(f.read())
        conns = doc["connections"]
        b = doc.get("breakdown")
        if b is None:
            return None
        text = ("version probes %d (%d of their picks reused) + accepted %d + refusals %d"
                " + order probes %d") % (
            conns["versions"], b["seeded"], b["picked"], b["refused"], b["order"])
        if doc.get("candidates"):
            text += " (candidates per version: %s)" % ", ".join(
                "%s %d" % kv for kv in doc["candidates"].items())
        return text
    except (OSError, ValueError, KeyError, TypeError):
        return None


def sslscan(path, names):
    """sslscan --xml: <cipher status="accepted|preferred" sslversion="TLSv1.2" id="0x009F" .../>."""
    pairs, unknown = set(), []
    root = ET.parse(path).getroot()
    for c in root.iter("cipher"):
        if c.get("status") not in ("accepted", "preferred"):
            continue
        v = norm_version(c.get("sslversion", ""))
        cid = c.get("id")
        if cid:
            pairs.add((v, int(cid, 16)))
        else:
            n = names.lookup(c.get("cipher"))
            if n is None:
                unknown.append(c.get("cipher"))
            else:
                pairs.add((v, n))
    return pairs, unknown


def testssl(path, names):
    """testssl --jsonfile (flat list): ids `cipher-tls1_2_xc030` (also cipher_order-* lines, ignored)."""
    pairs, unknown = set(), []
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    if isinstance(items, dict):  # --jsonfile-pretty
        items = [i for sec in items.get("scanResult", [{}])[0].values() if isinstance(sec, list) for i in sec]
    for it in items:
        ident = it.get("id", "")
        if not ident.startswith("cipher-"):
            continue
        proto, _, hexcode = ident[len("cipher-"):].rpartition("_x")
        v = norm_version(proto)
        if v is None or not hexcode:
            continue
        try:
            pairs.add((v, int(hexcode, 16)))
        except ValueError:
            unknown.append(ident)
    return pairs, unknown


def sslyze(path, names):
    """sslyze --json_out: server_scan_results[].scan_result.<ver>_cipher_suites.result.accepted_cipher_suites."""
    pairs, unknown = set(), []
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for srv in doc.get("server_scan_results") or []:
        for cmd, res in (srv.get("scan_result") or {}).items():
            if not cmd.endswith("_cipher_suites") or not res or res.get("status") != "COMPLETED":
                continue
            v = norm_version(cmd)
            for acc in (res.get("result") or {}).get("accepted_cipher_suites") or []:
                name = (acc.get("cipher_suite") or {}).get("name")
                n = names.lookup(name)
                if n is None:
                    unknown.append(name)
                else:
                    pairs.add((v, n))
    return pairs, unknown


def nmap(path, names):
    """nmap -oX, script ssl-enum-ciphers: <table key="TLSv1.2"><table key="ciphers"><table><elem key="name">."""
    pairs, unknown = set(), []
    root = ET.parse(path).getroot()
    for script in root.iter("script"):
        if script.get("id") != "ssl-enum-ciphers":
            continue
        for vt in script.findall("table"):
            v = norm_version(vt.get("key", ""))
            for ct in vt.findall("table"):
                if ct.get("key") != "ciphers":
                    continue
                for c in ct.findall("table"):
                    for e in c.findall("elem"):
                        if e.get("key") == "name":
                            n = names.lookup(e.text)
                            if n is None:
                                unknown.append(e.text)
                            else:
                                pairs.add((v, n))
    return pairs, unknown


PARSERS = {"mxray": mxray, "mxray_enum": mxray_enum, "sslscan": sslscan, "testssl": testssl, "sslyze": sslyze, "nmap": nmap}
