//! The pure side branch of the engine: what the I/O layers found goes in, the record's
//! findings, status and error come out. Every finding of a record is made here, from one
//! catalogue with a typed [`Severity`]: the STARTTLS findings ([`no_tls_finding`], [`assemble`]),
//! the TLS weaknesses (ids, severities and text are tls-probe's) and the certificate audit's
//! findings (cert-audit's). Nothing here reads a socket or the clock, so every rule is tested
//! with plain values.
//!
//! ```
//! use mxray_scan::assemble::{assemble, TlsFacts};
//! use mxray_schema::record::{ErrorKind, Status};
//!
//! let facts = TlsFacts {
//!     starttls: true,
//!     handshake_ok: false,
//!     handshake_error: "handshake_failure alert",
//!     versions_probed: true,
//!     ..TlsFacts::default()
//! };
//! let a = assemble(&facts);
//! let ids: Vec<&str> = a.findings.iter().map(|f| f.id.as_str()).collect();
//! assert_eq!(ids, ["modern-handshake-failed", "tls-not-started"]);
//! assert_eq!(a.status, Status::Failed);
//! assert_eq!(a.error.unwrap().kind, ErrorKind::Tls);
//! ```

use cert_audit::AuditReport;
use mxray_schema::record::{
    AuthInfo, EndpointRecord, ErrorKind, Finding, FindingSource, InjectionResult, Phase,
    PlaintextMailOutcome, ScanError, Severity, StarttlsOutcome, Status, SubmissionInfo,
    SubmissionKind, TlsMode,
};
use tls_probe::weakness::{Severity as WeaknessSeverity, Weakness};

/// The finding ids this module emits, one constant each (the findings catalogue,
/// `mxray_schema::catalogue`, has an entry for every one; a test checks it).
pub mod ids {
    /// `starttls-not-offered`.
    pub const STARTTLS_NOT_OFFERED: &str = "starttls-not-offered";
    /// `starttls-stripped`.
    pub const STARTTLS_STRIPPED: &str = "starttls-stripped";
    /// `starttls-refused`.
    pub const STARTTLS_REFUSED: &str = "starttls-refused";
    /// `starttls-unexpected-reply`.
    pub const STARTTLS_UNEXPECTED_REPLY: &str = "starttls-unexpected-reply";
    /// `bytes-after-starttls`.
    pub const BYTES_AFTER_STARTTLS: &str = "bytes-after-starttls";
    /// `starttls-injection`.
    pub const STARTTLS_INJECTION: &str = "starttls-injection";
    /// `modern-handshake-failed`.
    pub const MODERN_HANDSHAKE_FAILED: &str = "modern-handshake-failed";
    /// `tls-not-started`.
    pub const TLS_NOT_STARTED: &str = "tls-not-started";
    /// `probe-connections-failed`.
    pub const PROBE_CONNECTIONS_FAILED: &str = "probe-connections-failed";
    /// `auth-before-starttls`.
    pub const AUTH_BEFORE_STARTTLS: &str = "auth-before-starttls";
    /// `submission-without-tls`.
    pub const SUBMISSION_WITHOUT_TLS: &str = "submission-without-tls";
    /// `implicit-tls-unavailable`.
    pub const IMPLICIT_TLS_UNAVAILABLE: &str = "implicit-tls-unavailable";
    /// `requiretls-offered`.
    pub const REQUIRETLS_OFFERED: &str = "requiretls-offered";
    /// `plaintext-mail-accepted`.
    pub const PLAINTEXT_MAIL_ACCEPTED: &str = "plaintext-mail-accepted";
    /// `client-cert-requested`.
    pub const CLIENT_CERT_REQUESTED: &str = "client-cert-requested";
    /// `must-staple-without-staple`.
    pub const MUST_STAPLE_WITHOUT_STAPLE: &str = "must-staple-without-staple";
}

/// Every id above, in the order of the catalogue.
pub const IDS: &[&str] = &[
    ids::STARTTLS_NOT_OFFERED,
    ids::STARTTLS_STRIPPED,
    ids::STARTTLS_REFUSED,
    ids::STARTTLS_UNEXPECTED_REPLY,
    ids::BYTES_AFTER_STARTTLS,
    ids::STARTTLS_INJECTION,
    ids::MODERN_HANDSHAKE_FAILED,
    ids::TLS_NOT_STARTED,
    ids::PROBE_CONNECTIONS_FAILED,
    ids::AUTH_BEFORE_STARTTLS,
    ids::SUBMISSION_WITHOUT_TLS,
    ids::IMPLICIT_TLS_UNAVAILABLE,
    ids::REQUIRETLS_OFFERED,
    ids::PLAINTEXT_MAIL_ACCEPTED,
    ids::CLIENT_CERT_REQUESTED,
    ids::MUST_STAPLE_WITHOUT_STAPLE,
];

/// Every finding id a record can carry, with the source that emits it: this module's
/// ([`IDS`]), tls-probe's weaknesses, cert-audit's certificate and DANE-sender findings, and
/// the policy check's. The findings catalogue (`mxray_schema::catalogue`) must have an entry
/// for each (`tests/catalogue.rs`).
pub fn all_ids() -> Vec<(FindingSource, &'static str)> {
    let mut out: Vec<(FindingSource, &'static str)> = IDS
        .iter()
        .map(|id| {
            let source = if [
                ids::MODERN_HANDSHAKE_FAILED,
                ids::PROBE_CONNECTIONS_FAILED,
                ids::CLIENT_CERT_REQUESTED,
                ids::MUST_STAPLE_WITHOUT_STAPLE,
            ]
            .contains(id)
            {
                FindingSource::Tls
            } else {
                FindingSource::Starttls
            };
            (source, *id)
        })
        .collect();
    out.extend(Weakness::IDS.iter().map(|id| (FindingSource::Tls, *id)));
    out.extend(
        cert_audit::FindingId::ALL
            .iter()
            .map(|id| (FindingSource::Certificate, id.as_str())),
    );
    out.extend(
        cert_audit::sender::SenderFindingId::ALL
            .iter()
            .map(|id| (FindingSource::Dane, id.as_str())),
    );
    out.extend(
        crate::policycheck::IDS
            .iter()
            .map(|id| (FindingSource::Policy, *id)),
    );
    out
}

/// Why a plaintext session ended without TLS: a finding, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoTls {
    /// STARTTLS is not among the capabilities (`via_helo`: EHLO was refused, HELO accepted).
    NotOffered {
        /// Only HELO worked.
        via_helo: bool,
    },
    /// STARTTLS was masked by a middlebox.
    Stripped {
        /// The masked keywords as sent.
        masked: Vec<String>,
    },
    /// STARTTLS was offered but refused.
    Refused {
        /// The reply, `CODE text`.
        reply: String,
    },
    /// STARTTLS was answered with neither 220 nor a refusal.
    UnexpectedReply {
        /// The reply, `CODE text`.
        reply: String,
    },
}

impl NoTls {
    /// The record's STARTTLS outcome.
    pub fn outcome(&self) -> StarttlsOutcome {
        match self {
            NoTls::NotOffered { .. } => StarttlsOutcome::NotOffered,
            NoTls::Stripped { .. } => StarttlsOutcome::Stripped,
            NoTls::Refused { .. } => StarttlsOutcome::Refused,
            NoTls::UnexpectedReply { .. } => StarttlsOutcome::UnexpectedReply,
        }
    }

    /// The reply to STARTTLS, when one came.
    pub fn reply(&self) -> Option<&str> {
        match self {
            NoTls::Refused { reply } | NoTls::UnexpectedReply { reply } => Some(reply),
            NoTls::NotOffered { .. } | NoTls::Stripped { .. } => None,
        }
    }
}

/// The one finding of a session that ended without TLS.
pub fn no_tls_finding(n: &NoTls) -> Finding {
    let starttls = |id: &str, severity, message: String| {
        Finding::new(id, FindingSource::Starttls, severity, message)
    };
    match n {
        NoTls::NotOffered { via_helo: true } => starttls(
            ids::STARTTLS_NOT_OFFERED,
            Severity::High,
            "EHLO refused, HELO accepted: no extensions, so no STARTTLS; mail to this server \
             travels in plaintext"
                .to_owned(),
        ),
        NoTls::NotOffered { via_helo: false } => starttls(
            ids::STARTTLS_NOT_OFFERED,
            Severity::High,
            "STARTTLS is not among the EHLO capabilities: mail to this server travels in \
             plaintext"
                .to_owned(),
        ),
        NoTls::Stripped { masked } => starttls(
            ids::STARTTLS_STRIPPED,
            Severity::Critical,
            format!(
                "STARTTLS masked by a middlebox (capability {}): TLS is being stripped on the \
                 path",
                masked.join(", ")
            ),
        ),
        NoTls::Refused { reply } => starttls(
            ids::STARTTLS_REFUSED,
            Severity::High,
            format!("STARTTLS offered but refused: {reply}"),
        ),
        // The classic stripping proxy's "invalid response code".
        NoTls::UnexpectedReply { reply } => starttls(
            ids::STARTTLS_UNEXPECTED_REPLY,
            Severity::High,
            format!(
                "STARTTLS answered with neither 220 nor a refusal: {reply} (a middlebox may be \
                 stripping TLS); mail to this server travels in plaintext"
            ),
        ),
    }
}

/// What an endpoint's TLS part found: the input of [`assemble`].
#[derive(Debug, Clone, Default)]
pub struct TlsFacts<'a> {
    /// TLS was reached with STARTTLS (not implicit TLS).
    pub starttls: bool,
    /// Plaintext bytes the server sent after its 220 to STARTTLS, when any: how many.
    pub bytes_after_starttls: Option<usize>,
    /// The injection test's result and its explanation, when it ran.
    pub injection: Option<(InjectionResult, &'a str)>,
    /// The modern (rustls) handshake completed.
    pub handshake_ok: bool,
    /// Why the modern handshake failed (or how it ended).
    pub handshake_error: &'a str,
    /// The version probe ran (standard and full profiles).
    pub versions_probed: bool,
    /// The version probe found a version accepted.
    pub any_version_accepted: bool,
    /// TLS facts were learned: the handshake completed or a version is known supported.
    pub learned: bool,
    /// The weaknesses derived from the probes' facts.
    pub weaknesses: &'a [Weakness],
    /// The certificate audit, when a chain was seen.
    pub audit: Option<&'a AuditReport>,
    /// Probe connections that did not reach TLS.
    pub failed_connections: u32,
    /// The last reason a probe connection failed.
    pub last_failure: Option<&'a str>,
    /// The probes the deadline (or a hello budget) cut short.
    pub cut: &'a [String],
    /// The endpoint deadline, in milliseconds (for the message of a partial record).
    pub endpoint_timeout_ms: u64,
    /// The endpoint deadline had passed when the TLS part ended.
    pub past_deadline: bool,
}

/// What [`assemble`] makes of the facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled {
    /// Every finding, worst first.
    pub findings: Vec<Finding>,
    /// The ids of the TLS weaknesses (the record's `tls.weaknesses`).
    pub weaknesses: Vec<String>,
    /// The record's status.
    pub status: Status,
    /// The record's error (`None` when completed).
    pub error: Option<ScanError>,
}

/// The findings, status and error of an endpoint whose TLS part ran. Findings keep the order
/// STARTTLS, TLS, certificate within a severity, worst first.
pub fn assemble(f: &TlsFacts<'_>) -> Assembled {
    let mut findings = Vec::new();
    if let Some(n) = f.bytes_after_starttls {
        findings.push(Finding::new(
            ids::BYTES_AFTER_STARTTLS,
            FindingSource::Starttls,
            Severity::Medium,
            format!(
                "{n} plaintext bytes after the 220 to STARTTLS: the server buffers plaintext \
                 across the upgrade (or a middlebox injects it)"
            ),
        ));
    }
    if let Some((InjectionResult::Vulnerable, message)) = f.injection {
        findings.push(Finding::new(
            ids::STARTTLS_INJECTION,
            FindingSource::Starttls,
            Severity::High,
            format!("STARTTLS command injection (CVE-2011-0411 class): {message}"),
        ));
    }
    if !f.handshake_ok {
        findings.push(Finding::new(
            ids::MODERN_HANDSHAKE_FAILED,
            FindingSource::Tls,
            Severity::High,
            format!(
                "a current client (rustls, TLS 1.2/1.3) cannot connect: {}",
                f.handshake_error
            ),
        ));
    }
    if f.starttls && !f.handshake_ok && f.versions_probed && !f.any_version_accepted {
        findings.push(Finding::new(
            ids::TLS_NOT_STARTED,
            FindingSource::Starttls,
            Severity::High,
            "the server answered 220 to STARTTLS, but no TLS handshake completed and no \
             protocol version was accepted: TLS never started",
        ));
    }
    let weak = from_weaknesses(f.weaknesses);
    let weaknesses = weak.iter().map(|w| w.id.clone()).collect();
    findings.extend(weak);
    if let Some(report) = f.audit {
        findings.extend(from_audit(report));
    }
    if let Some(why) = f.last_failure.filter(|_| f.failed_connections > 0) {
        findings.push(Finding::new(
            ids::PROBE_CONNECTIONS_FAILED,
            FindingSource::Tls,
            Severity::Info,
            format!(
                "{} probe connection(s) did not reach TLS (results may be incomplete); last: \
                 {why}",
                f.failed_connections
            ),
        ));
    }
    sort(&mut findings);
    let (status, error) = if f.learned && !f.cut.is_empty() {
        // Never present what the deadline cut short as the answer.
        (
            Status::Partial,
            Some(ScanError::new(
                ErrorKind::Timeout,
                Phase::Endpoint,
                format!(
                    "endpoint deadline ({} ms) or a probe's hello budget reached before these \
                     probes finished: {}; their results are incomplete",
                    f.endpoint_timeout_ms,
                    f.cut.join(", ")
                ),
            )),
        )
    } else if f.learned {
        (Status::Completed, None)
    } else if f.past_deadline {
        (
            Status::Failed,
            Some(ScanError::new(
                ErrorKind::Timeout,
                Phase::Endpoint,
                format!(
                    "endpoint deadline reached during TLS: {}",
                    f.handshake_error
                ),
            )),
        )
    } else {
        (
            Status::Failed,
            Some(ScanError::new(
                ErrorKind::Tls,
                Phase::Tls,
                f.handshake_error,
            )),
        )
    };
    Assembled {
        findings,
        weaknesses,
        status,
        error,
    }
}

/// SASL mechanisms that carry the password (or a bearer token) itself: offered before TLS,
/// they invite a client to send it readable by anyone on the path.
pub const CLEARTEXT_MECHANISMS: &[&str] = &["PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"];

/// The AUTH mechanisms advertised in an EHLO capability list (`AUTH PLAIN LOGIN` and the old
/// `AUTH=LOGIN` form), upper-cased and deduplicated.
pub fn auth_mechanisms(capabilities: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in capabilities {
        let (keyword, rest) = match c.split_once(['=', ' ']) {
            Some((k, r)) => (k, r),
            None => (c.as_str(), ""),
        };
        if !keyword.eq_ignore_ascii_case("AUTH") {
            continue;
        }
        for m in rest.split_ascii_whitespace() {
            let m = m.to_ascii_uppercase();
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

/// Fills the record's SMTP facts that come from its other fields: `auth` (the mechanisms
/// advertised before and inside TLS) and, on a submission port (`submission`: how that port
/// is meant to reach TLS), `submission` (RFC 8314). Pure: run it once `ehlo`, `ehlo_tls`,
/// `starttls` and `tls` are final.
pub fn smtp_facts(rec: &mut EndpointRecord, submission: Option<SubmissionKind>) {
    let implicit = rec
        .starttls
        .as_ref()
        .is_some_and(|s| s.mode == TlsMode::Implicit);
    let plain_caps = rec.ehlo.as_ref().map(|e| e.capabilities.as_slice());
    let before_tls = match (implicit, plain_caps) {
        (false, Some(c)) => auth_mechanisms(c),
        _ => Vec::new(),
    };
    let in_tls = rec
        .capabilities_in_tls()
        .map(auth_mechanisms)
        .unwrap_or_default();
    rec.auth =
        (!before_tls.is_empty() || !in_tls.is_empty()).then_some(AuthInfo { before_tls, in_tls });
    let handshake_ok = rec
        .tls
        .as_ref()
        .and_then(|t| t.handshake.as_ref())
        .is_some_and(|h| h.ok);
    rec.submission = submission.map(|kind| SubmissionInfo {
        kind,
        tls: handshake_ok,
    });
}

/// The findings made from the record's SMTP and handshake facts, beyond STARTTLS itself and
/// the TLS and certificate findings: AUTH before STARTTLS, RFC 8314 on submission ports,
/// REQUIRETLS, a client-certificate request, must-staple without a staple, and the
/// plaintext-acceptance test. Pure; the caller merges them into `findings` and sorts.
///
/// ```
/// use mxray_scan::assemble::smtp_findings;
/// use mxray_schema::record::{AuthInfo, EndpointRecord, Profile};
///
/// let mut r = EndpointRecord::new("mx.example".into(), None, 587, Profile::Quick);
/// r.auth = Some(AuthInfo { before_tls: vec!["PLAIN".into()], in_tls: vec![] });
/// let f = smtp_findings(&r);
/// assert_eq!((f[0].id.as_str(), f[0].severity.as_str()), ("auth-before-starttls", "high"));
/// ```
pub fn smtp_findings(rec: &EndpointRecord) -> Vec<Finding> {
    let mut out = Vec::new();
    let smtp = |id: &str, severity, message: String| {
        Finding::new(id, FindingSource::Starttls, severity, message)
    };
    if let Some(auth) = rec.auth.as_ref().filter(|a| !a.before_tls.is_empty()) {
        let cleartext: Vec<&str> = auth
            .before_tls
            .iter()
            .map(String::as_str)
            .filter(|m| CLEARTEXT_MECHANISMS.contains(m))
            .collect();
        let (severity, why) = if cleartext.is_empty() {
            (
                Severity::Medium,
                "the exchange (user name, challenge and response) is readable on the path and \
                 open to offline guessing"
                    .to_owned(),
            )
        } else {
            (
                Severity::High,
                format!(
                    "{} send{} the password itself: a client that authenticates before \
                     STARTTLS hands it to anyone on the path",
                    cleartext.join(", "),
                    if cleartext.len() == 1 { "s" } else { "" }
                ),
            )
        };
        out.push(smtp(
            ids::AUTH_BEFORE_STARTTLS,
            severity,
            format!(
                "AUTH {} is offered before STARTTLS (RFC 4954 4, RFC 8314 3): {why}",
                auth.before_tls.join(" ")
            ),
        ));
    }
    if let Some(sub) = &rec.submission {
        let outcome = rec.starttls.as_ref().map(|s| s.outcome);
        match sub.kind {
            SubmissionKind::Starttls
                if matches!(
                    outcome,
                    Some(
                        StarttlsOutcome::NotOffered
                            | StarttlsOutcome::Stripped
                            | StarttlsOutcome::Refused
                            | StarttlsOutcome::UnexpectedReply
                    )
                ) =>
            {
                out.push(smtp(
                    ids::SUBMISSION_WITHOUT_TLS,
                    Severity::High,
                    format!(
                        "submission port {} gives no TLS (STARTTLS {}): users' credentials and \
                         messages travel in plaintext; RFC 8314 3.3 asks for implicit TLS on \
                         465, or STARTTLS required before AUTH",
                        rec.port,
                        outcome.map_or("?", StarttlsOutcome::as_str)
                    ),
                ));
            }
            SubmissionKind::ImplicitTls if !sub.tls => out.push(smtp(
                ids::IMPLICIT_TLS_UNAVAILABLE,
                Severity::Medium,
                format!(
                    "port {} should speak TLS from the first byte (RFC 8314 3.3, submissions \
                     port 465), but no TLS handshake completed there",
                    rec.port
                ),
            )),
            _ => {}
        }
    }
    if rec.requiretls_offered() == Some(true) {
        out.push(smtp(
            ids::REQUIRETLS_OFFERED,
            Severity::Info,
            "REQUIRETLS (RFC 8689) is offered inside TLS: a sender can ask that a message \
             travel only over validated TLS on every hop"
                .to_owned(),
        ));
    }
    let handshake = rec.tls.as_ref().and_then(|t| t.handshake.as_ref());
    if let Some(h) = handshake.filter(|h| h.client_cert_requested) {
        out.push(Finding::new(
            ids::CLIENT_CERT_REQUESTED,
            FindingSource::Tls,
            Severity::Info,
            if h.ok {
                "the server asks for a client certificate (CertificateRequest) and goes on \
                 without one: harmless for senders without a certificate"
            } else {
                "the server asks for a client certificate (CertificateRequest) and the \
                 handshake failed without one: senders without a client certificate (most \
                 MTAs) cannot use TLS here"
            },
        ));
    }
    let must_staple = rec
        .certificate
        .as_ref()
        .and_then(|c| c.certificates.first())
        .and_then(|c| c.facts.as_ref())
        .is_some_and(|f| f.must_staple);
    if must_staple && handshake.is_some_and(|h| h.ok && !h.ocsp_stapled) {
        out.push(Finding::new(
            ids::MUST_STAPLE_WITHOUT_STAPLE,
            FindingSource::Tls,
            Severity::High,
            "the certificate demands an OCSP staple (RFC 7633 must-staple) and the server \
             stapled none: browsers that enforce must-staple (Firefox) refuse the connection; \
             MTAs do not check OCSP, so mail still flows, but any HTTPS or strict TLS client \
             using this certificate fails",
        ));
    }
    if let Some(p) = rec
        .plaintext_mail
        .as_ref()
        .filter(|p| p.outcome == PlaintextMailOutcome::Accepted)
    {
        out.push(smtp(
            ids::PLAINTEXT_MAIL_ACCEPTED,
            Severity::Info,
            format!(
                "{} was accepted without STARTTLS ({}): the server takes mail in plaintext. \
                 Usual for opportunistic TLS on port 25; it matters where the domain \
                 publishes MTA-STS or DANE, whose senders never fall back, while every other \
                 sender can be downgraded by stripping STARTTLS",
                p.command.trim_end(),
                p.reply.as_deref().unwrap_or("no text")
            ),
        ));
    }
    out
}

/// Rank of a severity string (higher is worse; unknown strings rank lowest).
pub fn severity_rank(s: &str) -> u8 {
    match Severity::parse(s) {
        Some(Severity::Critical) => 4,
        Some(Severity::High) => 3,
        Some(Severity::Medium) => 2,
        Some(Severity::Low) => 1,
        _ => 0,
    }
}

/// The certificate audit's findings as record findings (also when a shared endpoint's record
/// is redone for another domain's names).
pub fn from_audit(report: &AuditReport) -> Vec<Finding> {
    report
        .findings
        .iter()
        .map(|f| {
            Finding::new(
                f.id.as_str(),
                FindingSource::Certificate,
                Severity::from(f.severity),
                match f.cert_index {
                    Some(i) if i > 0 => format!("certificate #{i}: {}", f.message),
                    _ => f.message.clone(),
                },
            )
        })
        .collect()
}

/// TLS weaknesses as record findings.
fn from_weaknesses(ws: &[Weakness]) -> Vec<Finding> {
    ws.iter()
        .map(|w| {
            let (id, severity, message) = weakness_finding(w);
            Finding::new(id, FindingSource::Tls, severity, message)
        })
        .collect()
}

/// Sorts findings worst first; equal severities keep their order (STARTTLS, TLS, certificate).
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by_key(|f| std::cmp::Reverse(severity_rank(&f.severity)));
}

/// A weakness's stable id, severity and explanation (tls-probe's, the severity as the record's).
pub fn weakness_finding(w: &Weakness) -> (&'static str, Severity, String) {
    let severity = match w.severity() {
        WeaknessSeverity::Critical => Severity::Critical,
        WeaknessSeverity::High => Severity::High,
        WeaknessSeverity::Medium => Severity::Medium,
        WeaknessSeverity::Low => Severity::Low,
        _ => Severity::Info,
    };
    (w.id(), severity, w.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str, sev: &str) -> Finding {
        Finding {
            id: id.into(),
            source: FindingSource::Tls,
            severity: sev.into(),
            message: String::new(),
        }
    }

    #[test]
    fn worst_first_and_stable() {
        let mut v = vec![
            f("a", "low"),
            f("b", "critical"),
            f("c", "low"),
            f("d", "high"),
        ];
        sort(&mut v);
        let ids: Vec<&str> = v.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, ["b", "d", "a", "c"]);
        let ranks: Vec<u8> = ["nonsense", "info", "low", "medium", "high", "critical"]
            .iter()
            .map(|s| severity_rank(s))
            .collect();
        assert_eq!(ranks, [0, 0, 1, 2, 3, 4]);
    }

    /// The audit of a one-certificate chain self-signed from `params` (at 2027-01-15, under
    /// the webpki roots).
    fn self_signed_audit(params: &rcgen::CertificateParams) -> cert_audit::AuditReport {
        let key = rcgen::KeyPair::generate().unwrap();
        let chain = [params.self_signed(&key).unwrap().der().clone()];
        cert_audit::audit(
            &cert_audit::AuditInput::new(&chain, 1_800_000_000),
            &cert_audit::TrustStore::webpki_roots(),
        )
    }

    /// A certificate finding names its certificate when it is not the leaf (#0).
    #[test]
    fn audit_findings_name_the_certificate_past_the_leaf() {
        let params = rcgen::CertificateParams::new(vec!["mx.example".to_owned()]).unwrap();
        let mut audit = self_signed_audit(&params);
        let template = audit.findings.first().cloned().unwrap();
        audit.findings = [None, Some(0), Some(2)]
            .into_iter()
            .map(|cert_index| cert_audit::Finding {
                cert_index,
                message: "m".into(),
                ..template.clone()
            })
            .collect();
        let messages: Vec<String> = from_audit(&audit).into_iter().map(|f| f.message).collect();
        assert_eq!(messages, ["m", "m", "certificate #2: m"]);
    }

    #[test]
    fn no_tls_findings_name_their_cause() {
        let f = no_tls_finding(&NoTls::Refused {
            reply: "454 4.7.0 TLS not available".into(),
        });
        assert_eq!(
            (f.id.as_str(), f.severity.as_str()),
            ("starttls-refused", "high")
        );
        assert!(f.message.ends_with("454 4.7.0 TLS not available"));
        let n = NoTls::Stripped {
            masked: vec!["XXXXXXXA".into()],
        };
        assert_eq!(n.outcome(), StarttlsOutcome::Stripped);
        assert_eq!(no_tls_finding(&n).severity, "critical");
        assert!(no_tls_finding(&NoTls::NotOffered { via_helo: true })
            .message
            .starts_with("EHLO refused"));
    }

    #[test]
    fn assemble_orders_findings_and_decides_the_status() {
        let ws = [Weakness::Rc4(vec![5]), Weakness::NoForwardSecrecy(vec![5])];
        let cut = ["suites TLSv1.2".to_owned()];
        let facts = TlsFacts {
            starttls: true,
            bytes_after_starttls: Some(3),
            injection: Some((InjectionResult::Vulnerable, "a reply inside TLS")),
            handshake_ok: true,
            learned: true,
            weaknesses: &ws,
            failed_connections: 2,
            last_failure: Some("connect timed out"),
            cut: &cut,
            endpoint_timeout_ms: 5000,
            ..TlsFacts::default()
        };
        let a = assemble(&facts);
        let ids: Vec<&str> = a.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "starttls-injection",
                "rc4",
                "bytes-after-starttls",
                "no-forward-secrecy",
                "probe-connections-failed"
            ]
        );
        assert_eq!(a.weaknesses, ["rc4", "no-forward-secrecy"]);
        assert_eq!(a.status, Status::Partial);
        assert!(a.error.unwrap().message.contains("(5000 ms)"));
        let a = assemble(&TlsFacts {
            cut: &[],
            ..facts.clone()
        });
        assert_eq!((a.status, a.error), (Status::Completed, None));
        // Nothing learned: the handshake's error, or the deadline's when it had passed.
        let failed = TlsFacts {
            handshake_error: "alert 40",
            past_deadline: true,
            ..TlsFacts::default()
        };
        let e = assemble(&failed).error.unwrap();
        assert_eq!((e.kind, e.phase), (ErrorKind::Timeout, Phase::Endpoint));
        let e = assemble(&TlsFacts {
            past_deadline: false,
            ..failed
        })
        .error
        .unwrap();
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Tls, "alert 40"));
    }

    /// `tls-not-started` needs all four: STARTTLS answered 220, no handshake, versions
    /// probed, none accepted. Failed probe connections are reported only when there were some.
    #[test]
    fn tls_not_started_and_failed_connections_need_all_their_conditions() {
        let has =
            |facts: &TlsFacts<'_>, id: &str| assemble(facts).findings.iter().any(|f| f.id == id);
        let never = TlsFacts {
            starttls: true,
            handshake_ok: false,
            versions_probed: true,
            any_version_accepted: false,
            ..TlsFacts::default()
        };
        assert!(has(&never, ids::TLS_NOT_STARTED));
        for other in [
            TlsFacts {
                starttls: false,
                ..never.clone()
            },
            TlsFacts {
                handshake_ok: true,
                ..never.clone()
            },
            TlsFacts {
                versions_probed: false,
                ..never.clone()
            },
            TlsFacts {
                any_version_accepted: true,
                ..never.clone()
            },
        ] {
            assert!(!has(&other, ids::TLS_NOT_STARTED), "{other:?}");
        }
        let none_failed = TlsFacts {
            handshake_ok: true,
            learned: true,
            failed_connections: 0,
            last_failure: Some("connect timed out"),
            ..TlsFacts::default()
        };
        assert!(!has(&none_failed, ids::PROBE_CONNECTIONS_FAILED));
        let one_failed = TlsFacts {
            failed_connections: 1,
            ..none_failed
        };
        assert!(has(&one_failed, ids::PROBE_CONNECTIONS_FAILED));
    }

    #[test]
    fn the_starttls_reply_is_kept_only_where_one_came() {
        let reply = "454 4.7.0 TLS not available";
        assert_eq!(
            NoTls::Refused {
                reply: reply.into()
            }
            .reply(),
            Some(reply)
        );
        assert_eq!(
            NoTls::UnexpectedReply {
                reply: "200 ok".into()
            }
            .reply(),
            Some("200 ok")
        );
        assert_eq!(NoTls::NotOffered { via_helo: false }.reply(), None);
        assert_eq!(NoTls::Stripped { masked: vec![] }.reply(), None);
    }

    #[test]
    fn weakness_ids() {
        use tls_probe::plan::params::DhClass;
        let (id, sev, _) = weakness_finding(&Weakness::WeakDh {
            bits: 1024,
            class: DhClass::Bits1024,
        });
        assert_eq!((id, sev), ("weak-dh", Severity::Medium));
        assert_eq!(weakness_finding(&Weakness::Rc4(vec![5])).0, "rc4");
        // Each of tls-probe's severities maps to the record's of the same name.
        let sev = |w: Weakness| weakness_finding(&w).1;
        assert_eq!(sev(Weakness::Sslv2), Severity::Critical);
        assert_eq!(sev(Weakness::Rc4(vec![5])), Severity::High);
        assert_eq!(sev(Weakness::Compression), Severity::Medium);
        assert_eq!(sev(Weakness::NoForwardSecrecy(vec![5])), Severity::Low);
    }

    fn rec(port: u16) -> EndpointRecord {
        EndpointRecord::new(
            "mx.example".into(),
            None,
            port,
            mxray_schema::record::Profile::Quick,
        )
    }

    fn ehlo(caps: &[&str]) -> mxray_schema::record::EhloInfo {
        mxray_schema::record::EhloInfo {
            code: 250,
            used_helo: false,
            domain: None,
            capabilities: caps.iter().map(|c| (*c).to_owned()).collect(),
            starttls_offered: caps.contains(&"STARTTLS"),
            starttls_stripped: false,
        }
    }

    fn starttls(mode: TlsMode, outcome: StarttlsOutcome) -> mxray_schema::record::StarttlsInfo {
        mxray_schema::record::StarttlsInfo {
            mode,
            outcome,
            reply: None,
            bytes_after_220: None,
            injection: None,
        }
    }

    fn handshake(ok: bool) -> mxray_schema::record::TlsInfo {
        mxray_schema::record::TlsInfo {
            handshake: Some(mxray_schema::record::HandshakeInfo {
                ok,
                version: None,
                suite: None,
                group: None,
                alpn: None,
                error: None,
                chain_length: 1,
                client_cert_requested: false,
                ocsp_stapled: false,
            }),
            ..Default::default()
        }
    }

    fn ids(r: &EndpointRecord) -> Vec<(String, String)> {
        smtp_findings(r)
            .into_iter()
            .map(|f| (f.id, f.severity))
            .collect()
    }

    #[test]
    fn auth_mechanisms_both_forms_deduplicated() {
        let caps: Vec<String> = [
            "SIZE 10",
            "AUTH PLAIN login",
            "AUTH=LOGIN CRAM-MD5",
            "AUTHX Y",
        ]
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
        assert_eq!(auth_mechanisms(&caps), ["PLAIN", "LOGIN", "CRAM-MD5"]);
        assert!(auth_mechanisms(&["AUTH".to_owned()]).is_empty());
    }

    #[test]
    fn auth_before_starttls_is_high_for_cleartext_mechanisms_only() {
        let mut r = rec(25);
        r.ehlo = Some(ehlo(&["AUTH PLAIN LOGIN", "STARTTLS"]));
        r.starttls = Some(starttls(TlsMode::Starttls, StarttlsOutcome::Ready));
        r.ehlo_tls = Some(ehlo(&["AUTH PLAIN LOGIN"]));
        smtp_facts(&mut r, None);
        let auth = r.auth.clone().unwrap();
        assert_eq!((auth.before_tls.len(), auth.in_tls.len()), (2, 2));
        assert_eq!(
            ids(&r),
            [("auth-before-starttls".to_owned(), "high".to_owned())]
        );
        r.ehlo = Some(ehlo(&["AUTH CRAM-MD5 SCRAM-SHA-256", "STARTTLS"]));
        smtp_facts(&mut r, None);
        assert_eq!(ids(&r)[0].1, "medium");
        // Only inside TLS (Postfix's smtpd_tls_auth_only): no finding.
        r.ehlo = Some(ehlo(&["STARTTLS"]));
        smtp_facts(&mut r, None);
        assert!(r.auth.as_ref().unwrap().before_tls.is_empty());
        assert!(ids(&r).is_empty());
        // Implicit TLS: the EHLO is inside TLS, so nothing is "before".
        r.starttls = Some(starttls(TlsMode::Implicit, StarttlsOutcome::ImplicitTls));
        r.ehlo = Some(ehlo(&["AUTH PLAIN"]));
        r.ehlo_tls = None;
        smtp_facts(&mut r, None);
        assert_eq!(r.auth.as_ref().unwrap().in_tls, ["PLAIN"]);
        assert!(ids(&r).is_empty());
        // No AUTH at all: no `auth` object.
        r.ehlo = Some(ehlo(&["SIZE 1"]));
        smtp_facts(&mut r, None);
        assert_eq!(r.auth, None);
    }

    #[test]
    fn rfc8314_submission_findings() {
        let mut r = rec(587);
        r.ehlo = Some(ehlo(&["SIZE 1"]));
        r.starttls = Some(starttls(TlsMode::Starttls, StarttlsOutcome::NotOffered));
        smtp_facts(&mut r, Some(SubmissionKind::Starttls));
        assert_eq!(r.submission.as_ref().map(|s| s.tls), Some(false));
        assert_eq!(
            ids(&r),
            [("submission-without-tls".to_owned(), "high".to_owned())]
        );
        // STARTTLS offered and the handshake completed: nothing.
        r.starttls = Some(starttls(TlsMode::Starttls, StarttlsOutcome::Ready));
        r.tls = Some(handshake(true));
        smtp_facts(&mut r, Some(SubmissionKind::Starttls));
        assert_eq!(r.submission.as_ref().map(|s| s.tls), Some(true));
        assert!(ids(&r).is_empty());
        // Port 465 without a completed handshake.
        let mut r = rec(465);
        r.starttls = Some(starttls(TlsMode::Implicit, StarttlsOutcome::ImplicitTls));
        r.tls = Some(handshake(false));
        smtp_facts(&mut r, Some(SubmissionKind::ImplicitTls));
        assert_eq!(
            ids(&r),
            [("implicit-tls-unavailable".to_owned(), "medium".to_owned())]
        );
        r.tls = Some(handshake(true));
        smtp_facts(&mut r, Some(SubmissionKind::ImplicitTls));
        assert!(ids(&r).is_empty());
        // Not a submission port: no `submission`, no finding.
        smtp_facts(&mut r, None);
        assert_eq!(r.submission, None);
    }

    #[test]
    fn requiretls_client_cert_must_staple_and_plaintext() {
        let mut r = rec(25);
        r.starttls = Some(starttls(TlsMode::Starttls, StarttlsOutcome::Ready));
        r.ehlo_tls = Some(ehlo(&["REQUIRETLS"]));
        let mut tls = handshake(true);
        if let Some(h) = tls.handshake.as_mut() {
            h.client_cert_requested = true;
        }
        r.tls = Some(tls);
        r.plaintext_mail = Some(mxray_schema::record::PlaintextMailInfo {
            outcome: PlaintextMailOutcome::Accepted,
            command: "MAIL FROM:<>".into(),
            reply: Some("250 2.1.0 Ok".into()),
            detail: None,
        });
        let got = ids(&r);
        let want = [
            ("requiretls-offered", "info"),
            ("client-cert-requested", "info"),
            ("plaintext-mail-accepted", "info"),
        ];
        assert_eq!(
            got.iter()
                .map(|(i, s)| (i.as_str(), s.as_str()))
                .collect::<Vec<_>>(),
            want
        );
        // Refused: no plaintext finding; a failed handshake after the request says so.
        if let Some(p) = r.plaintext_mail.as_mut() {
            p.outcome = PlaintextMailOutcome::Refused;
        }
        if let Some(h) = r.tls.as_mut().and_then(|t| t.handshake.as_mut()) {
            h.ok = false;
        }
        let f = smtp_findings(&r);
        assert!(!f.iter().any(|f| f.id == "plaintext-mail-accepted"));
        let cc = f.iter().find(|f| f.id == "client-cert-requested").unwrap();
        assert!(cc.message.contains("handshake failed"));
        // must-staple: from the leaf's facts, against the handshake's staple.
        let mut params = rcgen::CertificateParams::new(vec!["mx.example".to_owned()]).unwrap();
        params
            .custom_extensions
            .push(rcgen::CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 5, 5, 7, 1, 24],
                vec![0x30, 0x03, 0x02, 0x01, 0x05],
            ));
        let audit = self_signed_audit(&params);
        assert!(audit.certificates[0].facts.as_ref().unwrap().must_staple);
        let mut r = rec(25);
        r.tls = Some(handshake(true));
        r.certificate = Some(std::sync::Arc::new(audit));
        assert_eq!(
            ids(&r),
            [("must-staple-without-staple".to_owned(), "high".to_owned())]
        );
        if let Some(h) = r.tls.as_mut().and_then(|t| t.handshake.as_mut()) {
            h.ocsp_stapled = true;
        }
        assert!(ids(&r).is_empty());
    }
}
