//! Markdown: GitHub tables.

use std::fmt::Write as _;

use super::networks::GroupTable;
use super::tables::{fmt_delta, fmt_pp, fmt_share, input_lines, DomainRows, Report};

/// Escapes text for a GitHub Markdown table cell: ASCII punctuation that means something
/// (`|`, `*`, `_`, `<`, ...) is backslash-escaped, so record strings stay text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '|'
                | '#'
                | '!'
                | '~'
                | '&'
                | '('
                | ')'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Renders the report as Markdown.
pub fn render(r: &Report) -> String {
    let mut out = String::from("# mxray report\n\n");
    for l in input_lines(r) {
        let _ = writeln!(out, "{}  ", escape(l.trim_start()));
    }
    out.push('\n');
    let with_baseline = r.baseline_input.is_some();
    for s in &r.sections {
        let _ = writeln!(out, "## {}\n", escape(s.title));
        for t in &s.tables {
            let _ = writeln!(out, "### {}\n", escape(&t.title));
            let _ = writeln!(out, "Share of: {}.\n", escape(t.denominator));
            if with_baseline {
                out.push_str("| | count | share | baseline | Δ | Δ share |\n|---|---:|---:|---:|---:|---:|\n");
            } else {
                out.push_str("| | count | share |\n|---|---:|---:|\n");
            }
            for row in &t.rows {
                let _ = write!(
                    out,
                    "| {} | {} | {} |",
                    escape(&row.label),
                    row.count,
                    fmt_share(row.share())
                );
                if with_baseline {
                    let b = row.fmt_baseline();
                    let _ = write!(
                        out,
                        " {} | {} | {} |",
                        b,
                        fmt_delta(row.delta_count()),
                        fmt_pp(row.delta_pp())
                    );
                }
                out.push('\n');
            }
            if let Some(n) = &t.note {
                let _ = writeln!(out, "\n{}", escape(n));
            }
            out.push('\n');
        }
        if let Some(d) = r.domain_rows_of(s) {
            render_domain_rows(&mut out, d);
        }
        for g in r.networks_of(s) {
            render_groups(&mut out, g);
        }
    }
    out
}

/// One per-network view as a Markdown table, every cell escaped.
fn render_groups(out: &mut String, g: &GroupTable) {
    let _ = write!(out, "### {}\n\n| {} |", escape(g.title), escape(g.column));
    for c in GroupTable::COLUMNS {
        let _ = write!(out, " {} |", escape(c));
    }
    out.push_str("\n|---|");
    for _ in GroupTable::COLUMNS {
        out.push_str("---:|");
    }
    out.push('\n');
    for row in g.cells() {
        out.push('|');
        for c in &row {
            let _ = write!(out, " {} |", escape(c));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "\n{}\n", escape(&g.note()));
}

/// The per-domain rows as one Markdown table, every cell escaped.
fn render_domain_rows(out: &mut String, d: &DomainRows) {
    out.push_str("### Domains, worst first\n\n|");
    for c in DomainRows::COLUMNS {
        let _ = write!(out, " {} |", escape(c));
    }
    out.push_str("\n|");
    for i in 0..DomainRows::COLUMNS.len() {
        out.push_str(if i == 1 { "---:|" } else { "---|" });
    }
    out.push('\n');
    for row in d.cells() {
        out.push('|');
        for c in &row {
            let _ = write!(out, " {} |", escape(c));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "\n{}\n", escape(&d.note()));
}
