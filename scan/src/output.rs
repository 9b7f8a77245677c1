//! JSON Lines output: one record per line, written and flushed as each endpoint finishes.
//!
//! A dedicated thread owns the sink, so slow disks or pipes never block the network tasks
//! beyond the bounded channel; it also keeps the statistics and drives the progress display.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use crate::progress::Progress;
use mxray_schema::record::{EndpointRecord, Severity, Status};

/// Counts of what was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputStats {
    /// Records written.
    pub records: u64,
    /// Records with status `completed`.
    pub completed: u64,
    /// Records with status `failed`.
    pub failed: u64,
    /// Records with status `null_mx`.
    pub null_mx: u64,
    /// Records with status `interrupted`.
    pub interrupted: u64,
    /// Records with status `partial` (the endpoint deadline cut some probes short).
    pub partial: u64,
    /// Failed records by error kind (its JSON name).
    pub errors_by_kind: BTreeMap<String, u64>,
    /// The worst severity this version knows among the findings of the records written
    /// (`mxray scan --fail-on`).
    pub worst_finding: Option<Severity>,
    /// Findings written with a severity this version does not know.
    pub unknown_severity: u64,
}

/// The sending side: give it records.
#[derive(Debug, Clone)]
pub struct RecordSender(mpsc::Sender<(EndpointRecord, Option<Vec<u8>>)>);

impl RecordSender {
    /// Queues a record for writing; fails when the writer has stopped (output error).
    pub async fn send(&self, rec: EndpointRecord) -> Result<(), OutputClosed> {
        self.0.send((rec, None)).await.map_err(|_| OutputClosed)
    }

    /// Queues a record whose JSON is already made (`json` must be `serde_json::to_vec(&rec)`),
    /// so that the writer does not serialize it again.
    pub async fn send_serialized(
        &self,
        rec: EndpointRecord,
        json: Vec<u8>,
    ) -> Result<(), OutputClosed> {
        self.0
            .send((rec, Some(json)))
            .await
            .map_err(|_| OutputClosed)
    }
}

/// The output writer has stopped (its error is returned by [`WriterHandle::finish`]).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the output writer stopped")]
pub struct OutputClosed;

/// The writer thread.
#[derive(Debug)]
pub struct WriterHandle(JoinHandle<io::Result<OutputStats>>);

impl WriterHandle {
    /// Waits for every queued record to be written (all senders must be dropped first).
    pub fn finish(self) -> io::Result<OutputStats> {
        self.0
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("output writer thread panicked")))
    }
}

/// Most records written between two flushes while records keep coming.
pub const FLUSH_EVERY: usize = 64;

/// How long the writer waits for more records, once the queue is empty, before it flushes
/// what it holds and sleeps until the next record.
pub const BATCH_WAIT: std::time::Duration = std::time::Duration::from_millis(2);

/// Starts the writer thread on `sink`.
pub fn spawn_writer(
    sink: Box<dyn Write + Send>,
    progress: Progress,
) -> (RecordSender, WriterHandle) {
    let (tx, mut rx) = mpsc::channel::<(EndpointRecord, Option<Vec<u8>>)>(256);
    let handle = std::thread::spawn(move || -> io::Result<OutputStats> {
        let mut sink = io::BufWriter::with_capacity(64 * 1024, sink);
        let mut stats = OutputStats::default();
        let mut line = Vec::with_capacity(8 * 1024);
        let mut pending = 0usize;
        loop {
            // Flushed whenever the queue stays empty for BATCH_WAIT, so a record is on disk
            // within milliseconds of its endpoint's end; under load, one flush (one write) per
            // batch, not per record. The short sleep before blocking lets a batch gather
            // without waking this thread for each record (a blocked receiver costs the sending
            // task a futex wake per record).
            let (rec, json) = match rx.try_recv() {
                Ok(item) => item,
                Err(_) => {
                    let mut batched = None;
                    if pending > 0 {
                        std::thread::sleep(BATCH_WAIT);
                        batched = rx.try_recv().ok();
                        if batched.is_none() {
                            sink.flush()?;
                            pending = 0;
                        }
                    }
                    match batched.or_else(|| rx.blocking_recv()) {
                        Some(item) => item,
                        None => break,
                    }
                }
            };
            match json {
                Some(json) => sink.write_all(&json)?,
                None => {
                    line.clear();
                    serde_json::to_writer(&mut line, &rec).map_err(io::Error::other)?;
                    sink.write_all(&line)?;
                }
            }
            sink.write_all(b"\n")?;
            pending += 1;
            if pending >= FLUSH_EVERY {
                sink.flush()?;
                pending = 0;
            }
            stats.records += 1;
            match rec.status {
                Status::Completed => stats.completed += 1,
                Status::NullMx => stats.null_mx += 1,
                Status::Interrupted => stats.interrupted += 1,
                Status::Partial => stats.partial += 1,
                _ => stats.failed += 1,
            }
            if let Some(err) = &rec.error {
                if rec.status == Status::Failed {
                    let kind = err.kind.as_str().to_owned();
                    *stats.errors_by_kind.entry(kind).or_insert(0) += 1;
                }
            }
            for f in &rec.findings {
                match f.severity() {
                    Some(sev) => stats.worst_finding = stats.worst_finding.max(Some(sev)),
                    None => stats.unknown_severity = stats.unknown_severity.saturating_add(1),
                }
            }
            progress.inc(stats.failed);
        }
        sink.flush()?;
        Ok(stats)
    });
    (RecordSender(tx), WriterHandle(handle))
}

/// Fails when stdout was closed when mxray started (`>&-`). Rust's runtime then reopens it on
/// `/dev/null` (read-write) before `main`, so everything written to it would vanish with exit
/// code 0. A stdout redirected to `/dev/null` by the shell (`>/dev/null`, write-only) is
/// accepted. Linux only (it reads `/proc/self`); elsewhere this always succeeds.
pub fn check_stdout() -> io::Result<()> {
    if stdout_was_closed() {
        return Err(io::Error::new(
            io::ErrorKind::BrokenPipe,
            "stdout is closed (give an output file, or redirect stdout)",
        ));
    }
    Ok(())
}

/// Whether fd 1 is the read-write `/dev/null` that Rust's runtime opens in place of a closed
/// stdout.
fn stdout_was_closed() -> bool {
    match std::fs::read_link("/proc/self/fd/1") {
        Ok(target) if target == Path::new("/dev/null") => {}
        _ => return false,
    }
    let Ok(info) = std::fs::read_to_string("/proc/self/fdinfo/1") else {
        return false;
    };
    info.lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
        // O_ACCMODE == O_RDWR
        .is_some_and(|flags| flags & 0o3 == 0o2)
}

/// Opens the output: stdout when `path` is `None` (an error if stdout was closed, see
/// [`check_stdout`]); a file
/// otherwise, truncated, or appended to when `append` (a missing final newline, left by a
/// killed run, is added first).
pub fn open_output(path: Option<&Path>, append: bool) -> io::Result<Box<dyn Write + Send>> {
    let Some(path) = path else {
        check_stdout()?;
        return Ok(Box::new(io::stdout()));
    };
    if append {
        let mut f = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        let len = f.metadata()?.len();
        if len > 0 {
            f.seek(SeekFrom::Start(len - 1))?;
            let mut last = [0u8; 1];
            f.read_exact(&mut last)?;
            if last != *b"\n" {
                f.write_all(b"\n")?;
            }
        }
        Ok(Box::new(f))
    } else {
        Ok(Box::new(
            OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(path)?,
        ))
    }
}

/// What [`repair_torn_tail`] did to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TailRepair {
    /// The file is missing, empty, or ends with a newline: nothing to do.
    Intact,
    /// The last line was a whole record without its newline: the newline was added.
    NewlineAdded,
    /// The last line was torn (a record cut short): these bytes were cut off.
    Cut {
        /// Bytes removed from the end of the file.
        bytes: u64,
    },
}

/// Makes a JSON Lines file that records will be appended to end with a complete line: a last
/// line without its newline (a run killed mid-write, a full disk) is kept and terminated when it
/// is a record, and cut off otherwise, so that appending never leaves a bad line mid-file.
/// Only the last [`crate::resume::MAX_RECORD_LINE`] bytes are read.
pub fn repair_torn_tail(path: &Path) -> io::Result<TailRepair> {
    let mut f = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(TailRepair::Intact),
        Err(e) => return Err(e),
    };
    let meta = f.metadata()?;
    let len = meta.len();
    if !meta.is_file() || len == 0 {
        return Ok(TailRepair::Intact);
    }
    let window = len.min(crate::resume::MAX_RECORD_LINE as u64 + 1);
    let from = len - window;
    f.seek(SeekFrom::Start(from))?;
    let mut tail = Vec::new();
    (&mut f).take(window).read_to_end(&mut tail)?;
    if tail.last() == Some(&b'\n') {
        return Ok(TailRepair::Intact);
    }
    let start = match tail.iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        // No line start within the window: a line longer than any record (the resume reader
        // refuses it before we get here); leave the file to that error.
        None if from > 0 => return Ok(TailRepair::Intact),
        None => 0,
    };
    let last = tail.get(start..).unwrap_or_default();
    let whole = std::str::from_utf8(last)
        .map(crate::resume::is_record_line)
        .unwrap_or(false);
    if whole {
        f.seek(SeekFrom::End(0))?;
        f.write_all(b"\n")?;
        f.flush()?;
        return Ok(TailRepair::NewlineAdded);
    }
    let keep = from + start as u64;
    f.set_len(keep)?;
    f.sync_all()?;
    Ok(TailRepair::Cut { bytes: len - keep })
}

/// Why an output file is refused before anything is written to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutputRefused {
    /// The output is one of the inputs (the same file, hard links included).
    #[error(
        "output {} is the input {} (the same file): writing it would destroy the input; \
         choose another output file",
        output.display(),
        input.display()
    )]
    IsInput {
        /// The output path.
        output: PathBuf,
        /// The input it is the same file as.
        input: PathBuf,
    },
    /// The output exists and holds data.
    #[error(
        "output {} already exists: choose another file, or add --force to overwrite it{}",
        path.display(),
        if *resumable { " (or --resume it to add to it)" } else { "" }
    )]
    Exists {
        /// The output path.
        path: PathBuf,
        /// Whether `--resume` is a way to add to it (scan only).
        resumable: bool,
    },
}

/// Checks an output path before it is opened: refuses the same file (device and inode, so hard
/// links and other spellings of the path count) as any of `inputs` (`-` means stdin, checked
/// through `/dev/stdin`), and, unless `overwrite`, an existing non-empty regular file.
/// Devices, pipes and empty files may always be written.
pub fn check_output(
    output: &Path,
    inputs: &[&Path],
    overwrite: bool,
    resumable: bool,
) -> Result<(), OutputRefused> {
    if output == Path::new("-") {
        return Ok(());
    }
    let Ok(out) = std::fs::metadata(output) else {
        // Missing (created on open), or an error that opening it will report.
        return Ok(());
    };
    for input in inputs {
        let probe = if *input == Path::new("-") {
            Path::new("/dev/stdin")
        } else {
            input
        };
        if let Ok(m) = std::fs::metadata(probe) {
            if m.dev() == out.dev() && m.ino() == out.ino() && out.is_file() {
                return Err(OutputRefused::IsInput {
                    output: output.to_owned(),
                    input: input.to_path_buf(),
                });
            }
        }
    }
    if !overwrite && out.is_file() && out.len() > 0 {
        return Err(OutputRefused::Exists {
            path: output.to_owned(),
            resumable,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new directory `mxray-output-NAME-XXXXXX`, removed when dropped.
    fn dir(name: &str) -> tempfile::TempDir {
        let Ok(d) = tempfile::Builder::new()
            .prefix(&format!("mxray-output-{name}-"))
            .tempdir()
        else {
            panic!("no temporary directory")
        };
        d
    }

    /// A writer on a new file `out.jsonl` in its own directory `name` (which lives as long as
    /// the first value returned), and the file's path.
    fn writer_to_file(name: &str) -> (tempfile::TempDir, PathBuf, RecordSender, WriterHandle) {
        let d = dir(name);
        let p = d.path().join("out.jsonl");
        let Ok(f) = std::fs::File::create(&p) else {
            panic!("create")
        };
        let (tx, handle) = spawn_writer(Box::new(f), Progress::new(None, true));
        (d, p, tx, handle)
    }

    /// A `quick` record of endpoint `a`, port 25.
    fn quick_record() -> EndpointRecord {
        EndpointRecord::new(
            "a".to_owned(),
            None,
            25,
            mxray_schema::record::Profile::Quick,
        )
    }

    /// Records reach the sink as JSON lines in the order sent, a pre-serialized one as given,
    /// every one flushed by the end, and counted.
    #[test]
    fn the_writer_writes_each_record_once_as_given_and_counts_it() {
        let (_d, p, tx, handle) = writer_to_file("writer");
        let mut a = quick_record();
        a.status = Status::Completed;
        let mut b = a.clone();
        b.target = "b".to_owned();
        b.status = Status::Failed;
        let rt = tokio::runtime::Builder::new_current_thread().build();
        let Ok(rt) = rt else { panic!("runtime") };
        let json_b = serde_json::to_vec(&b).unwrap_or_default();
        rt.block_on(async {
            for _ in 0..FLUSH_EVERY + 3 {
                assert!(tx.send(a.clone()).await.is_ok());
            }
            assert!(tx.send_serialized(b.clone(), json_b.clone()).await.is_ok());
        });
        drop(tx);
        let Ok(stats) = handle.finish() else {
            panic!("writer")
        };
        assert_eq!(
            (stats.records, stats.completed, stats.failed),
            ((FLUSH_EVERY + 4) as u64, (FLUSH_EVERY + 3) as u64, 1)
        );
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), FLUSH_EVERY + 4);
        let json_a = serde_json::to_string(&a).unwrap_or_default();
        assert!(lines[..FLUSH_EVERY + 3].iter().all(|l| *l == json_a));
        assert_eq!(lines[FLUSH_EVERY + 3].as_bytes(), json_b.as_slice());
        assert!(text.ends_with('\n'));
    }

    /// A record is on disk soon after the queue goes idle, while the writer still runs (a
    /// scan killed later keeps it), and so are the next ones.
    #[test]
    fn an_idle_writer_flushes_what_it_holds_without_being_finished() {
        let (_d, p, tx, handle) = writer_to_file("idle");
        let rec = quick_record();
        let rt = tokio::runtime::Builder::new_current_thread().build();
        let Ok(rt) = rt else { panic!("runtime") };
        let lines = || {
            std::fs::read_to_string(&p)
                .unwrap_or_default()
                .lines()
                .count()
        };
        let wait_for = |n: usize| {
            let t = std::time::Instant::now();
            while lines() < n && t.elapsed() < std::time::Duration::from_secs(5) {
                std::thread::sleep(BATCH_WAIT);
            }
            lines()
        };
        rt.block_on(async { assert!(tx.send(rec.clone()).await.is_ok()) });
        assert_eq!(
            wait_for(1),
            1,
            "one record, flushed once the queue was idle"
        );
        rt.block_on(async {
            for _ in 0..3 {
                assert!(tx.send(rec.clone()).await.is_ok());
            }
        });
        assert_eq!(wait_for(4), 4);
        drop(tx);
        assert!(handle.finish().is_ok());
    }

    #[test]
    fn a_torn_tail_is_cut_and_a_whole_last_record_is_terminated() {
        let dir = dir("tail");
        let d = dir.path();
        let p = d.join("r.jsonl");
        let rec =
            r#"{"schema_version":1,"target":"a","ip":"127.0.0.1","port":25,"status":"completed"}"#;
        assert_eq!(
            repair_torn_tail(&p).ok(),
            Some(TailRepair::Intact),
            "missing"
        );
        assert!(std::fs::write(&p, format!("{rec}\n")).is_ok());
        assert_eq!(repair_torn_tail(&p).ok(), Some(TailRepair::Intact));
        assert!(std::fs::write(&p, format!("{rec}\n{{\"schema_version\":1,\"ta")).is_ok());
        assert_eq!(
            repair_torn_tail(&p).ok(),
            Some(TailRepair::Cut { bytes: 23 })
        );
        assert_eq!(std::fs::read_to_string(&p).ok(), Some(format!("{rec}\n")));
        assert!(std::fs::write(&p, format!("{rec}\n{rec}")).is_ok());
        assert_eq!(repair_torn_tail(&p).ok(), Some(TailRepair::NewlineAdded));
        assert_eq!(
            std::fs::read_to_string(&p).ok(),
            Some(format!("{rec}\n{rec}\n"))
        );
        assert!(std::fs::write(&p, "garbage").is_ok());
        assert_eq!(
            repair_torn_tail(&p).ok(),
            Some(TailRepair::Cut { bytes: 7 })
        );
        assert_eq!(std::fs::read_to_string(&p).ok(), Some(String::new()));
    }

    #[test]
    fn an_input_is_refused_as_output_even_through_a_hard_link() {
        let dir = dir("link");
        let d = dir.path();
        let input = d.join("in.jsonl");
        let link = d.join("link.jsonl");
        assert!(std::fs::write(&input, "x\n").is_ok());
        assert!(std::fs::hard_link(&input, &link).is_ok());
        let r = check_output(&link, &[Path::new("other"), &input], true, false);
        assert!(matches!(r, Err(OutputRefused::IsInput { .. })), "{r:?}");
        let dotted = d.join(".").join("in.jsonl");
        assert!(check_output(&dotted, &[&input], true, false).is_err());
    }

    #[test]
    fn an_existing_output_needs_overwrite_but_a_missing_or_empty_one_does_not() {
        let dir = dir("exists");
        let d = dir.path();
        let out = d.join("out.jsonl");
        assert_eq!(check_output(&out, &[], false, false), Ok(()));
        assert!(std::fs::write(&out, "").is_ok());
        assert_eq!(check_output(&out, &[], false, false), Ok(()));
        assert!(std::fs::write(&out, "data\n").is_ok());
        let e = check_output(&out, &[], false, true);
        assert!(
            e.as_ref().is_err_and(
                |e| e.to_string().contains("--force") && e.to_string().contains("--resume")
            ),
            "{e:?}"
        );
        assert_eq!(check_output(&out, &[], true, false), Ok(()));
        assert_eq!(
            check_output(Path::new("/dev/null"), &[], false, false),
            Ok(())
        );
    }
}
