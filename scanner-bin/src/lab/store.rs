//! `--store DIR`: message bodies in a Maildir (`tmp/`, `new/`, `cur/`). Without it no body is kept.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

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
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let name = format!("{secs}.P{}Q{n}.mxray-lab", std::process::id());
        let tmp = self.root.join("tmp").join(&name);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(body)?;
        f.sync_all()?;
        let new = self.root.join("new").join(&name);
        fs::rename(&tmp, &new)?;
        Ok(new)
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
        let _ = fs::remove_dir_all(&dir);
    }
}
