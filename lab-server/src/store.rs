//! `--store DIR`: message bodies in a Maildir (`tmp/`, `new/`, `cur/`). Without it no body is kept.
//! A body is written to `tmp/` as it streams in ([`Maildir::begin`], [`Pending::write`]) and
//! moved into `new/` when accepted ([`Pending::commit`]); an abandoned one is removed.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A Maildir, with a bound on the bytes it takes in one run (`--store-max-bytes`): a body that
/// would pass it fails to store (the lab answers 451), and an abandoned one gives its bytes back.
#[derive(Debug)]
pub struct Maildir {
    root: PathBuf,
    counter: AtomicU64,
    /// Bytes that may still be written.
    room: Arc<AtomicU64>,
}

/// The error text when the store's limit is reached.
pub const FULL: &str = "store limit reached (--store-max-bytes)";

impl Maildir {
    /// Creates `tmp/`, `new/` and `cur/` under `root`.
    pub fn create(root: &Path) -> io::Result<Maildir> {
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(root.join(sub))?;
        }
        Ok(Maildir {
            root: root.to_path_buf(),
            counter: AtomicU64::new(0),
            room: Arc::new(AtomicU64::new(u64::MAX)),
        })
    }

    /// The same, writing at most `max_bytes` of bodies in this run.
    pub fn with_limit(root: &Path, max_bytes: u64) -> io::Result<Maildir> {
        let m = Maildir::create(root)?;
        m.room.store(max_bytes, Ordering::SeqCst);
        Ok(m)
    }

    /// Writes a message to `tmp/`, then renames it into `new/`; returns the final path.
    pub fn deliver(&self, body: &[u8]) -> io::Result<PathBuf> {
        let mut p = self.begin()?;
        p.write(body)?;
        p.commit()
    }

    /// Starts a message in `tmp/`.
    pub fn begin(&self) -> io::Result<Pending> {
        let secs = mxray_schema::time::unix_now().as_secs();
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let name = format!("{secs}.P{}Q{n}.mxray-lab", std::process::id());
        let tmp = self.root.join("tmp").join(&name);
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        Ok(Pending {
            file: Some(file),
            tmp,
            new: self.root.join("new").join(&name),
            room: self.room.clone(),
            taken: 0,
        })
    }
}

/// A message being written to `tmp/`; removed when dropped without [`Pending::commit`].
#[derive(Debug)]
pub struct Pending {
    file: Option<fs::File>,
    tmp: PathBuf,
    new: PathBuf,
    room: Arc<AtomicU64>,
    /// Bytes taken from `room` by this message.
    taken: u64,
}

impl Pending {
    /// Appends body bytes.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let n = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        self.room
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |r| r.checked_sub(n))
            .map_err(|_| io::Error::other(FULL))?;
        self.taken = self.taken.saturating_add(n);
        match &mut self.file {
            Some(f) => f.write_all(bytes),
            None => Err(io::Error::other("message already committed")),
        }
    }

    /// Syncs the file and moves it into `new/`; returns the final path.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        let f = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("message already committed"))?;
        f.sync_all()?;
        drop(f);
        fs::rename(&self.tmp, &self.new)?;
        Ok(self.new.clone())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
            let taken = self.taken;
            let _ = self
                .room
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |r| {
                    Some(r.saturating_add(taken))
                });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_into_new() {
        let dir = std::env::temp_dir().join(format!("mxray-maildir-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let md = Maildir::create(&dir).unwrap();
        let a = md.deliver(b"Subject: a\r\n\r\nx\r\n").unwrap();
        let b = md.deliver(b"b").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(dir.join("new")));
        assert_eq!(fs::read(&b).unwrap(), b"b");
        assert_eq!(fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        // Streamed in parts; an abandoned message leaves nothing behind.
        let mut p = md.begin().unwrap();
        p.write(b"Subject: c\r\n").unwrap();
        p.write(b"\r\nbody\r\n").unwrap();
        let c = p.commit().unwrap();
        assert_eq!(fs::read(&c).unwrap(), b"Subject: c\r\n\r\nbody\r\n");
        let mut gone = md.begin().unwrap();
        gone.write(b"half").unwrap();
        drop(gone);
        assert_eq!(fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        assert_eq!(fs::read_dir(dir.join("new")).unwrap().count(), 3);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_limit_bounds_the_bytes_written() {
        let dir = std::env::temp_dir().join(format!("mxray-maildir-max-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let md = Maildir::with_limit(&dir, 10).unwrap();
        md.deliver(b"123456").unwrap();
        let e = md.deliver(b"12345").unwrap_err();
        assert_eq!(e.to_string(), FULL);
        assert_eq!(fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        // An abandoned message gives its bytes back.
        let mut p = md.begin().unwrap();
        p.write(b"1234").unwrap();
        assert!(p.write(b"1").is_err(), "10 bytes used");
        drop(p);
        md.deliver(b"abcd").unwrap();
        assert_eq!(fs::read_dir(dir.join("new")).unwrap().count(), 2);
        let _ = fs::remove_dir_all(&dir);
    }
}
