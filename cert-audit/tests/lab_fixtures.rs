//! Chains captured from the lab's real mail servers (fixtures/capture-lab.sh), audited offline.
//! The lab makes its certificates when it starts, so `now` is a day after the leaf's notBefore.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use cert_audit::{
    audit, AuditInput, AuditReport, FindingId, KeyAlgorithm, NameMatch, TrustClass, TrustStore,
};
use common::*;

fn audit_capture(name: &str) -> AuditReport {
    let c = certs(name);
    assert!(!c.is_empty(), "{name} holds no certificate");
    let first = audit(&AuditInput::new(&c, 0), &TrustStore::webpki_roots());
    let now = u64::try_from(first.leaf().unwrap().not_before_unix + 86_400).unwrap();
    audit(
        &AuditInput::new(&c, now)
            .mx_host("localhost")
            .domain("localhost"),
        &TrustStore::webpki_roots(),
    )
}

fn expect_lab_shape(r: &AuditReport) {
    assert_eq!(r.trust, TrustClass::SelfSigned);
    assert!(r.has(FindingId::SelfSigned));
    assert!(r.has(FindingId::CaLeaf));
    assert_eq!(r.names.result, NameMatch::MxHost);
    assert_eq!(r.names.matched_name.as_deref(), Some("localhost"));
    assert!(!r.has(FindingId::NameMismatch));
}

#[test]
fn postfix_rsa_chain() {
    let r = audit_capture("lab-postfix-rsa");
    expect_lab_shape(&r);
    let leaf = r.leaf().unwrap();
    assert_eq!(
        (leaf.key.algorithm, leaf.key.bits),
        (KeyAlgorithm::Rsa, 2048)
    );
    assert!(leaf.ip_addresses.contains(&"127.0.0.1".parse().unwrap()));
}

#[test]
fn postfix_ecdsa_chain() {
    let r = audit_capture("lab-postfix-ecdsa");
    expect_lab_shape(&r);
    let leaf = r.leaf().unwrap();
    assert_eq!(
        (leaf.key.algorithm, leaf.key.curve.as_deref()),
        (KeyAlgorithm::Ec, Some("P-256"))
    );
    assert!(!r.has(FindingId::WeakEcKey));
}

#[test]
fn exim_chain() {
    let r = audit_capture("lab-exim");
    expect_lab_shape(&r);
}
