//! The report's "SMTP AUTH, REQUIRETLS, client certificates, OCSP and CT" section: shown only
//! for records carrying those facts, exact counts over each row's own denominator, and a line
//! in every format.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use mxray_report::aggregate::Aggregate;
use mxray_report::tables::build;
use mxray_report::{render, Format};
use mxray_schema::record::{
    AuthInfo, EhloInfo, EndpointRecord, PlaintextMailInfo, PlaintextMailOutcome, SubmissionInfo,
    SubmissionKind,
};
use mxray_schema::synth::{self, Ident};

mod common;
use common::row_counts;

fn base(ip: &str) -> EndpointRecord {
    synth::handshake(
        &Ident::new("x.example", "mx.x.example", ip),
        &synth::kinds()[0],
    )
}

fn ehlo(caps: &[&str]) -> EhloInfo {
    EhloInfo {
        code: 250,
        used_helo: false,
        domain: None,
        capabilities: caps.iter().map(|c| (*c).to_owned()).collect(),
        starttls_offered: false,
        starttls_stripped: false,
    }
}

#[test]
fn hygiene_section_counts_each_fact_over_its_own_denominator() {
    // Records without the newer facts: no section (older scans' reports are unchanged).
    let mut agg = Aggregate::default();
    agg.add(&base("192.0.2.1"));
    assert!(!build(&agg, None).sections.iter().any(|s| s.id == "hygiene"));

    // AUTH PLAIN before STARTTLS, REQUIRETLS inside TLS, plaintext accepted, a client
    // certificate requested, a staple.
    let mut a = base("192.0.2.2");
    a.ehlo = Some(ehlo(&["AUTH PLAIN", "STARTTLS"]));
    a.ehlo_tls = Some(ehlo(&["AUTH PLAIN", "REQUIRETLS"]));
    a.auth = Some(AuthInfo {
        before_tls: vec!["PLAIN".into()],
        in_tls: vec!["PLAIN".into()],
    });
    a.plaintext_mail = Some(PlaintextMailInfo {
        outcome: PlaintextMailOutcome::Accepted,
        command: "MAIL FROM:<>".into(),
        reply: Some("250 ok".into()),
        detail: None,
    });
    let h = a.tls.as_mut().unwrap().handshake.as_mut().unwrap();
    h.client_cert_requested = true;
    h.ocsp_stapled = true;
    // A submission port without TLS; the plaintext test refused; CRAM-MD5 before TLS.
    let mut b = base("192.0.2.3");
    b.ehlo = Some(ehlo(&["AUTH CRAM-MD5", "STARTTLS"]));
    b.ehlo_tls = Some(ehlo(&["AUTH CRAM-MD5"]));
    b.auth = Some(AuthInfo {
        before_tls: vec!["CRAM-MD5".into()],
        in_tls: vec![],
    });
    b.submission = Some(SubmissionInfo {
        kind: SubmissionKind::Starttls,
        tls: false,
    });
    b.plaintext_mail = Some(PlaintextMailInfo {
        outcome: PlaintextMailOutcome::Refused,
        command: "MAIL FROM:<>".into(),
        reply: Some("530 no".into()),
        detail: None,
    });
    // An inconclusive plaintext test is out of the denominator.
    let mut c = base("192.0.2.4");
    c.ehlo = Some(ehlo(&["STARTTLS"]));
    c.ehlo_tls = Some(ehlo(&[]));
    c.plaintext_mail = Some(PlaintextMailInfo {
        outcome: PlaintextMailOutcome::Inconclusive,
        command: "MAIL FROM:<>".into(),
        reply: None,
        detail: Some("read timed out".into()),
    });
    for r in [&a, &b, &c] {
        agg.add(r);
    }
    let report = build(&agg, None);
    let t = "smtp_hygiene";
    assert_eq!(row_counts(&report, t, "auth_before_tls"), (2, 3));
    assert_eq!(row_counts(&report, t, "auth_cleartext_before_tls"), (1, 3));
    assert_eq!(row_counts(&report, t, "submission_without_tls"), (1, 1));
    assert_eq!(row_counts(&report, t, "requiretls"), (1, 3));
    assert_eq!(row_counts(&report, t, "plaintext_accepted"), (1, 2));
    let t = "handshake_hygiene";
    assert_eq!(row_counts(&report, t, "client_cert_requested"), (1, 3));
    assert_eq!(row_counts(&report, t, "ocsp_stapled"), (1, 3));
    assert_eq!(row_counts(&report, t, "must_staple_no_staple"), (0, 3));
    let (sct0, leaves) = row_counts(&report, t, "sct_0");
    assert_eq!((sct0, leaves), (3, 3));

    // A line in every format.
    for (format, needle) in [
        (Format::Text, "REQUIRETLS offered inside TLS (RFC 8689)"),
        (Format::Markdown, "REQUIRETLS offered inside TLS"),
        (Format::Html, "REQUIRETLS offered inside TLS (RFC 8689)"),
        (Format::Json, "\"requiretls\""),
    ] {
        let out = render(&report, format);
        assert!(out.contains(needle), "{format:?} lacks {needle}");
        assert!(out.contains("OCSP"), "{format:?}");
    }
}
