//! HTML: one self-contained file (inline CSS and SVG, no script, no external resource; a
//! Content-Security-Policy forbids any network request) with the charts and tables.
//!
//! Every string that comes from records (banners, subjects, issuers, suite names) is escaped with
//! [`escape`] (from [`crate::markup`]).

use std::fmt::Write as _;

use super::networks::GroupTable;
use super::svg;
use super::tables::{fmt_delta, fmt_pp, fmt_share, input_lines, Chart, DomainRows, Report};

pub use crate::markup::escape;

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;max-width:1240px;color:#1b1f23;padding:0 1em}\
h1{font-size:1.6em}h2{border-bottom:2px solid #d0d7de;padding-bottom:.2em;margin-top:2em}h3{font-size:1.05em;margin-bottom:.3em}\
table{border-collapse:collapse;margin:.4em 0 1.2em;font-size:.9em}th,td{border:1px solid #d0d7de;padding:.25em .6em}\
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}td.l{max-width:520px;overflow-wrap:anywhere}\
.note{color:#57606a;font-size:.85em}.input{background:#f6f8fa;padding:.6em 1em;border-radius:6px;font-size:.9em}\
nav a{margin-right:1em}.pair{display:flex;flex-wrap:wrap;gap:0 2em;align-items:flex-start}\
svg.chart{display:block;margin:.3em 0}svg .bar{fill:#2f81f7}svg .track{fill:#eef1f4}svg .base{fill:#6e7781}\
svg .lbl{font-size:12px;fill:#1b1f23}svg .val{font-size:11px;fill:#57606a}svg .axis{stroke:#8c959f;stroke-width:1}";

/// Renders the report as one self-contained HTML document.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>mxray report</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<h1>mxray report</h1>\n<div class=\"input\">");
    for l in input_lines(r) {
        let _ = write!(out, "{}<br>", escape(l.trim_start()));
    }
    out.push_str("</div>\n<nav>");
    for s in &r.sections {
        let _ = write!(out, "<a href=\"#{}\">{}</a>", s.id, escape(s.title));
    }
    out.push_str("</nav>\n");
    let with_baseline = r.baseline_input.is_some();
    for s in &r.sections {
        let _ = writeln!(
            out,
            "<section id=\"{}\">\n<h2>{}</h2>",
            s.id,
            escape(s.title)
        );
        for t in &s.tables {
            let _ = writeln!(
                out,
                "<h3 id=\"{}-{}\">{}</h3>\n<div class=\"note\">Share of: {}.</div>",
                s.id,
                t.id,
                escape(&t.title),
                escape(t.denominator)
            );
            out.push_str("<div class=\"pair\">\n");
            if !t.rows.is_empty() {
                match t.chart {
                    Chart::Bars => out.push_str(&svg::bars(&t.title, &t.rows)),
                    Chart::Histogram => out.push_str(&svg::histogram(&t.title, &t.rows)),
                    _ => {}
                }
                out.push('\n');
            }
            out.push_str("<table>\n<tr><th></th><th>count</th><th>share</th>");
            if with_baseline {
                out.push_str("<th>baseline</th><th>Δ</th><th>Δ share</th>");
            }
            out.push_str("</tr>\n");
            for row in &t.rows {
                let _ = write!(
                    out,
                    "<tr><td class=\"l\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
                    escape(&row.label),
                    row.count,
                    escape(&fmt_share(row.share()))
                );
                if with_baseline {
                    let b = row.fmt_baseline();
                    let _ = write!(
                        out,
                        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
                        escape(&b),
                        escape(&fmt_delta(row.delta_count())),
                        escape(&fmt_pp(row.delta_pp()))
                    );
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</table>\n</div>\n");
            if let Some(n) = &t.note {
                let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(n));
            }
        }
        if let Some(d) = r.domain_rows_of(s) {
            render_domain_rows(&mut out, s.id, d);
        }
        for g in r.networks_of(s) {
            render_groups(&mut out, s.id, g);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The per-domain rows as one HTML table, every cell escaped.
fn render_domain_rows(out: &mut String, section: &str, d: &DomainRows) {
    let _ = writeln!(
        out,
        "<h3 id=\"{section}-domain_rows\">Domains, worst first</h3>\n<table class=\"rows\">"
    );
    out.push_str("<tr>");
    for c in DomainRows::COLUMNS {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("</tr>\n");
    for row in d.cells() {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let class = if i == 1 { "n" } else { "l" };
            let _ = write!(out, "<td class=\"{class}\">{}</td>", escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&d.note()));
}

/// One per-network view as an HTML table, every cell escaped.
fn render_groups(out: &mut String, section: &str, g: &GroupTable) {
    let _ = writeln!(
        out,
        "<h3 id=\"{section}-{}\">{}</h3>\n<table class=\"rows\">",
        g.id,
        escape(g.title)
    );
    let _ = write!(out, "<tr><th>{}</th>", escape(g.column));
    for c in GroupTable::COLUMNS {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("</tr>\n");
    for row in g.cells() {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let class = if i == 0 { "l" } else { "n" };
            let _ = write!(out, "<td class=\"{class}\">{}</td>", escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&g.note()));
}
