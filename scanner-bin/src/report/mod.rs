//! `mxray report`: the study's tables and charts from scan results (JSON Lines).
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
//! use mxray::report::{aggregate::Aggregate, input::read_into, render, tables::build, Format};
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
pub mod counter;
pub mod html;
pub mod input;
pub mod json;
pub mod markdown;
pub mod svg;
pub mod synth;
pub mod tables;
pub mod text;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use aggregate::Aggregate;
pub use input::{LineError, ReportError};
pub use tables::Report;

/// Output format of `mxray report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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

/// What `mxray report` needs to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Result files (`-` is stdin).
    pub files: Vec<PathBuf>,
    /// Output format.
    pub format: Format,
    /// Output file (stdout when `None` or `-`).
    pub output: Option<PathBuf>,
    /// Result files of an earlier scan to compare with.
    pub baseline: Vec<PathBuf>,
    /// Overwrite an existing output file (an input is always refused).
    pub force: bool,
}

/// Reads the inputs (and the baseline) and builds the report.
pub fn build_report(opts: &Options) -> Result<Report, ReportError> {
    let stdin = |v: &[PathBuf]| v.iter().any(|p| p == Path::new("-"));
    if stdin(&opts.files) && stdin(&opts.baseline) {
        return Err(ReportError::StdinTwice);
    }
    let agg = input::read_files(&opts.files, input::MAX_LINE_BYTES)?;
    let base = if opts.baseline.is_empty() {
        None
    } else {
        Some(input::read_files(&opts.baseline, input::MAX_LINE_BYTES)?)
    };
    Ok(tables::build(&agg, base.as_ref()))
}

fn warn_problems(label: &str, i: &aggregate::InputStats) {
    let bad = i
        .malformed
        .saturating_add(i.too_long)
        .saturating_add(i.other_schema);
    if bad > 0 {
        eprintln!(
            "mxray report: {label}{bad} line(s) skipped ({} malformed, {} too long, {} other schema version)",
            i.malformed, i.too_long, i.other_schema
        );
        for p in &i.problems {
            eprintln!("  {}", tables::clean_label_long(p));
        }
    }
}

/// The input files, as named in messages (`-` is stdin).
fn files_list(files: &[PathBuf]) -> String {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    names.join(", ")
}

/// Runs `mxray report`; returns the process exit code: 0, or 1 on an I/O error, when no input
/// line is a valid record, or when stdout is closed.
pub fn run(opts: &Options) -> i32 {
    if let Some(output) = opts.output.as_deref() {
        let inputs: Vec<&Path> = opts
            .files
            .iter()
            .chain(&opts.baseline)
            .map(PathBuf::as_path)
            .collect();
        if let Err(e) = crate::output::check_output(output, &inputs, opts.force, false) {
            eprintln!("mxray report: {e}");
            return 1;
        }
    }
    let report = match build_report(opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mxray report: {e}");
            return 1;
        }
    };
    warn_problems("", &report.input);
    if let Some(b) = &report.baseline_input {
        warn_problems("baseline: ", b);
    }
    if report.input.records == 0 {
        eprintln!(
            "mxray report: no valid record in {} (nothing to report)",
            files_list(&opts.files)
        );
        return 1;
    }
    let out = render(&report, opts.format);
    let written = match opts.output.as_deref() {
        Some(p) if p != Path::new("-") => {
            std::fs::write(p, out.as_bytes()).map_err(|source| ReportError::Write {
                path: p.display().to_string(),
                source,
            })
        }
        _ => {
            let mut so = std::io::stdout().lock();
            crate::output::check_stdout()
                .and_then(|()| so.write_all(out.as_bytes()))
                .and_then(|()| so.flush())
                .map_err(|source| ReportError::Write {
                    path: "-".to_owned(),
                    source,
                })
        }
    };
    match written {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mxray report: {e}");
            1
        }
    }
}
