//! The record's `dane` object: what a DANE-validating sender (RFC 7672) found in DNS for this
//! MX host and port, and what it would do. Present only when the scan looked DANE up
//! (`mxray scan --dane`, `--trust-anchor`).

use cert_audit::sender::{Delivery, DnssecStatus, State};
use serde::{Deserialize, Serialize};

/// One DNS answer and its DNSSEC status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnssecAnswer {
    /// `secure`, `insecure`, `bogus` or `indeterminate`.
    pub status: DnssecStatus,
    /// `NOERROR`, `NXDOMAIN`, `NODATA`, `SERVFAIL`, `REFUSED`; absent when no answer came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcode: Option<String>,
    /// Why this status (absent for a plain secure answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One TLSA record as answered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TlsaRecord {
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// Selector: 0 certificate, 1 SubjectPublicKeyInfo.
    pub selector: u8,
    /// Matching type: 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching_type: u8,
    /// Certificate association data, lower-case hex.
    pub data: String,
}

/// DANE for one MX host and port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaneInfo {
    /// The domain's MX RRset; absent when the target was a host (no MX step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mx: Option<DnssecAnswer>,
    /// The host's A/AAAA answers (the worst of the two that exist).
    pub address: DnssecAnswer,
    /// The TLSA owner name, `_PORT._tcp.HOST`.
    pub tlsa_name: String,
    /// The TLSA answer.
    pub tlsa: DnssecAnswer,
    /// The TLSA records answered (whatever the status; only a secure answer's are used).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<TlsaRecord>,
    /// Records beyond the scanner's limit, not kept.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub records_dropped: usize,
    /// The TLSA RRset's TTL, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlsa_ttl: Option<u32>,
    /// Where DANE stands: `not_published`, `ignored`, `bogus`, `indeterminate`, `no_starttls`,
    /// `tls_failed`, `only_unusable`, `no_match`, `authenticated`, `not_evaluated`.
    pub state: State,
    /// What a DANE-validating sender does: `authenticated`, `encrypted`, `no_dane`, `defer`,
    /// `unknown`.
    pub delivery: Delivery,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &usize) -> bool {
    *n == 0
}
