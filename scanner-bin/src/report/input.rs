//! Reading result files: one streaming pass, line by line, with a bound on the line length.
//!
//! A line that is too long, is not JSON, is not a record of this schema, or has another
//! `schema_version` is counted (and the first few are kept as [`LineError`] text), never fatal.
//! Only I/O errors (a file that cannot be opened or read) stop the report.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::aggregate::Aggregate;
use crate::lines::{BoundedLines, Line};
use crate::record::{EndpointRecord, SCHEMA_VERSION};

/// Longest line read (16 MiB); longer lines are skipped and counted.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// A line that is not a usable record (counted, not fatal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// The line is longer than the limit.
    #[error("{file}:{line}: line longer than {max} bytes, skipped")]
    TooLong {
        /// File name (`-` for stdin).
        file: String,
        /// 1-based line number.
        line: u64,
        /// The limit.
        max: usize,
    },
    /// The line is not JSON, or not a record of this schema.
    #[error("{file}:{line}: not a record: {reason}")]
    Malformed {
        /// File name.
        file: String,
        /// 1-based line number.
        line: u64,
        /// The parser's reason.
        reason: String,
    },
    /// The record has another schema version.
    #[error("{file}:{line}: schema_version {found}, this report reads {expected}; skipped")]
    OtherSchema {
        /// File name.
        file: String,
        /// 1-based line number.
        line: u64,
        /// The record's version.
        found: u64,
        /// [`SCHEMA_VERSION`].
        expected: u32,
    },
}

/// A failure that stops the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// An input file cannot be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// An input cannot be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file (`-` for stdin).
        file: String,
        /// Why.
        source: io::Error,
    },
    /// `-` (stdin) was given more than once.
    #[error("stdin (-) can be read only once")]
    StdinTwice,
    /// The output cannot be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file (`-` for stdout).
        path: String,
        /// Why.
        source: io::Error,
    },
}

#[derive(Deserialize)]
struct VersionOnly {
    schema_version: u64,
}

/// Folds every line of `reader` (named `file` in messages) into `agg`.
pub fn read_into<R: BufRead>(
    agg: &mut Aggregate,
    file: &str,
    reader: R,
    max_line: usize,
) -> Result<(), ReportError> {
    agg.input.files = agg.input.files.saturating_add(1);
    for line in BoundedLines::new(reader, max_line) {
        let line = line.map_err(|source| ReportError::Read {
            file: file.to_owned(),
            source,
        })?;
        agg.input.lines = agg.input.lines.saturating_add(1);
        match line {
            Line::TooLong { number } => {
                agg.input.too_long = agg.input.too_long.saturating_add(1);
                agg.input.note(
                    LineError::TooLong {
                        file: file.to_owned(),
                        line: number,
                        max: max_line,
                    }
                    .to_string(),
                );
            }
            Line::Text { number, text, .. } => {
                if text.trim().is_empty() {
                    agg.input.blank = agg.input.blank.saturating_add(1);
                    continue;
                }
                if let Err(e) = parse_line(agg, file, number, &text) {
                    match e {
                        LineError::OtherSchema { .. } => {
                            agg.input.other_schema = agg.input.other_schema.saturating_add(1);
                        }
                        _ => agg.input.malformed = agg.input.malformed.saturating_add(1),
                    }
                    agg.input.note(e.to_string());
                }
            }
        }
    }
    Ok(())
}

fn parse_line(agg: &mut Aggregate, file: &str, line: u64, text: &str) -> Result<(), LineError> {
    match serde_json::from_str::<EndpointRecord>(text) {
        Ok(r) if r.schema_version == SCHEMA_VERSION => {
            agg.add(&r);
            Ok(())
        }
        Ok(r) => Err(LineError::OtherSchema {
            file: file.to_owned(),
            line,
            found: u64::from(r.schema_version),
            expected: SCHEMA_VERSION,
        }),
        Err(e) => match serde_json::from_str::<VersionOnly>(text) {
            Ok(v) if v.schema_version != u64::from(SCHEMA_VERSION) => Err(LineError::OtherSchema {
                file: file.to_owned(),
                line,
                found: v.schema_version,
                expected: SCHEMA_VERSION,
            }),
            _ => Err(LineError::Malformed {
                file: file.to_owned(),
                line,
                reason: e.to_string(),
            }),
        },
    }
}

/// Reads the files (`-` is stdin, at most once) into one aggregate.
pub fn read_files(paths: &[PathBuf], max_line: usize) -> Result<Aggregate, ReportError> {
    let mut agg = Aggregate::default();
    let mut stdin_used = false;
    for p in paths {
        if p == Path::new("-") {
            if stdin_used {
                return Err(ReportError::StdinTwice);
            }
            stdin_used = true;
            let stdin = io::stdin();
            read_into(&mut agg, "-", stdin.lock(), max_line)?;
        } else {
            let f = File::open(p).map_err(|source| ReportError::Open {
                path: p.clone(),
                source,
            })?;
            let name = p.display().to_string();
            read_into(
                &mut agg,
                &name,
                BufReader::with_capacity(1 << 16, f),
                max_line,
            )?;
        }
    }
    Ok(agg)
}
