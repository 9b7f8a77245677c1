//! Live: capture the chains of the lab's Postfix (127.0.0.1:2525) and Exim (127.0.0.1:2527) with
//! `openssl s_client -starttls smtp -showcerts` and audit them. Needs the lab (MXRAY_LAB).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cert_audit::{
    audit, AuditInput, CertificateDer, FindingId, NameMatch, PemObject, TrustClass, TrustStore,
};

fn lab() -> String {
    std::env::var("MXRAY_LAB").unwrap_or_else(|_| {
        panic!("MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (lab/up.sh postfix exim)")
    })
}

/// Runs `openssl s_client` against 127.0.0.1:`port` and returns the chain it printed.
fn capture(port: u16, extra: &[&str]) -> Vec<CertificateDer<'static>> {
    let mut child = Command::new("openssl")
        .args(["s_client", "-starttls", "smtp", "-showcerts", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_client runs");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("openssl s_client to port {port} did not finish in 20 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    let chain: Vec<_> = CertificateDer::pem_slice_iter(&out)
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!chain.is_empty(), "no certificate from 127.0.0.1:{port}");
    chain
}

fn check_live(port: u16, extra: &[&str]) {
    let _ = lab();
    let chain = capture(port, extra);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let r = audit(
        &AuditInput::new(&chain, now).mx_host("localhost"),
        &TrustStore::webpki_roots(),
    );
    assert_eq!(
        r.trust,
        TrustClass::SelfSigned,
        "port {port}: {:#?}",
        r.findings
    );
    assert!(r.has(FindingId::CaLeaf));
    assert_eq!(r.names.result, NameMatch::MxHost);
    assert_eq!(r.names.matched_name.as_deref(), Some("localhost"));
}

#[test]
fn postfix_rsa_live() {
    check_live(2525, &["-tls1_2", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256"]);
}

#[test]
fn postfix_ecdsa_live() {
    check_live(2525, &["-tls1_2", "-sigalgs", "ECDSA+SHA256"]);
}

#[test]
fn exim_live() {
    check_live(2527, &[]);
}
