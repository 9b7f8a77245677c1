//! `--resume FILE`: the endpoints already recorded in a previous run's output.
//!
//! The file is read streaming, line by line (each line at most [`MAX_RECORD_LINE`] bytes).
//! A last line without its newline that does not parse is the trace of a run that was killed
//! mid-write: it is ignored. Records with status `interrupted` are not counted as done, so they
//! are scanned again. Any other unparseable line is an error: the file is probably not mxray output.

use std::collections::HashSet;
use std::io::BufRead;
use std::net::IpAddr;

use serde::Deserialize;

use crate::lines::{BoundedLines, Line};

/// Longest record line read back.
pub const MAX_RECORD_LINE: usize = 4 * 1024 * 1024;

/// Endpoints `(ip, port)` already done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResumeSet {
    done: HashSet<(IpAddr, u16)>,
    /// Whether a truncated last line was ignored.
    pub truncated_last_line: bool,
}

/// A resume file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// A line that is not an mxray record.
    #[error("{source_name}:{line}: not an mxray record: {reason}")]
    BadLine {
        /// File name.
        source_name: String,
        /// 1-based line.
        line: u64,
        /// Parser message.
        reason: String,
    },
    /// Reading failed.
    #[error("{source_name}: {error}")]
    Io {
        /// File name.
        source_name: String,
        /// The error.
        error: std::io::Error,
    },
}

#[derive(Deserialize)]
struct RecordKey {
    #[serde(default)]
    ip: Option<IpAddr>,
    port: u16,
    #[serde(default)]
    status: Option<String>,
}

impl ResumeSet {
    /// Reads the records of `reader`.
    pub fn read<R: BufRead>(reader: R, source_name: &str) -> Result<Self, ResumeError> {
        let mut set = Self::default();
        for line in BoundedLines::new(reader, MAX_RECORD_LINE) {
            let line = line.map_err(|error| ResumeError::Io {
                source_name: source_name.to_owned(),
                error,
            })?;
            let (number, text, terminated) = match line {
                Line::TooLong { number } => {
                    return Err(ResumeError::BadLine {
                        source_name: source_name.to_owned(),
                        line: number,
                        reason: format!("longer than {MAX_RECORD_LINE} bytes"),
                    })
                }
                Line::Text {
                    number,
                    text,
                    terminated,
                } => (number, text, terminated),
            };
            if text.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<RecordKey>(&text) {
                Ok(key) => {
                    if let (Some(ip), false) =
                        (key.ip, key.status.as_deref() == Some("interrupted"))
                    {
                        set.done.insert((ip, key.port));
                    }
                }
                Err(_) if !terminated => set.truncated_last_line = true,
                Err(e) => {
                    return Err(ResumeError::BadLine {
                        source_name: source_name.to_owned(),
                        line: number,
                        reason: e.to_string(),
                    })
                }
            }
        }
        Ok(set)
    }

    /// Whether `(ip, port)` was already recorded.
    pub fn contains(&self, ip: IpAddr, port: u16) -> bool {
        self.done.contains(&(ip, port))
    }

    /// Number of endpoints recorded.
    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_done_endpoints_and_ignores_a_truncated_last_line() {
        let input = concat!(
            r#"{"schema_version":1,"target":"a","ip":"127.0.0.1","port":25,"status":"completed"}"#,
            "\n",
            r#"{"schema_version":1,"target":"b","ip":"::1","port":2525,"status":"failed"}"#,
            "\n",
            r#"{"schema_version":1,"target":"c","ip":"127.0.0.2","port":25,"status":"interrupted"}"#,
            "\n",
            r#"{"schema_version":1,"target":"d.example","port":25,"status":"failed"}"#,
            "\n",
            "\n",
            r#"{"schema_version":1,"target":"e","ip":"127.0.0.3","po"#,
        );
        let set = ResumeSet::read(input.as_bytes(), "r.jsonl").unwrap();
        assert!(set.contains("127.0.0.1".parse().unwrap(), 25));
        assert!(set.contains("::1".parse().unwrap(), 2525));
        assert!(!set.contains("127.0.0.1".parse().unwrap(), 26));
        assert!(
            !set.contains("127.0.0.2".parse().unwrap(), 25),
            "interrupted is redone"
        );
        assert!(!set.contains("127.0.0.3".parse().unwrap(), 25));
        assert_eq!(set.len(), 2);
        assert!(set.truncated_last_line);
    }

    #[test]
    fn a_bad_line_in_the_middle_is_an_error_naming_the_line() {
        let input =
            "{\"ip\":\"127.0.0.1\",\"port\":25}\ngarbage\n{\"ip\":\"127.0.0.1\",\"port\":26}\n";
        let err = ResumeSet::read(input.as_bytes(), "r.jsonl").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("r.jsonl:2: not an mxray record"),
            "{err}"
        );
    }

    #[test]
    fn empty_file_is_an_empty_set() {
        let set = ResumeSet::read(&b""[..], "r").unwrap();
        assert!(set.is_empty());
        assert!(!set.truncated_last_line);
    }
}
