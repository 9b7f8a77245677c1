//! What every endpoint of a scan shares: settings, the per-IP limiter, the audit cache, the
//! socket budget and the abort signal.

use std::sync::Arc;
use std::time::Duration;

use mxray_schema::record::{Profile, TlsMode};
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
