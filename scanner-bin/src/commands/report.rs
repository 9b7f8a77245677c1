//! `mxray report`: reads result files, writes the report (text, Markdown, JSON or HTML).

use std::io::Write;
use std::path::{Path, PathBuf};

use mxray_report::{build_report, render, Format, ReportError};

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

/// Runs `mxray report`; returns the process exit code: 0, or 1 on an I/O error, when no input
/// line is a valid record, or when stdout is closed.
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
    let report = match build_report(&opts.files, &opts.baseline) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mxray report: {e}");
            return crate::exit::Exit::Fatal;
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
        return crate::exit::Exit::Fatal;
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
            mxray_scan::output::check_stdout()
                .and_then(|()| so.write_all(out.as_bytes()))
                .and_then(|()| so.flush())
                .map_err(|source| ReportError::Write {
                    path: "-".to_owned(),
                    source,
                })
        }
    };
    match written {
        Ok(()) => crate::exit::Exit::Ok,
        Err(e) => {
            eprintln!("mxray report: {e}");
            crate::exit::Exit::Fatal
        }
    }
}
