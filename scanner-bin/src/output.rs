//! JSON Lines output: one record per line, written and flushed as each endpoint finishes.
//!
//! A dedicated thread owns the sink, so slow disks or pipes never block the network tasks
//! beyond the bounded channel; it also keeps the statistics and drives the progress display.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use crate::progress::Progress;
use crate::record::{EndpointRecord, Status};

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
}

/// The sending side: give it records.
#[derive(Debug, Clone)]
pub struct RecordSender(mpsc::Sender<EndpointRecord>);

impl RecordSender {
    /// Queues a record for writing; fails when the writer has stopped (output error).
    pub async fn send(&self, rec: EndpointRecord) -> Result<(), OutputClosed> {
        self.0.send(rec).await.map_err(|_| OutputClosed)
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

/// Starts the writer thread on `sink`.
pub fn spawn_writer(
    mut sink: Box<dyn Write + Send>,
    progress: Progress,
) -> (RecordSender, WriterHandle) {
    let (tx, mut rx) = mpsc::channel::<EndpointRecord>(256);
    let handle = std::thread::spawn(move || -> io::Result<OutputStats> {
        let mut stats = OutputStats::default();
        while let Some(rec) = rx.blocking_recv() {
            let mut line = serde_json::to_vec(&rec).map_err(io::Error::other)?;
            line.push(b'\n');
            sink.write_all(&line)?;
            sink.flush()?;
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
                    let kind = serde_json::to_value(err.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_else(|| "unknown".to_owned());
                    *stats.errors_by_kind.entry(kind).or_insert(0) += 1;
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
