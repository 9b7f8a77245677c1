//! The exclusive trust class, one test per class, and its precedence.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use cert_audit::{audit, AuditInput, CertificateDer, FindingId, TrustClass, TrustStore};
use common::*;

#[test]
fn root_intermediate_leaf_under_custom_store_is_trusted_and_clean() {
    let r = run(&["leaf-good", "int"]);
    assert_eq!(r.trust, TrustClass::Trusted);
    assert!(
        r.findings.is_empty(),
        "unexpected findings: {:#?}",
        r.findings
    );
    assert_eq!(r.chain.path, vec![0, 1]);
}

#[test]
fn ec_leaf_is_trusted() {
    assert_eq!(run(&["leaf-ec", "int"]).trust, TrustClass::Trusted);
}

#[test]
fn self_signed_leaf() {
    let r = run(&["selfsigned"]);
    assert_eq!(r.trust, TrustClass::SelfSigned);
    assert!(r.has(FindingId::SelfSigned));
    assert!(!run(&["leaf-good", "int"]).has(FindingId::SelfSigned));
}

#[test]
fn self_signed_wins_over_dates() {
    // The self-signed leaf is not yet valid in 2020: the class is still self-signed (precedence),
    // and the date problem is its own finding.
    let r = run_at(&["selfsigned"], 1_600_000_000);
    assert_eq!(r.trust, TrustClass::SelfSigned);
    assert!(r.has(FindingId::NotYetValid));
}

#[test]
fn chain_ending_in_unknown_root_is_unknown_issuer() {
    let r = run(&["leaf-evil", "evil-root"]);
    assert_eq!(r.trust, TrustClass::UnknownIssuer);
    assert!(r.has(FindingId::UntrustedIssuer));
    assert!(!r.has(FindingId::IncompleteChain));
    assert!(!run(&["leaf-good", "int"]).has(FindingId::UntrustedIssuer));
}

#[test]
fn test_chain_against_mozilla_roots_is_unknown_issuer() {
    let c = chain(&["leaf-good", "int", "root"]);
    let r = audit(
        &AuditInput::new(&c, NOW).mx_host(MX),
        &TrustStore::webpki_roots(),
    );
    assert_eq!(r.trust, TrustClass::UnknownIssuer);
}

#[test]
fn missing_intermediate_is_incomplete_chain() {
    let r = run(&["leaf-good"]);
    assert_eq!(r.trust, TrustClass::IncompleteChain);
    assert!(r.has(FindingId::IncompleteChain));
    assert!(!r.has(FindingId::UntrustedIssuer));
    assert!(!run(&["leaf-good", "int"]).has(FindingId::IncompleteChain));
}

#[test]
fn intermediate_without_its_root_under_mozilla_is_incomplete() {
    let c = chain(&["leaf-good", "int"]);
    let r = audit(&AuditInput::new(&c, NOW), &TrustStore::webpki_roots());
    assert_eq!(r.trust, TrustClass::IncompleteChain);
}

#[test]
fn expired_and_not_yet_valid_leaves() {
    let r = run(&["leaf-expired", "int"]);
    assert_eq!(r.trust, TrustClass::Expired);
    let r = run(&["leaf-notyet", "int"]);
    assert_eq!(r.trust, TrustClass::NotYetValid);
    // The good leaf after its notAfter (2025-12-01).
    assert_eq!(
        run_at(&["leaf-good", "int"], 1_765_000_000).trust,
        TrustClass::Expired
    );
}

#[test]
fn tampered_signature_is_bad_signature() {
    let mut der = cert("leaf-good").to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let c = vec![CertificateDer::from(der), cert("int")];
    let r = audit(&AuditInput::new(&c, NOW).mx_host(MX), &test_store());
    assert_eq!(r.trust, TrustClass::BadSignature);
    assert!(r.has(FindingId::BadSignature));
    assert!(!run(&["leaf-good", "int"]).has(FindingId::BadSignature));
}

#[test]
fn sha1_leaf_is_other_with_reason() {
    let r = run(&["leaf-sha1", "int"]);
    match &r.trust {
        TrustClass::Other { reason } => {
            assert!(reason == "unsupported-signature-algorithm", "{reason}")
        }
        other => panic!("expected Other, got {other:?}"),
    }
    assert!(r.has(FindingId::Untrusted));
    assert!(!run(&["leaf-good", "int"]).has(FindingId::Untrusted));
}

#[test]
fn ca_leaf_is_other() {
    let r = run(&["leaf-ca", "int"]);
    assert!(
        matches!(&r.trust, TrustClass::Other { reason } if reason == "ca-used-as-end-entity"),
        "{:?}",
        r.trust
    );
}

#[test]
fn garbage_leaf_is_malformed() {
    let c = vec![CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x05])];
    let r = audit(&AuditInput::new(&c, NOW).mx_host(MX), &test_store());
    assert!(
        matches!(r.trust, TrustClass::Malformed { .. }),
        "{:?}",
        r.trust
    );
    assert!(r.has(FindingId::UnparseableCertificate));
    assert!(r.certificates[0].parse_error.is_some());
    assert_eq!(r.certificates[0].der_len, 5);
}

#[test]
fn garbage_intermediate_is_a_finding_not_a_class() {
    let c = vec![cert("leaf-good"), CertificateDer::from(vec![0xde, 0xad])];
    let r = audit(&AuditInput::new(&c, NOW).mx_host(MX), &test_store());
    assert_eq!(r.trust, TrustClass::IncompleteChain);
    let f: Vec<_> = r.findings_with(FindingId::UnparseableCertificate).collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].cert_index, Some(1));
    assert!(!run(&["leaf-good", "int"]).has(FindingId::UnparseableCertificate));
}

#[test]
fn trailing_bytes_after_certificate_are_malformed() {
    let mut der = cert("leaf-good").to_vec();
    der.push(0);
    let c = vec![CertificateDer::from(der)];
    let r = audit(&AuditInput::new(&c, NOW), &test_store());
    assert!(matches!(&r.trust, TrustClass::Malformed { reason } if reason.contains("trailing")));
}

#[test]
fn empty_chain_is_no_certificate() {
    let r = audit(&AuditInput::new(&[], NOW).mx_host(MX), &test_store());
    assert_eq!(r.trust, TrustClass::NoCertificate);
    assert!(r.has(FindingId::NoCertificate));
    assert!(!run(&["leaf-good", "int"]).has(FindingId::NoCertificate));
}

#[test]
fn trust_class_names_are_stable() {
    assert_eq!(TrustClass::Trusted.as_str(), "trusted");
    assert_eq!(TrustClass::IncompleteChain.as_str(), "incomplete_chain");
    assert_eq!(
        TrustClass::Other {
            reason: String::new()
        }
        .as_str(),
        "other"
    );
}

#[test]
fn store_from_pem_rejects_input_without_certificates() {
    assert!(TrustStore::from_pem(b"no pem here").is_err());
    let s = test_store();
    assert_eq!(s.len(), 1);
    assert!(!s.is_public());
    assert!(TrustStore::webpki_roots().is_public());
    assert!(TrustStore::webpki_roots().len() > 100);
}

#[test]
#[cfg(feature = "std")]
fn system_store_loads_when_present() {
    // The machines this project runs on are Debian with ca-certificates.
    let s = TrustStore::system().expect("system CA bundle");
    assert!(s.is_public());
    assert!(s.len() > 50, "only {} anchors", s.len());
}

#[test]
fn store_counts_what_it_skipped_and_names_what_failed() {
    use cert_audit::StoreError;
    let root = cert("root");
    let int = cert("int");
    let garbage: &[u8] = b"\x30\x03\x02\x01\x00";
    let s = TrustStore::from_der_certs([garbage, root.as_ref(), int.as_ref()]).unwrap();
    assert_eq!((s.len(), s.skipped()), (2, 1));
    assert!(!s.is_empty());
    assert_eq!(s.anchors().len(), 2);
    assert!(s.clone().with_public(true).is_public());
    assert!(!s.with_public(false).is_public());
    assert_eq!(test_store().skipped(), 0);
    assert_eq!(
        TrustStore::from_der_certs([garbage, garbage]).unwrap_err(),
        StoreError::NoAnchors { skipped: 2 }
    );
    assert_eq!(
        TrustStore::from_der_certs(std::iter::empty()).unwrap_err(),
        StoreError::NoAnchors { skipped: 0 }
    );
    // A PEM block whose base64 is broken is a PEM error, not "no anchors".
    let bad = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    assert!(matches!(TrustStore::from_pem(bad), Err(StoreError::Pem(_))));
    let missing = "/nonexistent/mxray-no-such-bundle.pem";
    match TrustStore::from_pem_file(missing) {
        Err(StoreError::Io { path, reason }) => {
            assert_eq!(path, missing);
            assert!(!reason.is_empty());
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
    let from_file = TrustStore::from_pem_file(path("root")).unwrap();
    assert_eq!((from_file.len(), from_file.is_public()), (1, false));
}
