//! The certificate audit of a captured chain (`cert-audit`), and the trust store it uses.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use cert_audit::{AuditInput, AuditReport, CertificateDer, StoreError, TrustStore};

/// Which trust store to audit against.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StoreChoice {
    /// Mozilla's roots (webpki-roots), built in.
    #[default]
    WebpkiRoots,
    /// The operating system's bundle.
    System,
    /// A PEM file.
    PemFile(std::path::PathBuf),
}

/// Loads the chosen store.
pub fn load_store(choice: &StoreChoice) -> Result<TrustStore, StoreError> {
    match choice {
        StoreChoice::WebpkiRoots => Ok(TrustStore::webpki_roots()),
        StoreChoice::System => TrustStore::system(),
        StoreChoice::PemFile(p) => TrustStore::from_pem_file(Path::new(p)),
    }
}

/// Unix seconds now (0 before the epoch).
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Audits `chain` (DER, as presented) for a sender that connected to `mx_host` for `domain`.
pub fn audit_chain(
    chain: &[Vec<u8>],
    mx_host: Option<&str>,
    domain: Option<&str>,
    store: &TrustStore,
) -> AuditReport {
    let ders: Vec<CertificateDer<'_>> = chain
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let mut input = AuditInput::new(&ders, now_unix());
    if let Some(h) = mx_host {
        input = input.mx_host(h);
    }
    if let Some(d) = domain {
        input = input.domain(d);
    }
    cert_audit::audit(&input, store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_chain_is_a_class_not_a_panic() {
        let r = audit_chain(
            &[vec![0x30, 0x03, 1, 2, 3]],
            Some("mx.test"),
            None,
            &TrustStore::webpki_roots(),
        );
        assert_eq!(r.trust.as_str(), "malformed");
        let r = audit_chain(&[], None, None, &TrustStore::webpki_roots());
        assert_eq!(r.trust.as_str(), "no_certificate");
    }
}
