//! `mxray report`: reads result files, writes the report (text, Markdown, JSON or HTML) or a
//! per-record output for pipelines (CSV, SARIF, JUnit XML).

use std::io::Write;
use std::path::{Path, PathBuf};

use mxray_report::records::{render_files, RecordFormat, Seen};
use mxray_report::{build_report_with, render, Format, ReportError};
use mxray_schema::record::Severity;

/// What `mxray report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// The study's report.
    Report(Format),
    /// A per-record output.
    Records(RecordFormat),
}

/// A finished document: the study's report as text, or a per-record output.
enum Doc {
    Text(String),
    Rendered(Box<mxray_report::records::Rendered>),
}

impl Doc {
    fn write_to(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            Doc::Text(t) => out.write_all(t.as_bytes()),
            Doc::Rendered(r) => r.write_to(out),
        }
    }
}

/// What `mxray report` needs to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Result files (`-` is stdin).
    pub files: Vec<PathBuf>,
    /// Output format.
    pub format: Output,
    /// Exit with [`crate::exit::Exit::Findings`] when a finding is at this severity or above.
    pub fail_on: Option<Severity>,
    /// Output file (stdout when `None` or `-`).
    pub output: Option<PathBuf>,
    /// Result files of an earlier scan to compare with.
    pub baseline: Vec<PathBuf>,
    /// Overwrite an existing output file (an input is always refused).
    pub force: bool,
    /// Per-domain rows shown ([`mxray_report::tables::DomainRows`]).
    pub domain_rows: usize,
    /// AS databases (`--asn-db`): the per-AS and per-country views.
    pub asn_db: Vec<PathBuf>,
}

fn warn_problems(label: &str, i: &mxray_report::aggregate::InputStats) {
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
            eprintln!("  {}", mxray_report::tables::clean_label_long(p));
        }
    }
}

/// The input files, as named in messages (`-` is stdin).
fn files_list(files: &[PathBuf]) -> String {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    names.join(", ")
}

/// The study's report in `format`, and the severities seen; `Err` is the exit code after the
/// message is printed.
fn report_text(opts: &Options, format: Format) -> Result<(String, Seen), crate::exit::Exit> {
    let asn_db = if opts.asn_db.is_empty() {
        None
    } else {
        match mxray_asn::AsnDb::open(&opts.asn_db) {
            Ok(db) => Some(std::sync::Arc::new(db)),
            Err(e) => {
                eprintln!("mxray report: --asn-db {e}");
                return Err(crate::exit::Exit::Fatal);
            }
        }
    };
    let built = build_report_with(&opts.files, &opts.baseline, opts.domain_rows, asn_db);
    let (report, seen) = match built {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mxray report: {e}");
            return Err(crate::exit::Exit::Fatal);
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
        return Err(crate::exit::Exit::Fatal);
    }
    Ok((render(&report, format), seen))
}

/// Runs `mxray report`; returns the process exit code: 0, or 1 on an I/O error, when no input
/// line is a valid record, or when stdout is closed, or 3 when `fail_on` is reached.
pub fn run(opts: &Options) -> crate::exit::Exit {
    if let Some(output) = opts.output.as_deref() {
        let inputs: Vec<&Path> = opts
            .files
            .iter()
            .chain(&opts.baseline)
            .map(PathBuf::as_path)
            .collect();
        if let Err(e) = mxray_scan::output::check_output(output, &inputs, opts.force, false) {
            eprintln!("mxray report: {e}");
            return crate::exit::Exit::Fatal;
        }
    }
    let (mut doc, seen) = match opts.format {
        Output::Report(format) => match report_text(opts, format) {
            Ok((text, seen)) => (Doc::Text(text), seen),
            Err(code) => return code,
        },
        Output::Records(format) => match render_files(&opts.files, format) {
            Ok(r) => {
                warn_problems("", &r.input);
                if r.input.records == 0 {
                    eprintln!(
                        "mxray report: no valid record in {} (nothing to report)",
                        files_list(&opts.files)
                    );
                    return crate::exit::Exit::Fatal;
                }
                let seen = r.seen;
                (Doc::Rendered(Box::new(r)), seen)
            }
            Err(e) => {
                eprintln!("mxray report: {e}");
                return crate::exit::Exit::Fatal;
            }
        },
    };
    let written = match opts.output.as_deref() {
        Some(p) if p != Path::new("-") => std::fs::File::create(p)
            .and_then(|f| {
                let mut w = std::io::BufWriter::new(f);
                doc.write_to(&mut w)?;
                w.flush()
            })
            .map_err(|source| ReportError::Write {
                path: p.display().to_string(),
                source,
            }),
        _ => {
            let mut so = std::io::stdout().lock();
            mxray_scan::output::check_stdout()
                .and_then(|()| doc.write_to(&mut so))
                .and_then(|()| so.flush())
                .map_err(|source| ReportError::Write {
                    path: "-".to_owned(),
                    source,
                })
        }
    };
    match written {
        Ok(()) => match opts.fail_on {
            Some(t) if seen.reaches(t) => crate::exit::Exit::Findings,
            _ => crate::exit::Exit::Ok,
        },
        Err(e) => {
            eprintln!("mxray report: {e}");
            crate::exit::Exit::Fatal
        }
    }
}
