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

TARGET_EPS = 2000.0  # issue 8: quick profile >= 2,000 endpoints/s on 2 cores
TARGET_CPU_MS = 0.5  # ... with <= 0.5 ms client CPU per endpoint


def outcomes(path):
    """(records, handshakes ok, Counter of status / error kinds)."""
    recs, ok, kinds = 0, 0, Counter()
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
        "| profile | concurrency | endpoints | records | TLS ok | wall s | endpoints/s | client CPU s | client CPU ms/endpoint | server CPU ms/endpoint | client peak RSS MB | rc |",
        "|" + "---|" * 12,
    ]
    notes = []
    for r in runs:
        n = int(r["endpoints"])
        wall = float(r["wall"] or 0)
        cpu = float(r["user"] or 0) + float(r["sys"] or 0)
        scpu = float(r["server_cpu"] or 0)
        recs, ok, kinds = outcomes(r["output"])
        eps = recs / wall if wall else 0.0
        cms = 1000.0 * cpu / recs if recs else float("nan")
        sms = 1000.0 * scpu / recs if recs else float("nan")
        lines.append(
            "| %s | %s | %d | %d | %d | %.2f | %.0f | %.2f | %.3f | %.3f | %.0f | %s |"
            % (r["profile"], r["concurrency"], n, recs, ok, wall, eps, cpu, cms, sms, int(r["maxrss_kb"] or 0) / 1024, r["rc"])
        )
        if kinds and set(kinds) != {"completed"}:
            notes.append("%s c=%s record status: %s" % (r["profile"], r["concurrency"], dict(kinds)))
        if r["profile"] == "quick":
            notes.append(
                "quick c=%s: %.0f endpoints/s (target >= %.0f: %s), %.3f ms client CPU/endpoint (target <= %.1f: %s)"
                % (r["concurrency"], eps, TARGET_EPS, "met" if eps >= TARGET_EPS and ok == n else "MISSED",
                   cms, TARGET_CPU_MS, "met" if cms <= TARGET_CPU_MS else "MISSED")
            )
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
