//! DANE lookups against the real DNSSEC lab: Knot DNS serving the signed `dane.test` (with its
//! secure, insecure and bogus subzones), the scanner validating itself from the lab's DNSKEY
//! trust anchor (and from its DS, `dnssec/anchor.ds`, as `ldns-key2ds` computes it). Needs MXRAY_LAB (the lab's state directory, for `dnssec/anchor.dnskey`);
//! MXRAY_DNSSEC_PORT (default 5300) is knotd's port, MXRAY_DNSSEC_RESOLVER_PORT (default 5301)
//! the validating unbound's.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::time::Duration;

use cert_audit::sender::DnssecStatus;
use mxray_scan::dane::{load_trust_anchor, DaneResolver};

fn lab() -> String {
    std::env::var("MXRAY_LAB").unwrap_or_else(|_| {
        panic!("MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (knotd on 127.0.0.1:5300 with dane.test)")
    })
}

fn port(var: &str, default: u16) -> u16 {
    std::env::var(var)
        .ok()
        .map(|p| p.parse().unwrap())
        .unwrap_or(default)
}

fn resolver(server_port: u16) -> DaneResolver {
    resolver_from(server_port, "anchor.dnskey")
}

fn resolver_from(server_port: u16, file: &str) -> DaneResolver {
    let path = format!("{}/dnssec/{file}", lab());
    let anchor = load_trust_anchor(std::path::Path::new(&path)).unwrap_or_else(|e| {
        panic!("{e}: the DNSSEC lab predates anchor.dnskey; restart it (lab/stop-all.sh dnssec; lab/up.sh dnssec)")
    });
    let addr: SocketAddr = format!("127.0.0.1:{server_port}").parse().unwrap();
    DaneResolver::new(Some(addr), Some(anchor), Duration::from_secs(2)).unwrap()
}

fn knot() -> DaneResolver {
    resolver(port("MXRAY_DNSSEC_PORT", 5300))
}

#[tokio::test]
async fn secure_insecure_and_bogus_subzones_get_their_status() {
    let r = knot();
    let h = r.host("mx.secure.dane.test", 25).await;
    assert_eq!(h.address.status, DnssecStatus::Secure, "{h:?}");
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Secure, "{h:?}");
    assert_eq!(h.tlsa.records.len(), 1);
    assert_eq!(
        (
            h.tlsa.records[0].usage,
            h.tlsa.records[0].selector,
            h.tlsa.records[0].matching_type
        ),
        (3, 1, 1)
    );
    assert_eq!(h.tlsa_name, "_25._tcp.mx.secure.dane.test");

    let h = r.host("mx.insecure.dane.test", 25).await;
    assert_eq!(h.address.status, DnssecStatus::Insecure, "{h:?}");
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Insecure, "{h:?}");
    assert_eq!(h.tlsa.records.len(), 1);

    let h = r.host("mx.bogus.dane.test", 25).await;
    assert_eq!(h.address.status, DnssecStatus::Bogus, "{h:?}");
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Bogus, "{h:?}");

    assert_eq!(r.mx("secure.dane.test").await.status, DnssecStatus::Secure);
    assert_eq!(
        r.mx("insecure.dane.test").await.status,
        DnssecStatus::Insecure
    );
    assert_eq!(r.mx("bogus.dane.test").await.status, DnssecStatus::Bogus);
}

#[tokio::test]
async fn denials_carry_their_status() {
    let r = knot();
    // No TLSA for port 26: an authenticated denial in the secure zone.
    let h = r.host("mx.secure.dane.test", 26).await;
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Secure, "{h:?}");
    assert!(h.tlsa.records.is_empty());
    assert_eq!(h.tlsa.answer.rcode.as_deref(), Some("NXDOMAIN"), "{h:?}");
    let h = r.host("mx.insecure.dane.test", 26).await;
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Insecure, "{h:?}");
}

#[tokio::test]
async fn hostile_answers_are_bounded() {
    let r = knot();
    let h = r.host("many.secure.dane.test", 25).await;
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Secure, "{h:?}");
    assert_eq!((h.tlsa.records.len(), h.tlsa.dropped), (64, 6));
    let t = std::time::Instant::now();
    let h = r.host("tlsaloop.secure.dane.test", 25).await;
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Indeterminate, "{h:?}");
    assert!(h.tlsa.records.is_empty());
}

#[tokio::test]
async fn outside_the_anchor_is_indeterminate() {
    let r = knot();
    let h = r.host("mx.example.org", 25).await;
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Indeterminate);
    assert!(h
        .tlsa
        .answer
        .reason
        .as_deref()
        .unwrap()
        .contains("trust anchor"));
}

#[tokio::test]
async fn a_validating_upstream_hides_bogus_behind_servfail_which_is_indeterminate() {
    let r = resolver(port("MXRAY_DNSSEC_RESOLVER_PORT", 5301));
    let h = r.host("mx.secure.dane.test", 25).await;
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Secure, "{h:?}");
    let h = r.host("mx.bogus.dane.test", 25).await;
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Indeterminate, "{h:?}");
    // hickory's validator sees the SERVFAIL as an unprovable denial.
    assert!(h.tlsa.answer.reason.is_some(), "{h:?}");
    assert!(h.tlsa.records.is_empty());
}

/// The lab's DS (`ldns-key2ds -n -2` of dane.test's KSK, what the parent would publish) as the
/// trust anchor: the DNSKEY RRset is fetched, matched to the DS and its signature checked, and
/// the statuses are those of the DNSKEY anchor.
#[tokio::test]
async fn a_ds_trust_anchor_validates_like_the_dnskey_set() {
    let text = std::fs::read_to_string(format!("{}/dnssec/anchor.ds", lab())).unwrap();
    let anchor = mxray_scan::dane::parse_trust_anchor(&text).unwrap();
    assert_eq!((anchor.ds().len(), anchor.key_count()), (1, 0));
    for port in [
        port("MXRAY_DNSSEC_PORT", 5300),
        port("MXRAY_DNSSEC_RESOLVER_PORT", 5301),
    ] {
        let r = resolver_from(port, "anchor.ds");
        let h = r.host("mx.secure.dane.test", 25).await;
        assert_eq!(h.address.status, DnssecStatus::Secure, "{port}: {h:?}");
        assert_eq!(h.tlsa.answer.status, DnssecStatus::Secure, "{port}: {h:?}");
        assert_eq!(h.tlsa.records.len(), 1);
        assert_eq!(r.mx("secure.dane.test").await.status, DnssecStatus::Secure);
        assert_eq!(
            r.mx("insecure.dane.test").await.status,
            DnssecStatus::Insecure
        );
    }
    let r = resolver_from(port("MXRAY_DNSSEC_PORT", 5300), "anchor.ds");
    let h = r.host("mx.bogus.dane.test", 25).await;
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Bogus, "{h:?}");
    assert_eq!(r.mx("bogus.dane.test").await.status, DnssecStatus::Bogus);
}

/// A DS that digests no key of the zone (one digest byte changed): nothing validates, every
/// answer is indeterminate and says the DS anchor is why; never insecure.
#[tokio::test]
async fn a_ds_anchor_matching_no_key_makes_everything_indeterminate() {
    let text = std::fs::read_to_string(format!("{}/dnssec/anchor.ds", lab())).unwrap();
    let line = text.lines().find(|l| l.contains("DS")).unwrap().trim_end();
    let last = line.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    let bad = format!("{}{flipped}\n", &line[..line.len() - 1]);
    let anchor = mxray_scan::dane::parse_trust_anchor(&bad).unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", port("MXRAY_DNSSEC_PORT", 5300))
        .parse()
        .unwrap();
    let r = DaneResolver::new(Some(addr), Some(anchor), Duration::from_secs(2)).unwrap();
    let h = r.host("mx.secure.dane.test", 25).await;
    assert_eq!(h.tlsa.answer.status, DnssecStatus::Indeterminate, "{h:?}");
    assert_eq!(h.address.status, DnssecStatus::Indeterminate, "{h:?}");
    let why = h.tlsa.answer.reason.clone().unwrap();
    assert!(
        why.contains("DS trust anchor") && why.contains("matches"),
        "{why}"
    );
    assert!(r.preflight().await.is_err());
}
