//! The report's "certificate matches the server's own name" section: only for records with
//! `server_names` (address targets scanned with `--server-names`), exact counts.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use mxray_report::aggregate::Aggregate;
use mxray_report::tables::build;
use mxray_schema::names::{PtrName, ServerNames};
use mxray_schema::record::EndpointRecord;
use mxray_schema::synth::{self, Ident};

mod common;
use common::row_counts;

fn named(ip: &str, ptr: &[(&str, bool)], banner: Option<&str>, matched: &[&str]) -> EndpointRecord {
    let spec = &synth::kinds()[0];
    let mut r = synth::handshake(&Ident::new("x.example", "mx.x.example", ip), spec);
    r.domain = None;
    r.mx = None;
    r.server_names = Some(ServerNames {
        ptr: ptr
            .iter()
            .map(|(n, c)| PtrName {
                name: (*n).to_owned(),
                forward_confirmed: *c,
            })
            .collect(),
        ptr_error: None,
        banner: banner.map(str::to_owned),
        ehlo: banner.map(str::to_owned),
        matched: matched.iter().map(|s| (*s).to_owned()).collect(),
    });
    r
}

#[test]
fn own_name_table_counts_each_kind_of_name() {
    let recs = [
        // PTR confirmed and matched; greeting names another name.
        named(
            "192.0.2.1",
            &[("a.example", true)],
            Some("mx.a.example"),
            &["a.example"],
        ),
        // Greeting and EHLO name matched, PTR not confirmed.
        named(
            "192.0.2.2",
            &[("b.example", false)],
            Some("mx.b.example"),
            &["mx.b.example"],
        ),
        // Nothing matches.
        named("192.0.2.3", &[], Some("mx.c.example"), &[]),
    ];
    let mut agg = Aggregate::default();
    for r in &recs {
        agg.add(r);
    }
    // A record without a certificate is not counted.
    let mut no_cert = named("192.0.2.4", &[], Some("mx.d.example"), &[]);
    no_cert.certificate = None;
    agg.add(&no_cert);
    let report = build(&agg, None);
    let t = "own_name_match";
    assert_eq!(row_counts(&report, t, "has_ptr_confirmed"), (1, 3));
    assert_eq!(row_counts(&report, t, "has_banner"), (3, 3));
    assert_eq!(row_counts(&report, t, "has_ehlo"), (3, 3));
    assert_eq!(row_counts(&report, t, "ptr"), (1, 3));
    assert_eq!(row_counts(&report, t, "banner"), (1, 3));
    assert_eq!(row_counts(&report, t, "ehlo"), (1, 3));
    assert_eq!(row_counts(&report, t, "any"), (2, 3));
    assert_eq!(row_counts(&report, t, "none"), (1, 3));
    let text = mxray_report::render(&report, mxray_report::Format::Text);
    assert!(
        text.contains("Certificate matches the server's own name"),
        "{text}"
    );
}

#[test]
fn records_without_server_names_have_no_such_section() {
    let mut agg = Aggregate::default();
    for r in synth::fixture() {
        agg.add(&r);
    }
    let report = build(&agg, None);
    assert!(!report.sections.iter().any(|s| s.id == "own_names"));
}
