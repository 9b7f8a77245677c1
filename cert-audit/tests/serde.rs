//! The report's serde form: stable snake_case names, kebab-case finding ids, round trip.
//! `serde` is a default feature; without it this file holds no test.
#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use cert_audit::{AuditReport, Tlsa};
use common::*;
use sha2::{Digest, Sha256};

#[test]
fn report_serialises_with_stable_names_and_round_trips() {
    let leaf = cert("leaf-good");
    let tlsa = [Tlsa::new(3, 1, 1, Sha256::digest(spki(&leaf)).to_vec())];
    for r in [
        run(&["leaf-good", "int"]),
        run(&["leaf-md5", "int", "int"]),
        run(&["leaf-ip", "int"]),
        run_tlsa(&["leaf-good", "int"], &tlsa, MX, NOW),
    ] {
        let json = serde_json::to_string(&r).unwrap();
        let back: AuditReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
    let r = run(&["leaf-md5", "int", "int"]);
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(v["trust"]["class"], "other");
    assert_eq!(v["names"]["result"], "mx_host");
    assert_eq!(v["certificates"][0]["facts"]["signature"]["hash"], "md5");
    assert_eq!(v["certificates"][0]["facts"]["key"]["algorithm"], "rsa");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"md5-signature") && ids.contains(&"duplicate-certificate"),
        "{ids:?}"
    );
    assert_eq!(v["findings"][0]["severity"], "critical");
    let r = run_tlsa(&["leaf-good", "int"], &tlsa, MX, NOW);
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(v["dane"]["records"][0]["outcome"]["outcome"], "match");
    assert_eq!(v["dane"]["authenticated"], true);
}

#[test]
fn every_key_is_snake_case() {
    fn walk(v: &serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    assert!(
                        k.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                        "{k}"
                    );
                    walk(v);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(walk),
            _ => {}
        }
    }
    walk(&serde_json::to_value(run(&["leaf-good", "int", "root"])).unwrap());
    walk(&serde_json::to_value(run(&["selfsigned"])).unwrap());
}

/// Each `as_str` is documented as the serde form: the two must agree for every variant (the
/// scanner's records and the report print one or the other).
#[test]
fn as_str_is_the_serde_form_of_every_variant() {
    use cert_audit::sender::{Delivery, DnssecStatus, State};
    use cert_audit::{KeyAlgorithm, NameMatch, SelfSignature};
    fn agree<T: serde::Serialize + std::fmt::Debug>(
        all: &[T],
        as_str: impl Fn(&T) -> &'static str,
    ) {
        let mut seen = std::collections::HashSet::new();
        for v in all {
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json.as_str(), Some(as_str(v)), "{v:?}");
            assert!(seen.insert(as_str(v)), "{v:?}: name used twice");
        }
    }
    use KeyAlgorithm as K;
    agree(
        &[K::Rsa, K::Ec, K::Ed25519, K::Ed448, K::Dsa, K::Other],
        |v| v.as_str(),
    );
    use SelfSignature as S;
    agree(
        &[
            S::NotSelfIssued,
            S::Verified,
            S::KeyIdentifiers,
            S::IssuerSubject,
            S::Unchecked,
            S::Invalid,
            S::OtherKey,
        ],
        |v| v.as_str(),
    );
    use NameMatch as N;
    agree(
        &[N::MxHost, N::MailDomain, N::Mismatch, N::NotChecked],
        |v| v.as_str(),
    );
    use DnssecStatus as D;
    agree(&[D::Secure, D::Insecure, D::Bogus, D::Indeterminate], |v| {
        v.as_str()
    });
    agree(
        &[
            State::NotPublished,
            State::Ignored,
            State::Bogus,
            State::Indeterminate,
            State::NoStarttls,
            State::TlsFailed,
            State::OnlyUnusable,
            State::NoMatch,
            State::Authenticated,
            State::NotEvaluated,
        ],
        |v| v.as_str(),
    );
    agree(
        &[
            Delivery::Authenticated,
            Delivery::Encrypted,
            Delivery::NoDane,
            Delivery::Defer,
            Delivery::Unknown,
        ],
        |v| v.as_str(),
    );
}
