//! Hostile input: arbitrary and mutated chains never panic, and the report stays consistent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
mod common;

use cert_audit::{audit, AuditInput, CertificateDer, Tlsa};
use common::*;
use proptest::prelude::*;

fn consistent(chain: &[CertificateDer<'_>], tlsa: &[Tlsa], now: u64) {
    let r = audit(
        &AuditInput::new(chain, now)
            .mx_host(MX)
            .domain(DOMAIN)
            .tlsa(tlsa),
        &test_store(),
    );
    assert!(r.certificates.is_empty() || r.certificates.len() == chain.len());
    assert_eq!(r.chain.length, chain.len());
    assert!(r
        .findings
        .windows(2)
        .all(|w| w[0].severity >= w[1].severity));
    for f in &r.findings {
        if let Some(i) = f.cert_index {
            assert!(i < chain.len().max(1), "{f:?}");
        }
    }
    assert_eq!(r.dane.is_some(), !tlsa.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_chains(
        certs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..20),
        now in any::<u64>(),
    ) {
        let chain: Vec<CertificateDer<'_>> = certs.into_iter().map(CertificateDer::from).collect();
        consistent(&chain, &[], now);
    }

    #[test]
    fn mutated_fixture_chains(
        flips in proptest::collection::vec((0usize..3, any::<prop::sample::Index>(), any::<u8>()), 1..8),
        truncate in proptest::option::of((0usize..3, any::<prop::sample::Index>())),
        tlsa in proptest::collection::vec((0u8..5, 0u8..3, 0u8..4, proptest::collection::vec(any::<u8>(), 0..70)), 0..4),
    ) {
        let mut chain: Vec<Vec<u8>> = ["leaf-good", "int", "root"].iter().map(|n| cert(n).to_vec()).collect();
        for (which, at, byte) in flips {
            let c = &mut chain[which];
            let i = at.index(c.len());
            c[i] ^= byte;
        }
        if let Some((which, at)) = truncate {
            let len = chain[which].len();
            chain[which].truncate(at.index(len));
        }
        let chain: Vec<CertificateDer<'_>> = chain.into_iter().map(CertificateDer::from).collect();
        let tlsa: Vec<Tlsa> = tlsa.into_iter().map(|(u, s, m, d)| Tlsa::new(u, s, m, d)).collect();
        consistent(&chain, &tlsa, NOW);
    }
}
