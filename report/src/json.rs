//! JSON: the report's tables with stable keys, for machines.
//!
//! Shape: `{"report_version": 1, "input": {...}, "baseline_input": {...}?, "sections": [{"id",
//! "title", "tables": [{"id", "title", "denominator", "note"?, "chart", "rows": [{"key",
//! "label", "count", "total", "share"?, "baseline_count"?, "baseline_total"?, "delta_count"?,
//! "delta_pp"?}]}], "domain_rows"?: {"limit", "domains", "not_shown", "rows": [{"domain", "mx",
//! "opportunistic", "mta_sts_sender", "dane_sender", "attackers", "wins", "mta_sts", "tls_rpt",
//! "dane"}]}, "groups"?: [{"id", "title", "column", "groups", "rows": [{"key", "label",
//! "endpoints", "starttls", "handshake", "trusted", "weak"}], "total": {"endpoints", ...}}]}]}`
//! (`domain_rows` only in the `domains` section, when records carry policies; `groups` only in
//! the `networks` section: the per-AS, per-country and per-provider views).
//! Shares are percentages rounded to 4 decimals; absent when the total is 0.

use serde::Serialize;

use super::aggregate::InputStats;
use super::tables::{Chart, DomainRows, Report, NETWORKS_SECTION};

/// Version of this JSON shape.
pub const REPORT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    report_version: u32,
    input: &'a InputStats,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_input: Option<&'a InputStats>,
    sections: Vec<JsonSection<'a>>,
}

#[derive(Serialize)]
struct JsonSection<'a> {
    id: &'a str,
    title: &'a str,
    tables: Vec<JsonTable<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain_rows: Option<&'a DomainRows>,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<&'a [crate::networks::GroupTable]>,
}

#[derive(Serialize)]
struct JsonTable<'a> {
    id: &'a str,
    title: &'a str,
    denominator: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    chart: Chart,
    rows: Vec<JsonRow<'a>>,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    key: &'a str,
    label: &'a str,
    count: u64,
    total: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta_count: Option<i128>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta_pp: Option<f64>,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Renders the report as pretty-printed JSON (ends with a newline).
pub fn render(r: &Report) -> String {
    let doc = JsonReport {
        report_version: REPORT_VERSION,
        input: &r.input,
        baseline_input: r.baseline_input.as_ref(),
        sections: r
            .sections
            .iter()
            .map(|s| JsonSection {
                id: s.id,
                title: s.title,
                domain_rows: r.domain_rows_of(s),
                groups: Some(r.networks_of(s)).filter(|_| s.id == NETWORKS_SECTION),
                tables: s
                    .tables
                    .iter()
                    .map(|t| JsonTable {
                        id: t.id,
                        title: &t.title,
                        denominator: t.denominator,
                        note: t.note.as_deref(),
                        chart: t.chart,
                        rows: t
                            .rows
                            .iter()
                            .map(|row| JsonRow {
                                key: &row.key,
                                label: &row.label,
                                count: row.count,
                                total: row.total,
                                share: row.share().map(round4),
                                baseline_count: row.baseline.map(|b| b.count),
                                baseline_total: row.baseline.map(|b| b.total),
                                delta_count: row.delta_count(),
                                delta_pp: row.delta_pp().map(round4),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
