//! Per-record outputs of `mxray report` for pipelines: CSV per endpoint and per domain
//! ([`crate::csv_out`]), SARIF 2.1.0 ([`crate::sarif`]) and JUnit XML ([`crate::junit`]).
//!
//! Unlike the study's tables, these list each unit of work's record (the one
//! [`input::read_files`](crate::input::read_files) counts for it: its last final record), so
//! their size grows with the input; only the per-domain CSV keeps state per domain, at most
//! [`MAX_DOMAINS`] of them.

use std::path::PathBuf;

use mxray_schema::record::{EndpointRecord, Severity};
use serde::Serialize;

use crate::aggregate::InputStats;
use crate::input::{read_files_into, ReportError, Sink, MAX_LINE_BYTES};

/// Most domains the per-domain CSV keeps; records of further domains are counted in
/// [`Rendered::domains_dropped`] and noted in the input problems.
pub const MAX_DOMAINS: usize = 1 << 20;

/// A per-record output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordFormat {
    /// CSV, one row per endpoint record ([`crate::csv_out::ENDPOINT_COLUMNS`]).
    Csv,
    /// CSV, one row per mail domain ([`crate::csv_out::DOMAIN_COLUMNS`]).
    CsvDomains,
    /// SARIF 2.1.0: each finding a result.
    Sarif,
    /// JUnit XML: a test suite per endpoint, a failed test case per finding at or above a
    /// severity.
    Junit {
        /// The least severity that fails a test case.
        threshold: Severity,
    },
}

/// A rendered per-record output.
#[derive(Debug)]
pub struct Rendered {
    /// The document.
    pub text: String,
    /// What was read.
    pub input: InputStats,
    /// Records of domains past [`MAX_DOMAINS`] (per-domain CSV only).
    pub domains_dropped: u64,
    /// The severities of the findings of the records written.
    pub seen: Seen,
}

/// The severities found in the records that count for their unit (for `--fail-on`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    /// The worst severity this version knows.
    pub worst: Option<Severity>,
    /// Findings with a severity this version does not know.
    pub unknown: u64,
}

impl Seen {
    /// Notes the findings of one record.
    pub fn add(&mut self, r: &EndpointRecord) {
        for f in &r.findings {
            match f.severity() {
                Some(s) => self.worst = self.worst.max(Some(s)),
                None => self.unknown = self.unknown.saturating_add(1),
            }
        }
    }

    /// Whether a finding is at `threshold` or above (one of unknown severity counts).
    ///
    /// ```
    /// use mxray_report::records::Seen;
    /// use mxray_schema::record::Severity;
    /// let s = Seen { worst: Some(Severity::Medium), unknown: 0 };
    /// assert!(s.reaches(Severity::Low) && s.reaches(Severity::Medium));
    /// assert!(!s.reaches(Severity::High));
    /// ```
    pub fn reaches(&self, threshold: Severity) -> bool {
        self.unknown > 0 || self.worst.is_some_and(|w| w >= threshold)
    }
}

/// The wire name of a serialisable enum (`"completed"`), or of a tagged enum's `class`.
pub(crate) fn wire<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => o
            .get("class")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// The worst known severity of a record's findings.
pub fn worst(r: &EndpointRecord) -> Option<Severity> {
    r.findings.iter().filter_map(|f| f.severity()).max()
}

/// Collects the records that count for their unit, in input order.
struct Collect<F: FnMut(&EndpointRecord, &mut InputStats)> {
    input: InputStats,
    each: F,
}

impl<F: FnMut(&EndpointRecord, &mut InputStats)> Sink for Collect<F> {
    fn input(&mut self) -> &mut InputStats {
        &mut self.input
    }

    fn add_counted(&mut self, r: &EndpointRecord, unit: bool, _endpoint_facts: bool) {
        if unit {
            self.input.records = self.input.records.saturating_add(1);
            (self.each)(r, &mut self.input);
        }
    }
}

/// Reads result files (`-` is stdin) and renders each unit's record in `format`.
pub fn render_files(files: &[PathBuf], format: RecordFormat) -> Result<Rendered, ReportError> {
    let mut seen = Seen::default();
    let mut note_worst = |r: &EndpointRecord| seen.add(r);
    let (text, input, dropped) = match format {
        RecordFormat::Csv => {
            let mut w = crate::csv_out::EndpointWriter::new();
            let mut c = Collect {
                input: InputStats::default(),
                each: |r: &EndpointRecord, _: &mut InputStats| {
                    note_worst(r);
                    w.row(r);
                },
            };
            read_files_into(files, MAX_LINE_BYTES, &mut c)?;
            let input = c.input;
            (w.finish(), input, 0)
        }
        RecordFormat::CsvDomains => {
            let mut d = crate::csv_out::Domains::new(MAX_DOMAINS);
            let mut c = Collect {
                input: InputStats::default(),
                each: |r: &EndpointRecord, i: &mut InputStats| {
                    note_worst(r);
                    d.add(r, i);
                },
            };
            read_files_into(files, MAX_LINE_BYTES, &mut c)?;
            let input = c.input;
            let dropped = d.dropped();
            (d.finish(), input, dropped)
        }
        RecordFormat::Sarif => {
            let mut s = crate::sarif::Sarif::default();
            let mut c = Collect {
                input: InputStats::default(),
                each: |r: &EndpointRecord, _: &mut InputStats| {
                    note_worst(r);
                    s.add(r);
                },
            };
            read_files_into(files, MAX_LINE_BYTES, &mut c)?;
            let input = c.input;
            (s.finish(), input, 0)
        }
        RecordFormat::Junit { threshold } => {
            let mut j = crate::junit::Junit::new(threshold);
            let mut c = Collect {
                input: InputStats::default(),
                each: |r: &EndpointRecord, _: &mut InputStats| {
                    note_worst(r);
                    j.add(r);
                },
            };
            read_files_into(files, MAX_LINE_BYTES, &mut c)?;
            let input = c.input;
            (j.finish(), input, 0)
        }
    };
    Ok(Rendered {
        text,
        input,
        domains_dropped: dropped,
        seen,
    })
}
