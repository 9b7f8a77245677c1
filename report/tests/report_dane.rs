//! The report's DANE section: shown only when records carry `dane`, with adoption per domain,
//! per-endpoint states, sender actions, DNSSEC status counts and the match table; and the DANE
//! section of `mxray probe`'s terminal report, escaped like every terminal output.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use cert_audit::sender::{Delivery, DnssecStatus, State};
use common::{row, with_dane};
use mxray_report::aggregate::Aggregate;
use mxray_report::tables::build;
use mxray_schema::synth::{self, Ident};

#[test]
fn dane_section_counts_domains_endpoints_and_answers() {
    let spec = &synth::kinds()[0];
    let a1 = synth::handshake(&Ident::new("a.example", "mx1.a.example", "192.0.2.1"), spec);
    let a2 = synth::handshake(&Ident::new("a.example", "mx2.a.example", "192.0.2.2"), spec);
    let b1 = synth::handshake(&Ident::new("b.example", "mx1.b.example", "192.0.2.3"), spec);
    let recs = [
        with_dane(
            a1,
            DnssecStatus::Secure,
            State::Authenticated,
            Delivery::Authenticated,
        ),
        with_dane(a2, DnssecStatus::Secure, State::NoMatch, Delivery::Defer),
        with_dane(b1, DnssecStatus::Insecure, State::Ignored, Delivery::NoDane),
    ];
    let mut agg = Aggregate::default();
    for r in &recs {
        agg.add(r);
    }
    let report = build(&agg, None);
    assert!(report.sections.iter().any(|s| s.id == "dane"));
    assert_eq!(row(&report, "dane_domains", "all"), 1);
    assert_eq!(row(&report, "dane_domains", "none"), 1);
    assert_eq!(row(&report, "dane_domains", "defer"), 1);
    assert_eq!(row(&report, "dane_state", "authenticated"), 1);
    assert_eq!(row(&report, "dane_state", "no_match"), 1);
    assert_eq!(row(&report, "dane_state", "ignored"), 1);
    assert_eq!(row(&report, "dane_delivery", "defer"), 1);
    assert_eq!(row(&report, "dnssec_status", "tlsa secure"), 2);
    assert_eq!(row(&report, "dnssec_status", "mx insecure"), 1);
    assert_eq!(row(&report, "dane_findings", "dane-no-match"), 1);
    // Shards merge to the same counts.
    let (mut x, mut y) = (Aggregate::default(), Aggregate::default());
    x.add(&recs[0]);
    y.add(&recs[1]);
    y.add(&recs[2]);
    x.merge(&y);
    assert_eq!(build(&x, None), report);
}

#[test]
fn records_without_dane_have_no_dane_section() {
    let mut agg = Aggregate::default();
    for r in synth::fixture() {
        agg.add(&r);
    }
    let report = build(&agg, None);
    assert!(!report.sections.iter().any(|s| s.id == "dane"));
}

#[test]
fn probe_shows_a_dane_section_with_hostile_names_escaped() {
    let spec = &synth::kinds()[0];
    let r = synth::handshake(&Ident::new("a.example", "mx1.a.example", "192.0.2.1"), spec);
    let mut r = with_dane(r, DnssecStatus::Bogus, State::Bogus, Delivery::Defer);
    r.dane.as_mut().unwrap().tlsa_name = "_25._tcp.\x1b[2Jevil".into();
    r.dane.as_mut().unwrap().address.reason = Some("bad\u{202e}sig".into());
    let text = mxray_report::terminal::render(&r, false, std::time::Duration::ZERO);
    assert!(text.contains("DANE (RFC 7672)"), "{text}");
    assert!(text.contains("a DANE sender          defer"), "{text}");
    assert!(text.contains("bogus"), "{text}");
    assert!(
        !text.contains('\x1b') && !text.contains('\u{202e}'),
        "{text}"
    );
    assert!(text.contains("\\x1b[2Jevil"), "{text}");
}

#[test]
fn the_domain_verdict_reads_dane_from_the_aggregated_counts() {
    use mail_policy::verdict::DaneMx;
    use mxray_report::aggregate::{DomainPolicyState, MxPolicyState};
    let mx = |auth, fails, no, unknown| MxPolicyState {
        host: 1,
        preference: 10,
        reached: 1,
        tls: 1,
        dane_authenticated: auth,
        dane_fails: fails,
        dane_no_tlsa: no,
        dane_unknown: unknown,
        ..MxPolicyState::default()
    };
    for (m, want) in [
        (mx(2, 0, 0, 0), Some(DaneMx::Authenticated)),
        (mx(1, 1, 0, 0), Some(DaneMx::Fails)),
        (mx(0, 0, 1, 0), Some(DaneMx::NoTlsa)),
        (mx(1, 0, 0, 1), None),
        (mx(0, 0, 0, 0), None),
    ] {
        let state = DomainPolicyState {
            mta_sts: "absent".into(),
            tls_rpt: "absent".into(),
            mx: vec![m.clone()],
            ..DomainPolicyState::default()
        };
        let facts = state.facts();
        assert_eq!(facts.mx[0].dane, want, "{m:?}");
    }
}
