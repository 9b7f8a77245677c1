//! Reading result files: streaming, line by line, with a bound on the line length.
//!
//! A line that is too long, is not JSON, is not a record of this schema, or has another
//! `schema_version` is counted (and the first few are kept as [`LineError`] text), never fatal.
//! Only I/O errors (a file that cannot be opened or read) stop the report.
//!
//! [`read_files`] counts each unit of work once and each endpoint once ([`Dedup`]): a first
//! pass notes, per unit ([`mxray_schema::unit::Unit`]), its last final record (else its last
//! record), and per endpoint `(ip, port)` the record its facts are counted from; the second
//! pass aggregates. Inputs that cannot be read twice (stdin, pipes) are first copied to an
//! unlinked temporary file. [`read_into`] folds every record of one reader, as it comes.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::aggregate::{Aggregate, InputStats};
use mxray_schema::lines::{BoundedLines, Line};
use mxray_schema::record::{readable_schema_version, EndpointRecord, Status, SCHEMA_VERSION};

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

/// Which record of each unit of work, and of each endpoint, [`read_files`] counts. Memory: two
/// small map entries per distinct unit and endpoint (about 100 bytes per record at most).
#[derive(Debug, Default)]
pub struct Dedup {
    /// Unit key to (position of its counted record, whether that record is final).
    units: HashMap<u128, (u64, bool)>,
    /// Endpoint to (position of the record its facts are counted from, rank of that record).
    endpoints: HashMap<(IpAddr, u16), (u64, u8)>,
    /// Targets (target, domain, port) with a final record: a record interrupted while
    /// resolving the target (no `ip`) is superseded by them.
    targets_final: HashSet<u128>,
}

/// The key of the target (and domain) a record belongs to.
fn target_key(target: &str, domain: Option<&str>, port: u16) -> u128 {
    mxray_schema::unit::Unit {
        target: target.to_owned(),
        domain: domain.map(str::to_owned),
        mx: None,
        ip: None,
        port,
    }
    .key()
}

#[derive(Deserialize)]
struct MxHost {
    host: String,
}

/// The fields of a record that say which unit and endpoint it is about.
#[derive(Deserialize)]
struct UnitFields {
    schema_version: u64,
    target: String,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    mx: Option<MxHost>,
    #[serde(default)]
    ip: Option<IpAddr>,
    port: u16,
    status: String,
    #[serde(default)]
    shared_from: Option<String>,
}

/// The position of a line among all inputs.
fn position(file_index: u64, line: u64) -> u64 {
    (file_index << 40) | (line & ((1 << 40) - 1))
}

impl Dedup {
    /// Notes the records of one input (the `file_index`-th) in a first pass.
    fn plan<R: BufRead>(
        &mut self,
        file_index: u64,
        file: &str,
        reader: R,
        max_line: usize,
    ) -> Result<(), ReportError> {
        for line in BoundedLines::new(reader, max_line) {
            let line = line.map_err(|source| ReportError::Read {
                file: file.to_owned(),
                source,
            })?;
            let Line::Text { number, text, .. } = line else {
                continue;
            };
            let Ok(f) = serde_json::from_str::<UnitFields>(&text) else {
                continue;
            };
            if !readable_schema_version(f.schema_version) {
                continue;
            }
            let pos = position(file_index, number);
            let is_final = f.status != "interrupted";
            if is_final {
                self.targets_final
                    .insert(target_key(&f.target, f.domain.as_deref(), f.port));
            }
            let unit = mxray_schema::unit::Unit {
                target: f.target,
                domain: f.domain,
                mx: f.mx.map(|m| m.host),
                ip: f.ip,
                port: f.port,
            };
            let u = self.units.entry(unit.key()).or_insert((pos, is_final));
            if is_final || !u.1 {
                *u = (pos, is_final);
            }
            if let Some(ip) = f.ip {
                // A final record that connected itself, else a final shared one, else any.
                let rank = match (is_final, f.shared_from.is_none()) {
                    (true, true) => 2,
                    (true, false) => 1,
                    (false, _) => 0,
                };
                let e = self.endpoints.entry((ip, f.port)).or_insert((pos, rank));
                if rank >= e.1 {
                    *e = (pos, rank);
                }
            }
        }
        Ok(())
    }

    /// Whether the record at `pos` is its unit's record, and whether its endpoint facts count.
    fn counts(&self, pos: u64, r: &EndpointRecord) -> (bool, bool) {
        if r.status == Status::Interrupted
            && r.ip.is_none()
            && self
                .targets_final
                .contains(&target_key(&r.target, r.domain.as_deref(), r.port))
        {
            return (false, false);
        }
        let unit = mxray_schema::unit::Unit::of(r);
        let is_unit = self.units.get(&unit.key()).is_none_or(|u| u.0 == pos);
        let endpoint = match r.ip {
            Some(ip) => self.endpoints.get(&(ip, r.port)).is_none_or(|e| e.0 == pos),
            None => is_unit,
        };
        (is_unit, endpoint)
    }
}

/// Where [`read_files_into`] puts what it reads: the [`Aggregate`], or a per-record output
/// ([`crate::records`]).
pub trait Sink {
    /// The input counters (lines, malformed, problems kept).
    fn input(&mut self) -> &mut InputStats;
    /// One record: `unit` when it is the record of its unit of work, `endpoint_facts` when its
    /// endpoint's facts are counted from it (see [`Aggregate::add_counted`]).
    fn add_counted(&mut self, r: &EndpointRecord, unit: bool, endpoint_facts: bool);
}

impl Sink for Aggregate {
    fn input(&mut self) -> &mut InputStats {
        &mut self.input
    }

    fn add_counted(&mut self, r: &EndpointRecord, unit: bool, endpoint_facts: bool) {
        Aggregate::add_counted(self, r, unit, endpoint_facts);
    }
}

/// Folds every line of `reader` (named `file` in messages) into `agg`.
pub fn read_into<R: BufRead>(
    agg: &mut Aggregate,
    file: &str,
    reader: R,
    max_line: usize,
) -> Result<(), ReportError> {
    read_counted(agg, file, reader, max_line, None)
}

/// Folds the lines of `reader` into `agg`; with a plan, only what it says counts.
fn read_counted<R: BufRead, S: Sink>(
    agg: &mut S,
    file: &str,
    reader: R,
    max_line: usize,
    plan: Option<(&Dedup, u64)>,
) -> Result<(), ReportError> {
    agg.input().files = agg.input().files.saturating_add(1);
    for line in BoundedLines::new(reader, max_line) {
        let line = line.map_err(|source| ReportError::Read {
            file: file.to_owned(),
            source,
        })?;
        agg.input().lines = agg.input().lines.saturating_add(1);
        match line {
            Line::TooLong { number } => {
                agg.input().too_long = agg.input().too_long.saturating_add(1);
                agg.input().note(
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
                    agg.input().blank = agg.input().blank.saturating_add(1);
                    continue;
                }
                let plan = plan.map(|(d, i)| (d, position(i, number)));
                if let Err(e) = parse_line(agg, file, number, &text, plan) {
                    match e {
                        LineError::OtherSchema { .. } => {
                            agg.input().other_schema = agg.input().other_schema.saturating_add(1);
                        }
                        _ => agg.input().malformed = agg.input().malformed.saturating_add(1),
                    }
                    agg.input().note(e.to_string());
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

fn add_planned<S: Sink>(agg: &mut S, r: &EndpointRecord, plan: Option<(&Dedup, u64)>) {
    match plan {
        None => agg.add_counted(r, true, true),
        Some((d, pos)) => {
            let (unit, endpoint) = d.counts(pos, r);
            agg.add_counted(r, unit, endpoint);
        }
    }
}

fn parse_line<S: Sink>(
    agg: &mut S,
    file: &str,
    line: u64,
    text: &str,
    plan: Option<(&Dedup, u64)>,
) -> Result<(), LineError> {
    match serde_json::from_str::<EndpointRecord>(text) {
        Ok(mut r) if readable_schema_version(u64::from(r.schema_version)) => {
            r.upgrade();
            add_planned(agg, &r, plan);
            Ok(())
        }
        Err(e) if e.to_string().starts_with("unknown variant") => {
            match without_unknown_values(text) {
                Some((mut r, dropped)) if readable_schema_version(u64::from(r.schema_version)) => {
                    r.upgrade();
                    agg.input().degraded = agg.input().degraded.saturating_add(1);
                    agg.input().note(format!(
                        "{file}:{line}: {e}; counted without {}",
                        dropped.join(", ")
                    ));
                    add_planned(agg, &r, plan);
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
        Ok(v) if !readable_schema_version(v.schema_version) => LineError::OtherSchema {
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

/// A new temporary file, unlinked at once (read-write).
pub(crate) fn temp_file() -> io::Result<File> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = mxray_schema::time::unix_now().as_nanos();
    let path = std::env::temp_dir().join(format!(
        "mxray-report-spool-{}-{nanos}-{seq}",
        std::process::id()
    ));
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    let _ = std::fs::remove_file(&path);
    Ok(f)
}

/// Copies `reader` to a temporary file that is unlinked at once, to read it twice.
fn spool(reader: &mut dyn io::Read) -> io::Result<File> {
    let mut f = temp_file()?;
    io::copy(reader, &mut f)?;
    f.seek(SeekFrom::Start(0))?;
    Ok(f)
}

/// Reads the files (`-` is stdin, at most once) into one aggregate, counting each unit of work
/// once (its last final record, else its last record: an `interrupted` record is not final)
/// and each endpoint's facts once (see [`Dedup`]).
pub fn read_files(paths: &[PathBuf], max_line: usize) -> Result<Aggregate, ReportError> {
    let mut agg = Aggregate::default();
    read_files_into(paths, max_line, &mut agg)?;
    Ok(agg)
}

/// Reads the files as [`read_files`] does, into any [`Sink`].
pub fn read_files_into<S: Sink>(
    paths: &[PathBuf],
    max_line: usize,
    agg: &mut S,
) -> Result<(), ReportError> {
    let mut stdin_used = false;
    let mut inputs: Vec<(String, File)> = Vec::new();
    for p in paths {
        if p == Path::new("-") {
            if stdin_used {
                return Err(ReportError::StdinTwice);
            }
            stdin_used = true;
            let f = spool(&mut io::stdin().lock()).map_err(|source| ReportError::Read {
                file: "-".to_owned(),
                source,
            })?;
            inputs.push(("-".to_owned(), f));
        } else {
            let mut f = File::open(p).map_err(|source| ReportError::Open {
                path: p.clone(),
                source,
            })?;
            let name = p.display().to_string();
            if !f.metadata().is_ok_and(|m| m.is_file()) {
                // A pipe (`<(zcat r.jsonl.gz)`) cannot be read twice.
                f = spool(&mut f).map_err(|source| ReportError::Read {
                    file: name.clone(),
                    source,
                })?;
            }
            inputs.push((name, f));
        }
    }
    let mut dedup = Dedup::default();
    for (i, (name, f)) in (0u64..).zip(&inputs) {
        dedup.plan(i, name, BufReader::with_capacity(1 << 16, f), max_line)?;
    }
    for (i, (name, mut f)) in (0u64..).zip(inputs) {
        f.seek(SeekFrom::Start(0))
            .map_err(|source| ReportError::Read {
                file: name.clone(),
                source,
            })?;
        read_counted(
            agg,
            &name,
            BufReader::with_capacity(1 << 16, f),
            max_line,
            Some((&dedup, i)),
        )?;
    }
    Ok(())
}
