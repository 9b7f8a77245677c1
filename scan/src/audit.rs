//! The certificate audit of a captured chain (`cert-audit`), the trust store it uses, and the
//! scan's cache of audits already done.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use cert_audit::{AuditInput, AuditReport, CertificateDer, StoreError, Tlsa, TrustStore};
use sha2::{Digest, Sha256};

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

/// Audits `chain` (DER, as presented) for a sender that connected to `mx_host` for `domain`.
pub fn audit_chain(
    chain: &[Vec<u8>],
    mx_host: Option<&str>,
    domain: Option<&str>,
    store: &TrustStore,
) -> AuditReport {
    audit_chain_at(chain, mx_host, domain, &[], store, crate::clock::now_unix())
}

/// [`audit_chain`] at `now` (Unix seconds), with the TLSA records a DANE sender uses (empty:
/// none, and no `dane` in the report).
pub fn audit_chain_at(
    chain: &[Vec<u8>],
    mx_host: Option<&str>,
    domain: Option<&str>,
    tlsa: &[Tlsa],
    store: &TrustStore,
    now: u64,
) -> AuditReport {
    let ders: Vec<CertificateDer<'_>> = chain
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let mut input = AuditInput::new(&ders, now);
    if let Some(h) = mx_host {
        input = input.mx_host(h);
    }
    if let Some(d) = domain {
        input = input.domain(d);
    }
    input = input.tlsa(tlsa);
    cert_audit::audit(&input, store)
}

/// Most audits an [`AuditCache`] holds; when full it starts over (bounded memory on any scan).
pub const AUDIT_CACHE_ENTRIES: usize = 4096;
/// How long a cached audit is reused: time-dependent findings (expiry) are at most this old.
pub const AUDIT_CACHE_SECONDS: u64 = 60;

/// The audits of one scan, by chain and names: mail hosting serves one certificate on many
/// addresses (a provider's MX fleet, a hoster's shared name), and auditing it again for each
/// costs a signature check and a path build per endpoint. The key is SHA-256 over the chain's
/// DER, the names checked and the minute ([`AUDIT_CACHE_SECONDS`]); the trust store is the
/// scan's, fixed for the cache's life.
///
/// ```
/// use mxray_scan::audit::AuditCache;
/// use cert_audit::TrustStore;
///
/// let cache = AuditCache::default();
/// let store = TrustStore::webpki_roots();
/// let chain = vec![vec![0x30, 0x03, 1, 2, 3]];
/// let a = cache.audit(&chain, Some("mx.test"), None, &[], &store);
/// let b = cache.audit(&chain, Some("mx.test"), None, &[], &store);
/// assert_eq!(a, b);
/// assert_eq!((cache.hits(), cache.misses()), (1, 1));
/// ```
#[derive(Debug, Default)]
pub struct AuditCache {
    map: Mutex<HashMap<[u8; 32], Arc<AuditReport>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl AuditCache {
    /// [`audit_chain`] with TLSA records, sharing the audit of the same chain for the same
    /// names and records from the last minute (one report for every endpoint that presents it).
    pub fn audit(
        &self,
        chain: &[Vec<u8>],
        mx_host: Option<&str>,
        domain: Option<&str>,
        tlsa: &[Tlsa],
        store: &TrustStore,
    ) -> Arc<AuditReport> {
        let now = crate::clock::now_unix();
        let key = cache_key(chain, mx_host, domain, tlsa, now / AUDIT_CACHE_SECONDS);
        let cached = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        if let Some(report) = cached {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return report;
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let report = Arc::new(audit_chain_at(chain, mx_host, domain, tlsa, store, now));
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= AUDIT_CACHE_ENTRIES {
            map.clear();
        }
        map.insert(key, Arc::clone(&report));
        report
    }

    /// Audits answered from the cache.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Audits done.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }
}

/// SHA-256 over the chain (each certificate length-prefixed), the names (present or not), the
/// TLSA records (each length-prefixed) and the time bucket, so that no two different inputs
/// share a key by concatenation.
fn cache_key(
    chain: &[Vec<u8>],
    mx_host: Option<&str>,
    domain: Option<&str>,
    tlsa: &[Tlsa],
    bucket: u64,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((chain.len() as u64).to_be_bytes());
    for der in chain {
        h.update((der.len() as u64).to_be_bytes());
        h.update(der);
    }
    for name in [mx_host, domain] {
        match name {
            Some(n) => {
                h.update([1]);
                h.update((n.len() as u64).to_be_bytes());
                h.update(n.as_bytes());
            }
            None => h.update([0]),
        }
    }
    h.update((tlsa.len() as u64).to_be_bytes());
    for t in tlsa {
        let rdata = t.to_rdata();
        h.update((rdata.len() as u64).to_be_bytes());
        h.update(&rdata);
    }
    h.update(bucket.to_be_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_separates_chains_and_names_and_reuses_equal_inputs() {
        let store = TrustStore::webpki_roots();
        let cache = AuditCache::default();
        let a = vec![vec![0x30, 0x03, 1, 2, 3]];
        let b = vec![vec![0x30, 0x03, 1, 2, 4]];
        let first = cache.audit(&a, Some("mx.test"), None, &[], &store);
        assert_eq!(*first, audit_chain(&a, Some("mx.test"), None, &store));
        let again = cache.audit(&a, Some("mx.test"), None, &[], &store);
        assert!(
            Arc::ptr_eq(&first, &again),
            "a hit shares the report, no copy"
        );
        cache.audit(&b, Some("mx.test"), None, &[], &store);
        cache.audit(&a, Some("other.test"), None, &[], &store);
        cache.audit(&a, None, Some("mx.test"), &[], &store);
        assert_eq!((cache.hits(), cache.misses()), (1, 4));
        // Concatenation cannot collide: one certificate "ab" is not two certificates "a", "b".
        assert_ne!(
            cache_key(&[vec![1, 2]], None, None, &[], 0),
            cache_key(&[vec![1], vec![2]], None, None, &[], 0)
        );
        assert_ne!(
            cache_key(&a, Some("x"), None, &[], 0),
            cache_key(&a, None, Some("x"), &[], 0)
        );
        assert_ne!(
            cache_key(&a, None, None, &[], 0),
            cache_key(&a, None, None, &[], 1)
        );
    }

    #[test]
    fn cache_is_bounded() {
        let store = TrustStore::webpki_roots();
        let cache = AuditCache::default();
        for i in 0..AUDIT_CACHE_ENTRIES + 10 {
            let der = vec![0x30, 0x02, (i >> 8) as u8, i as u8];
            cache.audit(&[der], None, None, &[], &store);
        }
        let held = cache.map.lock().unwrap().len();
        assert!(held <= AUDIT_CACHE_ENTRIES, "{held}");
        assert_eq!(cache.misses(), (AUDIT_CACHE_ENTRIES + 10) as u64);
    }

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
