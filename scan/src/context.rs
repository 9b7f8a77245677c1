//! What every endpoint of a scan shares: settings, the per-IP limiter, the audit cache, the
//! socket budget and the abort signal.

use std::sync::Arc;
use std::time::Duration;

use mxray_schema::record::{Profile, SubmissionKind, TlsMode};
use tokio::sync::watch;

use crate::ratelimit::{RateConfig, RateLimiter};

/// Settings of the per-endpoint work.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Timeout of each read phase (the whole greeting; the QUIT reply).
    pub read_timeout: Duration,
    /// Deadline of the whole endpoint, retries and backoff included.
    pub endpoint_timeout: Duration,
    /// Retries after a 421 greeting or a refused connection.
    pub retries: u32,
    /// Backoff before the first retry; doubled for each further retry.
    pub retry_delay: Duration,
    /// Scan profile: which TLS probes run.
    pub profile: Profile,
    /// Name for EHLO.
    pub ehlo_name: String,
    /// How TLS is reached (`auto`: implicit on port 465, STARTTLS elsewhere).
    pub tls_mode: TlsModeChoice,
    /// Time limit of each TLS exchange (the handshake, one probe hello and its answer).
    pub tls_timeout: Duration,
    /// Trust store of the certificate audit.
    pub trust: Arc<cert_audit::TrustStore>,
    /// Server name for SNI and the certificate name check, overriding the MX host name.
    pub sni: Option<String>,
    /// The SMTP checks beyond STARTTLS (plaintext acceptance, submission ports).
    pub smtp_checks: SmtpChecks,
}

/// SMTP checks beyond STARTTLS itself.
///
/// ```
/// use mxray_scan::context::SmtpChecks;
/// use mxray_schema::record::{SubmissionKind, TlsMode};
///
/// let c = SmtpChecks::default();
/// assert_eq!(c.plaintext_accept, None);
/// assert_eq!(c.submission_kind(465, TlsMode::Implicit), Some(SubmissionKind::ImplicitTls));
/// assert_eq!(c.submission_kind(587, TlsMode::Starttls), Some(SubmissionKind::Starttls));
/// assert_eq!(c.submission_kind(25, TlsMode::Starttls), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpChecks {
    /// The plaintext-acceptance test (`--test-plaintext-accept`), off when `None`: on a server
    /// that offers STARTTLS, a separate connection sends EHLO, `MAIL FROM:<this>` (empty: the
    /// null reverse path), `RSET` and `QUIT`, never `RCPT` or `DATA`.
    pub plaintext_accept: Option<String>,
    /// Ports judged as mail submission ports under RFC 8314 (default 465 and 587): the
    /// record's `submission` and its findings.
    pub submission_ports: Vec<u16>,
}

impl Default for SmtpChecks {
    fn default() -> Self {
        Self {
            plaintext_accept: None,
            submission_ports: vec![465, 587],
        }
    }
}

impl SmtpChecks {
    /// How `port` is meant to reach TLS when it is a submission port (`mode`: how the scan
    /// reached TLS there), `None` otherwise.
    pub fn submission_kind(&self, port: u16, mode: TlsMode) -> Option<SubmissionKind> {
        self.submission_ports.contains(&port).then_some(match mode {
            TlsMode::Implicit => SubmissionKind::ImplicitTls,
            _ => SubmissionKind::Starttls,
        })
    }
}

impl PipelineConfig {
    /// Default TCP connect timeout (`mxray scan --connect-timeout`).
    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default timeout of each read phase (`--read-timeout`).
    pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default deadline of one endpoint (`mxray probe --endpoint-timeout`).
    pub const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(300);
    /// Default retries after a 421 greeting or a refused connection (`--retries`).
    pub const RETRIES: u32 = 2;
    /// Default backoff before the first retry (`--retry-delay`).
    pub const RETRY_DELAY: Duration = Duration::from_secs(2);
    /// Default EHLO name (`--ehlo-name`).
    pub const EHLO_NAME: &'static str = "mxray.invalid";
    /// Default time limit of each TLS exchange (`--tls-timeout`).
    pub const TLS_TIMEOUT: Duration = Duration::from_secs(10);

    /// The command line's defaults for `profile`, auditing against `trust`: the constants
    /// above, TLS mode `auto`, no SNI override. Change what differs with the `with_*` methods.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use mxray_scan::pipeline::{PipelineConfig, TlsModeChoice};
    /// use mxray_schema::record::Profile;
    ///
    /// let trust = Arc::new(cert_audit::TrustStore::webpki_roots());
    /// let c = PipelineConfig::for_profile(Profile::Quick, trust)
    ///     .with_retries(0, Duration::from_millis(100))
    ///     .with_tls(TlsModeChoice::Starttls, Duration::from_secs(5));
    /// assert_eq!((c.profile, c.retries), (Profile::Quick, 0));
    /// assert_eq!(c.connect_timeout, PipelineConfig::CONNECT_TIMEOUT);
    /// assert_eq!(c.ehlo_name, "mxray.invalid");
    /// ```
    pub fn for_profile(profile: Profile, trust: Arc<cert_audit::TrustStore>) -> Self {
        PipelineConfig {
            connect_timeout: Self::CONNECT_TIMEOUT,
            read_timeout: Self::READ_TIMEOUT,
            endpoint_timeout: Self::ENDPOINT_TIMEOUT,
            retries: Self::RETRIES,
            retry_delay: Self::RETRY_DELAY,
            profile,
            ehlo_name: Self::EHLO_NAME.to_owned(),
            tls_mode: TlsModeChoice::Auto,
            tls_timeout: Self::TLS_TIMEOUT,
            trust,
            sni: None,
            smtp_checks: SmtpChecks::default(),
        }
    }

    /// With these SMTP checks beyond STARTTLS (plaintext acceptance, submission ports).
    pub fn with_smtp_checks(mut self, checks: SmtpChecks) -> Self {
        self.smtp_checks = checks;
        self
    }

    /// With these connect, read-phase and whole-endpoint timeouts.
    pub fn with_timeouts(mut self, connect: Duration, read: Duration, endpoint: Duration) -> Self {
        self.connect_timeout = connect;
        self.read_timeout = read;
        self.endpoint_timeout = endpoint;
        self
    }

    /// With `retries` retries, the first after `delay` (doubled for each further one).
    pub fn with_retries(mut self, retries: u32, delay: Duration) -> Self {
        self.retries = retries;
        self.retry_delay = delay;
        self
    }

    /// With this EHLO name.
    pub fn with_ehlo_name(mut self, name: impl Into<String>) -> Self {
        self.ehlo_name = name.into();
        self
    }

    /// With this way of reaching TLS and time limit per TLS exchange.
    pub fn with_tls(mut self, mode: TlsModeChoice, timeout: Duration) -> Self {
        self.tls_mode = mode;
        self.tls_timeout = timeout;
        self
    }

    /// With this server name for SNI and the name check instead of the MX host's (`None`: the
    /// MX host's).
    pub fn with_sni(mut self, sni: Option<String>) -> Self {
        self.sni = sni;
        self
    }
}

/// How TLS is reached, as asked on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TlsModeChoice {
    /// Implicit TLS on port 465, STARTTLS on every other port.
    #[default]
    Auto,
    /// EHLO then STARTTLS.
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Implicit,
}

impl TlsModeChoice {
    /// The mode used on `port`.
    pub fn resolve(self, port: u16) -> TlsMode {
        match self {
            TlsModeChoice::Starttls => TlsMode::Starttls,
            TlsModeChoice::Implicit => TlsMode::Implicit,
            TlsModeChoice::Auto if port == 465 => TlsMode::Implicit,
            TlsModeChoice::Auto => TlsMode::Starttls,
        }
    }
}

/// Shared state of a scan, handed to every endpoint.
#[derive(Debug, Clone)]
pub struct ScanContext {
    /// Settings.
    pub config: Arc<PipelineConfig>,
    /// Per-IP connection rate limiter.
    pub limiter: Arc<RateLimiter>,
    /// Certificate audits already done in this scan (see [`crate::audit::AuditCache`]).
    pub audits: Arc<crate::audit::AuditCache>,
    /// Permits for probe sockets (see [`crate::sockets`]).
    pub sockets: Arc<tokio::sync::Semaphore>,
    /// Turns true when in-flight endpoints must stop now (after a stop's grace period);
    /// `None`: never.
    pub abort: Option<watch::Receiver<bool>>,
    /// The validating resolver of DANE lookups (see [`crate::dane`]); `None`: DANE is not
    /// looked up and records have no `dane`.
    pub dane: Option<crate::dane::DaneResolver>,
}

impl ScanContext {
    /// A context for `config`: `rate` per IP (with `limiter_entries` IPs remembered), a fresh
    /// audit cache, `sockets` probe sockets, and no abort signal.
    pub fn new(
        config: PipelineConfig,
        rate: RateConfig,
        limiter_entries: usize,
        sockets: usize,
    ) -> Self {
        Self {
            config: Arc::new(config),
            limiter: Arc::new(RateLimiter::new(rate, limiter_entries)),
            audits: Arc::default(),
            sockets: crate::sockets::semaphore(sockets),
            abort: None,
            dane: None,
        }
    }
}
