//! Plain text: aligned columns for a terminal.

use std::fmt::Write as _;

use super::networks::GroupTable;
use super::tables::{fmt_delta, fmt_pp, fmt_share, input_lines, DomainRows, Report, Table};

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad_right(s: &str, w: usize) -> String {
    let mut out = s.to_owned();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(s))));
    out
}

fn pad_left(s: &str, w: usize) -> String {
    let mut out: String = std::iter::repeat_n(' ', w.saturating_sub(width(s))).collect();
    out.push_str(s);
    out
}

fn render_table(out: &mut String, t: &Table, with_baseline: bool) {
    let _ = writeln!(out, "{} (share of {})", t.title, t.denominator);
    let mut header = vec!["".to_owned(), "count".to_owned(), "share".to_owned()];
    if with_baseline {
        header.extend(["baseline".to_owned(), "Δ".to_owned(), "Δ share".to_owned()]);
    }
    let mut rows: Vec<Vec<String>> = vec![header];
    for r in &t.rows {
        let mut cells = vec![r.label.clone(), r.count.to_string(), fmt_share(r.share())];
        if with_baseline {
            cells.extend([
                r.fmt_baseline(),
                fmt_delta(r.delta_count()),
                fmt_pp(r.delta_pp()),
            ]);
        }
        rows.push(cells);
    }
    columns(out, &rows);
    if let Some(n) = &t.note {
        let _ = writeln!(out, "  note: {n}");
    }
    out.push('\n');
}

/// Renders the report as aligned text.
pub fn render(r: &Report) -> String {
    let mut out = String::from("mxray report\n\n");
    for l in input_lines(r) {
        let _ = writeln!(out, "{l}");
    }
    out.push('\n');
    let with_baseline = r.baseline_input.is_some();
    for s in &r.sections {
        let _ = writeln!(out, "== {} ==\n", s.title);
        for t in &s.tables {
            render_table(&mut out, t, with_baseline);
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

/// The width of each column: its widest cell (the first row decides how many columns).
fn column_widths(rows: &[Vec<String>]) -> Vec<usize> {
    let cols = rows.first().map_or(0, Vec::len);
    (0..cols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| width(c))
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// Lays out rows of cells: the first column left-aligned, the others right-aligned.
fn columns(out: &mut String, rows: &[Vec<String>]) {
    let widths = column_widths(rows);
    for r in rows {
        let mut line = String::from("  ");
        for (i, (c, w)) in r.iter().zip(&widths).enumerate() {
            if i == 0 {
                line.push_str(&pad_right(c, *w));
            } else {
                line.push_str("  ");
                line.push_str(&pad_left(c, *w));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// One per-network view as aligned columns (labels are already escaped).
fn render_groups(out: &mut String, g: &GroupTable) {
    let _ = writeln!(out, "{}", g.title);
    let mut rows: Vec<Vec<String>> = vec![std::iter::once(g.column)
        .chain(GroupTable::COLUMNS)
        .map(str::to_owned)
        .collect()];
    rows.extend(g.cells().into_iter().map(Vec::from));
    columns(out, &rows);
    let _ = writeln!(out, "  note: {}", g.note());
    out.push('\n');
}

/// The per-domain rows as aligned columns (cells are already escaped labels).
fn render_domain_rows(out: &mut String, d: &DomainRows) {
    let _ = writeln!(out, "Domains, worst first");
    let mut rows: Vec<Vec<String>> = vec![DomainRows::COLUMNS
        .iter()
        .map(|c| (*c).to_owned())
        .collect()];
    rows.extend(d.cells().into_iter().map(Vec::from));
    let widths = column_widths(&rows);
    for r in &rows {
        let mut line = String::from(" ");
        for (c, w) in r.iter().zip(&widths) {
            line.push(' ');
            line.push_str(&pad_right(c, *w));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(out, "  note: {}", d.note());
    out.push('\n');
}
