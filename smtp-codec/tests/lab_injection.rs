//! The pipelined STARTTLS injection probe end to end against the lab (loopback only): the
//! session sends `STARTTLS\r\nNOOP\r\n` in one write, rustls completes the handshake, and the
//! first decrypted bytes go to the InjectionCheck, both passive (send nothing inside TLS, wait)
//! and probing (send `InjectionCheck::PROBE_COMMAND` inside TLS; the first reply decides).
//! Needs MXRAY_LAB (run scripts/test.sh).

// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};
use smtp_codec::blocking::drive;
use smtp_codec::{ClientSession, InjectionVerdict, SessionConfig, StartTlsMode, Step};

/// The lab uses self-signed certificates; this test is about SMTP, not about trust.
#[derive(Debug)]
struct AcceptAnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn probe(port: u16, sni: &str, probing: bool) -> InjectionVerdict {
    assert!(
        std::env::var_os("MXRAY_LAB").is_some(),
        "MXRAY_LAB is not set: run scripts/test.sh, which starts the lab"
    );
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("lab server reachable");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut cfg = SessionConfig::new("lab-test.mxray.test");
    cfg.mode = StartTlsMode::PipelinedInjection;
    let mut session = ClientSession::new(cfg);
    let Step::ReadyForTls(handover) = drive(&mut stream, &mut session).unwrap() else {
        panic!(
            "port {port}: no STARTTLS hand-over: {:?}",
            session.outcome()
        )
    };
    assert_eq!(
        handover.plaintext_after_starttls, None,
        "plaintext after the 220"
    );
    let mut check = handover
        .injection
        .expect("injection mode hands over a check");

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider)))
        .with_no_client_auth();
    let conn = ClientConnection::new(
        Arc::new(config),
        ServerName::try_from(sni.to_owned()).unwrap(),
    )
    .unwrap();
    let mut tls = StreamOwned::new(conn, stream);
    while tls.conn.is_handshaking() {
        tls.conn
            .complete_io(&mut tls.sock)
            .expect("TLS handshake with the lab server");
    }
    // Passive: send nothing and wait a little for anything the server says inside TLS.
    // Probing: send the unknown verb; the first reply decides.
    if probing {
        tls.write_all(check.start_probe()).unwrap();
        tls.flush().unwrap();
    }
    tls.sock
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => return check.finish(),
            Ok(n) => {
                check.feed(&buf[..n]);
                if check.poll() != InjectionVerdict::NeedMore {
                    return check.poll();
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return check.finish()
            }
            Err(e) => panic!("port {port}: read inside TLS: {e}"),
        }
    }
}

/// A 5xx answer to the probe command, as a correct server gives it.
fn answered_probe(v: &InjectionVerdict) -> bool {
    matches!(v, InjectionVerdict::NotVulnerable { reply: Some(r) } if r.code().is_permanent())
}

#[test]
fn postfix_2525_is_not_injectable() {
    assert_eq!(
        probe(2525, "mx.lab.test", false),
        InjectionVerdict::NotVulnerable { reply: None }
    );
    let v = probe(2525, "mx.lab.test", true);
    assert!(answered_probe(&v), "{v:?}");
}

#[test]
fn exim_2527_is_not_injectable() {
    assert_eq!(
        probe(2527, "exim.lab.test", false),
        InjectionVerdict::NotVulnerable { reply: None }
    );
    let v = probe(2527, "exim.lab.test", true);
    assert!(answered_probe(&v), "{v:?}");
}

#[test]
fn tlslite_2530_is_not_injectable() {
    assert_eq!(
        probe(2530, "tlslite.lab.test", false),
        InjectionVerdict::NotVulnerable { reply: None }
    );
    let v = probe(2530, "tlslite.lab.test", true);
    assert!(answered_probe(&v), "{v:?}");
}
