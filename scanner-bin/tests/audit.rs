//! `mxray audit CHAIN.pem`: the offline chain audit an operator runs before deploying a
//! certificate (cert-audit's fixtures as the chains).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

mod common;

use std::path::PathBuf;

use cert_audit::{AuditReport, FindingId, TrustClass};
use common::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cert-audit/tests/fixtures"
    ))
    .join(format!("{name}.pem"))
}

/// A chain file made of fixtures, leaf first.
fn chain(dir: &str, names: &[&str]) -> Scratch {
    let pem: Vec<u8> = names
        .iter()
        .flat_map(|n| std::fs::read(fixture(n)).unwrap())
        .collect();
    tempdir(dir).file("chain.pem", pem)
}

fn audit(args: &[&str]) -> std::process::Output {
    mxray().arg("audit").args(args).output().unwrap()
}

/// 2025-06-01: every good fixture is valid then.
const AT: &str = "2025-06-01";

#[test]
fn a_good_chain_under_its_ca_exits_0_and_says_trusted() {
    let c = chain("audit-good", &["leaf-good", "int"]);
    let root = fixture("root");
    let out = audit(&[
        c.to_str().unwrap(),
        "--name",
        "mx.example.test",
        "--ca-file",
        root.to_str().unwrap(),
        "--at",
        AT,
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("trust         trusted"), "{text}");
    assert!(text.contains("Findings (0)"), "{text}");
}

#[test]
fn a_high_finding_exits_3_and_the_json_is_the_cert_audit_report() {
    let c = chain("audit-self", &["selfsigned"]);
    let out = audit(&[c.to_str().unwrap(), "--name", "mx.example.test", "--at", AT]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("self-signed"), "{text}");
    assert!(
        text.contains("RFC 5280"),
        "each finding shows its reference: {text}"
    );
    let out = audit(&[
        c.to_str().unwrap(),
        "--name",
        "mx.example.test",
        "--at",
        "1748736000",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let report: AuditReport = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.trust, TrustClass::SelfSigned);
    assert_eq!(report.now, 1_748_736_000);
    assert!(report.has(FindingId::SelfSigned));
}

#[test]
fn the_time_changes_the_verdict_and_all_lints_shows_issuance_rules() {
    let c = chain("audit-time", &["leaf-good", "int"]);
    let root = fixture("root");
    let base = [
        c.to_str().unwrap(),
        "--ca-file",
        root.to_str().unwrap(),
        "--json",
    ];
    let at = |t: &str, extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend(["--at", t]);
        a.extend(extra);
        let out = audit(&a);
        serde_json::from_slice::<AuditReport>(&out.stdout).unwrap()
    };
    assert_eq!(at("2025-06-01T00:00:00Z", &[]).trust, TrustClass::Trusted);
    assert_eq!(at("2026-06-01", &[]).trust, TrustClass::Expired);
    // leaf-zero-serial names no CRL or OCSP location: a CA/B Forum issuance rule, which does
    // not bind the private test CA, so it shows with --all-lints only.
    let c2 = chain("audit-lints", &["leaf-zero-serial", "int"]);
    let quiet = audit(&[
        c2.to_str().unwrap(),
        "--ca-file",
        root.to_str().unwrap(),
        "--json",
        "--at",
        AT,
    ]);
    let loud = audit(&[
        c2.to_str().unwrap(),
        "--ca-file",
        root.to_str().unwrap(),
        "--json",
        "--at",
        AT,
        "--all-lints",
    ]);
    let quiet: AuditReport = serde_json::from_slice(&quiet.stdout).unwrap();
    let loud: AuditReport = serde_json::from_slice(&loud.stdout).unwrap();
    assert!(loud.findings.len() >= quiet.findings.len());
    assert!(!quiet.has(FindingId::NoRevocationInfo));
    assert!(loud.has(FindingId::NoRevocationInfo));
}

#[test]
fn bad_input_says_what_was_wrong() {
    let d = tempdir("audit-bad");
    let empty = d.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let out = audit(&[empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no certificate"));
    let out = audit(&[d.join("missing.pem").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    let c = chain("audit-bad-time", &["selfsigned"]);
    let out = audit(&[c.to_str().unwrap(), "--at", "yesterday"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}
