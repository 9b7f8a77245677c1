//! Property tests: encode → decode round trips of the ClientHello, and no panic on arbitrary input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use tls_probe::flight::FlightParser;
use tls_probe::hello::{ext, ClientHello, Extension, KeyShareEntry};
use tls_probe::plan::features::FeatureProbe;
use tls_probe::plan::hellos::HelloOptions;
use tls_probe::plan::suites::{SuiteProbe, SuiteScanConfig};
use tls_probe::plan::versions::VersionProbe;
use tls_probe::plan::{Plan, Probe};
use tls_probe::Version;

const KNOWN: [u16; 15] = [
    ext::SERVER_NAME,
    ext::STATUS_REQUEST,
    ext::SUPPORTED_GROUPS,
    ext::EC_POINT_FORMATS,
    ext::SIGNATURE_ALGORITHMS,
    ext::HEARTBEAT,
    ext::ALPN,
    ext::PADDING,
    ext::ENCRYPT_THEN_MAC,
    ext::EXTENDED_MASTER_SECRET,
    ext::SESSION_TICKET,
    ext::SUPPORTED_VERSIONS,
    ext::PSK_KEY_EXCHANGE_MODES,
    ext::KEY_SHARE,
    ext::RENEGOTIATION_INFO,
];

fn extension() -> impl Strategy<Value = Extension> {
    let bytes = |n| proptest::collection::vec(any::<u8>(), 0..n);
    let u16s = |n| proptest::collection::vec(any::<u16>(), 0..n);
    prop_oneof![
        "[a-z0-9.-]{1,40}".prop_map(Extension::ServerName),
        u16s(30).prop_map(Extension::SupportedGroups),
        bytes(8).prop_map(Extension::EcPointFormats),
        u16s(30).prop_map(Extension::SignatureAlgorithms),
        u16s(8).prop_map(Extension::SupportedVersions),
        proptest::collection::vec((any::<u16>(), bytes(80)), 0..3).prop_map(|v| {
            Extension::KeyShare(
                v.into_iter()
                    .map(|(group, key)| KeyShareEntry { group, key })
                    .collect(),
            )
        }),
        bytes(4).prop_map(Extension::PskKeyExchangeModes),
        bytes(40).prop_map(Extension::RenegotiationInfo),
        bytes(60).prop_map(Extension::SessionTicket),
        Just(Extension::StatusRequest),
        any::<u8>().prop_map(Extension::Heartbeat),
        Just(Extension::ExtendedMasterSecret),
        Just(Extension::EncryptThenMac),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..12), 0..4)
            .prop_map(Extension::Alpn),
        (0usize..200).prop_map(Extension::Padding),
        (
            any::<u16>().prop_filter("unknown type", |t| !KNOWN.contains(t)),
            bytes(50)
        )
            .prop_map(|(typ, data)| Extension::Raw { typ, data }),
    ]
}

fn client_hello() -> impl Strategy<Value = ClientHello> {
    (
        any::<u16>(),
        any::<u16>(),
        any::<[u8; 32]>(),
        proptest::collection::vec(any::<u8>(), 0..=32),
        proptest::collection::vec(any::<u16>(), 0..300),
        proptest::collection::vec(any::<u8>(), 0..4),
        proptest::option::of(proptest::collection::vec(extension(), 0..12)),
    )
        .prop_map(
            |(
                record_version,
                legacy_version,
                random,
                session_id,
                cipher_suites,
                compression_methods,
                extensions,
            )| {
                ClientHello {
                    record_version,
                    legacy_version,
                    random,
                    session_id,
                    cipher_suites,
                    compression_methods,
                    extensions,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn client_hello_round_trips(h in client_hello()) {
        let bytes = h.to_bytes().unwrap();
        prop_assert_eq!(ClientHello::parse(&bytes).unwrap(), h.clone());
        // tls-parser reads the same version, suites and compression methods.
        if (0x0300..=0x0303).contains(&h.record_version) {
            let (_, rec) = tls_parser::parse_tls_plaintext(&bytes).unwrap();
            match rec.msg.first() {
                Some(tls_parser::TlsMessage::Handshake(tls_parser::TlsMessageHandshake::ClientHello(ch))) => {
                    prop_assert_eq!(ch.version.0, h.legacy_version);
                    prop_assert_eq!(ch.ciphers.iter().map(|c| c.0).collect::<Vec<_>>(), h.cipher_suites.clone());
                    prop_assert_eq!(ch.comp.iter().map(|c| c.0).collect::<Vec<_>>(), h.compression_methods.clone());
                }
                other => prop_assert!(false, "not a ClientHello: {:?}", other),
            }
        }
    }

    #[test]
    fn f5_padding_never_leaves_the_window(h in client_hello()) {
        let padded = h.with_f5_padding().unwrap();
        let len = padded.handshake_bytes().unwrap().len();
        prop_assert!(padded.extensions.is_none() || !(256..512).contains(&len), "{}", len);
    }

    #[test]
    fn flight_parser_never_panics(data in proptest::collection::vec(any::<u8>(), 0..4000), split in 1usize..200) {
        let mut p = FlightParser::new();
        for c in data.chunks(split) {
            if p.feed(c) { break; }
        }
        p.feed_eof();
        prop_assert!(p.is_complete());
        let _ = ClientHello::parse(&data);
    }

    #[test]
    fn flight_parser_on_mutated_records(kind in 0u8..4, body in proptest::collection::vec(any::<u8>(), 0..600)) {
        // Valid record and handshake headers around arbitrary bodies reach the message parsers.
        let msg_type = [2u8, 11, 12, 13][kind as usize];
        let mut msg = vec![msg_type, 0, (body.len() >> 8) as u8, body.len() as u8];
        msg.extend_from_slice(&body);
        let mut rec = vec![22, 3, 3, (msg.len() >> 8) as u8, msg.len() as u8];
        rec.extend_from_slice(&msg);
        let mut p = FlightParser::new();
        p.feed(&rec);
        p.feed_eof();
        prop_assert!(p.is_complete());
    }

    #[test]
    fn plans_terminate_on_arbitrary_answers(answers in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..20)) {
        fn drive<P: Probe>(mut plan: Plan<P>, answers: &[Vec<u8>]) -> u32 {
            let mut i = 0;
            while plan.next_hello().is_some() {
                plan.feed(&answers[i % answers.len()]);
                plan.feed_eof();
                i += 1;
                assert!(i < 5000, "plan does not terminate");
            }
            plan.handshakes()
        }
        drive(Plan::new(VersionProbe::new(HelloOptions::default())), &answers);
        let cfg = SuiteScanConfig { versions: vec![Version::Tls13, Version::Tls12], ..SuiteScanConfig::default() };
        drive(Plan::new(SuiteProbe::new(cfg)), &answers);
        drive(Plan::new(FeatureProbe::new(HelloOptions::default(), &[Version::Tls12, Version::Tls13])), &answers);
    }
}
