//! mxray's record: what `mxray scan` and `mxray probe --json` write, one JSON object per line.
//!
//! [`record::EndpointRecord`] is the single source of truth for the output schema
//! (`docs/SCHEMA.md` describes it field by field). Beside it: the unit of work a record finishes
//! ([`unit`]), the DANE object ([`dane`]), a line reader with a bound on the line length ([`lines`]), terminal-safe text
//! ([`text`]) and the one FNV-1a hash of the workspace ([`fnv`]).
//!
//! ```
//! use std::io::Cursor;
//! use mxray_schema::lines::{BoundedLines, Line};
//! use mxray_schema::record::{EndpointRecord, Status};
//!
//! let jsonl = r#"{"schema_version":1,"target":"nullmx.test","domain":"nullmx.test","mx":{"host":".","preference":0},"port":25,"profile":"quick","status":"null_mx","started_unix_ms":1795000000000,"timings":{"total_ms":12}}"#;
//! let mut n = 0;
//! for line in BoundedLines::new(Cursor::new(jsonl), 1 << 20) {
//!     let Line::Text { text, .. } = line.unwrap() else { panic!("line too long") };
//!     let rec: EndpointRecord = serde_json::from_str(&text).unwrap();
//!     assert_eq!(rec.status, Status::NullMx);
//!     // Written back, a record is the same bytes.
//!     assert_eq!(serde_json::to_string(&rec).unwrap(), text);
//!     n += 1;
//! }
//! assert_eq!(n, 1);
//! ```
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod dane;
pub mod fnv;
pub mod lines;
pub mod names;
pub mod network;
pub mod policy;
pub mod record;
#[cfg(feature = "synth")]
pub mod synth;
pub mod text;
pub mod time;
pub mod unit;

/// The README's example, run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
