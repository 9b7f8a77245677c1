//! DANE for SMTP (RFC 7672) against the fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use cert_audit::{DaneOutcome, FindingId, Tlsa};
use common::*;
use sha2::{Digest, Sha256, Sha512};

fn sha256(b: &[u8]) -> Vec<u8> {
    Sha256::digest(b).to_vec()
}

fn outcome(names: &[&str], rec: Tlsa, mx: &str, now: u64) -> DaneOutcome {
    let r = run_tlsa(names, &[rec], mx, now);
    r.dane.unwrap().records.remove(0).outcome
}

const GOOD: &[&str] = &["leaf-good", "int"];

#[test]
fn dane_ee_spki_and_cert_match() {
    let leaf = cert("leaf-good");
    let spki = spki(&leaf);
    for rec in [
        Tlsa::new(3, 1, 1, sha256(&spki)),
        Tlsa::new(3, 0, 1, sha256(&leaf)),
        Tlsa::new(3, 1, 2, Sha512::digest(&spki).to_vec()),
        Tlsa::new(3, 0, 0, leaf.to_vec()),
        Tlsa::new(3, 1, 0, spki.clone()),
    ] {
        assert_eq!(
            outcome(GOOD, rec.clone(), MX, NOW),
            DaneOutcome::Match { cert_index: 0 },
            "{rec:?}"
        );
    }
    let r = run_tlsa(GOOD, &[Tlsa::new(3, 1, 1, sha256(&spki))], MX, NOW);
    let d = r.dane.as_ref().unwrap();
    assert!(d.authenticated);
    assert_eq!(d.usable_records, 1);
    assert!(!r.has(FindingId::DaneMismatch));
}

#[test]
fn dane_ee_ignores_names_and_dates() {
    let leaf = cert("leaf-expired");
    let rec = Tlsa::new(3, 1, 1, sha256(&spki(&leaf)));
    assert_eq!(
        outcome(&["leaf-expired", "int"], rec, "wrong.example", NOW),
        DaneOutcome::Match { cert_index: 0 }
    );
    let ss = cert("selfsigned");
    let rec = Tlsa::new(3, 0, 1, sha256(&ss));
    assert_eq!(
        outcome(&["selfsigned"], rec, "nothing.invalid", NOW),
        DaneOutcome::Match { cert_index: 0 }
    );
}

#[test]
fn dane_ee_mismatch() {
    let other = cert("leaf-ec");
    let rec = Tlsa::new(3, 1, 1, sha256(&spki(&other)));
    assert!(matches!(
        outcome(GOOD, rec.clone(), MX, NOW),
        DaneOutcome::NoMatch { .. }
    ));
    let r = run_tlsa(GOOD, &[rec], MX, NOW);
    assert!(!r.dane.as_ref().unwrap().authenticated);
    assert!(r.has(FindingId::DaneMismatch));
    // DANE-EE only looks at the leaf, not at the intermediate.
    let rec = Tlsa::new(3, 0, 1, sha256(&cert("int")));
    assert!(matches!(
        outcome(GOOD, rec, MX, NOW),
        DaneOutcome::NoMatch { .. }
    ));
}

#[test]
fn dane_ta_intermediate_and_root_match() {
    let int = cert("int");
    assert_eq!(
        outcome(GOOD, Tlsa::new(2, 0, 1, sha256(&int)), MX, NOW),
        DaneOutcome::Match { cert_index: 1 }
    );
    assert_eq!(
        outcome(GOOD, Tlsa::new(2, 1, 1, sha256(&spki(&int))), MX, NOW),
        DaneOutcome::Match { cert_index: 1 }
    );
    let root = cert("root");
    let full = &["leaf-good", "int", "root"];
    assert_eq!(
        outcome(full, Tlsa::new(2, 0, 1, sha256(&root)), MX, NOW),
        DaneOutcome::Match { cert_index: 2 }
    );
    // The mail domain is an acceptable name too.
    let r = {
        let c = chain(GOOD);
        let t = [Tlsa::new(2, 0, 1, sha256(&int))];
        cert_audit::audit(
            &cert_audit::AuditInput::new(&c, NOW)
                .mx_host("mx2.example.test")
                .domain("mx.example.test")
                .tlsa(&t),
            &cert_audit::TrustStore::webpki_roots(),
        )
    };
    assert!(
        r.dane.unwrap().authenticated,
        "DANE-TA works whatever the PKIX store"
    );
}

#[test]
fn dane_ta_needs_the_anchor_presented() {
    let root = cert("root");
    let rec = Tlsa::new(2, 0, 1, sha256(&root));
    assert!(matches!(
        outcome(GOOD, rec, MX, NOW),
        DaneOutcome::NoMatch { .. }
    ));
}

#[test]
fn dane_ta_checks_the_name() {
    let rec = Tlsa::new(2, 0, 1, sha256(&cert("int")));
    match outcome(GOOD, rec, "other.example.org", NOW) {
        DaneOutcome::NoMatch { reason } => assert!(reason.contains("names"), "{reason}"),
        o => panic!("{o:?}"),
    }
}

#[test]
fn dane_ta_checks_the_chain_and_dates() {
    let rec = Tlsa::new(2, 0, 1, sha256(&cert("int")));
    match outcome(&["leaf-expired", "int"], rec.clone(), MX, NOW) {
        DaneOutcome::NoMatch { reason } => assert!(reason.contains("cert-expired"), "{reason}"),
        o => panic!("{o:?}"),
    }
    // The evil leaf does not chain to our intermediate even if it is presented.
    assert!(matches!(
        outcome(&["leaf-evil", "int"], rec, MX, NOW),
        DaneOutcome::NoMatch { .. }
    ));
    // A DANE-TA record matching the leaf itself does not make it an anchor.
    let rec = Tlsa::new(2, 0, 1, sha256(&cert("leaf-good")));
    assert!(matches!(
        outcome(GOOD, rec, MX, NOW),
        DaneOutcome::NoMatch { .. }
    ));
}

#[test]
fn pkix_usages_are_unusable_for_smtp() {
    let int = cert("int");
    for usage in [0, 1] {
        match outcome(GOOD, Tlsa::new(usage, 0, 1, sha256(&int)), MX, NOW) {
            DaneOutcome::Unusable { reason } => assert!(reason.contains("7672"), "{reason}"),
            o => panic!("{o:?}"),
        }
    }
    let r = run_tlsa(
        GOOD,
        &[Tlsa::new(1, 0, 1, sha256(&cert("leaf-good")))],
        MX,
        NOW,
    );
    let d = r.dane.as_ref().unwrap();
    assert_eq!(d.usable_records, 0);
    assert!(!d.authenticated);
    assert!(r.has(FindingId::DaneUnusable));
    assert!(!r.has(FindingId::DaneMismatch));
}

#[test]
fn unknown_parameters_are_unusable_and_bad_lengths_malformed() {
    let d = vec![0u8; 32];
    assert!(matches!(
        outcome(GOOD, Tlsa::new(4, 1, 1, d.clone()), MX, NOW),
        DaneOutcome::Unusable { .. }
    ));
    assert!(matches!(
        outcome(GOOD, Tlsa::new(3, 2, 1, d.clone()), MX, NOW),
        DaneOutcome::Unusable { .. }
    ));
    assert!(matches!(
        outcome(GOOD, Tlsa::new(3, 1, 3, d), MX, NOW),
        DaneOutcome::Unusable { .. }
    ));
    assert!(matches!(
        outcome(GOOD, Tlsa::new(3, 1, 1, vec![0; 31]), MX, NOW),
        DaneOutcome::Malformed { .. }
    ));
    assert!(matches!(
        outcome(GOOD, Tlsa::new(3, 1, 2, vec![0; 32]), MX, NOW),
        DaneOutcome::Malformed { .. }
    ));
    assert!(matches!(
        outcome(GOOD, Tlsa::new(3, 1, 0, vec![]), MX, NOW),
        DaneOutcome::Malformed { .. }
    ));
}

#[test]
fn one_match_among_several_records_authenticates() {
    let leaf = cert("leaf-good");
    let recs = [
        Tlsa::new(3, 1, 1, vec![0; 32]),
        Tlsa::new(0, 0, 1, vec![0; 32]),
        Tlsa::new(3, 1, 1, sha256(&spki(&leaf))),
    ];
    let r = run_tlsa(GOOD, &recs, MX, NOW);
    let d = r.dane.unwrap();
    assert!(d.authenticated);
    assert_eq!(d.usable_records, 2);
    assert_eq!(d.records.len(), 3);
    assert_eq!(d.records[2].index, 2);
}

#[test]
fn no_tlsa_no_dane_report() {
    assert!(run(GOOD).dane.is_none());
    assert!(!run(GOOD).has(FindingId::DaneMismatch));
}

#[test]
fn tlsa_records_over_the_limit_are_skipped() {
    let c = chain(GOOD);
    let recs = vec![Tlsa::new(3, 1, 1, vec![0; 32]); 5];
    let limits = cert_audit::Limits {
        max_tlsa_records: 2,
        ..Default::default()
    };
    let r = cert_audit::audit(
        &cert_audit::AuditInput::new(&c, NOW)
            .tlsa(&recs)
            .limits(limits),
        &test_store(),
    );
    let d = r.dane.unwrap();
    assert_eq!(d.records.len(), 2);
    assert_eq!(d.skipped_records, 3);
}
