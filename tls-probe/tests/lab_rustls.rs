//! The rustls driver against the lab: TLS 1.3 chains are captured, legacy-only servers fail.
//! Need MXRAY_LAB.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use tls_probe::driver::RustlsDriver;
use tls_probe::runner::run_rustls;

fn handshake(port: u16, starttls: bool) -> tls_probe::driver::HandshakeResult {
    let _ = lab();
    let mut s = if starttls {
        smtp_starttls(port).unwrap()
    } else {
        connect(port).unwrap()
    };
    let mut d = RustlsDriver::new("localhost", &[b"h2", b"http/1.1"]).unwrap();
    let stats = run_rustls(&mut d, &mut s);
    assert_eq!(stats.connections, 1);
    assert!(d.is_done());
    d.result()
}

#[test]
fn tls13_server_chain_is_captured() {
    let r = handshake(4452, false);
    assert!(r.completed, "{r:?}");
    assert_eq!(r.version, Some(0x0304));
    assert!(matches!(r.suite, Some(0x1301..=0x1303)));
    // X25519 (the driver's first group, aws-lc-rs's with the default features) agreed with
    // OpenSSL's.
    assert_eq!(r.group, Some(0x001d));
    assert_eq!(r.chain.len(), 1);
    // The captured leaf is the lab's ECDSA certificate, byte for byte.
    let der = std::process::Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(certs().join("ecp256.crt"))
        .output()
        .unwrap()
        .stdout;
    assert_eq!(r.chain[0], der);
    assert_eq!(
        r.signature_ok,
        Some(true),
        "the server proves possession of the key"
    );
}

#[test]
fn postfix_over_starttls_completes_with_tls13() {
    let r = handshake(2525, true);
    assert!(r.completed, "{r:?}");
    assert_eq!(r.version, Some(0x0304));
    assert_eq!(r.group, Some(0x001d), "X25519 with Postfix's OpenSSL");
    assert!(!r.chain.is_empty());
}

#[test]
fn tls10_only_server_fails_for_a_modern_client() {
    let r = handshake(4451, false);
    assert!(!r.completed);
    assert!(r.error.is_some());
    assert!(r.chain.is_empty());
}

/// The lab's findings peers (`lab/up.sh findings`): a server that requires a client
/// certificate and one that only asks are both recorded as having asked (each names one
/// acceptable CA); a server that does not ask is not. (In TLS 1.3 the client's side of the
/// handshake is over before the server judges the empty Certificate, so a requiring server's
/// refusal comes as an alert after it.)
#[test]
fn client_certificate_requests_are_recorded() {
    let required = handshake(2650, false);
    assert_eq!(required.client_cert_requested, Some(1), "{required:?}");
    let optional = handshake(2651, false);
    assert!(optional.completed, "{optional:?}");
    assert_eq!(optional.client_cert_requested, Some(1));
    let none = handshake(4452, false);
    assert_eq!(none.client_cert_requested, None);
}

/// rustls asks for a staple (status_request): s_server with `-status_file` sends its OCSP
/// response, the must-staple server sends none.
#[test]
fn ocsp_staples_are_recorded() {
    let stapled = handshake(2652, false);
    assert!(stapled.completed, "{stapled:?}");
    let der = std::fs::read(lab().join("findings/resp.der")).unwrap();
    assert_eq!(stapled.ocsp_staple_len, Some(der.len()));
    let bare = handshake(2653, false);
    assert!(bare.completed, "{bare:?}");
    assert_eq!(bare.ocsp_staple_len, Some(0));
}
