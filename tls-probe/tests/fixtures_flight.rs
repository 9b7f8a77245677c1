//! The flight parser on server flights captured from the lab (tests/fixtures/capture.sh), fed
//! whole, byte by byte, and record-coalesced.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::fixture;
use tls_probe::flight::{Alert, FlightEnd, FlightParser, KeyExchange, ServerFlight};
use tls_probe::hello::{ext, groups};

fn parse_in_steps(bytes: &[u8], step: usize) -> ServerFlight {
    let mut p = FlightParser::new();
    for chunk in bytes.chunks(step.max(1)) {
        if p.feed(chunk) {
            break;
        }
    }
    p.feed_eof();
    p.into_flight()
}

/// Every split gives the same flight.
fn parse(name: &str) -> ServerFlight {
    let bytes = fixture(name);
    let whole = parse_in_steps(&bytes, bytes.len());
    for step in [1, 2, 3, 5, 7, 64, 300] {
        assert_eq!(
            parse_in_steps(&bytes, step),
            whole,
            "{name} split every {step} bytes"
        );
    }
    whole
}

fn dh_bits(f: &ServerFlight) -> u32 {
    match &f
        .server_key_exchange
        .as_ref()
        .expect("ServerKeyExchange")
        .params
    {
        KeyExchange::Dh { prime_bits, .. } => *prime_bits,
        other => panic!("not DH: {other:?}"),
    }
}

#[test]
fn openssl_tls12_flight() {
    let f = parse("ossl4450_tls12.bin");
    assert_eq!(f.end, Some(FlightEnd::ServerHelloDone));
    assert_eq!(f.accepted(), Some((0x0303, 0x0001)));
    assert_eq!(f.certificates.len(), 1);
    assert_eq!(f.certificates[0].first(), Some(&0x30), "DER SEQUENCE");
    let sh = f.server_hello.unwrap();
    assert_eq!(
        sh.extension(ext::RENEGOTIATION_INFO),
        Some(&[0u8][..]),
        "secure renegotiation"
    );
}

#[test]
fn openssl_dhe_1024() {
    let f = parse("ossl4450_dhe12.bin");
    assert_eq!(f.accepted(), Some((0x0303, 0x0033)));
    assert_eq!(dh_bits(&f), 1024);
    let ske = f.server_key_exchange.unwrap();
    assert_eq!(ske.params.dh_generator(), Some(2));
    assert!(ske.signature_algorithm.is_some());
}

#[test]
fn gnutls_dhe_512_without_ffdhe_groups() {
    let f = parse("gnutls4443_dhe12.bin");
    assert_eq!(f.accepted(), Some((0x0303, 0x0016)));
    assert_eq!(dh_bits(&f), 512);
}

#[test]
fn tlslite_dhe_512_and_sslv3() {
    let f = parse("tlslite2530_dhe12.bin");
    assert_eq!(f.accepted(), Some((0x0303, 0xccaa)));
    assert_eq!(dh_bits(&f), 512);
    let f = parse("tlslite2530_ssl3.bin");
    assert_eq!(f.accepted(), Some((0x0300, 0xc014)));
    assert!(f.server_hello.as_ref().unwrap().extensions.is_empty());
    match f.server_key_exchange.unwrap().params {
        KeyExchange::Ecdh { curve } => assert!(groups::EC_TLS12.contains(&curve)),
        other => panic!("{other:?}"),
    }
    assert_eq!(f.end, Some(FlightEnd::ServerHelloDone));
}

#[test]
fn tls13_server_hellos_stop_before_encrypted_records() {
    for name in [
        "ossl4452_tls13.bin",
        "ossl4450_tls13.bin",
        "postfix2525_tls13.bin",
        "gnutls4443_tls13.bin",
    ] {
        let f = parse(name);
        assert_eq!(f.end, Some(FlightEnd::Tls13ServerHello), "{name}");
        let sh = f.server_hello.unwrap();
        assert_eq!(sh.version, 0x0304, "{name}");
        assert_eq!(sh.legacy_version, 0x0303, "{name}");
        assert!(
            matches!(sh.key_share_group, Some(groups::X25519 | groups::SECP256R1)),
            "{name}"
        );
        assert!(
            f.certificates.is_empty(),
            "{name}: TLS 1.3 certificates are encrypted"
        );
    }
}

#[test]
fn downgrade_and_alert() {
    let f = parse("ossl4451_tls12_downgrade.bin");
    assert_eq!(f.accepted(), Some((0x0301, 0x002f)));
    let f = parse("ossl4452_tls12_alert.bin");
    assert_eq!(
        f.alert,
        Some(Alert {
            level: 2,
            description: 70
        })
    );
    assert_eq!(f.end, Some(FlightEnd::Alert));
    let f = parse("postfix2525_tls12.bin");
    assert_eq!(f.end, Some(FlightEnd::ServerHelloDone));
    assert_eq!(f.accepted(), Some((0x0303, 0x002f)));
    let f = parse("gnutls4444_tls12.bin");
    assert_eq!(
        f.accepted(),
        Some((0x0303, 0x0001)),
        "gnutls 4444 serves NULL-MD5"
    );
}

#[test]
fn tls_parser_reads_the_same_records() {
    // tls-parser, as a cross-check, parses the first record of each TLS 1.2 fixture to the same ServerHello.
    for name in [
        "ossl4450_dhe12.bin",
        "postfix2525_tls12.bin",
        "tlslite2530_ssl3.bin",
    ] {
        let bytes = fixture(name);
        let (_, rec) = tls_parser::parse_tls_plaintext(&bytes).unwrap();
        let ours = parse(name).server_hello.unwrap();
        match rec.msg.first() {
            Some(tls_parser::TlsMessage::Handshake(
                tls_parser::TlsMessageHandshake::ServerHello(sh),
            )) => {
                assert_eq!(
                    (sh.version.0, sh.cipher.0),
                    (ours.legacy_version, ours.cipher_suite),
                    "{name}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}
