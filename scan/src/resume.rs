//! `--resume FILE`: the units of work already finished in a previous run's output.
//!
//! A unit of work is what one record finishes ([`Unit`]): an endpoint `(ip, port)` *as reached
//! from one target, domain and MX host*, or, without an address, a DNS failure or a null MX.
//! Resuming skips finished units, not endpoints: a domain whose MX host is shared with a domain
//! recorded earlier still gets its own records (from the endpoint's recorded result, see
//! [`ResumeSet::take_seeds`], without a new connection).
//!
//! The file is read streaming, line by line (each line at most [`MAX_RECORD_LINE`] bytes).
//! A last line without its newline that does not parse is the trace of a run that was killed
//! mid-write: it is ignored ([`ResumeSet::truncated_last_line`]; when the file is also the
//! output, [`crate::output::repair_torn_tail`] cuts it). Records with status `interrupted` are
//! not final, so their units are scanned again; every other record is final (DNS failures and
//! null MX included). Any other unparseable line is an error: the file is probably not mxray
//! output.

use std::collections::HashSet;
use std::io::BufRead;
use std::net::IpAddr;

use mxray_schema::lines::{BoundedLines, Line};
use mxray_schema::record::EndpointRecord;
use mxray_schema::unit::RecordKey;
pub use mxray_schema::unit::{is_record_line, Unit, MAX_RECORD_LINE};

/// The finished units of a resume file, and recorded endpoint results to reuse.
#[derive(Debug, Clone, Default)]
pub struct ResumeSet {
    done: HashSet<u128>,
    seeded: HashSet<(IpAddr, u16)>,
    seeds: Vec<EndpointRecord>,
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

impl ResumeSet {
    /// Reads the records of `reader` (no endpoint results kept).
    pub fn read<R: BufRead>(reader: R, source_name: &str) -> Result<Self, ResumeError> {
        Self::read_with_seeds(reader, source_name, 0, 0)
    }

    /// Reads the records of `reader`, keeping the first final result of each endpoint
    /// `(ip, port)`, at most `seed_cap` of them and `seed_bytes` of their lines (see
    /// [`Self::take_seeds`]).
    pub fn read_with_seeds<R: BufRead>(
        reader: R,
        source_name: &str,
        seed_cap: usize,
        seed_bytes: usize,
    ) -> Result<Self, ResumeError> {
        let mut set = Self::default();
        let mut bytes = 0usize;
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
                    if key.status.as_deref() == Some("interrupted") {
                        continue;
                    }
                    let unit = Unit {
                        target: key.target,
                        domain: key.domain,
                        mx: key.mx.map(|m| m.host),
                        ip: key.ip,
                        port: key.port,
                    };
                    set.done.insert(unit.key());
                    if let Some(ip) = key.ip {
                        if set.seeds.len() < seed_cap
                            && bytes.saturating_add(text.len()) <= seed_bytes
                            && !set.seeded.contains(&(ip, key.port))
                        {
                            if let Ok(rec) = serde_json::from_str::<EndpointRecord>(&text) {
                                bytes = bytes.saturating_add(text.len());
                                set.seeded.insert((ip, key.port));
                                set.seeds.push(rec);
                            }
                        }
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
        set.seeded = HashSet::new();
        Ok(set)
    }

    /// Whether a final record of `unit` exists.
    pub fn is_done(&self, unit: &Unit) -> bool {
        self.done.contains(&unit.key())
    }

    /// The recorded final results of endpoints, one per `(ip, port)`, to reuse for units not
    /// yet recorded that reach the same endpoint (empties the list).
    pub fn take_seeds(&mut self) -> Vec<EndpointRecord> {
        std::mem::take(&mut self.seeds)
    }

    /// Number of finished units recorded.
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

    fn unit(
        target: &str,
        domain: Option<&str>,
        mx: Option<&str>,
        ip: Option<&str>,
        port: u16,
    ) -> Unit {
        Unit {
            target: target.to_owned(),
            domain: domain.map(str::to_owned),
            mx: mx.map(str::to_owned),
            ip: ip.map(|i| i.parse().unwrap()),
            port,
        }
    }

    #[test]
    fn reads_finished_units_and_ignores_a_truncated_last_line() {
        let input = concat!(
            r#"{"schema_version":1,"target":"a","ip":"127.0.0.1","port":25,"status":"completed"}"#,
            "\n",
            r#"{"schema_version":1,"target":"b","ip":"::1","port":2525,"status":"failed"}"#,
            "\n",
            r#"{"schema_version":1,"target":"c","ip":"127.0.0.2","port":25,"status":"interrupted"}"#,
            "\n",
            r#"{"schema_version":1,"target":"d.example","domain":"d.example","port":25,"status":"failed"}"#,
            "\n",
            "\n",
            r#"{"schema_version":1,"target":"e","ip":"127.0.0.3","po"#,
        );
        let set = ResumeSet::read(input.as_bytes(), "r.jsonl").unwrap();
        assert!(set.is_done(&unit("a", None, None, Some("127.0.0.1"), 25)));
        assert!(set.is_done(&unit("b", None, None, Some("::1"), 2525)));
        assert!(!set.is_done(&unit("a", None, None, Some("127.0.0.1"), 26)));
        assert!(
            !set.is_done(&unit("c", None, None, Some("127.0.0.2"), 25)),
            "interrupted is redone"
        );
        assert!(
            set.is_done(&unit("d.example", Some("d.example"), None, None, 25)),
            "a DNS failure is a finished unit"
        );
        assert!(!set.is_done(&unit("e", None, None, Some("127.0.0.3"), 25)));
        assert_eq!(set.len(), 3);
        assert!(set.truncated_last_line);
    }

    #[test]
    fn an_endpoint_recorded_for_one_domain_is_not_done_for_another() {
        let input = concat!(
            r#"{"schema_version":1,"target":"a.test","domain":"a.test","mx":{"host":"mx.hoster.test","preference":10},"ip":"127.0.0.1","port":25,"profile":"quick","status":"completed","started_unix_ms":1,"timings":{"total_ms":1}}"#,
            "\n"
        );
        let mut set = ResumeSet::read_with_seeds(input.as_bytes(), "r", 10, 1 << 20).unwrap();
        let mx = Some("mx.hoster.test");
        assert!(set.is_done(&unit("a.test", Some("a.test"), mx, Some("127.0.0.1"), 25)));
        assert!(!set.is_done(&unit("b.test", Some("b.test"), mx, Some("127.0.0.1"), 25)));
        let seeds = set.take_seeds();
        assert_eq!(seeds.len(), 1, "the endpoint's result is kept for reuse");
        assert_eq!(seeds[0].target, "a.test");
    }

    #[test]
    fn seeds_are_capped_and_one_per_endpoint() {
        let line = |t: &str, ip: &str| {
            format!(
                r#"{{"schema_version":1,"target":"{t}","ip":"{ip}","port":25,"profile":"quick","status":"completed","started_unix_ms":1,"timings":{{"total_ms":1}}}}"#
            ) + "\n"
        };
        let input = line("a", "127.0.0.1")
            + &line("b", "127.0.0.1")
            + &line("c", "127.0.0.2")
            + &line("d", "127.0.0.3");
        let mut set = ResumeSet::read_with_seeds(input.as_bytes(), "r", 2, 1 << 20).unwrap();
        let seeds: Vec<String> = set.take_seeds().into_iter().map(|r| r.target).collect();
        assert_eq!(seeds, ["a", "c"]);
        assert_eq!(set.len(), 4);
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
