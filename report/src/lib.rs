//! mxray's report: the study's tables and charts from scan results (JSON Lines), and the
//! terminal report of one endpoint ([`terminal`], what `mxray probe` prints). No I/O beyond
//! reading the result files, no async runtime.
//!
//! A streaming pass over one or more result files (shards of one scan) folds the
//! [`EndpointRecord`](mxray_schema::record::EndpointRecord)s into an [`Aggregate`], whose memory is
//! bounded by the number of distinct values (capped), not by the number of records; a first
//! pass notes which record counts for each unit of work and each endpoint, so that each counts
//! once ([`input::read_files`]). The
//! aggregate becomes a [`Report`] of tables ([`tables::build`]), optionally with the change since
//! a baseline scan, rendered as text, Markdown, JSON or one self-contained HTML file with inline
//! SVG charts.
//!
//! ```
//! use mxray_report::{aggregate::Aggregate, input::read_into, render, tables::build, Format};
//!
//! let line = r#"{"schema_version":1,"target":"192.0.2.1","ip":"192.0.2.1","port":25,
//!   "profile":"quick","status":"failed","started_unix_ms":0,"timings":{"total_ms":1},
//!   "error":{"kind":"connect_refused","phase":"connect","message":"refused"}}"#
//!     .replace('\n', "");
//! let mut agg = Aggregate::default();
//! read_into(&mut agg, "example.jsonl", format!("{line}\nnot json\n").as_bytes(), 1 << 20).unwrap();
//! assert_eq!(agg.input.records, 1);
//! assert_eq!(agg.input.malformed, 1);
//! assert_eq!(agg.loss.get("refused"), 1);
//! let text = render(&build(&agg, None), Format::Text);
//! assert!(text.contains("connection refused"));
//! ```

pub mod aggregate;
pub mod audit;
pub mod counter;
pub mod csv_out;
pub mod domain;
pub mod endpoint;
pub mod html;
pub mod input;
pub mod json;
pub mod junit;
pub mod lab_servers;
pub mod markdown;
pub mod markup;
pub mod networks;
pub mod records;
pub mod sarif;
pub mod svg;
pub mod tables;
pub mod terminal;
pub mod text;

use std::path::{Path, PathBuf};

pub use aggregate::Aggregate;
pub use input::{LineError, ReportError};
pub use tables::Report;

/// Output format of `mxray report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Aligned columns for a terminal.
    Text,
    /// GitHub Markdown tables.
    Markdown,
    /// Machine-readable JSON with stable keys.
    Json,
    /// One self-contained HTML file with inline SVG charts.
    Html,
}

/// Renders a report in a format.
pub fn render(r: &Report, format: Format) -> String {
    match format {
        Format::Text => text::render(r),
        Format::Markdown => markdown::render(r),
        Format::Json => json::render(r),
        Format::Html => html::render(r),
    }
}

/// Reads result files (and an earlier scan's, to compare with; `-` is stdin) and builds the
/// report.
pub fn build_report(files: &[PathBuf], baseline: &[PathBuf]) -> Result<Report, ReportError> {
    let stdin = |v: &[PathBuf]| v.iter().any(|p| p == Path::new("-"));
    if stdin(files) && stdin(baseline) {
        return Err(ReportError::StdinTwice);
    }
    let agg = input::read_files(files, input::MAX_LINE_BYTES)?;
    let base = read_baseline(baseline)?;
    Ok(tables::build(&agg, base.as_ref()))
}

/// The baseline's aggregate (none without files), remembering the keys served per TLSA name
/// for the stale-key comparison ([`Aggregate::remember_served_keys`]).
fn read_baseline(baseline: &[PathBuf]) -> Result<Option<Aggregate>, ReportError> {
    if baseline.is_empty() {
        return Ok(None);
    }
    let mut agg = Aggregate::default();
    agg.remember_served_keys = true;
    input::read_files_into(baseline, input::MAX_LINE_BYTES, &mut agg)?;
    Ok(Some(agg))
}

/// Folds records into the aggregate and notes their severities ([`records::Seen`]).
struct Tracking {
    agg: Aggregate,
    seen: records::Seen,
}

impl input::Sink for Tracking {
    fn input(&mut self) -> &mut aggregate::InputStats {
        &mut self.agg.input
    }

    fn add_counted(&mut self, r: &mxray_schema::record::EndpointRecord, unit: bool, e: bool) {
        if unit {
            self.seen.add(r);
        }
        self.agg.add_counted(r, unit, e);
    }
}

/// [`build_report`], and the severities of the findings of the records that count for their
/// unit (for `--fail-on`; the baseline's are not counted), with at most `domain_rows`
/// per-domain rows ([`tables::DomainRows`]).
pub fn build_report_seen(
    files: &[PathBuf],
    baseline: &[PathBuf],
    domain_rows: usize,
) -> Result<(Report, records::Seen), ReportError> {
    build_report_with(files, baseline, domain_rows, None)
}

/// [`build_report_seen`], looking the addresses of records without `network` up in `asn_db`
/// (`--asn-db`): the report then has the per-AS and per-country views
/// ([`networks`]).
pub fn build_report_with(
    files: &[PathBuf],
    baseline: &[PathBuf],
    domain_rows: usize,
    asn_db: Option<std::sync::Arc<mxray_asn::AsnDb>>,
) -> Result<(Report, records::Seen), ReportError> {
    let stdin = |v: &[PathBuf]| v.iter().any(|p| p == Path::new("-"));
    if stdin(files) && stdin(baseline) {
        return Err(ReportError::StdinTwice);
    }
    let mut agg = match asn_db {
        Some(db) => Aggregate::with_asn_db(db),
        None => Aggregate::default(),
    };
    agg.domain_rows = domain_rows;
    let mut t = Tracking {
        agg,
        seen: records::Seen::default(),
    };
    input::read_files_into(files, input::MAX_LINE_BYTES, &mut t)?;
    let base = read_baseline(baseline)?;
    Ok((tables::build(&t.agg, base.as_ref()), t.seen))
}

/// The README's example, run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
