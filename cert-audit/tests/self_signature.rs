//! How a self-issued certificate's self-signature is established, and what the trust class says
//! when it cannot be (issue: self-signed detection with weak keys, self-issued claims).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use cert_audit::{FindingId, SelfSignature, TrustClass};
use common::*;

fn leaf_sig(name: &str) -> SelfSignature {
    run(&[name]).leaf().unwrap().self_signature
}

#[test]
fn rsa_1024_self_signature_is_verified_despite_the_weak_key() {
    // No key identifiers: only a verifier that accepts 1024-bit keys can tell.
    let r = run(&["ss-rsa1024"]);
    let leaf = r.leaf().unwrap();
    assert_eq!(leaf.self_signature, SelfSignature::Verified);
    assert!(leaf.self_signed);
    assert_eq!(r.trust, TrustClass::SelfSigned);
    assert!(r.has(FindingId::SelfSigned));
    // The weakness stays a finding of its own.
    assert!(r.has(FindingId::WeakRsaKey));
}

#[test]
fn rsa_512_falls_back_to_key_identifiers_then_names() {
    assert_eq!(leaf_sig("ss-rsa512-keyids"), SelfSignature::KeyIdentifiers);
    assert_eq!(leaf_sig("ss-rsa512"), SelfSignature::IssuerSubject);
    // Same name, signed by another (unverifiable) key whose identifier it names: not self-signed.
    assert_eq!(leaf_sig("ss-rsa512-otherkey"), SelfSignature::OtherKey);
}

#[test]
fn rsa_1024_self_signatures_verify_with_sha1_and_sha512_too() {
    // SHA-1 through x509-parser's own verifier, SHA-512 through ring's legacy one.
    assert_eq!(leaf_sig("ss-rsa1024-sha1"), SelfSignature::Verified);
    assert_eq!(leaf_sig("ss-rsa1024-sha512"), SelfSignature::Verified);
}

#[test]
fn a_wrong_sha384_signature_is_invalid_where_ring_checks_it_only() {
    // Same name as its issuer, signed by the issuer's (other) key: ring checks SHA-384 for a
    // 2048-bit key, so its refusal is real; for a 1024-bit key it cannot, so names decide.
    assert_eq!(leaf_sig("si-rsa2048-sha384"), SelfSignature::Invalid);
    assert_eq!(leaf_sig("si-rsa1024-sha384"), SelfSignature::IssuerSubject);
    for name in ["ss-rsa512-keyids", "ss-rsa512"] {
        let r = run(&[name]);
        assert_eq!(r.trust, TrustClass::SelfSigned, "{name}");
        assert!(r.has(FindingId::WeakRsaKey), "{name}");
    }
}

#[test]
fn a_key_that_cannot_have_made_the_signature_is_self_issued_not_self_signed() {
    // RSA key, ecdsa-with-SHA256 signature by another key under the same name, no key ids.
    let r = run(&["si-rsa-under-ec"]);
    let leaf = r.leaf().unwrap();
    assert!(leaf.self_issued);
    assert!(!leaf.self_signed);
    assert_eq!(leaf.self_signature, SelfSignature::Unchecked);
    assert_eq!(r.trust, TrustClass::SelfIssued);
    assert_eq!(r.trust.as_str(), "self_issued");
    assert!(r.has(FindingId::SelfIssued));
    assert!(!r.has(FindingId::SelfSigned));
}

#[test]
fn verified_self_signatures_stay_verified_and_others_are_not_self_issued() {
    assert_eq!(leaf_sig("selfsigned"), SelfSignature::Verified);
    assert_eq!(leaf_sig("root"), SelfSignature::Verified);
    assert_eq!(leaf_sig("leaf-good"), SelfSignature::NotSelfIssued);
    // A root signed with SHA-1 (ring checks SHA-1 with RSA-2048).
    assert_eq!(leaf_sig("root-sha1"), SelfSignature::Verified);
}

#[cfg(feature = "serde")]
#[test]
fn self_signature_is_written_for_self_issued_certificates_only() {
    let r = run(&["ss-rsa512-keyids"]);
    let json = serde_json::to_string(r.leaf().unwrap()).unwrap();
    assert!(
        json.contains(r#""self_signature":"key_identifiers""#),
        "{json}"
    );
    let r = run(&["leaf-good", "int"]);
    let json = serde_json::to_string(r.leaf().unwrap()).unwrap();
    assert!(!json.contains("self_signature"), "{json}");
}
