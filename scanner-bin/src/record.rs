//! The output record: one [`EndpointRecord`] per scanned endpoint, written as one JSON line.
//!
//! These structs are the single source of truth for the output schema; `docs/SCHEMA.md`
//! describes them field by field. Readers must ignore fields they do not know: later
//! versions add fields (the pipeline's `ehlo`, `starttls`, `tls`, `certificate`, `findings`)
//! without bumping [`SCHEMA_VERSION`]; a change of meaning or a removal bumps it.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Version of the record schema written in every record's `schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

/// What mxray found at one endpoint (an IP address and port), or why it found nothing.
///
/// A domain that fails DNS, or has a null MX, also gets one record, without `ip`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRecord {
    /// Always [`SCHEMA_VERSION`] when written by this version.
    pub schema_version: u32,
    /// The target as the user gave it (a domain, host name, address, `host:port`, or the
    /// range an address was expanded from).
    pub target: String,
    /// The mail domain whose MX records led here, when the target was a domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The MX host and its preference, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mx: Option<MxInfo>,
    /// The address connected to; absent when DNS gave none or the domain has a null MX.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    /// The TCP port.
    pub port: u16,
    /// The scan profile asked for.
    pub profile: Profile,
    /// Overall result.
    pub status: Status,
    /// When the work on this endpoint started, in milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    /// Durations of the phases, in milliseconds.
    pub timings: Timings,
    /// The server's greeting (complete or, after a timeout or size limit, partial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<Banner>,
    /// The error that ended the scan of this endpoint, typed by phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ScanError>,
    /// Every connection attempt, in order, with its outcome (retries on 421 and refusals).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
    /// Reserved for the SMTP pipeline: EHLO capabilities. Never written yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ehlo: Option<serde_json::Value>,
    /// Reserved for the SMTP pipeline: STARTTLS outcome. Never written yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls: Option<serde_json::Value>,
    /// Reserved for the TLS probes. Never written yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<serde_json::Value>,
    /// Reserved for the certificate audit. Never written yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<serde_json::Value>,
    /// Reserved for findings. Never written yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<serde_json::Value>,
}

impl EndpointRecord {
    /// A record with the given identity, status `failed`, and nothing observed yet.
    pub fn new(target: String, ip: Option<IpAddr>, port: u16, profile: Profile) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            target,
            domain: None,
            mx: None,
            ip,
            port,
            profile,
            status: Status::Failed,
            started_unix_ms: unix_ms_now(),
            timings: Timings::default(),
            banner: None,
            error: None,
            attempts: Vec::new(),
            ehlo: None,
            starttls: None,
            tls: None,
            certificate: None,
            findings: None,
        }
    }
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn unix_ms_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// An MX host and its preference (lower is preferred).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxInfo {
    /// The exchange host name, without the trailing dot.
    pub host: String,
    /// The MX preference; absent for the implicit MX of RFC 5321 section 5.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preference: Option<u16>,
    /// True when the domain has no MX and its own A/AAAA records are used (implicit MX).
    #[serde(default, skip_serializing_if = "is_false")]
    pub implicit: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Scan depth; recorded now, acted on by the pipeline later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Profile {
    /// Banner, EHLO, STARTTLS and one modern handshake.
    Quick,
    /// Adds protocol versions and cipher suites.
    Standard,
    /// Everything: suites per version, groups, injection probes, certificate audit.
    Full,
}

/// Overall result of one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// The scan ran to its end (today: a 2xx greeting was read).
    Completed,
    /// An error ended it; see `error`.
    Failed,
    /// The domain publishes a null MX ("0 .", RFC 7505): it accepts no mail. No connection made.
    NullMx,
    /// Stopped by Ctrl-C / SIGTERM before it finished.
    Interrupted,
}

/// Durations of the phases, in milliseconds; absent phases did not run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timings {
    /// DNS resolution for the target (shared by all endpoints of a domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_ms: Option<u64>,
    /// TCP connect of the last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<u64>,
    /// From connection to the complete greeting, last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner_ms: Option<u64>,
    /// QUIT and its reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quit_ms: Option<u64>,
    /// Whole endpoint, all attempts and backoff included (DNS excluded).
    pub total_ms: u64,
}

/// The server's greeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Banner {
    /// The reply code of the last line, when it starts with three digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// The greeting as received (lossy UTF-8), line endings kept as `\r\n` / `\n`.
    pub text: String,
    /// False when the greeting was cut by a timeout, the size limit or the peer closing.
    pub complete: bool,
}

/// Phase in which something happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Phase {
    /// Name resolution.
    Dns,
    /// TCP connect.
    Connect,
    /// Reading the greeting.
    Banner,
    /// EHLO (pipeline).
    Ehlo,
    /// STARTTLS (pipeline).
    Starttls,
    /// TLS handshake (pipeline).
    Tls,
    /// QUIT.
    Quit,
    /// The overall endpoint deadline.
    Endpoint,
}

/// Type of an error; the `phase` says where it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Name resolution failed; see `rcode`.
    Dns,
    /// The peer refused the TCP connection (RST).
    ConnectRefused,
    /// The TCP connect did not complete in time.
    ConnectTimeout,
    /// Another connect error (unreachable network or host, ...).
    ConnectError,
    /// A phase after connect did not complete in time.
    Timeout,
    /// The server greeted with 421 (busy / closing), after all retries.
    Busy421,
    /// The server greeted with another non-2xx code (e.g. 554: no service here).
    GreetingRejected,
    /// The peer broke the protocol (no reply code, oversized line, closed early).
    SmtpProtocol,
    /// TLS failure (pipeline).
    Tls,
    /// Other I/O failure (connection reset ...).
    Io,
    /// Stopped by Ctrl-C / SIGTERM.
    Interrupted,
}

/// An error that ended the scan of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// In which phase.
    pub phase: Phase,
    /// For DNS errors: `NXDOMAIN`, `SERVFAIL`, `REFUSED`, `timeout`, `no_addresses`, or
    /// another response code's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcode: Option<String>,
    /// Human-readable detail.
    pub message: String,
}

impl ScanError {
    /// An error without DNS rcode.
    pub fn new(kind: ErrorKind, phase: Phase, message: impl Into<String>) -> Self {
        Self {
            kind,
            phase,
            rcode: None,
            message: message.into(),
        }
    }
}

/// One connection attempt and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// How long we waited before it (backoff and rate limit), in milliseconds.
    pub waited_ms: u64,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// `ok` or the error kind that ended it.
    pub outcome: AttemptOutcome,
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The greeting was read (whatever its code, except 421).
    Ok,
    /// Connection refused.
    ConnectRefused,
    /// Connect timed out.
    ConnectTimeout,
    /// Other connect error.
    ConnectError,
    /// 421 greeting.
    Busy421,
    /// A timeout after connect.
    Timeout,
    /// Protocol or I/O error after connect.
    Error,
    /// Stopped by the user.
    Interrupted,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_placeholders_are_not_written_and_round_trip() {
        let mut r = EndpointRecord::new(
            "example.org".into(),
            Some("127.0.0.1".parse().unwrap()),
            25,
            Profile::Quick,
        );
        r.domain = Some("example.org".into());
        r.error = Some(ScanError::new(
            ErrorKind::ConnectRefused,
            Phase::Connect,
            "x",
        ));
        let json = serde_json::to_string(&r).unwrap();
        for absent in [
            "ehlo",
            "starttls",
            "\"tls\"",
            "certificate",
            "findings",
            "banner",
        ] {
            assert!(!json.contains(absent), "{absent} in {json}");
        }
        assert!(json.contains("\"kind\":\"connect_refused\""));
        let back: EndpointRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
