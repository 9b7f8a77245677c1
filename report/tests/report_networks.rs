//! The per-AS, per-country and per-provider views: records enriched from the committed test
//! databases (`lab/asn/make-fixtures.py`, MaxMind DB and iptoasn TSV), exact counts, and the
//! views in every format.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::sync::Arc;

use mxray_asn::AsnDb;
use mxray_report::aggregate::Aggregate;
use mxray_report::networks::{Facts, GroupTable};
use mxray_report::tables::{build, Report};
use mxray_report::{render, Format};
use mxray_schema::names::{PtrName, ServerNames};
use mxray_schema::network::Network;
use mxray_schema::record::EndpointRecord;
use mxray_schema::synth::{self, Failure, Ident, TlsSpec};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scanner-bin/tests/fixtures/asn")
        .join(name)
}

fn kind(f: impl Fn(&TlsSpec) -> bool) -> TlsSpec {
    synth::kinds()
        .into_iter()
        .find(|k| f(k))
        .unwrap_or_else(|| panic!("no such kind in the fixture"))
}

fn weak_class(k: &TlsSpec) -> bool {
    k.accepted.iter().chain(std::iter::once(&k.suite)).any(|s| {
        s.4.iter()
            .any(|c| matches!(*c, "rc4" | "null" | "export" | "block64"))
    })
}

fn records() -> Vec<EndpointRecord> {
    use cert_audit::TrustClass;
    let good = kind(|k| k.cert.trust == TrustClass::Trusted && !weak_class(k));
    let weak = kind(weak_class);
    let untrusted = kind(|k| k.cert.trust != TrustClass::Trusted && !weak_class(k));
    let hs = |d: &str, mx: &str, ip: &str, k: &TlsSpec| synth::handshake(&Ident::new(d, mx, ip), k);
    let mut ptr_named = hs("x.example", "mx.x.example", "198.51.100.7", &good);
    ptr_named.domain = None;
    ptr_named.mx = None;
    ptr_named.server_names = Some(ServerNames {
        ptr: vec![
            PtrName {
                name: "spoofed.other.example.org".into(),
                forward_confirmed: false,
            },
            PtrName {
                name: "mail.provider.example.com".into(),
                forward_confirmed: true,
            },
        ],
        ..ServerNames::default()
    });
    let mut nameless = hs("y.example", "mx.y.example", "198.51.100.8", &good);
    nameless.domain = None;
    nameless.mx = None;
    let mut own = hs("f.example", "mx.other.example", "127.0.0.9", &good);
    own.network = Some(Network {
        asn: Some(65000),
        as_org: Some("Written At Scan Time".into()),
        country: Some("SE".into()),
    });
    vec![
        hs("a.lab.test", "mx.a.lab.test", "127.0.0.1", &good),
        hs("b.example", "mx.hoster.example.net", "127.0.0.2", &good),
        synth::failed(
            &Ident::new("c.example", "mx.hoster.example.net", "127.0.0.3"),
            Failure::NotOffered,
        ),
        hs("d.example", "mx.d.example", "192.0.2.5", &weak),
        hs("e.example", "mx.e.example", "192.0.2.16", &untrusted),
        ptr_named,
        nameless,
        own,
        // No address: in no view.
        synth::failed(
            &Ident::new("nx.example", "mx.nx.example", "192.0.2.1"),
            Failure::Dns,
        ),
    ]
}

fn report_with(db: Option<AsnDb>) -> Report {
    let mut a = match db {
        Some(db) => Aggregate::with_asn_db(Arc::new(db)),
        None => Aggregate::default(),
    };
    for r in records() {
        a.add(&r);
    }
    build(&a, None)
}

fn view<'a>(r: &'a Report, id: &str) -> &'a GroupTable {
    r.networks
        .iter()
        .find(|g| g.id == id)
        .unwrap_or_else(|| panic!("no view {id}: {:?}", r.networks))
}

/// `(key, endpoints, starttls, handshake, trusted, weak)` of each row, in order.
fn rows(g: &GroupTable) -> Vec<(String, [u64; 5])> {
    g.rows
        .iter()
        .map(|r| {
            let f = r.facts;
            (
                r.key.clone(),
                [f.endpoints, f.starttls, f.handshake, f.trusted, f.weak],
            )
        })
        .collect()
}

fn want(rows: &[(&str, [u64; 5])]) -> Vec<(String, [u64; 5])> {
    rows.iter().map(|(k, f)| ((*k).to_owned(), *f)).collect()
}

#[test]
fn views_from_a_maxmind_db_have_exact_counts() {
    let db = AsnDb::open(&[fixture("lab-asn.mmdb")]).unwrap();
    let r = report_with(Some(db));
    assert_eq!(
        rows(view(&r, "as")),
        want(&[
            ("AS64496", [3, 2, 2, 2, 0]),
            ("AS64501", [2, 2, 2, 2, 0]),
            ("AS64500", [1, 1, 1, 0, 1]),
            ("AS65000", [1, 1, 1, 1, 0]),
            ("unknown", [1, 1, 1, 0, 0]),
        ])
    );
    assert_eq!(view(&r, "as").rows[0].label, "AS64496 Loopback Lab");
    assert_eq!(
        view(&r, "as").rows[3].label,
        "AS65000 Written At Scan Time",
        "the record's own network wins over the database"
    );
    assert_eq!(
        rows(view(&r, "country")),
        want(&[
            ("XL", [3, 2, 2, 2, 0]),
            ("FR", [2, 2, 2, 2, 0]),
            ("DE", [1, 1, 1, 0, 1]),
            ("SE", [1, 1, 1, 1, 0]),
            ("unknown", [1, 1, 1, 0, 0]),
        ])
    );
    assert_eq!(
        rows(view(&r, "provider")),
        want(&[
            ("self-hosted", [3, 3, 3, 1, 1]),
            ("example.net", [2, 1, 1, 1, 0]),
            ("example.com", [1, 1, 1, 1, 0]),
            ("other.example", [1, 1, 1, 1, 0]),
            ("unknown", [1, 1, 1, 1, 0]),
        ])
    );
    let total = view(&r, "as").total;
    assert_eq!(
        total,
        Facts {
            endpoints: 8,
            starttls: 7,
            handshake: 7,
            trusted: 5,
            weak: 1
        },
        "every endpoint once, the record without an address in none"
    );
    for g in &r.networks {
        assert_eq!(g.total, total, "{}", g.id);
    }
}

#[test]
fn tsv_and_mmdb_give_the_same_views() {
    let a = report_with(Some(AsnDb::open(&[fixture("lab-asn.mmdb")]).unwrap()));
    let b = report_with(Some(AsnDb::open(&[fixture("lab-ip2asn.tsv")]).unwrap()));
    assert_eq!(a.networks, b.networks);
}

#[test]
fn without_a_database_only_the_provider_view_and_records_networks() {
    let r = report_with(None);
    // One record carries `network`: the AS and country views are shown, every other
    // endpoint under "unknown" (not dropped).
    assert_eq!(
        rows(view(&r, "as")),
        want(&[("AS65000", [1, 1, 1, 1, 0]), ("unknown", [7, 6, 6, 4, 1])])
    );
    let mut plain = Aggregate::default();
    for mut rec in records() {
        rec.network = None;
        plain.add(&rec);
    }
    let r = build(&plain, None);
    let ids: Vec<&str> = r.networks.iter().map(|g| g.id).collect();
    assert_eq!(ids, ["provider"]);
}

#[test]
fn every_format_renders_the_views() {
    let r = report_with(Some(AsnDb::open(&[fixture("lab-ip2asn.tsv")]).unwrap()));
    let text = render(&r, Format::Text);
    assert!(text.contains("== Networks and providers =="), "{text}");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("AS64496 Loopback Lab")
                && l.split_whitespace().collect::<Vec<_>>()[3..]
                    == ["3", "2", "(66.7%)", "2", "(66.7%)", "2", "(66.7%)", "0", "(0.0%)"]),
        "{text}"
    );
    let md = render(&r, Format::Markdown);
    assert!(
        md.contains("| XL | 3 | 2 \\(66.7%\\) | 2 \\(66.7%\\) | 2 \\(66.7%\\) | 0 \\(0.0%\\) |"),
        "{md}"
    );
    let html = render(&r, Format::Html);
    assert!(html.contains("<h3 id=\"networks-provider\">"), "{html}");
    assert!(html.contains("<td class=\"l\">self-hosted</td><td class=\"n\">3</td>"));
    let json: serde_json::Value = serde_json::from_str(&render(&r, Format::Json)).unwrap();
    let s = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "networks")
        .unwrap();
    let country = &s["groups"][1];
    assert_eq!(country["id"], "country");
    assert_eq!(country["rows"][0]["key"], "XL");
    assert_eq!(country["rows"][0]["endpoints"], 3);
    assert_eq!(country["total"]["weak"], 1);
}
