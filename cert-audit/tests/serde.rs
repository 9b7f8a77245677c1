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
