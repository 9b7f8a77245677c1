#!/usr/bin/env python3
"""Curves of benches/curves.sh: endpoints/s and client peak RSS against concurrency (at one fleet
size) and against fleet size (at one concurrency), one line per profile, as hand-written SVG, plus
the gathered TSV and a Markdown table of the same numbers.

usage: svg.py [--tsv OUT.tsv] [--markdown OUT.md] [--concurrency-svg OUT.svg] [--fleet-svg OUT.svg]
              [--size 8192] [--concurrency 1000] [--context FILE] INPUT...
INPUT: runs.tsv files of benches/fleet.sh (the records of each scan are then counted from its JSON
Lines output, which must still exist), or a TSV written by --tsv before (already counted: the
charts can be redrawn from it alone).

The concurrency chart takes the runs at fleet size --size, the fleet chart the runs at concurrency
--concurrency. Each chart has two panels sharing the x axis (log scale): endpoints/s (records /
wall time; linear y from 0) and client peak RSS in MB (log y when it spans more than a factor of 8).
A hollow marker is a run in which not every endpoint's record completed with a TLS handshake.

Python 3 standard library only (no matplotlib).
"""

import argparse
import csv
import math
import os
import sys
from collections import OrderedDict
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import outcomes  # noqa: E402  (same directory)

RUN_COLUMNS = ["build", "profile", "concurrency", "endpoints", "wall", "user", "sys", "maxrss_kb",
               "server_cpu", "server_connections", "server_handshakes", "output", "rc"]
COLUMNS = ["fleet_size"] + RUN_COLUMNS + ["records", "tls_ok", "statuses"]

PROFILE_ORDER = ["quick", "standard", "full"]
COLORS = {"quick": "#1f77b4", "standard": "#d95f02", "full": "#2ca02c"}
OTHER_COLORS = ["#7570b3", "#e7298a", "#66a61e", "#a6761d"]
MARKERS = {"quick": "circle", "standard": "square", "full": "diamond"}
FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""


# ---------------------------------------------------------------------------------------------
# data


def load(paths):
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            rd = csv.DictReader(f, delimiter="\t")
            for r in rd:
                if "records" not in r or r.get("records") in (None, ""):
                    recs, ok, kinds = outcomes(r["output"])
                    r["records"], r["tls_ok"] = str(recs), str(ok)
                    r["statuses"] = ",".join("%s:%d" % kv for kv in sorted(kinds.items()))
                r.setdefault("build", "head")
                r["fleet_size"] = r.get("fleet_size") or r["endpoints"]
                rows.append(r)
    return rows


def num(r, k, default=0.0):
    try:
        return float(r.get(k) or default)
    except ValueError:
        return default


def derived(r):
    """The figures of one run, for the charts and the table."""
    n = int(r["endpoints"])
    c = int(r["concurrency"])
    recs, ok = int(r["records"]), int(r["tls_ok"])
    wall = num(r, "wall")
    cpu = num(r, "user") + num(r, "sys")
    rss_kb = num(r, "maxrss_kb")
    conns = r.get("server_connections") or ""
    in_flight = min(c, n)
    return {
        "n": n, "c": c, "records": recs, "ok": ok, "wall": wall,
        "eps": recs / wall if wall else 0.0,
        "cpu_ms": 1000.0 * cpu / recs if recs else float("nan"),
        "scpu_ms": 1000.0 * num(r, "server_cpu") / recs if recs else float("nan"),
        "conns": int(conns) / recs if conns and recs else float("nan"),
        "rss_mb": rss_kb / 1024.0,
        "kb_in_flight": rss_kb / in_flight if in_flight else float("nan"),
        "complete": recs == n and ok == n and r.get("rc", "0") == "0"
                    and set(s.split(":")[0] for s in r["statuses"].split(",") if s) <= {"completed"},
        "rc": r.get("rc", ""),
        "statuses": r.get("statuses", ""),
    }


def series_key(r):
    return (r["profile"], r.get("build") or "head")


def series_label(key):
    p, b = key
    return p if b == "head" else "%s (%s)" % (p, b)


def ordered_series(rows):
    keys = OrderedDict()
    for r in rows:
        keys[series_key(r)] = True

    def rank(k):
        p, b = k
        return (PROFILE_ORDER.index(p) if p in PROFILE_ORDER else len(PROFILE_ORDER), p, b != "head", b)

    return sorted(keys, key=rank)


def style(key, i):
    p, b = key
    color = COLORS.get(p) or OTHER_COLORS[i % len(OTHER_COLORS)]
    return color, MARKERS.get(p, "triangle"), b != "head"


# ---------------------------------------------------------------------------------------------
# axes


def nice_step(span, target=5):
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def linear_ticks(vmax):
    if vmax <= 0:
        vmax = 1.0
    step = nice_step(vmax)
    top = math.ceil(vmax * 1.05 / step) * step
    ticks, t = [], 0.0
    while t <= top + step / 1000:
        ticks.append(t)
        t += step
    return 0.0, top, ticks


def log_ticks(vmin, vmax):
    lo = 10 ** math.floor(math.log10(vmin))
    hi = 10 ** math.ceil(math.log10(vmax))
    cands, d = [], lo
    while d <= hi * 1.0001:
        for m in (1, 2, 5):
            cands.append(m * d)
        d *= 10
    # the axis spans the data with a margin; ticks are the 1-2-5 values inside it
    a, b = vmin / 1.25, vmax * 1.25
    ticks = [t for t in cands if a <= t <= b]
    if len(ticks) > 7:  # many decades: the powers of ten only
        ticks = [t for t in ticks if abs(math.log10(t) - round(math.log10(t))) < 1e-9] or ticks
    return a, b, ticks


def fmt_num(v):
    if v >= 1000 and v == int(v):
        return "{:,}".format(int(v))
    if v == int(v):
        return str(int(v))
    return ("%.2f" % v).rstrip("0").rstrip(".")


def fmt_x(v):
    v = int(v)
    return "{:,}".format(v)


class Panel:
    """One plot area: x log scale over the given values, y linear from 0 or log."""

    def __init__(self, x0, y0, w, h, xs, ys, ylog):
        self.x0, self.y0, self.w, self.h = x0, y0, w, h
        self.xs = sorted(set(xs))
        lx = [math.log10(v) for v in self.xs]
        pad = max(0.12 * (max(lx) - min(lx)), 0.15)
        self.xa, self.xb = min(lx) - pad, max(lx) + pad
        ys = [y for y in ys if y > 0] or [1.0]
        self.ylog = ylog
        if ylog:
            a, b, self.yticks = log_ticks(min(ys), max(ys))
            self.ya, self.yb = math.log10(a), math.log10(b)
        else:
            self.ya, self.yb, self.yticks = linear_ticks(max(ys))

    def px(self, v):
        return self.x0 + self.w * (math.log10(v) - self.xa) / (self.xb - self.xa)

    def py(self, v):
        if self.ylog:
            v = math.log10(max(v, 10 ** self.ya))
        return self.y0 + self.h - self.h * (v - self.ya) / (self.yb - self.ya)


def marker(shape, x, y, color, hollow, title):
    fill = "#ffffff" if hollow else color
    r = 4.5
    t = "<title>%s</title>" % escape(title)
    common = 'fill="%s" stroke="%s" stroke-width="1.6"' % (fill, color)
    if shape == "circle":
        return '<circle cx="%.1f" cy="%.1f" r="%.1f" %s>%s</circle>' % (x, y, r, common, t)
    if shape == "square":
        return '<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" %s>%s</rect>' % (
            x - r, y - r, 2 * r, 2 * r, common, t)
    if shape == "diamond":
        r *= 1.3
        pts = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    else:  # triangle
        r *= 1.2
        pts = [(x, y - r), (x + r, y + 0.8 * r), (x - r, y + 0.8 * r)]
    return '<polygon points="%s" %s>%s</polygon>' % (
        " ".join("%.1f,%.1f" % p for p in pts), common, t)


def draw_panel(out, pn, title, xlabel, ylabel, series, yfmt):
    """series: list of (key, label, color, shape, dashed, [(x, y, complete, tooltip)])."""
    x0, y0, w, h = pn.x0, pn.y0, pn.w, pn.h
    out.append('<text x="%.1f" y="%.1f" font-size="14" font-weight="bold" text-anchor="middle">%s</text>'
               % (x0 + w / 2, y0 - 12, escape(title)))
    # grid and y ticks
    for t in pn.yticks:
        y = pn.py(t)
        if y < y0 - 0.5 or y > y0 + h + 0.5:
            continue
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3" stroke-width="1"/>'
                   % (x0, y, x0 + w, y))
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444" stroke-width="1"/>'
                   % (x0 - 4, y, x0, y))
        out.append('<text x="%.1f" y="%.1f" font-size="11" text-anchor="end" fill="#333">%s</text>'
                   % (x0 - 7, y + 4, escape(yfmt(t))))
    # x ticks at the measured values
    for v in pn.xs:
        x = pn.px(v)
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eeeeee" stroke-width="1"/>'
                   % (x, y0, x, y0 + h))
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444" stroke-width="1"/>'
                   % (x, y0 + h, x, y0 + h + 4))
        out.append('<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="#333">%s</text>'
                   % (x, y0 + h + 17, escape(fmt_x(v))))
    # frame
    out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#444" stroke-width="1"/>'
               % (x0, y0, w, h))
    out.append('<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle">%s</text>'
               % (x0 + w / 2, y0 + h + 38, escape(xlabel)))
    out.append('<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle" transform="rotate(-90 %.1f %.1f)">%s</text>'
               % (x0 - 52, y0 + h / 2, x0 - 52, y0 + h / 2, escape(ylabel)))
    # lines and markers
    for key, label, color, shape, dashed, pts in series:
        pts = sorted(pts)
        if len(pts) > 1:
            d = " ".join("%.1f,%.1f" % (pn.px(x), pn.py(y)) for x, y, _, _ in pts)
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>'
                       % (d, color, ' stroke-dasharray="6 4"' if dashed else ""))
        for x, y, complete, tip in pts:
            out.append(marker(shape, pn.px(x), pn.py(y), color, not complete, tip))


def chart(path, rows, xfield, title, xlabel, subtitle):
    """Two panels (endpoints/s, peak RSS MB) against xfield ('c' or 'n'), one series per profile."""
    keys = ordered_series(rows)
    data = []
    for i, key in enumerate(keys):
        color, shape, dashed = style(key, i)
        pts_eps, pts_rss = [], []
        for r in rows:
            if series_key(r) != key:
                continue
            d = derived(r)
            tip = "%s, concurrency %d, %d endpoints: %.0f endpoints/s, peak RSS %.0f MB%s" % (
                series_label(key), d["c"], d["n"], d["eps"], d["rss_mb"],
                "" if d["complete"] else " (INCOMPLETE: %d records, %d TLS ok, %s)" % (
                    d["records"], d["ok"], d["statuses"]))
            pts_eps.append((d[xfield], d["eps"], d["complete"], tip))
            pts_rss.append((d[xfield], d["rss_mb"], d["complete"], tip))
        data.append((key, series_label(key), color, shape, dashed, pts_eps, pts_rss))
    xs = [p[0] for s in data for p in s[5]]
    eps = [p[1] for s in data for p in s[5]]
    rss = [p[1] for s in data for p in s[6]]
    rss_pos = [v for v in rss if v > 0] or [1.0]
    rss_log = max(rss_pos) / min(rss_pos) > 8

    W, H = 960, 440
    pw, ph, top = 370, 270, 96
    left1, left2 = 90, 90 + pw + 110
    p1 = Panel(left1, top, pw, ph, xs, eps, False)
    p2 = Panel(left2, top, pw, ph, xs, rss, rss_log)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s>'
           % (W, H, W, H, FONT),
           '<title>%s</title>' % escape(title),
           '<rect width="100%" height="100%" fill="#ffffff"/>',
           '<text x="%d" y="26" font-size="17" font-weight="bold" text-anchor="middle">%s</text>'
           % (W // 2, escape(title))]
    if subtitle:
        out.append('<text x="%d" y="45" font-size="11.5" text-anchor="middle" fill="#555">%s</text>'
                   % (W // 2, escape(subtitle)))
    # legend: one entry per series, centred under the title
    entry_w = [34 + 7.2 * len(s[1]) for s in data]
    lx = W / 2 - (sum(entry_w) + 24 * (len(data) - 1)) / 2
    ly = 66
    for (key, label, color, shape, dashed, _, _), ew in zip(data, entry_w):
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2"%s/>'
                   % (lx, ly, lx + 26, ly, color, ' stroke-dasharray="6 4"' if dashed else ""))
        out.append(marker(shape, lx + 13, ly, color, False, label))
        out.append('<text x="%.1f" y="%d" font-size="12.5">%s</text>' % (lx + 32, ly + 4, escape(label)))
        lx += ew + 24
    draw_panel(out, p1, "Throughput", xlabel, "endpoints/s",
               [(s[0], s[1], s[2], s[3], s[4], s[5]) for s in data], fmt_num)
    draw_panel(out, p2, "Client peak RSS", xlabel, "peak RSS, MB" + (" (log scale)" if rss_log else ""),
               [(s[0], s[1], s[2], s[3], s[4], s[6]) for s in data], fmt_num)
    notes = ["x: log scale."]
    if any(not p[2] for s in data for p in s[5]):
        notes.append("Hollow marker: not every record completed with a TLS handshake.")
    out.append('<text x="%d" y="%d" font-size="11" text-anchor="middle" fill="#555">%s</text>'
               % (W // 2, H - 12, escape(" ".join(notes))))
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------------------------------------
# table


def md_table(rows):
    head = ("| profile | concurrency | fleet size | records | TLS ok | wall s | endpoints/s | client CPU ms/endpoint "
            "| server CPU ms/endpoint | connections/endpoint (server) | client peak RSS MB "
            "| peak RSS KB per in-flight endpoint | rc |")
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        d = derived(r)
        label = series_label(series_key(r))
        lines.append("| %s | %d | %d | %d | %d | %.2f | %.0f | %.3f | %.3f | %.2f | %.0f | %.1f | %s |" % (
            label, d["c"], d["n"], d["records"], d["ok"], d["wall"], d["eps"], d["cpu_ms"], d["scpu_ms"],
            d["conns"], d["rss_mb"], d["kb_in_flight"], d["rc"]))
    return lines


def sort_rows(rows, field):
    keys = ordered_series(rows)
    return sorted(rows, key=lambda r: (keys.index(series_key(r)), int(r[field])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--tsv")
    ap.add_argument("--markdown")
    ap.add_argument("--concurrency-svg")
    ap.add_argument("--fleet-svg")
    ap.add_argument("--size", type=int, default=8192, help="fleet size of the concurrency curve")
    ap.add_argument("--concurrency", type=int, default=1000, help="concurrency of the fleet-size curve")
    ap.add_argument("--context", help="file of lines (machine, date, command) for the table's head")
    ap.add_argument("--subtitle", default="", help="line under each chart's title")
    a = ap.parse_args()

    rows = load(a.inputs)
    if a.tsv:
        with open(a.tsv, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, COLUMNS, delimiter="\t", extrasaction="ignore", lineterminator="\n")
            w.writeheader()
            for r in sorted(rows, key=lambda r: (int(r["fleet_size"]), r["profile"], int(r["concurrency"]))):
                w.writerow(r)

    by_c = sort_rows([r for r in rows if int(r["fleet_size"]) == a.size], "concurrency")
    by_n = sort_rows([r for r in rows if int(r["concurrency"]) == a.concurrency], "fleet_size")
    if a.concurrency_svg and by_c:
        chart(a.concurrency_svg, by_c, "c",
              "mxray scan: throughput and memory against concurrency (fleet of %s endpoints)" % fmt_x(a.size),
              "concurrency (--concurrency)", a.subtitle)
    if a.fleet_svg and by_n:
        chart(a.fleet_svg, by_n, "n",
              "mxray scan: throughput and memory against fleet size (concurrency %s)" % fmt_x(a.concurrency),
              "fleet size (endpoints scanned)", a.subtitle)

    text = []
    if a.context and os.path.exists(a.context):
        with open(a.context, encoding="utf-8") as f:
            text += [line.rstrip() for line in f if line.strip()]
        text.append("")
    if a.concurrency_svg and by_c:
        text += ["![throughput and peak RSS against concurrency](%s)" % os.path.basename(a.concurrency_svg), ""]
    text += ["Against concurrency, fleet of %d endpoints:" % a.size, ""] + md_table(by_c) + [""]
    if a.fleet_svg and by_n:
        text += ["![throughput and peak RSS against fleet size](%s)" % os.path.basename(a.fleet_svg), ""]
    text += ["Against fleet size, concurrency %d:" % a.concurrency, ""] + md_table(by_n) + [""]
    text.append("endpoints/s: records / wall time. Peak RSS KB per in-flight endpoint: client peak RSS / "
                "min(concurrency, fleet size), the runtime's own memory included (it dominates at low concurrency).")
    bad = [r for r in rows if not derived(r)["complete"]]
    for r in bad:
        d = derived(r)
        text.append("INCOMPLETE: %s c=%d n=%d: %d records, %d TLS ok, rc %s, statuses %s" % (
            series_label(series_key(r)), d["c"], d["n"], d["records"], d["ok"], d["rc"], d["statuses"]))
    print("\n".join(text))
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as f:
            f.write("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
