//! `mxray scan --dane`: the DANE verdicts of the DNSSEC lab (Knot DNS serving the signed
//! `dane.test`, the lab's Exim on 127.0.0.1:2527 presenting `$LAB/certs/rsa2048.crt`), and a
//! resolver that returns no DNSSEC records. The lab tests need MXRAY_LAB (the lab's state
//! directory, for `dnssec/anchor.dnskey`); MXRAY_DNSSEC_PORT (default 5300) is knotd's port.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use cert_audit::sender::{Delivery, DnssecStatus, State};
use common::*;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::rdata::{A, MX};
use hickory_resolver::proto::rr::{RData, RecordType};
use mxray_schema::record::{EndpointRecord, FindingSource};

fn lab() -> String {
    std::env::var("MXRAY_LAB").unwrap_or_else(|_| {
        panic!("MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (knotd with dane.test on 127.0.0.1:5300, Exim on 2527)")
    })
}

fn knot() -> String {
    format!(
        "127.0.0.1:{}",
        std::env::var("MXRAY_DNSSEC_PORT").unwrap_or_else(|_| "5300".into())
    )
}

fn anchor() -> String {
    let p = format!("{}/dnssec/anchor.dnskey", lab());
    assert!(
        std::path::Path::new(&p).exists(),
        "{p} is missing: the DNSSEC lab predates it; restart it (lab/stop-all.sh dnssec; lab/up.sh dnssec)"
    );
    p
}

fn dane_scan(targets: &[&str]) -> Vec<EndpointRecord> {
    let (k, a) = (knot(), anchor());
    let mut args = vec![
        "--quiet",
        "--profile",
        "quick",
        "--port",
        "2527",
        "--resolver",
        &k,
        "--trust-anchor",
        &a,
    ];
    args.extend_from_slice(targets);
    let o = scan(&args);
    assert_exit_ok(&o);
    stdout_records(&o)
}

fn by_target<'a>(recs: &'a [EndpointRecord], t: &str) -> &'a EndpointRecord {
    recs.iter()
        .find(|r| r.target == t)
        .unwrap_or_else(|| panic!("no record for {t}"))
}

fn dane_ids(r: &EndpointRecord) -> Vec<&str> {
    r.findings
        .iter()
        .filter(|f| f.source == FindingSource::Dane)
        .map(|f| f.id.as_str())
        .collect()
}

/// (target, MX, address, TLSA status, state, delivery, DANE finding ids).
type Row = (
    &'static str,
    Option<DnssecStatus>,
    DnssecStatus,
    DnssecStatus,
    State,
    Delivery,
    &'static [&'static str],
);

/// The lab's verdicts, one row per zone variant: (target, MX, address, TLSA status, state,
/// delivery, DANE finding ids). Every target reaches the same Exim, so most records share its
/// scan and are matched again from the chain kept in memory.
#[test]
fn lab_verdicts_match_the_zone_design() {
    use DnssecStatus::{Bogus, Indeterminate, Insecure, Secure};
    let rows: &[Row] = &[
        (
            "secure.dane.test",
            Some(Secure),
            Secure,
            Secure,
            State::Authenticated,
            Delivery::Authenticated,
            &["dane-single-record"],
        ),
        (
            "ee301.secure.dane.test:2527",
            None,
            Secure,
            Secure,
            State::Authenticated,
            Delivery::Authenticated,
            &["dane-single-record"],
        ),
        (
            "ee312.secure.dane.test:2527",
            None,
            Secure,
            Secure,
            State::Authenticated,
            Delivery::Authenticated,
            &["dane-single-record"],
        ),
        (
            "ee300.secure.dane.test:2527",
            None,
            Secure,
            Secure,
            State::Authenticated,
            Delivery::Authenticated,
            &["dane-single-record"],
        ),
        (
            "rollover.secure.dane.test:2527",
            None,
            Secure,
            Secure,
            State::Authenticated,
            Delivery::Authenticated,
            &[],
        ),
        (
            "mismatch.secure.dane.test:2527",
            None,
            Secure,
            Secure,
            State::NoMatch,
            Delivery::Defer,
            &["dane-no-match"],
        ),
        (
            "ta.secure.dane.test:2527",
            None,
            Secure,
            Secure,
            State::NoMatch,
            Delivery::Defer,
            &["dane-no-match"],
        ),
        (
            "many.secure.dane.test:2527",
            None,
            Secure,
            Secure,
            State::NoMatch,
            Delivery::Defer,
            &["dane-no-match", "dane-too-many-records"],
        ),
        (
            "pkix.secure.dane.test:2527",
            None,
            Secure,
            Secure,
            State::OnlyUnusable,
            Delivery::Encrypted,
            &["dane-only-unusable"],
        ),
        (
            "insecure.dane.test",
            Some(Insecure),
            Insecure,
            Insecure,
            State::Ignored,
            Delivery::NoDane,
            &["dane-tlsa-ignored"],
        ),
        (
            "crossmx.secure.dane.test",
            Some(Secure),
            Insecure,
            Insecure,
            State::Ignored,
            Delivery::NoDane,
            &["dane-tlsa-ignored"],
        ),
        (
            "tosecure.insecure.dane.test",
            Some(Insecure),
            Secure,
            Secure,
            State::Ignored,
            Delivery::NoDane,
            &["dane-tlsa-ignored"],
        ),
        (
            "bogus.dane.test",
            Some(Bogus),
            Bogus,
            Bogus,
            State::Bogus,
            Delivery::Defer,
            &["dane-dnssec-bogus"],
        ),
        (
            "tlsaloop.secure.dane.test:2527",
            None,
            Secure,
            Indeterminate,
            State::Indeterminate,
            Delivery::Defer,
            &["dane-dnssec-indeterminate"],
        ),
    ];
    let targets: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let recs = dane_scan(&targets);
    for (t, mx, addr, tlsa, state, delivery, ids) in rows {
        let r = by_target(&recs, t);
        let d = r
            .dane
            .as_ref()
            .unwrap_or_else(|| panic!("{t}: no dane: {r:?}"));
        assert_eq!(d.mx.as_ref().map(|a| a.status), *mx, "{t}: {d:?}");
        assert_eq!(
            (d.address.status, d.tlsa.status),
            (*addr, *tlsa),
            "{t}: {d:?}"
        );
        assert_eq!((d.state, d.delivery), (*state, *delivery), "{t}: {d:?}");
        assert_eq!(dane_ids(r), *ids, "{t}: {:?}", r.findings);
        // The audit matched exactly when DANE applies with a chain.
        let matched = r
            .certificate
            .as_ref()
            .and_then(|c| c.dane.as_ref())
            .is_some();
        assert_eq!(matched, state.dane_applies(), "{t}: {:?}", r.certificate);
    }
    let many = by_target(&recs, "many.secure.dane.test:2527")
        .dane
        .as_ref()
        .unwrap();
    assert_eq!((many.records.len(), many.records_dropped), (64, 6));
    // A DANE-EE match: the matched certificate is the leaf.
    let c = by_target(&recs, "ee301.secure.dane.test:2527")
        .certificate
        .as_ref()
        .unwrap();
    assert!(matches!(
        c.dane.as_ref().unwrap().records[0].outcome,
        cert_audit::DaneOutcome::Match { cert_index: 0 }
    ));
}

#[test]
fn an_address_target_has_no_dane_and_a_port_without_tlsa_is_not_published() {
    let recs = dane_scan(&["127.0.0.1:2527", "mx.secure.dane.test:2525"]);
    assert!(by_target(&recs, "127.0.0.1:2527").dane.is_none());
    let d = by_target(&recs, "mx.secure.dane.test:2525")
        .dane
        .clone()
        .unwrap();
    assert_eq!(d.tlsa_name, "_2525._tcp.mx.secure.dane.test");
    assert_eq!(
        (d.tlsa.status, d.state),
        (DnssecStatus::Secure, State::NotPublished)
    );
    assert_eq!(d.tlsa.rcode.as_deref(), Some("NXDOMAIN"));
}

#[test]
fn without_dane_records_have_no_dane_object() {
    let o = scan(&["--quiet", "--profile", "quick", "127.0.0.1:2527"]);
    let r = one_record(&o);
    let _ = lab();
    assert!(r.dane.is_none());
    assert!(r.certificate.unwrap().dane.is_none());
}

/// A resolver that answers without any DNSSEC record (as one that strips RRSIGs does): every
/// answer is indeterminate, never insecure, and nothing is matched.
#[test]
fn a_resolver_without_dnssec_records_makes_everything_indeterminate() {
    let dns = start_dns(|name, t| match (name, t) {
        ("strip.test.", RecordType::MX) => (
            ResponseCode::NoError,
            vec![RData::MX(MX::new(10, common::name("mx.strip.test.")))],
        ),
        ("mx.strip.test.", RecordType::A) => {
            (ResponseCode::NoError, vec![RData::A(A::new(127, 0, 0, 1))])
        }
        _ => (ResponseCode::NoError, vec![]),
    });
    let dir = tempdir("dane-strip");
    let anchor = dir.join("anchor");
    std::fs::write(
        &anchor,
        "strip.test. 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n",
    )
    .unwrap();
    let server = TestServer::start(Behaviour::Banner("220 strip.test ESMTP\r\n"));
    let port = server.addr.port().to_string();
    let dns = dns.to_string();
    let o = scan(&[
        "--quiet",
        "--profile",
        "quick",
        "--port",
        &port,
        "--read-timeout",
        "1s",
        "--retries",
        "0",
        "--resolver",
        &dns,
        "--trust-anchor",
        anchor.to_str().unwrap(),
        "strip.test",
    ]);
    let r = one_record(&o);
    let d = r.dane.unwrap();
    for a in [d.mx.as_ref().unwrap(), &d.address, &d.tlsa] {
        assert_eq!(a.status, DnssecStatus::Indeterminate, "{d:?}");
        assert!(
            a.reason.as_deref().unwrap().contains("no DNSSEC records"),
            "{a:?}"
        );
    }
    assert_eq!(
        (d.state, d.delivery),
        (State::Indeterminate, Delivery::Unknown)
    );
}

#[test]
fn a_bad_trust_anchor_is_a_fatal_error_that_says_why() {
    let dir = tempdir("dane-bad-anchor");
    let anchor = dir.join("anchor.ds");
    std::fs::write(&anchor, "dane.test. 3600 IN DS 61217 13 2 a23d\n").unwrap();
    let o = scan(&[
        "--quiet",
        "--trust-anchor",
        anchor.to_str().unwrap(),
        "127.0.0.1:1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("trust anchor line 1") && err.contains("32 bytes"),
        "{err}"
    );
}

/// `--trust-anchor` with the lab zone's DS (`anchor.ds`, as `ldns-key2ds` writes it) judges
/// as the DNSKEY file does.
#[test]
fn a_ds_trust_anchor_file_gives_the_same_verdicts_as_the_dnskey_file() {
    let ds = format!("{}/dnssec/anchor.ds", lab());
    let k = knot();
    let targets = [
        "mx.secure.dane.test:2527",
        "mx.bogus.dane.test:2527",
        "mx.insecure.dane.test:2527",
    ];
    let mut args = vec![
        "--quiet",
        "--profile",
        "quick",
        "--resolver",
        &k,
        "--trust-anchor",
        &ds,
    ];
    args.extend_from_slice(&targets);
    let o = scan(&args);
    assert_exit_ok(&o);
    let with_ds = stdout_records(&o);
    let with_keys = dane_scan(&targets);
    for t in targets {
        let (a, b) = (by_target(&with_ds, t), by_target(&with_keys, t));
        let (a, b) = (a.dane.as_ref().unwrap(), b.dane.as_ref().unwrap());
        assert_eq!((a.state, a.delivery), (b.state, b.delivery), "{t}");
        assert_eq!(a.tlsa.status, b.tlsa.status, "{t}");
    }
    let secure = by_target(&with_ds, "mx.secure.dane.test:2527");
    assert_eq!(
        secure.dane.as_ref().unwrap().delivery,
        Delivery::Authenticated
    );
}

#[test]
fn probe_shows_the_dane_section() {
    let (k, a) = (knot(), anchor());
    let o = mxray()
        .args([
            "probe",
            "--profile",
            "quick",
            "--resolver",
            &k,
            "--trust-anchor",
            &a,
            "mismatch.secure.dane.test:2527",
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("DANE (RFC 7672)"), "{text}");
    assert!(
        text.contains("_2527._tcp.mismatch.secure.dane.test secure NOERROR"),
        "{text}"
    );
    assert!(text.contains("no match: the leaf does not match"), "{text}");
    assert!(text.contains("a DANE sender          defer"), "{text}");
    assert!(text.contains("dane-no-match"), "{text}");
}

/// The per-domain verdict of `probe --mx` gets DANE from the lookups: authenticated for the
/// secure domain, not delivered for the bogus one.
#[test]
fn the_domain_verdict_takes_dane_from_the_lookups() {
    let (k, a) = (knot(), anchor());
    for (domain, want) in [
        ("secure.dane.test", "encrypted and authenticated"),
        ("bogus.dane.test", "not delivered (deferred)"),
    ] {
        let o = mxray()
            .args([
                "probe",
                "--mx",
                "--profile",
                "quick",
                "--port",
                "2527",
                "--resolver",
                &k,
                "--trust-anchor",
                &a,
                domain,
            ])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("DANE "))
            .unwrap_or_else(|| panic!("{domain}: no DANE sender line: {text}"));
        assert!(line.contains(want), "{domain}: {line}");
    }
}
