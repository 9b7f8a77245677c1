//! `--store DIR`: message bodies in a Maildir (`tmp/`, `new/`, `cur/`). Without it no body is kept.
//! A body is written to `tmp/` as it streams in ([`Maildir::begin`], [`Pending::write`]) and
//! moved into `new/` when accepted ([`Pending::commit`]); an abandoned one is removed.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A Maildir.
#[derive(Debug)]
pub struct Maildir {
    root: PathBuf,
    counter: AtomicU64,
}

impl Maildir {
    /// Creates `tmp/`, `new/` and `cur/` under `root`.
    pub fn create(root: &Path) -> io::Result<Maildir> {
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(root.join(sub))?;
        }
        Ok(Maildir {
            root: root.to_path_buf(),
            counter: AtomicU64::new(0),
        })
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
        })
    }
}

/// A message being written to `tmp/`; removed when dropped without [`Pending::commit`].
#[derive(Debug)]
pub struct Pending {
    file: Option<fs::File>,
    tmp: PathBuf,
    new: PathBuf,
}

impl Pending {
    /// Appends body bytes.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
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
}
