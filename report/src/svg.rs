//! Charts as inline SVG: horizontal bars and histograms of a table's shares.
//!
//! Every string is escaped with [`crate::markup::escape`]; the SVG has no scripts, links or
//! external references.

use std::fmt::Write as _;

use super::tables::{fmt_share, share, Row};
use crate::markup::escape;

const WIDTH: u32 = 780;
const LABEL_W: u32 = 300;
const BAR_W: u32 = 320;
const ROW_H: u32 = 22;
const MAX_ROWS: usize = 20;

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Bar length in pixels for a share in percent.
fn scaled(pct: Option<f64>, full: u32) -> u32 {
    let p = pct.unwrap_or(0.0).clamp(0.0, 100.0);
    // In [0, full] by the clamp; the cast cannot truncate meaningfully.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let px = (p * f64::from(full) / 100.0).round() as u32;
    px
}

/// Horizontal bars, one per row (at most 20), with the share as text; a thin grey bar under
/// each shows the baseline's share when there is one.
pub fn bars(title: &str, rows: &[Row]) -> String {
    let rows: Vec<&Row> = rows.iter().take(MAX_ROWS).collect();
    let n = u32::try_from(rows.len()).unwrap_or(0);
    let height = n.saturating_mul(ROW_H).saturating_add(8);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}"><title>{}</title>"#,
        escape(title)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = u32::try_from(i)
            .unwrap_or(0)
            .saturating_mul(ROW_H)
            .saturating_add(4);
        let w = scaled(r.share(), BAR_W);
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" class="lbl">{}</text><rect x="{LABEL_W}" y="{}" width="{BAR_W}" height="14" class="track"/><rect x="{LABEL_W}" y="{}" width="{w}" height="14" class="bar"/>"#,
            LABEL_W.saturating_sub(6),
            y.saturating_add(12),
            escape(&short(&r.label, 44)),
            y,
            y
        );
        if let Some(b) = r.baseline {
            let bw = scaled(share(b.count, b.total), BAR_W);
            let _ = write!(
                s,
                r#"<rect x="{LABEL_W}" y="{}" width="{bw}" height="3" class="base"/>"#,
                y.saturating_add(15)
            );
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="val">{} ({})</text>"#,
            LABEL_W.saturating_add(BAR_W).saturating_add(6),
            y.saturating_add(12),
            escape(&fmt_share(r.share())),
            r.count
        );
    }
    s.push_str("</svg>");
    s
}

/// A histogram: vertical bars over ordered buckets (the rows, in order).
pub fn histogram(title: &str, rows: &[Row]) -> String {
    let rows: Vec<&Row> = rows.iter().take(MAX_ROWS).collect();
    let n = u32::try_from(rows.len().max(1)).unwrap_or(1);
    let plot_h: u32 = 150;
    let top: u32 = 20;
    let height = top + plot_h + 40;
    let col = (WIDTH - 40) / n;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}"><title>{}</title><line x1="20" y1="{}" x2="{}" y2="{}" class="axis"/>"#,
        escape(title),
        top + plot_h,
        WIDTH - 20,
        top + plot_h
    );
    for (i, r) in rows.iter().enumerate() {
        let x = 20 + u32::try_from(i).unwrap_or(0).saturating_mul(col);
        let h = scaled(r.share(), plot_h);
        let bar_w = col.saturating_sub(10).max(4);
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="{bar_w}" height="{h}" class="bar"/><text x="{}" y="{}" text-anchor="middle" class="val">{}</text><text x="{}" y="{}" text-anchor="middle" class="lbl">{}</text>"#,
            x + 5,
            top + plot_h - h,
            x + col / 2,
            (top + plot_h - h).saturating_sub(4).max(10),
            escape(&fmt_share(r.share())),
            x + col / 2,
            top + plot_h + 16,
            escape(&short(
                &r.label,
                usize::try_from(col / 8).unwrap_or(8).max(4)
            ))
        );
        if let Some(b) = r.baseline {
            let bh = scaled(share(b.count, b.total), plot_h);
            let _ = write!(
                s,
                r#"<rect x="{}" y="{}" width="{bar_w}" height="2" class="base"/>"#,
                x + 5,
                top + plot_h - bh
            );
        }
    }
    s.push_str("</svg>");
    s
}
