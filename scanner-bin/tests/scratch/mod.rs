//! Scratch paths of the integration tests, shared by `common` and `lab_server_util` (each
//! includes this file). A test run leaves nothing behind: `scripts/test.sh` checks it.

use std::path::{Path, PathBuf};

/// A scratch path: a directory `mxray-test-NAME-XXXXXX` in the system's temporary directory,
/// or a file in one ([`Scratch::file`]). The directory is removed when this is dropped, and
/// kept, with its path printed, when the test is panicking, so a failure's files can be read.
pub struct Scratch {
    dir: tempfile::TempDir,
    path: PathBuf,
}

/// A new, empty scratch directory named after `name` (characters other than letters, digits,
/// `-` and `_` become `-`).
pub fn tempdir(name: &str) -> Scratch {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let dir = tempfile::Builder::new()
        .prefix(&format!("mxray-test-{name}-"))
        .tempdir()
        .unwrap();
    Scratch {
        path: dir.path().to_path_buf(),
        dir,
    }
}

impl Scratch {
    /// The file `name` holding `contents` in this directory: a scratch path that keeps the
    /// directory as long as it lives.
    pub fn file(mut self, name: &str, contents: impl AsRef<[u8]>) -> Scratch {
        self.path = self.dir.path().join(name);
        std::fs::write(&self.path, contents).unwrap();
        self
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.path.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dir.disable_cleanup(true);
            eprintln!(
                "kept the failed test's directory {}",
                self.dir.path().display()
            );
        }
    }
}
