//! Shared helpers of the integration tests: fixture loading and a standard audit.
#![allow(dead_code, unreachable_pub)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

use cert_audit::{audit, AuditInput, AuditReport, CertificateDer, PemObject, Tlsa, TrustStore};

/// 2025-06-01T00:00:00Z: every "good" fixture is valid then (see fixtures/gen.sh).
pub const NOW: u64 = 1_748_736_000;
pub const MX: &str = "mx.example.test";
pub const DOMAIN: &str = "example.test";

pub fn path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}.pem", env!("CARGO_MANIFEST_DIR"))
}

/// All certificates of a PEM fixture.
pub fn certs(name: &str) -> Vec<CertificateDer<'static>> {
    let pem = std::fs::read(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

/// The first certificate of a PEM fixture.
pub fn cert(name: &str) -> CertificateDer<'static> {
    certs(name).into_iter().next().unwrap()
}

pub fn chain(names: &[&str]) -> Vec<CertificateDer<'static>> {
    names.iter().map(|n| cert(n)).collect()
}

/// A store holding the test root only (not public).
pub fn test_store() -> TrustStore {
    TrustStore::from_pem(&std::fs::read(path("root")).unwrap()).unwrap()
}

/// Audits fixtures by name with the MX host and domain of the fixtures, at NOW, test store.
pub fn run(names: &[&str]) -> AuditReport {
    run_at(names, NOW)
}

pub fn run_at(names: &[&str], now: u64) -> AuditReport {
    let c = chain(names);
    audit(
        &AuditInput::new(&c, now).mx_host(MX).domain(DOMAIN),
        &test_store(),
    )
}

pub fn run_tlsa(names: &[&str], tlsa: &[Tlsa], mx: &str, now: u64) -> AuditReport {
    let c = chain(names);
    audit(
        &AuditInput::new(&c, now).mx_host(mx).tlsa(tlsa),
        &test_store(),
    )
}

/// The DER SubjectPublicKeyInfo of a certificate, read independently with x509-parser.
pub fn spki(der: &[u8]) -> Vec<u8> {
    use x509_parser::prelude::FromDer;
    let (_, c) = x509_parser::certificate::X509Certificate::from_der(der).unwrap();
    c.tbs_certificate.subject_pki.raw.to_vec()
}
