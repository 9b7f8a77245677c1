//! The output record: one [`EndpointRecord`] per scanned endpoint, written as one JSON line.
//!
//! These structs are the single source of truth for the output schema; `docs/SCHEMA.md`
//! describes them field by field. Readers must ignore fields they do not know: later
//! versions add fields (the pipeline's `ehlo`, `starttls`, `tls`, `certificate`, `findings`)
//! without bumping [`SCHEMA_VERSION`]; a change of meaning or a removal bumps it.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Version of the record schema written in every record's `schema_version`.
///
/// Version 2 renamed the snake_case finding ids of version 1 to kebab-case (the findings
/// catalogue, [`crate::catalogue`], keeps the mapping); nothing else changed, so a version-1
/// record reads as a version-2 one after [`EndpointRecord::upgrade`].
pub const SCHEMA_VERSION: u32 = 2;

/// The oldest `schema_version` this version reads (through [`EndpointRecord::upgrade`]).
pub const OLDEST_READABLE_SCHEMA_VERSION: u32 = 1;

/// True when a record of `version` can be read by this version (after
/// [`EndpointRecord::upgrade`]).
pub fn readable_schema_version(version: u64) -> bool {
    (u64::from(OLDEST_READABLE_SCHEMA_VERSION)..=u64::from(SCHEMA_VERSION)).contains(&version)
}

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
    /// The EHLO (or HELO fallback) exchange, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ehlo: Option<EhloInfo>,
    /// What happened with STARTTLS (or implicit TLS on port 465), when the session got that far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls: Option<StarttlsInfo>,
    /// TLS facts from the handshake and the probes, when TLS was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsInfo>,
    /// The certificate audit of the presented chain (the `cert-audit` crate's report), shared:
    /// a mass scan meets one chain on many endpoints, and the scanner's audit cache hands each
    /// of their records the same report (change one with [`std::sync::Arc::make_mut`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<std::sync::Arc<cert_audit::AuditReport>>,
    /// DANE (RFC 7672) for this MX host and port, when the scan looked it up (`--dane`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dane: Option<crate::dane::DaneInfo>,
    /// Every finding of this endpoint (STARTTLS, TLS, certificate and DANE), worst first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// The chain as presented (DER), kept in memory only when DANE is looked up, so that a unit
    /// sharing this endpoint through another MX host name can match its own TLSA records.
    /// Never written nor read.
    #[serde(skip)]
    pub captured_chain: Option<std::sync::Arc<[Vec<u8>]>>,
    /// Present when this record did not connect itself: its endpoint `(ip, port)` was scanned
    /// once for another target in the same scan (or found in the `--resume` file), and these
    /// are that scan's facts; the value is that record's `target`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_from: Option<String>,
    /// The domain's MTA-STS record and policy, and this MX under it (records of domain
    /// targets, when the scan looked them up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mta_sts: Option<crate::policy::MtaStsInfo>,
    /// The domain's TLS-RPT record (records of domain targets, when the scan looked it up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_rpt: Option<crate::policy::TlsRptInfo>,
    /// An address target's own names and the certificate's match against them
    /// (`--server-names`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_names: Option<crate::names::ServerNames>,
    /// The EHLO exchange inside TLS, after STARTTLS (RFC 3207 4.2): what the server offers
    /// only there, such as `REQUIRETLS` (RFC 8689). Absent in implicit-TLS mode (where `ehlo`
    /// is already inside TLS) and when the handshake did not complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ehlo_tls: Option<EhloInfo>,
    /// SMTP AUTH (RFC 4954) as advertised, when it was advertised at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthInfo>,
    /// RFC 8314 facts of a submission port (465 and 587, or the ports given with
    /// `--submission-port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<SubmissionInfo>,
    /// The plaintext-acceptance test (`--test-plaintext-accept`): on a separate connection,
    /// EHLO and `MAIL FROM` without STARTTLS, then `RSET` and `QUIT` (never `RCPT` or `DATA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext_mail: Option<PlaintextMailInfo>,
    /// The address's autonomous system and country (`--asn-db` at scan time); absent without
    /// a database or when it does not cover the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<crate::network::Network>,
}

impl EndpointRecord {
    /// Brings a record of an older readable schema version to [`SCHEMA_VERSION`]: a version-1
    /// record's snake_case finding ids (in `findings` and `tls.weaknesses`) become today's
    /// kebab-case ids. A current record is left as it is.
    ///
    /// ```
    /// use mxray_schema::record::{EndpointRecord, SCHEMA_VERSION};
    /// let old = r#"{"schema_version":1,"target":"a","port":25,"profile":"quick","status":"completed","started_unix_ms":1,"timings":{"total_ms":1},"findings":[{"id":"starttls_not_offered","source":"starttls","severity":"high","message":"m"}]}"#;
    /// let mut r: EndpointRecord = serde_json::from_str(old).unwrap();
    /// r.upgrade();
    /// assert_eq!(r.findings[0].id, "starttls-not-offered");
    /// assert_eq!(r.schema_version, SCHEMA_VERSION);
    /// ```
    pub fn upgrade(&mut self) {
        if self.schema_version >= SCHEMA_VERSION
            || !readable_schema_version(u64::from(self.schema_version))
        {
            return;
        }
        for f in &mut self.findings {
            let new = crate::catalogue::canonical_id(&f.id);
            if new != f.id {
                f.id = new.to_owned();
            }
        }
        if let Some(tls) = self.tls.as_mut() {
            for w in &mut tls.weaknesses {
                let new = crate::catalogue::canonical_id(w);
                if new != w.as_str() {
                    *w = new.to_owned();
                }
            }
        }
        self.schema_version = SCHEMA_VERSION;
    }

    /// The capabilities the server offers once TLS is up: those of [`EndpointRecord::ehlo_tls`]
    /// after STARTTLS, those of `ehlo` in implicit-TLS mode; `None` when not known.
    pub fn capabilities_in_tls(&self) -> Option<&[String]> {
        if let Some(e) = &self.ehlo_tls {
            return Some(&e.capabilities);
        }
        let implicit = self
            .starttls
            .as_ref()
            .is_some_and(|s| s.mode == TlsMode::Implicit);
        self.ehlo
            .as_ref()
            .filter(|_| implicit)
            .map(|e| e.capabilities.as_slice())
    }

    /// Whether the server offers `REQUIRETLS` (RFC 8689) inside TLS; `None` when not known.
    ///
    /// ```
    /// use mxray_schema::record::{EhloInfo, EndpointRecord, Profile};
    /// let mut r = EndpointRecord::new("mx.example".into(), None, 25, Profile::Quick);
    /// assert_eq!(r.requiretls_offered(), None);
    /// r.ehlo_tls = Some(EhloInfo {
    ///     code: 250,
    ///     used_helo: false,
    ///     domain: None,
    ///     capabilities: vec!["PIPELINING".into(), "REQUIRETLS".into()],
    ///     starttls_offered: false,
    ///     starttls_stripped: false,
    /// });
    /// assert_eq!(r.requiretls_offered(), Some(true));
    /// ```
    pub fn requiretls_offered(&self) -> Option<bool> {
        self.capabilities_in_tls().map(|caps| {
            caps.iter().any(|c| {
                c.split_ascii_whitespace()
                    .next()
                    .is_some_and(|k| k.eq_ignore_ascii_case("REQUIRETLS"))
            })
        })
    }

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
            dane: None,
            findings: Vec::new(),
            captured_chain: None,
            shared_from: None,
            mta_sts: None,
            tls_rpt: None,
            server_names: None,
            ehlo_tls: None,
            auth: None,
            submission: None,
            plaintext_mail: None,
            network: None,
        }
    }
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn unix_ms_now() -> u64 {
    u64::try_from(crate::time::unix_now().as_millis()).unwrap_or(u64::MAX)
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

/// `as_str()` for a wire enum: its name in the record, the same string serde writes (a test
/// checks every variant against serde, so the two cannot drift apart).
macro_rules! wire_names {
    ($t:ident { $($v:ident => $n:literal),+ $(,)? }) => {
        impl $t {
            /// The name in the record (the serde form), without a serde round trip.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($t::$v => $n,)+
                }
            }

            /// Every variant, in declaration order.
            pub const ALL: &'static [$t] = &[$($t::$v),+];
        }

        impl core::fmt::Display for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_names!(Status {
    Completed => "completed",
    Failed => "failed",
    NullMx => "null_mx",
    Interrupted => "interrupted",
    Partial => "partial",
});

wire_names!(Phase {
    Dns => "dns",
    Connect => "connect",
    Banner => "banner",
    Ehlo => "ehlo",
    Starttls => "starttls",
    Tls => "tls",
    Quit => "quit",
    Endpoint => "endpoint",
});

wire_names!(ErrorKind {
    Dns => "dns",
    ConnectRefused => "connect_refused",
    ConnectTimeout => "connect_timeout",
    ConnectError => "connect_error",
    Timeout => "timeout",
    Busy421 => "busy_421",
    GreetingRejected => "greeting_rejected",
    GreetingTemporary => "greeting_temporary",
    GreetingUnexpected => "greeting_unexpected",
    SmtpProtocol => "smtp_protocol",
    Tls => "tls",
    Io => "io",
    Interrupted => "interrupted",
});

wire_names!(AttemptOutcome {
    Ok => "ok",
    ConnectRefused => "connect_refused",
    ConnectTimeout => "connect_timeout",
    ConnectError => "connect_error",
    Busy421 => "busy_421",
    Timeout => "timeout",
    Error => "error",
    Interrupted => "interrupted",
});

wire_names!(TlsMode {
    Starttls => "starttls",
    Implicit => "implicit",
});

wire_names!(StarttlsOutcome {
    Ready => "ready",
    NotOffered => "not_offered",
    Stripped => "stripped",
    Refused => "refused",
    UnexpectedReply => "unexpected_reply",
    ImplicitTls => "implicit_tls",
});

wire_names!(InjectionResult {
    Vulnerable => "vulnerable",
    NotVulnerable => "not_vulnerable",
    Inconclusive => "inconclusive",
});

wire_names!(SubmissionKind {
    ImplicitTls => "implicit_tls",
    Starttls => "starttls",
});

wire_names!(PlaintextMailOutcome {
    Accepted => "accepted",
    Refused => "refused",
    Inconclusive => "inconclusive",
});

wire_names!(FindingSource {
    Starttls => "starttls",
    Tls => "tls",
    Certificate => "certificate",
    Policy => "policy",
    Dane => "dane",
});

/// Scan depth: which TLS probes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Profile {
    /// Banner, EHLO, STARTTLS and one modern handshake.
    Quick,
    /// Adds protocol versions, the suite each version negotiates, key exchange details, and the
    /// STARTTLS command-injection test (one round trip on the handshake's own connection).
    Standard,
    /// Everything: standard plus all suites per version with preference, groups, signature
    /// algorithms, features, fingerprints.
    Full,
}

impl Profile {
    /// The name on the wire and on the command line (`quick`, `standard`, `full`).
    ///
    /// ```
    /// assert_eq!(mxray_schema::record::Profile::Standard.as_str(), "standard");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Standard => "standard",
            Profile::Full => "full",
        }
    }
}

/// Overall result of one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// The scan ran to its end: STARTTLS found missing or refused, or TLS facts were learned.
    Completed,
    /// An error ended it; see `error`.
    Failed,
    /// The domain publishes a null MX ("0 .", RFC 7505): it accepts no mail. No connection made.
    NullMx,
    /// Stopped by Ctrl-C / SIGTERM before it finished.
    Interrupted,
    /// TLS facts were learned, but the endpoint deadline cut some probes short: what they
    /// found is kept and marked incomplete (`complete: false` in `tls.versions` and
    /// `tls.suites`), and `error` (kind `timeout`, phase `endpoint`) names the probes cut.
    Partial,
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
    /// EHLO and STARTTLS (from the greeting to the 220 to STARTTLS, or the session's end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_ms: Option<u64>,
    /// The modern (rustls) handshake on the main connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ms: Option<u64>,
    /// The probes of the `standard` and `full` profiles (fresh connections, run concurrently).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes_ms: Option<u64>,
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
    /// The server greeted with 421 (busy / closing), after all retries. Written `busy_421`;
    /// `busy421`, which earlier versions wrote, is read too.
    #[serde(rename = "busy_421", alias = "busy421")]
    Busy421,
    /// The server greeted with a 5xx code (e.g. 554: no service here).
    GreetingRejected,
    /// The server greeted with a 4xx code other than 421 (a temporary failure).
    GreetingTemporary,
    /// The greeting's code is of no class a greeting can have (1xx, 3xx such as 354, 6xx and
    /// above), or the complete greeting has no reply code at all.
    GreetingUnexpected,
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
    /// 421 greeting (or 421 to EHLO). Written `busy_421`; `busy421` (older files) is read too.
    #[serde(rename = "busy_421", alias = "busy421")]
    Busy421,
    /// A timeout after connect.
    Timeout,
    /// Protocol or I/O error after connect.
    Error,
    /// Stopped by the user.
    Interrupted,
}

/// The EHLO exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EhloInfo {
    /// The reply code of the EHLO reply (or of HELO when `used_helo`).
    pub code: u16,
    /// True when EHLO was refused and HELO was used instead (no capabilities then).
    #[serde(default, skip_serializing_if = "is_false")]
    pub used_helo: bool,
    /// The domain the server named on the first line of its reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Capabilities as advertised, upper-cased keyword then parameters (`SIZE 10240000`,
    /// `AUTH PLAIN LOGIN`, `STARTTLS`, `XXXXXXXA`).
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// STARTTLS is among the capabilities.
    pub starttls_offered: bool,
    /// A capability looks like STARTTLS masked by a middlebox (`XXXXXXXA`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub starttls_stripped: bool,
}

/// SMTP AUTH mechanisms as advertised (RFC 4954), before and inside TLS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthInfo {
    /// Mechanisms advertised in plaintext, before STARTTLS (`PLAIN`, `LOGIN`, ...): offering
    /// them there invites clients to send credentials unencrypted. Empty in implicit-TLS mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before_tls: Vec<String>,
    /// Mechanisms advertised inside TLS (after STARTTLS, or on an implicit-TLS port).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_tls: Vec<String>,
}

/// RFC 8314 facts of a submission port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionInfo {
    /// How the port is meant to reach TLS: `implicit_tls` (465) or `starttls` (587).
    pub kind: SubmissionKind,
    /// TLS was reached: the implicit-TLS handshake completed, or STARTTLS was offered and the
    /// handshake after it completed.
    pub tls: bool,
}

/// How a submission port reaches TLS (RFC 8314 3.3 prefers implicit TLS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SubmissionKind {
    /// TLS from the first byte (port 465, RFC 8314).
    ImplicitTls,
    /// STARTTLS after EHLO (port 587, RFC 6409).
    Starttls,
}

/// The plaintext-acceptance test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaintextMailInfo {
    /// `accepted` (2xx to `MAIL FROM` without TLS), `refused` (4xx/5xx), `inconclusive`.
    pub outcome: PlaintextMailOutcome,
    /// The command sent, `MAIL FROM:<>` or with the probe address.
    pub command: String,
    /// The reply to `MAIL FROM` (`CODE text`), when one came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// Why the test was inconclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// How the plaintext-acceptance test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PlaintextMailOutcome {
    /// `MAIL FROM` got a 2xx reply without TLS: the server accepts mail in plaintext.
    Accepted,
    /// `MAIL FROM` got a 4xx/5xx reply without TLS (typically 530, "must issue STARTTLS").
    Refused,
    /// No answer to `MAIL FROM` (refused greeting or EHLO, closed, timed out, malformed).
    Inconclusive,
}

/// What happened when TLS was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarttlsInfo {
    /// `starttls` on ports 25/587, `implicit` on 465.
    pub mode: TlsMode,
    /// How the upgrade ended.
    pub outcome: StarttlsOutcome,
    /// The server's reply to STARTTLS (code and text), when one came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// Bytes the server sent after its 220 reply to STARTTLS and before any TLS byte
    /// (buffered plaintext), lossy UTF-8; never handed to TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_after_220: Option<String>,
    /// The STARTTLS command-injection test (Poddebniak et al.), run by the `standard` and `full`
    /// profiles in STARTTLS mode, on the connection of the modern handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injection: Option<InjectionResult>,
}

/// How TLS is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TlsMode {
    /// STARTTLS after EHLO (ports 25 and 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
}

/// How the STARTTLS upgrade ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StarttlsOutcome {
    /// 220 received; the connection was handed to TLS.
    Ready,
    /// STARTTLS is not among the EHLO capabilities.
    NotOffered,
    /// STARTTLS was masked by a middlebox (`XXXXXXXA`).
    Stripped,
    /// STARTTLS was offered but the command was refused (e.g. 454).
    Refused,
    /// STARTTLS was answered with a code that is neither 220 nor a 4xx/5xx refusal (200, 221,
    /// 354...): the classic stripping proxy's "invalid response code".
    UnexpectedReply,
    /// Implicit TLS: no SMTP before the handshake.
    ImplicitTls,
}

/// Result of the STARTTLS command-injection test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InjectionResult {
    /// The server answered the pipelined command inside TLS: plaintext crossed the upgrade.
    Vulnerable,
    /// No answer to the pipelined command arrived inside TLS: the first reply there answered
    /// our own probe command (4xx/5xx), or the server sent nothing before closing.
    NotVulnerable,
    /// The test could not decide (handshake failed, timeout, connection closed).
    Inconclusive,
}

/// TLS facts of one endpoint. Which parts are present depends on the profile:
/// `quick` fills `handshake`; `standard` adds `versions`, `key_exchange` and the weaknesses those
/// show; `full` adds `suites`, `groups`, `signature_algorithms`, `features`, `fingerprints` and
/// the weaknesses of the suites and features.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsInfo {
    /// The modern handshake (rustls): does a current client connect, and with what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake: Option<HandshakeInfo>,
    /// Support of each protocol version, SSLv2 to TLS 1.3, with the suite it negotiated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<VersionInfo>,
    /// Accepted suites per version, in server preference order when the server enforces one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<VersionSuitesInfo>,
    /// Key exchange details: DH prime size, ECDHE curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_exchange: Option<KeyExchangeInfo>,
    /// Supported groups (IANA names, e.g. `x25519`, `secp256r1`, `ffdhe2048`, `X25519MLKEM768`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Protocol features.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<FeaturesInfo>,
    /// Named weaknesses derived from the facts (stable ids, e.g. `sslv3`, `rc4`, `sweet32`,
    /// `export`, `weak-dh`, `null-cipher`, `anonymous`, `no-forward-secrecy`,
    /// `no-tls12-or-later`, `compression`, `no-secure-renegotiation`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weaknesses: Vec<String>,
    /// JA3S / JA4S fingerprints of the answer to a fixed ClientHello.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprints: Option<FingerprintsInfo>,
    /// TLS 1.2 signature algorithms the server signs with, in the order it picked them (`full`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signature_algorithms: Vec<String>,
    /// TLS connections the probes used for this endpoint (the handshake included).
    pub connections: u32,
    /// Probe connections that failed before TLS (connect, greeting, EHLO or STARTTLS refused):
    /// their probes count them as refusals, so results may be incomplete when this is not 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed_connections: u32,
    /// Probe connections retried after a 421 or a refused connect (not counted in
    /// `connections` unless they reached TLS).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retried_connections: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The modern handshake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandshakeInfo {
    /// The handshake completed.
    pub ok: bool,
    /// Negotiated version (`TLSv1.3`, `TLSv1.2`...), when it got that far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Negotiated suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<SuiteInfo>,
    /// Key exchange group (`x25519`, `secp256r1`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// ALPN protocol, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// Why the handshake failed (e.g. the server's alert), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Number of certificates presented.
    pub chain_length: u32,
    /// The server asked for a client certificate (a CertificateRequest in the handshake);
    /// written only when it did. mxray sends none, as most sending MTAs.
    #[serde(default, skip_serializing_if = "is_false")]
    pub client_cert_requested: bool,
    /// The server stapled an OCSP response to its certificate (mxray asks with
    /// status_request); written only when it did. Absent with `ok: true` means no staple.
    #[serde(default, skip_serializing_if = "is_false")]
    pub ocsp_stapled: bool,
}

/// A cipher suite with the classes a report groups by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteInfo {
    /// IANA code point.
    pub id: u16,
    /// IANA name (`TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`), or `0xXXXX` when unknown.
    pub name: String,
    /// Key exchange class: `rsa` (static), `dhe`, `ecdhe`, `dh_anon`, `ecdh_anon`, `tls13`,
    /// `psk`, `other`.
    pub kx: String,
    /// Symmetric key bits.
    pub bits: u16,
    /// Strength classes that apply (`null`, `export`, `rc4`, `block64`, `cbc`, `aead`,
    /// `anonymous`, `forward_secrecy`, `tls13`).
    #[serde(default)]
    pub classes: Vec<String>,
}

/// One protocol version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// `SSLv2`, `SSLv3`, `TLSv1.0`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
    pub version: String,
    /// Accepted.
    pub supported: bool,
    /// The suite the server picked from our default offer for this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<SuiteInfo>,
    /// The probe of this version got an answer. `false` (written only then) when the endpoint
    /// deadline cut it short: `supported: false` then means "not determined".
    #[serde(default = "complete_default", skip_serializing_if = "is_complete")]
    pub complete: bool,
}

fn complete_default() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_complete(b: &bool) -> bool {
    *b
}

/// Accepted suites of one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSuitesInfo {
    /// The version.
    pub version: String,
    /// `server` when the server enforces its order (then `accepted` is in that order),
    /// `client` when it follows the client's, `mixed` when neither, `unknown` with fewer than
    /// two suites or when the enumeration was cut short (`complete: false`).
    pub preference: String,
    /// The accepted suites.
    pub accepted: Vec<SuiteInfo>,
    /// The enumeration of this version ran to its end. `false` (written only then) when the
    /// endpoint deadline cut it short: `accepted` holds the suites found before (the server may
    /// accept more) and `preference` is `unknown`.
    #[serde(default = "complete_default", skip_serializing_if = "is_complete")]
    pub complete: bool,
}

/// Key exchange details.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyExchangeInfo {
    /// Smallest DH prime, in bits, over DHE suites, measured with a hello offering no FFDHE group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dh_bits: Option<u32>,
    /// Class of that prime: `512`, `768`, `1024`, `2048`, `3072_or_more`, `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dh_class: Option<String>,
    /// ECDHE curve the server picked, when an ECDHE suite was negotiated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecdhe_curve: Option<String>,
    /// `true` (written only then) when the DH prime was not measured though the server accepts
    /// a version with DHE suites: the `standard` profile learns the prime from its version
    /// hellos, which offer DHE suites first, and a server that orders suites by its own
    /// preference picked another key exchange. Then `dh_bits` is absent without meaning "no
    /// DHE"; the `full` profile measures it with DHE-only hellos.
    #[serde(default, skip_serializing_if = "is_false")]
    pub dh_undetermined: bool,
}

/// Protocol features; `None` means not determined.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturesInfo {
    /// RFC 5746 secure renegotiation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_renegotiation: Option<bool>,
    /// Session tickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_ticket: Option<bool>,
    /// OCSP stapling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocsp_stapling: Option<bool>,
    /// Extended master secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_master_secret: Option<bool>,
    /// Encrypt-then-MAC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypt_then_mac: Option<bool>,
    /// Heartbeat extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<bool>,
    /// TLS compression accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<bool>,
    /// TLS_FALLBACK_SCSV honoured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_scsv: Option<bool>,
    /// ALPN protocol chosen when offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
}

/// Fingerprints of the server's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FingerprintsInfo {
    /// JA3S string.
    pub ja3s_string: String,
    /// JA3S (MD5 of the string).
    pub ja3s: String,
    /// JA4S.
    pub ja4s: String,
}

/// How bad a finding is; [`Finding::severity`] holds its [`Severity::as_str`] (a string on the
/// wire, so that a reader survives a severity it does not know).
///
/// ```
/// use mxray_schema::record::Severity;
/// assert_eq!(Severity::from(cert_audit::Severity::High).as_str(), "high");
/// assert_eq!(Severity::parse("critical"), Some(Severity::Critical));
/// assert!(Severity::Critical > Severity::Info);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing, not a weakness.
    Info,
    /// A hygiene problem.
    Low,
    /// A weakness some senders or policies act on.
    Medium,
    /// Authentication or confidentiality fails or is weak.
    High,
    /// Broken.
    Critical,
}

impl Severity {
    /// The wire name: `info`, `low`, `medium`, `high`, `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The severity of a wire name (`None` for a name this version does not know).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

impl From<cert_audit::Severity> for Severity {
    fn from(s: cert_audit::Severity) -> Self {
        match s {
            cert_audit::Severity::Critical => Severity::Critical,
            cert_audit::Severity::High => Severity::High,
            cert_audit::Severity::Medium => Severity::Medium,
            cert_audit::Severity::Low => Severity::Low,
            _ => Severity::Info,
        }
    }
}

/// A finding about the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id (`starttls-not-offered`, `starttls-stripped`, `starttls-refused`,
    /// `starttls-unexpected-reply`, `tls-not-started`, `starttls-injection`,
    /// `bytes-after-starttls`, a TLS weakness id, or a certificate finding id).
    pub id: String,
    /// Where it comes from.
    pub source: FindingSource,
    /// `info`, `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// Human-readable explanation.
    pub message: String,
}

impl Finding {
    /// A finding; every finding of a record is made through here, with a typed [`Severity`].
    ///
    /// ```
    /// use mxray_schema::record::{Finding, FindingSource, Severity};
    /// let f = Finding::new("starttls-refused", FindingSource::Starttls, Severity::High, "454");
    /// assert_eq!(f.severity, "high");
    /// ```
    pub fn new(
        id: impl Into<String>,
        source: FindingSource,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            source,
            severity: severity.as_str().to_owned(),
            message: message.into(),
        }
    }

    /// The severity, when this version knows its name.
    pub fn severity(&self) -> Option<Severity> {
        Severity::parse(&self.severity)
    }
}

/// Which part of the scan produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingSource {
    /// SMTP / STARTTLS.
    Starttls,
    /// TLS probes.
    Tls,
    /// Certificate audit.
    Certificate,
    /// The domain's transport policies (MTA-STS, TLS-RPT).
    Policy,
    /// DANE (RFC 7672): DNSSEC and TLSA as a validating sender judges them.
    Dane,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `as_str()` is the serde name of every variant of every wire enum.
    #[test]
    fn as_str_is_the_serde_name() {
        fn check<T: Serialize + Copy>(all: &[T], name: fn(T) -> &'static str) {
            assert!(!all.is_empty());
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), name(*v));
            }
        }
        check(Status::ALL, Status::as_str);
        check(Phase::ALL, Phase::as_str);
        check(ErrorKind::ALL, ErrorKind::as_str);
        check(AttemptOutcome::ALL, AttemptOutcome::as_str);
        check(TlsMode::ALL, TlsMode::as_str);
        check(StarttlsOutcome::ALL, StarttlsOutcome::as_str);
        check(InjectionResult::ALL, InjectionResult::as_str);
        check(FindingSource::ALL, FindingSource::as_str);
        check(SubmissionKind::ALL, SubmissionKind::as_str);
        check(PlaintextMailOutcome::ALL, PlaintextMailOutcome::as_str);
        let profiles = [Profile::Quick, Profile::Standard, Profile::Full];
        check(&profiles, Profile::as_str);
        let severities = [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ];
        check(&severities, Severity::as_str);
        assert_eq!(ErrorKind::Busy421.to_string(), "busy_421");
        use cert_audit::{KeyAlgorithm as K, NameMatch as N};
        check(
            &[K::Rsa, K::Ec, K::Ed25519, K::Ed448, K::Dsa, K::Other],
            K::as_str,
        );
        check(
            &[N::MxHost, N::MailDomain, N::Mismatch, N::NotChecked],
            N::as_str,
        );
        use crate::policy::{PolicyStatus as P, TxtStatus as T};
        check(
            &[T::Valid, T::Absent, T::Invalid, T::Multiple, T::DnsError],
            T::as_str,
        );
        check(&[P::Valid, P::FetchError, P::Invalid], P::as_str);
    }

    /// Every renamed id of a version-1 record (in `findings` and `tls.weaknesses`) becomes
    /// today's; other ids and version-2 records are left alone.
    #[test]
    fn upgrade_maps_every_legacy_id_and_only_version_1() {
        let mut n = 0;
        for e in crate::catalogue::all() {
            let Some(old) = e.legacy_id else { continue };
            n += 1;
            let json = format!(
                r#"{{"schema_version":1,"target":"a","port":25,"profile":"quick","status":"completed","started_unix_ms":1,"timings":{{"total_ms":1}},"tls":{{"weaknesses":["{old}","rc4"],"connections":1}},"findings":[{{"id":"{old}","source":"tls","severity":"low","message":"m"}},{{"id":"self-signed","source":"certificate","severity":"high","message":"m"}}]}}"#
            );
            let mut r: EndpointRecord = serde_json::from_str(&json).unwrap();
            let v2 = json.replace(r#""schema_version":1"#, r#""schema_version":2"#);
            let mut current: EndpointRecord = serde_json::from_str(&v2).unwrap();
            r.upgrade();
            assert_eq!(r.schema_version, SCHEMA_VERSION);
            assert_eq!(r.findings[0].id, e.id);
            assert_eq!(r.findings[1].id, "self-signed");
            assert_eq!(r.tls.as_ref().unwrap().weaknesses, [e.id, "rc4"]);
            let before = current.clone();
            current.upgrade();
            assert_eq!(current, before, "a version-2 record is not rewritten");
        }
        assert!(n >= 20, "{n}");
        // A version this one does not read is left alone too.
        let mut r = EndpointRecord::new("a".into(), None, 25, Profile::Quick);
        r.schema_version = SCHEMA_VERSION + 1;
        r.findings.push(Finding::new(
            "weak_dh",
            FindingSource::Tls,
            Severity::Low,
            "m",
        ));
        r.upgrade();
        assert_eq!(r.findings[0].id, "weak_dh");
        assert!(readable_schema_version(1) && readable_schema_version(2));
        assert!(!readable_schema_version(0) && !readable_schema_version(3));
    }

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
