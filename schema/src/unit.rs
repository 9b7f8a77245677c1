//! The unit of work a record finishes, and how a line is recognised as a record.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use serde::Deserialize;

use crate::record::EndpointRecord;

/// Longest record line read back.
pub const MAX_RECORD_LINE: usize = 4 * 1024 * 1024;

/// The unit of work one record finishes: the same unit is never recorded twice by one scan,
/// is skipped by `--resume` once a final record of it exists, and is counted once by the report.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Unit {
    /// The record's `target`.
    pub target: String,
    /// The record's `domain`.
    pub domain: Option<String>,
    /// The record's `mx.host` (`.` for a null MX); the preference is not part of the unit.
    pub mx: Option<String>,
    /// The record's `ip` (absent for DNS failures and null MX).
    pub ip: Option<IpAddr>,
    /// The record's `port`.
    pub port: u16,
}

impl Unit {
    /// The unit a record finishes.
    pub fn of(rec: &EndpointRecord) -> Self {
        Self {
            target: rec.target.clone(),
            domain: rec.domain.clone(),
            mx: rec.mx.as_ref().map(|m| m.host.clone()),
            ip: rec.ip,
            port: rec.port,
        }
    }

    /// A 128-bit key of the unit (two independent SipHash values): collisions are negligible
    /// at any scan size, and sets of keys stay small.
    pub fn key(&self) -> u128 {
        let half = |salt: u8| {
            let mut h = DefaultHasher::new();
            salt.hash(&mut h);
            self.hash(&mut h);
            h.finish()
        };
        (u128::from(half(0)) << 64) | u128::from(half(1))
    }
}

/// The `mx` object of a [`RecordKey`].
#[derive(Debug, Deserialize)]
pub struct MxKey {
    /// The MX host.
    pub host: String,
}

/// The fields of a record line that name its unit of work (and its status): a record is
/// recognised by them without parsing the whole record.
#[derive(Debug, Deserialize)]
pub struct RecordKey {
    /// The record's `target`.
    #[serde(default)]
    pub target: String,
    /// The record's `domain`.
    #[serde(default)]
    pub domain: Option<String>,
    /// The record's `mx`.
    #[serde(default)]
    pub mx: Option<MxKey>,
    /// The record's `ip`.
    #[serde(default)]
    pub ip: Option<IpAddr>,
    /// The record's `port`.
    pub port: u16,
    /// The record's `status`.
    #[serde(default)]
    pub status: Option<String>,
}

/// Whether `text` is a record line as far as resuming is concerned (it has the fields of a
/// unit of work).
pub fn is_record_line(text: &str) -> bool {
    serde_json::from_str::<RecordKey>(text).is_ok()
}
