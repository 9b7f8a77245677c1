//! The audit report.

use crate::chain::ChainFacts;
use crate::dane::DaneReport;
use crate::facts::CertFacts;
use crate::findings::{Finding, FindingId, Severity};
use crate::names::NameCheck;
use crate::trust::TrustClass;

/// One presented certificate: always its size and fingerprint, its facts when it parses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CertReport {
    /// Position in the chain as presented (0 = leaf).
    pub index: usize,
    /// DER size in bytes.
    pub der_len: usize,
    /// SHA-256 of the DER certificate, lower-case hex.
    pub sha256: String,
    /// Parsed facts, when the certificate parses.
    pub facts: Option<CertFacts>,
    /// Why it does not parse.
    pub parse_error: Option<String>,
}

/// Everything the audit found about one chain. Field names are stable (snake_case in serde).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AuditReport {
    /// The time of the audit, unix seconds (the input's `now`).
    pub now: u64,
    /// The exclusive trust class.
    pub trust: TrustClass,
    /// The name check of the leaf.
    pub names: NameCheck,
    /// Chain-level facts.
    pub chain: ChainFacts,
    /// Per-certificate facts, in presented order (empty when a limit was exceeded).
    pub certificates: Vec<CertReport>,
    /// Findings, sorted by severity (worst first) and then by id.
    pub findings: Vec<Finding>,
    /// DANE results, when TLSA records were given.
    pub dane: Option<DaneReport>,
}

impl AuditReport {
    /// The same audit for a sender that reached the same server through another MX host name
    /// or for another mail domain: the name check and its `name-mismatch` finding are redone
    /// against the leaf's parsed facts; trust, chain facts and DANE are kept. Without a parsed
    /// leaf the report is returned unchanged (its name check was not done).
    pub fn for_names(&self, mx_host: Option<&str>, domain: Option<&str>) -> AuditReport {
        let mut r = self.clone();
        let Some(leaf) = self.certificates.first().and_then(|c| c.facts.as_ref()) else {
            return r;
        };
        r.names = crate::names::check_names(leaf, mx_host, domain);
        r.findings.retain(|f| f.id != FindingId::NameMismatch);
        r.findings.extend(crate::findings::name_mismatch(&r.names));
        crate::findings::sort(&mut r.findings);
        r
    }

    /// Whether a finding with this id is present.
    pub fn has(&self, id: FindingId) -> bool {
        self.findings.iter().any(|f| f.id == id)
    }

    /// The findings with this id.
    pub fn findings_with(&self, id: FindingId) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.id == id)
    }

    /// The worst severity found, if any finding.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// The leaf's facts, if it parsed.
    pub fn leaf(&self) -> Option<&CertFacts> {
        self.certificates.first().and_then(|c| c.facts.as_ref())
    }
}
