//! `cert-audit`: audit a mail server's certificate chain the way a sender and a CA linter would.
//!
//! Input ([`AuditInput`]): the chain as presented (DER, in the server's order), the names a sender
//! checks (MX host name, mail domain), optional TLSA records, and the time (a parameter: this crate
//! never reads the clock). With a [`TrustStore`] (Mozilla's roots from webpki-roots, a PEM bundle,
//! or the system bundle), [`audit`] gives an [`AuditReport`]:
//!
//! - an exclusive [`TrustClass`] (trusted, self-signed, unknown issuer, incomplete chain, expired,
//!   not yet valid, bad signature, other; see [`trust`] for the precedence),
//! - a [`NameCheck`] (MX host / mail domain / mismatch, RFC 6125 rules, no CN fallback),
//! - [`CertFacts`] per certificate and [`ChainFacts`] for the chain,
//! - [`Finding`]s with stable ids ([`FindingId`]) and [`Severity`],
//! - DANE results per TLSA record ([`DaneReport`], RFC 7672).
//!
//! [`audit`] never fails and never panics: unparseable certificates, empty chains and chains over
//! the [`Limits`] become a class and findings.
//!
//! ```
//! use cert_audit::{audit, AuditInput, CertificateDer, FindingId, NameMatch, PemObject};
//! use cert_audit::{TrustClass, TrustStore};
//!
//! // A fixture chain: leaf for mx.example.test <- intermediate <- test root.
//! let pem = |name: &str| {
//!     let text = std::fs::read(format!("{}/tests/fixtures/{name}.pem", env!("CARGO_MANIFEST_DIR")))?;
//!     let der = CertificateDer::pem_slice_iter(&text).next().ok_or("no PEM")??;
//!     Ok::<_, Box<dyn std::error::Error>>(der)
//! };
//! let chain = [pem("leaf-good")?, pem("int")?];
//! let store = TrustStore::from_pem(&std::fs::read(format!(
//!     "{}/tests/fixtures/root.pem",
//!     env!("CARGO_MANIFEST_DIR")
//! ))?)?;
//!
//! let now = 1_748_736_000; // 2025-06-01T00:00:00Z
//! let input = AuditInput::new(&chain, now).mx_host("mx.example.test").domain("example.test");
//! let report = audit(&input, &store);
//!
//! assert_eq!(report.trust, TrustClass::Trusted);
//! assert_eq!(report.names.result, NameMatch::MxHost);
//! assert!(!report.has(FindingId::WeakRsaKey));
//! assert_eq!(report.leaf().map(|l| l.key.bits), Some(2048));
//!
//! // The same leaf alone, against Mozilla's roots: the intermediate is missing.
//! let report = audit(&AuditInput::new(&chain[..1], now), &TrustStore::webpki_roots());
//! assert_eq!(report.trust, TrustClass::IncompleteChain);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layout
//!
//! One module per thing held: [`limits`] (bounds checked before parsing), [`facts`] (one
//! certificate, via x509-parser), [`chain`] (issuing path by names, order problems), [`trust`]
//! (the class, via rustls-webpki; the precedence is documented there), [`names`] (RFC 6125),
//! [`findings`], [`dane`] (RFC 7672), [`sender`] (what a DANE sender does), [`store`], [`report`]. Test fixtures are made by
//! `tests/fixtures/gen.sh` (openssl CLI) and committed; `tests/fixtures/capture-lab.sh` captures
//! the lab servers' chains.
//!
//! # Features
//!
//! - `std` (default): file helpers [`TrustStore::from_pem_file`] and [`TrustStore::system`].
//! - `serde` (default): `Serialize`/`Deserialize` on the report.
//!
//! With the `serde` feature every report type is `Serialize`/`Deserialize` with snake_case field
//! names, finding ids as their kebab-case strings and enums tagged (`{"class": "trusted"}`), for
//! the scanner's JSON Lines.
#![forbid(unsafe_code)]

pub mod chain;
pub mod dane;
pub mod facts;
pub mod findings;
pub mod limits;
pub mod lints;
pub mod names;
pub mod report;
pub mod sender;
pub mod store;
pub mod time;
pub mod trust;

pub use chain::ChainFacts;
pub use dane::{DaneOutcome, DaneRecordResult, DaneReport, Tlsa, TlsaRdataError};
pub use facts::{
    CertFacts, ExtendedKeyUsage, HashAlgorithm, KeyAlgorithm, KeyInfo, SelfSignature, SignatureInfo,
};
pub use findings::{Finding, FindingId, Severity};
pub use limits::{LimitError, Limits};
pub use names::{check_names, dns_name_matches, NameCheck, NameMatch};
pub use report::{AuditReport, CertReport};
pub use rustls_pki_types::pem::PemObject;
pub use rustls_pki_types::CertificateDer;
pub use store::{StoreError, TrustStore};
pub use trust::TrustClass;

use sha2::{Digest, Sha256};

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditInput<'a> {
    /// The chain as presented: DER certificates in the server's order (leaf first, normally).
    pub chain: &'a [CertificateDer<'a>],
    /// The MX host name the sender connected to (or an IP address literal).
    pub mx_host: Option<&'a str>,
    /// The mail domain (the part after `@`).
    pub domain: Option<&'a str>,
    /// TLSA records for `_25._tcp.<mx_host>`; empty when there are none.
    pub tlsa: &'a [Tlsa],
    /// The time to validate at, unix seconds.
    pub now: u64,
    /// Bounds on the work done.
    pub limits: Limits,
    /// Report every lint, also those that bind only publicly trusted CAs
    /// ([`lints::binds_public_cas_only`]) on a chain that is not publicly trusted. Off by
    /// default: a scan reports them only where they bind the issuer.
    pub all_lints: bool,
}

impl<'a> AuditInput<'a> {
    /// A chain at a time, with no names, no TLSA records and default limits.
    pub fn new(chain: &'a [CertificateDer<'a>], now: u64) -> Self {
        Self {
            chain,
            mx_host: None,
            domain: None,
            tlsa: &[],
            now,
            limits: Limits::default(),
            all_lints: false,
        }
    }

    /// Reports every lint, whatever the trust (see [`AuditInput::all_lints`]).
    #[must_use]
    pub fn all_lints(mut self, all: bool) -> Self {
        self.all_lints = all;
        self
    }

    /// Sets the MX host name.
    #[must_use]
    pub fn mx_host(mut self, host: &'a str) -> Self {
        self.mx_host = Some(host);
        self
    }

    /// Sets the mail domain.
    #[must_use]
    pub fn domain(mut self, domain: &'a str) -> Self {
        self.domain = Some(domain);
        self
    }

    /// Sets the TLSA records.
    #[must_use]
    pub fn tlsa(mut self, tlsa: &'a [Tlsa]) -> Self {
        self.tlsa = tlsa;
        self
    }

    /// Sets the limits.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        for nibble in [b >> 4, b & 0x0f] {
            s.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    s
}

/// Audits a chain against a trust store. Never fails; see the crate docs.
pub fn audit(input: &AuditInput<'_>, store: &TrustStore) -> AuditReport {
    let ders: Vec<&[u8]> = input.chain.iter().map(|c| c.as_ref()).collect();
    let now_i = i64::try_from(input.now).unwrap_or(i64::MAX);
    let mut findings = Vec::new();

    if let Err(error) = input.limits.check(ders.iter().map(|d| d.len())) {
        let trust = TrustClass::LimitExceeded { error };
        findings::trust_findings(&trust, &mut findings);
        return AuditReport {
            now: input.now,
            trust,
            names: names::NameCheck::not_checked(),
            chain: ChainFacts {
                length: ders.len(),
                ..ChainFacts::default()
            },
            certificates: Vec::new(),
            findings,
            dane: dane_report(input, None),
        };
    }

    let results: Vec<Result<facts::Parsed, String>> =
        ders.iter().map(|d| facts::parse(d)).collect();
    let parsed: Vec<Option<&facts::Parsed>> = results.iter().map(|r| r.as_ref().ok()).collect();
    let mut chain = chain::analyse(&ders, &parsed);
    let certificates: Vec<CertReport> = ders
        .iter()
        .zip(&results)
        .enumerate()
        .map(|(index, (der, r))| CertReport {
            index,
            der_len: der.len(),
            sha256: hex(&Sha256::digest(der)),
            facts: r.as_ref().ok().map(|p| p.facts.clone()),
            parse_error: r.as_ref().err().cloned(),
        })
        .collect();

    let (trust, names) = match results.first() {
        None => (TrustClass::NoCertificate, names::NameCheck::not_checked()),
        Some(Err(reason)) => (
            TrustClass::Malformed {
                reason: reason.clone(),
            },
            names::NameCheck::not_checked(),
        ),
        Some(Ok(leaf)) => {
            let (class, validated) =
                trust::classify(&ders, leaf, &parsed, &chain, store, input.now);
            if let Some(path) = validated {
                chain.set_validated_path(path, &parsed);
            }
            (
                class,
                names::check_names(&leaf.facts, input.mx_host, input.domain),
            )
        }
    };

    let cert_facts: Vec<Option<&CertFacts>> = parsed.iter().map(|p| p.map(|p| &p.facts)).collect();
    let ctx = findings::Context {
        certs: &cert_facts,
        chain: &chain,
        trust: &trust,
        names: &names,
        now: now_i,
        public_store: store.is_public(),
        sender_path: chain.validated_path.as_deref().unwrap_or(&chain.path),
    };
    findings::trust_findings(&trust, &mut findings);
    findings::certificate_findings(&ctx, &mut findings);
    if let Some(Some(leaf)) = cert_facts.first() {
        findings::leaf_findings(&ctx, leaf, &mut findings);
    }
    findings::chain_findings(&chain, &mut findings);
    for (i, p) in parsed.iter().enumerate() {
        if let Some(p) = p {
            if !chain.duplicates.contains(&i) {
                lints::certificate_lints(i, p, &mut findings);
            }
        }
    }
    if let Some(Some(leaf)) = parsed.first() {
        lints::leaf_lints(leaf, &trust, &mut findings);
    }
    let binding = store.is_public() && trust == TrustClass::Trusted;
    if !binding && !input.all_lints {
        findings.retain(|f| !lints::binds_public_cas_only(f.id));
    }

    let dane_chain = match results.first() {
        Some(Ok(_)) => Some(dane::DaneChain {
            ders: &ders,
            parsed: &parsed,
            names: names.result,
            now: input.now,
        }),
        _ => None,
    };
    let dane = dane_report(input, dane_chain.as_ref());
    if let Some(d) = &dane {
        if d.usable_records == 0 {
            findings.push(Finding {
                id: FindingId::DaneUnusable,
                severity: Severity::Medium,
                cert_index: None,
                message: "TLSA records given but none is usable for SMTP: TLS is mandatory, \
                          authentication is not possible (RFC 7672 section 2.2)"
                    .to_string(),
            });
        } else if !d.authenticated {
            findings.push(Finding {
                id: FindingId::DaneMismatch,
                severity: Severity::Critical,
                cert_index: None,
                message: format!(
                    "{} usable TLSA record(s) but none authenticates the chain",
                    d.usable_records
                ),
            });
        }
    }
    findings::sort(&mut findings);
    AuditReport {
        now: input.now,
        trust,
        names,
        chain,
        certificates,
        findings,
        dane,
    }
}

fn dane_report(input: &AuditInput<'_>, chain: Option<&dane::DaneChain<'_>>) -> Option<DaneReport> {
    if input.tlsa.is_empty() {
        return None;
    }
    Some(dane::evaluate_all(
        input.tlsa,
        input.limits.max_tlsa_records,
        chain,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_encodes() {
        assert_eq!(super::hex(&[0x00, 0xab, 0x10, 0xff]), "00ab10ff");
        assert_eq!(super::hex(&[]), "");
    }
}

/// The README's example, run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
