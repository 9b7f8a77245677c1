//! The rustls driver against a rustls server in memory (no socket, no lab): what the result
//! records for a good server, a server whose handshake signature does not match its
//! certificate, a server that asks for a client certificate, and a connection that ends early.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, ServerConnection, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig, SupportedProtocolVersion};
use tls_probe::driver::{DriverError, HandshakeResult, RustlsDriver};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A self-signed P-256 certificate for mx.lab.test and its key.
fn cert_and_key() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["mx.lab.test".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

fn builder(
    versions: &[&'static SupportedProtocolVersion],
) -> rustls::ConfigBuilder<ServerConfig, rustls::WantsVerifier> {
    ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .unwrap()
}

fn server(
    versions: &[&'static SupportedProtocolVersion],
) -> (ServerConnection, CertificateDer<'static>) {
    let (cert, key) = cert_and_key();
    let config = builder(versions)
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    (ServerConnection::new(Arc::new(config)).unwrap(), cert)
}

/// Presents one certificate and signs with another key.
#[derive(Debug)]
struct WrongKey(Arc<CertifiedKey>);

impl ResolvesServerCert for WrongKey {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn wrong_key_server(versions: &[&'static SupportedProtocolVersion]) -> ServerConnection {
    let (cert, _) = cert_and_key();
    let (_, other_key) = cert_and_key();
    let signer = provider().key_provider.load_private_key(other_key).unwrap();
    let resolver = WrongKey(Arc::new(CertifiedKey::new(vec![cert], signer)));
    let config = builder(versions)
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    ServerConnection::new(Arc::new(config)).unwrap()
}

/// Moves bytes both ways until neither side has anything to say (at most 20 rounds).
fn exchange(client: &mut RustlsDriver, server: &mut ServerConnection) {
    for _ in 0..20 {
        let out = client.take_outgoing();
        if !out.is_empty() {
            let mut rd = &out[..];
            while !rd.is_empty() && server.read_tls(&mut rd).unwrap() > 0 {}
            let _ = server.process_new_packets();
        }
        let mut back = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut back).unwrap();
        }
        if !back.is_empty() {
            client.feed(&back);
        }
        if out.is_empty() && back.is_empty() {
            return;
        }
    }
    panic!("the handshake did not settle in 20 rounds");
}

fn run(server: &mut ServerConnection) -> HandshakeResult {
    let mut c = RustlsDriver::new("mx.lab.test", &[b"smtp"]).unwrap();
    assert!(!c.is_done(), "nothing happened yet");
    exchange(&mut c, server);
    assert!(c.is_done());
    c.result()
}

#[test]
fn a_good_tls13_server() {
    let (mut s, cert) = server(&[&rustls::version::TLS13]);
    let r = run(&mut s);
    assert!(r.completed, "{r:?}");
    assert_eq!(r.error, None);
    assert_eq!(r.version, Some(0x0304));
    assert_eq!(r.chain, vec![cert.as_ref().to_vec()]);
    assert_eq!(r.signature_ok, Some(true));
    assert_eq!(r.ocsp_staple_len, Some(0), "a chain without a staple");
    assert_eq!(r.client_cert_requested, None);
    assert!(r.suite.is_some() && r.group.is_some());
}

/// The driver offers X25519, P-256 and P-384 in that order, whichever implementation makes the
/// X25519 key share: with `aws-lc-kx` (a default feature) aws-lc-rs, without it ring.
#[test]
fn the_groups_are_x25519_p256_p384_and_x25519_is_the_features_implementation() {
    use rustls::crypto::SupportedKxGroup;
    use rustls::NamedGroup;
    let groups = tls_probe::driver::kx_groups();
    let names: Vec<NamedGroup> = groups.iter().map(|g| g.name()).collect();
    assert_eq!(
        names,
        [
            NamedGroup::X25519,
            NamedGroup::secp256r1,
            NamedGroup::secp384r1
        ]
    );
    let same = |a: &dyn SupportedKxGroup, b: &dyn SupportedKxGroup| {
        std::ptr::eq(
            a as *const dyn SupportedKxGroup as *const (),
            b as *const dyn SupportedKxGroup as *const (),
        )
    };
    let ring_x25519 = rustls::crypto::ring::kx_group::X25519;
    #[cfg(feature = "aws-lc-kx")]
    {
        assert!(same(groups[0], rustls::crypto::aws_lc_rs::kx_group::X25519));
        assert!(!same(groups[0], ring_x25519));
    }
    #[cfg(not(feature = "aws-lc-kx"))]
    assert!(same(groups[0], ring_x25519));
    // P-256 and P-384 stay ring's either way.
    assert!(same(groups[1], rustls::crypto::ring::kx_group::SECP256R1));
    assert!(same(groups[2], rustls::crypto::ring::kx_group::SECP384R1));
    assert_eq!(
        tls_probe::driver::crypto_provider().kx_groups.len(),
        groups.len()
    );
}

/// The client's X25519 agrees with a ring server's in TLS 1.3 and 1.2: the handshake
/// completes on X25519 (0x001d), whichever implementation the feature chose.
#[test]
fn x25519_agrees_with_a_ring_server_in_both_versions() {
    for v in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let (mut s, _) = server(&[v]);
        let r = run(&mut s);
        assert!(r.completed, "{r:?}");
        assert_eq!(r.group, Some(0x001d), "{r:?}");
        assert_eq!(r.signature_ok, Some(true));
    }
}

#[test]
fn a_good_tls12_server() {
    let (mut s, _) = server(&[&rustls::version::TLS12]);
    let r = run(&mut s);
    assert!(r.completed, "{r:?}");
    assert_eq!(r.version, Some(0x0303));
    assert_eq!(r.signature_ok, Some(true));
}

#[test]
fn a_signature_by_another_key_is_recorded_not_refused() {
    for v in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let mut s = wrong_key_server(&[v]);
        let r = run(&mut s);
        assert_eq!(r.signature_ok, Some(false), "{v:?}: {r:?}");
        assert!(r.completed, "the driver records, it does not judge: {r:?}");
    }
}

/// A server that asks for a client certificate (naming one acceptable CA, its own certificate)
/// and takes a connection without one; also its certificate.
fn asking_server(
    versions: &[&'static SupportedProtocolVersion],
) -> (ServerConnection, CertificateDer<'static>) {
    let (cert, key) = cert_and_key();
    let mut roots = RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .allow_unauthenticated()
        .build()
        .unwrap();
    let config = builder(versions)
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    (ServerConnection::new(Arc::new(config)).unwrap(), cert)
}

#[test]
fn a_certificate_request_is_recorded_with_its_ca_names() {
    for v in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let (mut s, _) = asking_server(&[v]);
        let r = run(&mut s);
        assert_eq!(r.client_cert_requested, Some(1), "{v:?}: {r:?}");
        assert!(r.completed, "{v:?}: {r:?}");
    }
}

/// Every driver starts from one configuration per process; its recorders (chain, handshake
/// signature, certificate request) must still be its own. Two handshakes run step by step side
/// by side, one with a good server and one whose signature is by another key, each asked for a
/// client certificate or not: neither result carries the other's.
#[test]
fn drivers_side_by_side_record_their_own_connection() {
    let (mut good, good_cert) = asking_server(&[&rustls::version::TLS13]);
    let mut wrong = wrong_key_server(&[&rustls::version::TLS13]);
    let mut a = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    let mut b = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    // One flight at a time, alternating, so both handshakes are in flight together.
    for _ in 0..20 {
        let mut moved = false;
        for (c, s) in [(&mut a, &mut good), (&mut b, &mut wrong)] {
            let out = c.take_outgoing();
            if !out.is_empty() {
                let mut rd = &out[..];
                while !rd.is_empty() && s.read_tls(&mut rd).unwrap() > 0 {}
                let _ = s.process_new_packets();
                moved = true;
            }
            let mut back = Vec::new();
            while s.wants_write() {
                s.write_tls(&mut back).unwrap();
            }
            if !back.is_empty() {
                c.feed(&back);
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    let (ra, rb) = (a.result(), b.result());
    assert!(ra.completed && rb.completed, "{ra:?} {rb:?}");
    assert_eq!(ra.signature_ok, Some(true), "{ra:?}");
    assert_eq!(rb.signature_ok, Some(false), "{rb:?}");
    assert_eq!(ra.client_cert_requested, Some(1), "{ra:?}");
    assert_eq!(rb.client_cert_requested, None, "{rb:?}");
    assert_eq!(ra.chain, vec![good_cert.as_ref().to_vec()]);
    assert_ne!(ra.chain, rb.chain, "each records the chain its server sent");
}

#[test]
fn eof_during_the_handshake_fails_it_and_after_it_changes_nothing() {
    let (mut s, _) = server(&[&rustls::version::TLS13]);
    let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    assert!(!c.take_outgoing().is_empty(), "a ClientHello");
    assert!(!c.is_done());
    c.feed_eof();
    assert!(c.is_done());
    let r = c.result();
    assert!(!r.completed);
    assert_eq!(
        r.error,
        Some(DriverError::Handshake(
            "connection closed during the handshake".into()
        ))
    );
    // After a completed handshake, the peer closing is no failure.
    let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    exchange(&mut c, &mut s);
    assert!(c.result().completed);
    c.feed_eof();
    let r = c.result();
    assert!(r.completed, "{r:?}");
    assert_eq!(r.error, None);
}

#[test]
fn garbage_from_the_server_fails_the_handshake() {
    let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    let _ = c.take_outgoing();
    c.feed(b"220 mx.lab.test ESMTP\r\n");
    assert!(c.is_done());
    let r = c.result();
    assert!(!r.completed);
    assert!(matches!(r.error, Some(DriverError::Handshake(_))), "{r:?}");
    assert_eq!(r.chain, Vec::<Vec<u8>>::new());
    assert_eq!((r.signature_ok, r.ocsp_staple_len), (None, None));
}

/// A blocking "socket" whose far end is a rustls server in memory; `hiccups` reads fail with
/// Interrupted first, and the stream reports EOF once the server has nothing more to say.
struct ServerStream {
    server: ServerConnection,
    hiccups: usize,
    written: u64,
    read: u64,
}

impl std::io::Write for ServerStream {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let mut rd = b;
        while !rd.is_empty() && self.server.read_tls(&mut rd)? > 0 {}
        let _ = self.server.process_new_packets();
        self.written += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::io::Read for ServerStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.hiccups > 0 {
            self.hiccups -= 1;
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let mut out = Vec::new();
        while self.server.wants_write() {
            self.server.write_tls(&mut out)?;
        }
        let n = out.len().min(buf.len());
        assert_eq!(n, out.len(), "the test buffer holds a whole flight");
        buf[..n].copy_from_slice(&out);
        self.read += n as u64;
        Ok(n)
    }
}

#[test]
fn run_rustls_completes_and_counts_the_bytes_both_ways() {
    use tls_probe::runner::run_rustls;
    for hiccups in [0, 3] {
        let (server, _) = server(&[&rustls::version::TLS13]);
        let mut s = ServerStream {
            server,
            hiccups,
            written: 0,
            read: 0,
        };
        let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
        let stats = run_rustls(&mut c, &mut s);
        assert!(c.result().completed, "{:?}", c.result());
        assert_eq!(stats.connections, 1);
        assert_eq!(
            stats.bytes_sent, s.written,
            "every byte written, Finished included"
        );
        assert_eq!(stats.bytes_received, s.read);
        assert!(
            !s.server.is_handshaking(),
            "the server got the client's Finished"
        );
    }
    // A server that closes at once: EOF during the handshake.
    struct Closed;
    impl std::io::Read for Closed {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Ok(0)
        }
    }
    impl std::io::Write for Closed {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    let stats = run_rustls(&mut c, &mut Closed);
    assert!(!c.result().completed);
    assert_eq!(stats.bytes_received, 0);
    assert!(stats.bytes_sent > 0, "the ClientHello");
}

#[test]
fn the_first_error_is_kept_and_an_error_after_the_handshake_counts() {
    // Garbage, then more bytes: the error of the garbage stays.
    let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    let _ = c.take_outgoing();
    c.feed(b"220 mx.lab.test ESMTP\r\n");
    let first = c.result().error;
    assert!(first.is_some());
    c.feed(&[21, 3, 3, 0, 2, 2, 40]);
    assert_eq!(c.result().error, first);
    // A record the client cannot decrypt after a completed handshake: an error, and the
    // result no longer says completed.
    let (mut s, _) = server(&[&rustls::version::TLS13]);
    let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    exchange(&mut c, &mut s);
    assert!(c.result().completed);
    c.feed(&[
        23, 3, 3, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
    ]);
    let r = c.result();
    assert!(r.error.is_some(), "{r:?}");
    assert!(!r.completed);
}

#[test]
fn run_rustls_stops_at_a_read_error() {
    use tls_probe::runner::run_rustls;
    /// Times out once, then would answer: the runner must not read again.
    struct TimesOut(ServerStream, bool);
    impl std::io::Read for TimesOut {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if std::mem::replace(&mut self.1, true) {
                return self.0.read(buf);
            }
            Err(std::io::ErrorKind::TimedOut.into())
        }
    }
    impl std::io::Write for TimesOut {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.write(b)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let (server, _) = server(&[&rustls::version::TLS13]);
    let mut s = TimesOut(
        ServerStream {
            server,
            hiccups: 0,
            written: 0,
            read: 0,
        },
        false,
    );
    let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    let stats = run_rustls(&mut c, &mut s);
    let r = c.result();
    assert!(!r.completed);
    assert!(r.error.is_some());
    assert_eq!(stats.bytes_received, 0);
}

#[test]
fn completed_and_failed_agree_with_the_result() {
    let (mut s, _) = server(&[&rustls::version::TLS13]);
    let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    assert!(!c.completed() && !c.failed(), "nothing happened yet");
    exchange(&mut c, &mut s);
    assert!(c.completed() && !c.failed());
    assert_eq!(c.completed(), c.result().completed);
    c.feed(b"\x17\x03\x03\x00\x05hello");
    assert!(
        c.failed() && !c.completed(),
        "an undecryptable record fails it"
    );
    assert_eq!(c.failed(), c.result().error.is_some());
}

#[test]
fn take_plaintext_returns_what_is_buffered_up_to_max_and_allocates_nothing_when_empty() {
    use std::io::Write;
    let (mut s, _) = server(&[&rustls::version::TLS13]);
    let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    exchange(&mut c, &mut s);
    let none = c.take_plaintext(4096);
    assert!(none.is_empty());
    assert_eq!(none.capacity(), 0, "no buffer for nothing");
    s.writer().write_all(b"220 mx.lab.test ESMTP\r\n").unwrap();
    let mut back = Vec::new();
    while s.wants_write() {
        s.write_tls(&mut back).unwrap();
    }
    c.feed(&back);
    assert_eq!(c.take_plaintext(4), b"220 ");
    let rest = c.take_plaintext(4096);
    assert_eq!(rest, b"mx.lab.test ESMTP\r\n");
    assert_eq!(rest.capacity(), rest.len(), "sized to what was buffered");
    assert!(c.take_plaintext(4096).is_empty());
}

#[test]
fn application_data_carries_a_queued_finished_in_the_same_write() {
    // The client's Finished of a TLS 1.3 handshake, taken together with the first data: the
    // server completes the handshake and reads the data from that one write.
    use std::io::Read;
    let (mut s, _) = server(&[&rustls::version::TLS13]);
    let mut c = RustlsDriver::new("mx.lab.test", &[]).unwrap();
    let hello = c.take_outgoing();
    let mut rd = &hello[..];
    while !rd.is_empty() && s.read_tls(&mut rd).unwrap() > 0 {}
    s.process_new_packets().unwrap();
    let mut flight = Vec::new();
    while s.wants_write() {
        s.write_tls(&mut flight).unwrap();
    }
    c.feed(&flight);
    assert!(
        c.completed(),
        "TLS 1.3: the client is done after the server's flight"
    );
    c.send_plaintext(b"EHLO scanner.test\r\n").unwrap();
    let both = c.take_outgoing();
    let mut rd = &both[..];
    while !rd.is_empty() && s.read_tls(&mut rd).unwrap() > 0 {}
    s.process_new_packets().unwrap();
    assert!(!s.is_handshaking());
    let mut got = Vec::new();
    let _ = s.reader().read_to_end(&mut got);
    assert_eq!(got, b"EHLO scanner.test\r\n");
}
