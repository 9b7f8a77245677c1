//! Chains beyond the limits are refused before parsing, and the report says which limit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use cert_audit::{audit, AuditInput, CertificateDer, FindingId, LimitError, Limits, TrustClass};
use common::*;

fn refused(c: &[CertificateDer<'_>], limits: Limits) -> LimitError {
    let r = audit(&AuditInput::new(c, NOW).limits(limits), &test_store());
    assert!(r.has(FindingId::ChainLimitExceeded));
    assert!(r.certificates.is_empty(), "nothing parsed");
    match r.trust {
        TrustClass::LimitExceeded { error } => error,
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}

#[test]
fn defaults() {
    let l = Limits::default();
    assert_eq!(
        (l.max_chain_len, l.max_chain_bytes, l.max_cert_bytes),
        (16, 256 * 1024, 64 * 1024)
    );
}

#[test]
fn too_many_certificates() {
    let c = vec![cert("int"); 17];
    assert_eq!(
        refused(&c, Limits::default()),
        LimitError::TooManyCertificates { count: 17, max: 16 }
    );
    let c = vec![cert("int"); 16];
    let r = audit(&AuditInput::new(&c, NOW), &test_store());
    assert!(!r.has(FindingId::ChainLimitExceeded));
}

#[test]
fn certificate_too_large() {
    let c = vec![
        cert("leaf-good"),
        CertificateDer::from(vec![0u8; 64 * 1024 + 1]),
    ];
    assert_eq!(
        refused(&c, Limits::default()),
        LimitError::CertificateTooLarge {
            index: 1,
            size: 65_537,
            max: 65_536
        }
    );
}

#[test]
fn chain_too_large() {
    let c = vec![CertificateDer::from(vec![0u8; 60 * 1024]); 5];
    match refused(&c, Limits::default()) {
        LimitError::ChainTooLarge { size, max } => assert!(size > max && max == 256 * 1024),
        e => panic!("{e:?}"),
    }
}

#[test]
fn custom_limits_apply_and_dane_is_not_evaluated() {
    let c = chain(&["leaf-good", "int"]);
    let limits = Limits {
        max_chain_len: 1,
        ..Limits::default()
    };
    let tlsa = [cert_audit::Tlsa::new(3, 1, 1, vec![0; 32])];
    let r = audit(
        &AuditInput::new(&c, NOW).limits(limits).tlsa(&tlsa),
        &test_store(),
    );
    assert!(matches!(r.trust, TrustClass::LimitExceeded { .. }));
    assert!(matches!(
        r.dane.unwrap().records[0].outcome,
        cert_audit::DaneOutcome::Unusable { .. }
    ));
}

#[test]
fn limit_errors_say_what_was_wrong() {
    let e = LimitError::TooManyCertificates { count: 17, max: 16 };
    assert_eq!(
        e.to_string(),
        "chain has 17 certificates, more than the limit of 16"
    );
}

#[test]
fn each_limit_admits_its_value_and_refuses_one_more() {
    let l = Limits {
        max_chain_len: 3,
        max_chain_bytes: 100,
        max_cert_bytes: 40,
        ..Limits::default()
    };
    // Certificate size: 40 is allowed, 41 is not.
    assert_eq!(l.check([40]), Ok(()));
    assert_eq!(
        l.check([1, 41]),
        Err(LimitError::CertificateTooLarge {
            index: 1,
            size: 41,
            max: 40
        })
    );
    // Chain size: 100 in all is allowed, 101 is not.
    assert_eq!(l.check([40, 40, 20]), Ok(()));
    assert_eq!(
        l.check([40, 40, 21]),
        Err(LimitError::ChainTooLarge {
            size: 101,
            max: 100
        })
    );
    // Chain length: 3 is allowed, the 4th is refused without looking at more.
    assert_eq!(l.check([1, 1, 1]), Ok(()));
    assert_eq!(
        l.check(std::iter::repeat_n(1, 1_000_000)),
        Err(LimitError::TooManyCertificates { count: 4, max: 3 })
    );
    assert_eq!(l.check([]), Ok(()));
}
