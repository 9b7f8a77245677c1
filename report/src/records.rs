//! Per-record outputs of `mxray report` for pipelines: CSV per endpoint and per domain
//! ([`crate::csv_out`]), SARIF 2.1.0 ([`crate::sarif`]) and JUnit XML ([`crate::junit`]).
//!
//! Unlike the study's tables, these list each unit of work's record (the one
//! [`input::read_files`](crate::input::read_files) counts for it: its last final record), so
//! their size grows with the input. It goes to an unlinked temporary file as it is made
//! ([`Rendered::body`]), not to memory; in memory stay only the per-domain CSV's counters (at
//! most [`MAX_DOMAINS`] domains), SARIF's rules (one per distinct finding id) and JUnit's
//! totals.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::PathBuf;

use mxray_schema::record::{EndpointRecord, Severity};

use crate::aggregate::InputStats;
use crate::endpoint::Body;
use crate::input::{read_files_into, temp_file, ReportError, Sink, MAX_LINE_BYTES};

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

/// A rendered per-record output: the document is `head`, then `body`, then `tail`.
#[derive(Debug)]
pub struct Rendered {
    /// What comes before the body.
    pub head: String,
    /// The bulk of the document, in an unlinked temporary file, positioned at its start.
    pub body: File,
    /// What comes after the body.
    pub tail: String,
    /// What was read.
    pub input: InputStats,
    /// Records of domains past [`MAX_DOMAINS`] (per-domain CSV only).
    pub domains_dropped: u64,
    /// The severities of the findings of the records written.
    pub seen: Seen,
}

impl Rendered {
    /// Writes the whole document to `out`.
    pub fn write_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(self.head.as_bytes())?;
        io::copy(&mut self.body, out)?;
        out.write_all(self.tail.as_bytes())
    }

    /// The whole document as text (for tests and small inputs).
    pub fn to_text(&mut self) -> io::Result<String> {
        let mut v = Vec::new();
        self.write_to(&mut v)?;
        Ok(String::from_utf8_lossy(&v).into_owned())
    }
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

/// One per-record format being written.
enum Builder {
    Csv(Box<crate::csv_out::EndpointWriter>),
    Domains(crate::csv_out::Domains, Body),
    Sarif(crate::sarif::Sarif),
    Junit(crate::junit::Junit),
}

impl Builder {
    fn add(&mut self, r: &EndpointRecord, input: &mut InputStats) -> io::Result<()> {
        match self {
            Builder::Csv(w) => w.row(r),
            Builder::Domains(d, _) => {
                d.add(r, input);
                Ok(())
            }
            Builder::Sarif(s) => s.add(r),
            Builder::Junit(j) => j.add(r),
        }
    }

    /// Head, body file (flushed) and tail.
    fn finish(self) -> io::Result<(String, File, String)> {
        let (head, body, tail) = match self {
            Builder::Csv(w) => (String::new(), (*w).finish()?, String::new()),
            Builder::Domains(d, mut body) => {
                d.finish(&mut body)?;
                (String::new(), body, String::new())
            }
            Builder::Sarif(s) => s.finish(),
            Builder::Junit(j) => j.finish(),
        };
        let mut file = body.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(0))?;
        Ok((head, file, tail))
    }
}

/// The sink that hands each unit's record to the builder, keeping the first write error.
struct Collect {
    input: InputStats,
    seen: Seen,
    builder: Builder,
    error: Option<io::Error>,
}

impl Sink for Collect {
    fn input(&mut self) -> &mut InputStats {
        &mut self.input
    }

    fn add_counted(&mut self, r: &EndpointRecord, unit: bool, _endpoint_facts: bool) {
        if !unit || self.error.is_some() {
            return;
        }
        self.input.records = self.input.records.saturating_add(1);
        self.seen.add(r);
        if let Err(e) = self.builder.add(r, &mut self.input) {
            self.error = Some(e);
        }
    }
}

fn tmp_error(source: io::Error) -> ReportError {
    ReportError::Write {
        path: "a temporary file".to_owned(),
        source,
    }
}

/// Reads result files (`-` is stdin) and renders each unit's record in `format`.
pub fn render_files(files: &[PathBuf], format: RecordFormat) -> Result<Rendered, ReportError> {
    let body = BufWriter::with_capacity(1 << 16, temp_file().map_err(tmp_error)?);
    let builder = match format {
        RecordFormat::Csv => Builder::Csv(Box::new(
            crate::csv_out::EndpointWriter::with_header(body).map_err(tmp_error)?,
        )),
        RecordFormat::CsvDomains => {
            Builder::Domains(crate::csv_out::Domains::new(MAX_DOMAINS), body)
        }
        RecordFormat::Sarif => Builder::Sarif(crate::sarif::Sarif::new(body)),
        RecordFormat::Junit { threshold } => {
            Builder::Junit(crate::junit::Junit::new(threshold, body))
        }
    };
    let mut c = Collect {
        input: InputStats::default(),
        seen: Seen::default(),
        builder,
        error: None,
    };
    read_files_into(files, MAX_LINE_BYTES, &mut c)?;
    if let Some(e) = c.error {
        return Err(tmp_error(e));
    }
    let domains_dropped = match &c.builder {
        Builder::Domains(d, _) => d.dropped(),
        _ => 0,
    };
    let (head, body, tail) = c.builder.finish().map_err(tmp_error)?;
    Ok(Rendered {
        head,
        body,
        tail,
        input: c.input,
        domains_dropped,
        seen: c.seen,
    })
}
