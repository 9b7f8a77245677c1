//! `mxray demo`: the offline job of the README's first command. It needs no lab peers: it
//! starts its own lab servers on loopback, scans them and prints the report.

// Test helpers outside #[test] functions: a failed lookup is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

use mxray_schema::record::{EndpointRecord, StarttlsOutcome};

fn record<'a>(records: &'a [EndpointRecord], profile: &str) -> &'a EndpointRecord {
    let domain = format!("{profile}.lab.test");
    records
        .iter()
        .find(|r| r.domain.as_deref() == Some(domain.as_str()))
        .unwrap_or_else(|| panic!("no record for {domain}"))
}

fn trust(r: &EndpointRecord) -> String {
    let c = r.certificate.as_ref().expect("certificate audit");
    serde_json::to_value(&c.trust).unwrap()["class"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn has_finding(r: &EndpointRecord, id: &str) -> bool {
    r.findings.iter().any(|f| f.id == id)
}

#[test]
fn demo_scans_every_lab_profile_and_reports_its_defect() {
    let dir = std::env::temp_dir().join(format!("mxray-demo-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["demo", "--out-dir"])
        .arg(&dir)
        .output()
        .expect("run mxray demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed: {stderr}");

    // The report is printed, with the per-server table at the end.
    assert!(stdout.contains("== 1. Funnel =="), "{stdout}");
    assert!(stdout.contains("== 6. Certificates =="), "{stdout}");
    assert!(stdout.contains("Lab servers (one misconfiguration each)"));

    // What was gathered is kept.
    let jsonl = std::fs::read_to_string(dir.join("scan.jsonl")).expect("scan.jsonl");
    let records: Vec<EndpointRecord> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect();
    assert_eq!(records.len(), 10, "one record per lab profile");
    assert!(dir.join("report.html").exists());
    assert!(dir.join("lab-sessions.jsonl").exists());
    for r in &records {
        assert!(r.ip.unwrap().is_loopback(), "demo must stay on loopback");
    }

    let good = record(&records, "good");
    assert_eq!(
        good.starttls.as_ref().unwrap().outcome,
        StarttlsOutcome::Ready
    );
    assert!(good.tls.as_ref().unwrap().handshake.as_ref().unwrap().ok);
    assert_eq!(trust(good), "trusted");
    assert!(good.findings.is_empty(), "{:?}", good.findings);

    let r = record(&records, "no-starttls");
    assert_eq!(
        r.starttls.as_ref().unwrap().outcome,
        StarttlsOutcome::NotOffered
    );
    assert!(has_finding(r, "starttls-not-offered"));

    assert_eq!(trust(record(&records, "self-signed")), "self_signed");
    assert_eq!(trust(record(&records, "expired")), "expired");
    assert_eq!(trust(record(&records, "untrusted-ca")), "unknown_issuer");
    let r = record(&records, "wrong-host");
    assert_eq!(trust(r), "trusted");
    assert!(has_finding(r, "name-mismatch"));

    let r = record(&records, "starttls-refused");
    assert_eq!(
        r.starttls.as_ref().unwrap().outcome,
        StarttlsOutcome::Refused
    );

    let r = record(&records, "handshake-fails");
    assert!(!r.tls.as_ref().unwrap().handshake.as_ref().unwrap().ok);

    let r = record(&records, "injection");
    assert!(r.starttls.as_ref().unwrap().bytes_after_220.is_some());
    assert!(has_finding(r, "bytes-after-starttls"));

    let r = record(&records, "tarpit");
    assert!(r.error.is_some(), "the tarpit greeting times out: {r:?}");

    let _ = std::fs::remove_dir_all(&dir);
}
