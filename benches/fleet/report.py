#!/usr/bin/env python3
"""Table of benches/fleet.sh: endpoints/s, client CPU per endpoint, server CPU per endpoint, peak
RSS, and how many records completed with a TLS handshake (a scan that fails fast is not fast).

usage: report.py RUNS.tsv [--machine FILE] [--markdown OUT.md]
Python 3 standard library only.
"""

import argparse
import csv
import json
import os
from collections import Counter

# Issue 20's targets (issue 8's were 2,000 endpoints/s and 0.5 ms for quick).
TARGET_EPS = {"quick": 5000.0}  # endpoints/s on 2 cores
TARGET_CPU_MS = {"quick": 0.25, "standard": 0.8}  # client CPU per endpoint
TARGET_CONNECTIONS = {"quick": 1.0, "standard": 6.0}  # server-counted connections per endpoint
TARGET_KB_IN_FLIGHT = 64.0  # peak RSS per in-flight endpoint at concurrency 5,000


def outcomes(path):
    """(records, handshakes ok, Counter of status / error kinds)."""
    recs, ok, kinds = 0, 0, Counter()
    if path.endswith(".txt"):  # handshake_floor: "floor: N endpoints, K handshakes, W s"
        try:
            with open(path, encoding="utf-8") as f:
                words = f.read().split()
            n, k = int(words[1]), int(words[3])
        except (OSError, ValueError, IndexError):
            return 0, 0, Counter({"unparsable": 1})
        return n, k, Counter({"completed": k, "failed": n - k} if n > k else {"completed": k})
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    r = json.loads(line)
                except ValueError:
                    kinds["unparsable"] += 1
                    continue
                recs += 1
                hs = ((r.get("tls") or {}).get("handshake") or {})
                if hs.get("ok"):
                    ok += 1
                err = r.get("error") or {}
                kinds[str(r.get("status")) + ("/" + str(err.get("kind")) if err else "")] += 1
    except OSError:
        pass
    return recs, ok, kinds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs")
    ap.add_argument("--machine")
    ap.add_argument("--markdown")
    a = ap.parse_args()
    with open(a.runs, encoding="utf-8") as f:
        runs = list(csv.DictReader(f, delimiter="\t"))
    lines = [
        "| build | profile | concurrency | endpoints | records | TLS ok | wall s | endpoints/s | client CPU ms/endpoint | server CPU ms/endpoint | connections/endpoint (server) | client peak RSS MB | KB per in-flight endpoint | rc |",
        "|" + "---|" * 14,
    ]
    notes = []
    per_endpoint = {}
    for r in runs:
        n = int(r["endpoints"])
        wall = float(r["wall"] or 0)
        cpu = float(r["user"] or 0) + float(r["sys"] or 0)
        scpu = float(r["server_cpu"] or 0)
        recs, ok, kinds = outcomes(r["output"])
        eps = recs / wall if wall else 0.0
        cms = 1000.0 * cpu / recs if recs else float("nan")
        sms = 1000.0 * scpu / recs if recs else float("nan")
        conns = r.get("server_connections") or ""
        cpe = int(conns) / recs if conns and recs else float("nan")
        rss_kb = int(r["maxrss_kb"] or 0)
        in_flight = min(int(r["concurrency"]), n)
        kb = rss_kb / in_flight if in_flight else float("nan")
        build = r.get("build", "head")
        lines.append(
            "| %s | %s | %s | %d | %d | %d | %.2f | %.0f | %.3f | %.3f | %.2f | %.0f | %.1f | %s |"
            % (build, r["profile"], r["concurrency"], n, recs, ok, wall, eps, cms, sms, cpe,
               rss_kb / 1024, kb, r["rc"])
        )
        if kinds and set(kinds) != {"completed"}:
            notes.append("%s %s c=%s record status: %s" % (build, r["profile"], r["concurrency"], dict(kinds)))
        p = r["profile"]
        per_endpoint[(build, p, r["concurrency"])] = (cms, eps)
        if build == "floor":
            continue
        checks = []
        if p in TARGET_EPS:
            checks.append("%.0f endpoints/s (target >= %.0f: %s)" % (
                eps, TARGET_EPS[p], "met" if eps >= TARGET_EPS[p] and ok == n else "MISSED"))
        if p in TARGET_CPU_MS:
            checks.append("%.3f ms client CPU/endpoint (target <= %.2f: %s)" % (
                cms, TARGET_CPU_MS[p], "met" if cms <= TARGET_CPU_MS[p] else "MISSED"))
        if p in TARGET_CONNECTIONS and conns:
            checks.append("%.2f connections/endpoint (target <= %.0f: %s)" % (
                cpe, TARGET_CONNECTIONS[p], "met" if cpe <= TARGET_CONNECTIONS[p] else "MISSED"))
        if int(r["concurrency"]) >= 5000:
            checks.append("%.1f KB per in-flight endpoint (target <= %.0f: %s)" % (
                kb, TARGET_KB_IN_FLIGHT, "met" if kb <= TARGET_KB_IN_FLIGHT else "MISSED"))
        if checks:
            notes.append("%s %s c=%s: %s" % (build, p, r["concurrency"], "; ".join(checks)))
    for (build, p, c), (cms, eps) in sorted(per_endpoint.items()):
        floor = per_endpoint.get(("floor", p, c))
        if build != "floor" and floor and floor[0] > 0:
            notes.append(
                "%s %s c=%s: %.2fx the floor's client CPU per endpoint (%.3f against %.3f ms), %.2fx its throughput"
                % (build, p, c, cms / floor[0], cms, floor[0], eps / floor[1] if floor[1] else float("nan")))
    text = []
    if a.machine and os.path.exists(a.machine):
        with open(a.machine, encoding="utf-8") as f:
            text += [line.rstrip() for line in f if line.strip()]
        text.append("")
    text += lines + [""] + notes
    print("\n".join(text))
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as f:
            f.write("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
