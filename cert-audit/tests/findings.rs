//! Each finding with a certificate that triggers it and one that does not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use cert_audit::{
    audit, AuditInput, CertificateDer, FindingId as F, Severity, TrustClass, TrustStore,
};
use common::*;

const GOOD: &[&str] = &["leaf-good", "int"];

fn fires(names: &[&str], id: F) -> bool {
    run(names).has(id)
}

/// `id` fires on `bad` and not on the good chain.
fn check(bad: &[&str], id: F) {
    assert!(
        fires(bad, id),
        "{} should fire on {bad:?}: {:#?}",
        id.as_str(),
        run(bad).findings
    );
    assert!(!fires(GOOD, id), "{} fired on the good chain", id.as_str());
}

#[test]
fn weak_rsa_key() {
    check(&["leaf-rsa1024", "int"], F::WeakRsaKey);
    let r = run(&["leaf-rsa1024", "int"]);
    let f = r.findings_with(F::WeakRsaKey).next().unwrap();
    assert_eq!((f.severity, f.cert_index), (Severity::High, Some(0)));
}

#[test]
fn weak_ec_key() {
    check(&["leaf-ec192", "int"], F::WeakEcKey);
    assert!(!fires(&["leaf-ec", "int"], F::WeakEcKey));
}

#[test]
fn md5_signature() {
    check(&["leaf-md5", "int"], F::Md5Signature);
}

#[test]
fn sha1_signature_on_leaf_and_intermediate_but_not_root() {
    check(&["leaf-sha1", "int"], F::Sha1Signature);
    let r = run(&["leaf-under-sha1", "int-sha1"]);
    let f: Vec<_> = r.findings_with(F::Sha1Signature).collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].cert_index, Some(1));
    // A SHA-1 self-signed root sent along: its self-signature does not count.
    assert!(!fires(&["leaf-good", "int", "root-sha1"], F::Sha1Signature));
}

#[test]
fn expired() {
    check(&["leaf-expired", "int"], F::Expired);
}

#[test]
fn not_yet_valid() {
    check(&["leaf-notyet", "int"], F::NotYetValid);
}

#[test]
fn expires_soon() {
    // 2025-11-15: 16 days before the good leaf's notAfter.
    let r = run_at(GOOD, 1_763_164_800);
    assert!(r.has(F::ExpiresSoon));
    assert!(!r.has(F::Expired));
    assert!(!fires(GOOD, F::ExpiresSoon));
}

#[test]
fn long_validity_binds_publicly_trusted_leaves() {
    let long = chain(&["leaf-long", "int"]);
    let public = test_store().with_public(true);
    let r = audit(&AuditInput::new(&long, NOW).mx_host(MX), &public);
    let f = r.findings.iter().find(|f| f.id == F::LongValidity).unwrap();
    assert_eq!(f.severity, Severity::Medium, "{:#?}", r.findings);
    // Not for a 334-day leaf.
    let good = chain(GOOD);
    assert!(!audit(&AuditInput::new(&good, NOW).mx_host(MX), &public).has(F::LongValidity));
}

#[test]
fn self_signed() {
    check(&["selfsigned"], F::SelfSigned);
}

#[test]
fn untrusted_issuer() {
    check(&["leaf-evil", "evil-root"], F::UntrustedIssuer);
}

#[test]
fn incomplete_chain() {
    check(&["leaf-good"], F::IncompleteChain);
}

#[test]
fn untrusted_other_reason() {
    check(&["leaf-md5", "int"], F::Untrusted);
}

#[test]
fn name_mismatch() {
    check(&["leaf-wronghost", "int"], F::NameMismatch);
}

#[test]
fn cn_only() {
    check(&["leaf-cn-only", "int"], F::CnOnly);
}

#[test]
fn no_server_auth_eku() {
    check(&["leaf-client-eku", "int"], F::NoServerAuthEku);
    // No EKU extension at all is not this finding.
    assert!(!fires(&["leaf-v1", "int"], F::NoServerAuthEku));
}

#[test]
fn ca_leaf() {
    check(&["leaf-ca", "int"], F::CaLeaf);
    assert!(!fires(&["selfsigned"], F::CaLeaf));
}

#[test]
fn wildcard() {
    check(&["leaf-wildcard", "int"], F::Wildcard);
}

#[test]
fn chain_order() {
    check(&["leaf-good", "root", "int"], F::ChainOrder);
    check(&["int", "leaf-good"], F::ChainOrder);
    assert!(!fires(&["leaf-good", "int", "root"], F::ChainOrder));
}

#[test]
fn root_sent() {
    check(&["leaf-good", "int", "root"], F::RootSent);
    let r = run(&["leaf-good", "int", "root"]);
    assert_eq!(
        r.findings_with(F::RootSent).next().unwrap().cert_index,
        Some(2)
    );
}

#[test]
fn duplicate_certificate() {
    check(&["leaf-good", "int", "int"], F::DuplicateCertificate);
}

#[test]
fn extra_certificate() {
    check(&["leaf-good", "int", "evil-root"], F::ExtraCertificate);
    assert!(!fires(&["leaf-good", "int", "root"], F::ExtraCertificate));
}

#[test]
fn v1_certificate() {
    check(&["leaf-v1", "int"], F::V1Certificate);
}

#[test]
fn zero_serial() {
    check(&["leaf-zero-serial", "int"], F::ZeroSerial);
    assert!(!fires(&["leaf-neg-serial"], F::ZeroSerial));
}

#[test]
fn negative_serial() {
    check(&["leaf-neg-serial"], F::NegativeSerial);
    assert!(!fires(&["leaf-zero-serial", "int"], F::NegativeSerial));
}

#[test]
fn findings_are_sorted_worst_first() {
    let r = run(&["leaf-md5", "int", "int"]);
    let sev: Vec<Severity> = r.findings.iter().map(|f| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sev, sorted);
    assert_eq!(r.max_severity(), Some(Severity::Critical));
}

#[test]
fn ids_are_unique_kebab_case() {
    let mut seen = std::collections::HashSet::new();
    for id in F::ALL {
        let s = id.as_str();
        assert!(seen.insert(s), "duplicate id {s}");
        assert!(
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{s}"
        );
    }
    assert_eq!(F::WeakRsaKey.as_str(), "weak-rsa-key");
}

#[test]
fn expired_intermediate_is_reported_too() {
    // 2039-06-01: the intermediate (notAfter 2039-01-01) and the leaf are both expired.
    let r = run_at(GOOD, 2_190_672_000);
    let idx: Vec<_> = r.findings_with(F::Expired).map(|f| f.cert_index).collect();
    assert_eq!(idx, vec![Some(0), Some(1)]);
    // An unrelated extra certificate's dates are not judged.
    let r = run_at(&["leaf-good", "int", "leaf-expired"], NOW);
    assert!(!r.has(F::Expired));
}

/// A leaf for `mx.example.test` from `not_before` to `not_after` (unix seconds) under a fresh CA;
/// returns the chain and a store holding the CA.
fn dated_chain(not_before: i64, not_after: i64) -> (Vec<CertificateDer<'static>>, TrustStore) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let at = |t: i64| rcgen::date_time_ymd(1970, 1, 1) + std::time::Duration::from_secs(t as u64);
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.not_before = at(0);
    ca.not_after = at(4_000_000_000);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec![MX.to_string()]).unwrap();
    leaf.not_before = at(not_before);
    leaf.not_after = at(not_after);
    let issuer = Issuer::from_params(&ca, &ca_key);
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    let store = TrustStore::from_der_certs([ca_cert.der().as_ref()]).unwrap();
    (vec![leaf_cert.der().clone()], store)
}

fn long_validity(not_before: i64, not_after: i64, public: bool) -> Option<Severity> {
    let (c, store) = dated_chain(not_before, not_after);
    let now = u64::try_from(not_before + 86_400).unwrap();
    let r = audit(
        &AuditInput::new(&c, now).mx_host(MX),
        &store.with_public(public),
    );
    assert_eq!(r.trust, TrustClass::Trusted, "{:#?}", r.findings);
    r.findings
        .iter()
        .find(|f| f.id == F::LongValidity)
        .map(|f| f.severity)
}

const DAY: i64 = 86_400;
/// 2021-01-01, under the 398-day rule.
const ISSUED_2021: i64 = 1_609_459_200;

#[test]
fn long_validity_boundary_is_398_days_inclusive() {
    // notBefore through notAfter inclusive: 398 days exactly is allowed, one second more is not.
    assert_eq!(
        long_validity(ISSUED_2021, ISSUED_2021 + 398 * DAY - 1, true),
        None
    );
    assert_eq!(
        long_validity(ISSUED_2021, ISSUED_2021 + 398 * DAY, true),
        Some(Severity::Medium)
    );
}

#[test]
fn long_validity_follows_the_issuance_date() {
    // 2026-03-15: 200 days; 2027-03-15: 100; 2029-03-15: 47.
    for (issued, max) in [
        (1_773_532_800, 200),
        (1_805_068_800, 100),
        (1_868_227_200, 47),
    ] {
        assert_eq!(long_validity(issued, issued + max * DAY - 1, true), None);
        assert_eq!(
            long_validity(issued, issued + max * DAY, true),
            Some(Severity::Medium),
            "issued {issued}, max {max}"
        );
        // The day before, the older (longer) limit applies.
        assert_eq!(
            long_validity(issued - 1, issued - 1 + max * DAY, true),
            None,
            "issued {issued}"
        );
    }
}

#[test]
fn long_validity_applies_to_every_chain_and_says_whether_it_binds() {
    // A private CA: the rule does not bind it, so the finding is informative (low), not medium.
    let sev = long_validity(ISSUED_2021, ISSUED_2021 + 400 * DAY, false);
    assert_eq!(sev, Some(Severity::Low));
    // A ten-year leaf under the (private) test store gets it too.
    let r = run(&["leaf-long", "int"]);
    let f = r.findings.iter().find(|f| f.id == F::LongValidity).unwrap();
    assert_eq!(f.severity, Severity::Low);
    assert!(f.message.contains("binds public CAs only"), "{}", f.message);
}

#[test]
fn dates_follow_the_path_a_sender_builds() {
    // xs-leaf <- xs-int (valid), with an expired copy of xs-int presented first: the name path
    // runs through the expired copy, the validated path does not.
    let c = chain(&["xs-leaf", "xs-int-expired", "xs-int"]);
    let store = TrustStore::from_pem(&std::fs::read(path("xs-root")).unwrap()).unwrap();
    let r = audit(&AuditInput::new(&c, NOW).mx_host(MX), &store);
    assert_eq!(r.trust, TrustClass::Trusted);
    assert_eq!(r.chain.validated_path.as_deref(), Some(&[0, 2][..]));
    assert!(!r.has(F::Expired), "{:#?}", r.findings);
    // The expired copy is on no path a sender uses: it is an extra certificate.
    assert!(r
        .findings
        .iter()
        .any(|f| f.id == F::ExtraCertificate && f.cert_index == Some(1)));
    // Alone, the expired intermediate does break the chain, and is flagged.
    let c = chain(&["xs-leaf", "xs-int-expired"]);
    let r = audit(&AuditInput::new(&c, NOW).mx_host(MX), &store);
    assert_eq!(r.trust, TrustClass::Expired);
    assert!(r.has(F::Expired));
}

#[test]
fn validity_is_inclusive_at_both_ends() {
    // RFC 5280 4.1.2.5: valid from notBefore through notAfter, both included.
    let (nb, na) = (ISSUED_2021, ISSUED_2021 + 90 * DAY);
    let (c, store) = dated_chain(nb, na);
    let at = |t: i64| {
        audit(
            &AuditInput::new(&c, u64::try_from(t).unwrap()).mx_host(MX),
            &store,
        )
    };
    for t in [nb, na] {
        let r = at(t);
        assert_eq!(r.trust, TrustClass::Trusted, "at {t}: {:#?}", r.findings);
        assert!(!r.has(F::Expired) && !r.has(F::NotYetValid), "at {t}");
    }
    let r = at(na + 1);
    assert_eq!(r.trust, TrustClass::Expired);
    assert!(r.has(F::Expired));
    let r = at(nb - 1);
    assert_eq!(r.trust, TrustClass::NotYetValid);
    assert!(r.has(F::NotYetValid));
}

#[test]
fn rsa_key_severity_splits_at_1024_bits() {
    let sev = |names: &[&str]| {
        run(names)
            .findings
            .iter()
            .find(|f| f.id == F::WeakRsaKey)
            .map(|f| f.severity)
    };
    assert_eq!(sev(&["leaf-rsa1024", "int"]), Some(Severity::High));
    assert_eq!(sev(&["ss-rsa512"]), Some(Severity::Critical));
    assert_eq!(sev(GOOD), None);
}
