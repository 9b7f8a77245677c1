//! The mail domain's transport policies on a record: MTA-STS (RFC 8461) and TLS-RPT
//! (RFC 8460), as found by DNS and the HTTPS policy fetch, and how this record's MX host
//! fares under the MTA-STS policy.
//!
//! Both are per domain: every record of a domain target carries the same [`MtaStsInfo`] and
//! [`TlsRptInfo`] (except [`MtaStsInfo::mx`], this record's MX under the policy). Records of
//! host and address targets, and records written before these fields existed, have neither.

use serde::{Deserialize, Serialize};

/// What the DNS said about a policy TXT record (`_mta-sts.DOMAIN`, `_smtp._tls.DOMAIN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TxtStatus {
    /// Exactly one record of the right version, and it parses.
    Valid,
    /// No record of the right version (NXDOMAIN, no TXT, or only other TXT records).
    Absent,
    /// One record of the right version that does not parse (`error` says why): senders act
    /// as if there were none.
    Invalid,
    /// More than one record of the right version: senders act as if there were none.
    Multiple,
    /// The lookup failed (`error`, `rcode`): senders cannot tell.
    DnsError,
}

impl TxtStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TxtStatus::Valid => "valid",
            TxtStatus::Absent => "absent",
            TxtStatus::Invalid => "invalid",
            TxtStatus::Multiple => "multiple",
            TxtStatus::DnsError => "dns_error",
        }
    }
}

/// A policy TXT record as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxtInfo {
    /// What the DNS said.
    pub status: TxtStatus,
    /// The record's text (strings joined), when there was one of the right version (the first
    /// one for `multiple`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Why it is not valid (`invalid`, `multiple`, `dns_error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For `dns_error`: the response code (`SERVFAIL`, `timeout`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcode: Option<String>,
}

/// How the policy fetch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PolicyStatus {
    /// Fetched as RFC 8461 section 3.3 says and parsed: `mode`, `max_age`, `mx` are set.
    Valid,
    /// The fetch failed (`error_kind`, `error`): senders have no policy (or keep a cached one).
    FetchError,
    /// Fetched, but the body is not a valid policy (`error`).
    Invalid,
}

impl PolicyStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyStatus::Valid => "valid",
            PolicyStatus::FetchError => "fetch_error",
            PolicyStatus::Invalid => "invalid",
        }
    }
}

/// The MTA-STS policy fetched from `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    /// The URL fetched (with the port when it is not 443: a lab or test setting).
    pub url: String,
    /// How it ended.
    pub status: PolicyStatus,
    /// For `fetch_error`: `dns`, `excluded`, `connect`, `connect_timeout`, `tls_certificate`, `tls`,
    /// `tls_timeout`, `http`, `headers_too_large`, `redirect`, `http_status`, `content_type`,
    /// `too_large`, `timeout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<String>,
    /// What was wrong, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The HTTP status, when a response came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The response's Content-Type, when a response came with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Body bytes read (the limit plus one when the body was cut at the limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// `enforce`, `testing` or `none` (valid policies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Seconds senders may cache the policy (valid policies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u64>,
    /// The `mx` patterns (valid policies), as written (lower-cased).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mx: Vec<String>,
}

/// This record's MX host under the domain's valid MTA-STS policy (RFC 8461 section 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StsMxCheck {
    /// The MX host name matches one of the policy's `mx` patterns.
    pub matches_policy: bool,
    /// STARTTLS was offered and the TLS handshake completed.
    pub tls: bool,
    /// The certificate is trusted (a valid path to the trust store) and valid for the MX host.
    pub certificate_valid: bool,
    /// All three: an MTA-STS sender delivers to this MX.
    pub passes: bool,
}

/// The domain's MTA-STS state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MtaStsInfo {
    /// The `_mta-sts.DOMAIN` TXT record.
    pub txt: TxtInfo,
    /// The policy, fetched only when the TXT record is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyInfo>,
    /// This record's MX under a valid policy of mode `enforce` or `testing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mx: Option<StsMxCheck>,
}

impl MtaStsInfo {
    /// The mode of a valid policy (`enforce`, `testing`, `none`), if there is one.
    pub fn mode(&self) -> Option<&str> {
        self.policy
            .as_ref()
            .filter(|p| p.status == PolicyStatus::Valid)
            .and_then(|p| p.mode.as_deref())
    }
}

/// The domain's TLS-RPT record (`_smtp._tls.DOMAIN`); its addresses are reported, never
/// contacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsRptInfo {
    /// The TXT record.
    pub txt: TxtInfo,
    /// The report URIs (`mailto:...`, `https://...`) of a valid record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rua: Vec<String>,
}
