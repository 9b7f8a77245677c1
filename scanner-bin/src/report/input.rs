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

/// Optional sections of a record, in the order they are given up when a record holds an
/// enumerated value this version does not know (SCHEMA.md: readers treat unknown values as
/// "other"): the record still counts, without that section.
pub const DROPPABLE: &[&str] = &[
    "findings",
    "certificate",
    "tls",
    "starttls",
    "ehlo",
    "attempts",
    "banner",
    "error",
    "mx",
];

/// The record without the fewest optional sections that makes it parse: each section alone
/// first, then cumulatively in [`DROPPABLE`] order.
fn without_unknown_values(text: &str) -> Option<(EndpointRecord, Vec<&'static str>)> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let obj = value.as_object()?;
    let try_parse = |o: &serde_json::Map<String, serde_json::Value>| {
        serde_json::from_value::<EndpointRecord>(serde_json::Value::Object(o.clone())).ok()
    };
    for key in DROPPABLE {
        if obj.contains_key(*key) {
            let mut o = obj.clone();
            o.remove(*key);
            if let Some(r) = try_parse(&o) {
                return Some((r, vec![*key]));
            }
        }
    }
    let mut o = obj.clone();
    let mut dropped = Vec::new();
    for key in DROPPABLE {
        if o.remove(*key).is_some() {
            dropped.push(*key);
            if let Some(r) = try_parse(&o) {
                return Some((r, dropped));
            }
        }
    }
    None
}

fn parse_line(agg: &mut Aggregate, file: &str, line: u64, text: &str) -> Result<(), LineError> {
    match serde_json::from_str::<EndpointRecord>(text) {
        Ok(r) if r.schema_version == SCHEMA_VERSION => {
            agg.add(&r);
            Ok(())
        }
        Err(e) if e.to_string().starts_with("unknown variant") => {
            match without_unknown_values(text) {
                Some((r, dropped)) if r.schema_version == SCHEMA_VERSION => {
                    agg.input.degraded = agg.input.degraded.saturating_add(1);
                    agg.input.note(format!(
                        "{file}:{line}: {e}; counted without {}",
                        dropped.join(", ")
                    ));
                    agg.add(&r);
                    Ok(())
                }
                _ => Err(not_a_record(file, line, text, &e)),
            }
        }
        Ok(r) => Err(LineError::OtherSchema {
            file: file.to_owned(),
            line,
            found: u64::from(r.schema_version),
            expected: SCHEMA_VERSION,
        }),
        Err(e) => Err(not_a_record(file, line, text, &e)),
    }
}

/// Why a line that does not parse as a record is not one: another schema version, or malformed.
fn not_a_record(file: &str, line: u64, text: &str, e: &serde_json::Error) -> LineError {
    match serde_json::from_str::<VersionOnly>(text) {
        Ok(v) if v.schema_version != u64::from(SCHEMA_VERSION) => LineError::OtherSchema {
            file: file.to_owned(),
            line,
            found: v.schema_version,
            expected: SCHEMA_VERSION,
        },
        _ => LineError::Malformed {
            file: file.to_owned(),
            line,
            reason: e.to_string(),
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
