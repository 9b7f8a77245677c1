//! The report's per-domain rows: the worst domains first (a sender that does not deliver, then
//! the attacker-sender pairs the attacker wins), at most `domain_rows` of them with a count of
//! those not shown, in every format, names escaped; adoption counts with DANE.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use cert_audit::sender::{Delivery, DnssecStatus, State};
use mxray_report::aggregate::Aggregate;
use mxray_report::tables::{build, Report};
use mxray_report::{render, Format};
use mxray_schema::policy::{MtaStsInfo, PolicyInfo, PolicyStatus, TlsRptInfo, TxtInfo, TxtStatus};
use mxray_schema::record::EndpointRecord;
use mxray_schema::synth::{self, Ident};

use common::{row, with_dane};

fn txt(status: TxtStatus) -> TxtInfo {
    TxtInfo {
        status,
        text: None,
        error: None,
        rcode: None,
    }
}

fn sts(mode: &str, mx: &[&str]) -> MtaStsInfo {
    MtaStsInfo {
        txt: txt(TxtStatus::Valid),
        policy: Some(PolicyInfo {
            url: "https://mta-sts.x/.well-known/mta-sts.txt".into(),
            status: PolicyStatus::Valid,
            error_kind: None,
            error: None,
            http_status: Some(200),
            content_type: Some("text/plain".into()),
            bytes: Some(1),
            mode: Some(mode.into()),
            max_age: Some(86_400),
            mx: mx.iter().map(|s| (*s).to_owned()).collect(),
        }),
        mx: None,
    }
}

fn rec(domain: &str, mx: &str, ip: &str, sts_info: Option<MtaStsInfo>) -> EndpointRecord {
    let mut r = synth::handshake(&Ident::new(domain, mx, ip), &synth::kinds()[0]);
    r.mta_sts = Some(sts_info.unwrap_or(MtaStsInfo {
        txt: txt(TxtStatus::Absent),
        policy: None,
        mx: None,
    }));
    r.tls_rpt = Some(TlsRptInfo {
        txt: txt(TxtStatus::Absent),
        rua: Vec::new(),
    });
    r
}

/// Three domains: an enforce policy whose `mx` patterns miss the MX (MTA-STS senders defer), no
/// policy at all, and an enforce policy that matches, with DANE.
fn three() -> Vec<EndpointRecord> {
    vec![
        rec("open.example", "mx.open.example", "192.0.2.1", None),
        rec(
            "miss.example",
            "mx.miss.example",
            "192.0.2.2",
            Some(sts("enforce", &["other.example"])),
        ),
        with_dane(
            rec(
                "good.example",
                "mx.good.example",
                "192.0.2.3",
                Some(sts("enforce", &["mx.good.example"])),
            ),
            DnssecStatus::Secure,
            State::Authenticated,
            Delivery::Authenticated,
        ),
    ]
}

fn report_of(records: &[EndpointRecord], limit: usize) -> Report {
    let mut a = Aggregate::default();
    a.domain_rows = limit;
    for r in records {
        a.add(r);
    }
    build(&a, None)
}

#[test]
fn rows_put_the_domain_whose_mail_is_deferred_first_then_the_one_attackers_win() {
    let report = report_of(&three(), 10);
    let d = report.domain_rows.as_ref().unwrap();
    assert_eq!((d.domains, d.not_shown, d.limit), (3, 0, 10));
    let names: Vec<&str> = d.rows.iter().map(|r| r.domain.as_str()).collect();
    assert_eq!(names[0], "miss.example", "{d:?}");
    assert_eq!(d.rows[0].mta_sts_sender, "not_delivered");
    assert_eq!(d.rows[0].mta_sts, "enforce");
    assert_eq!(names[1], "open.example", "{d:?}");
    assert_eq!(d.rows[1].mta_sts, "absent");
    assert!(
        d.rows[1]
            .attackers
            .contains("STARTTLS stripper: opportunistic, MTA-STS"),
        "{:?}",
        d.rows[1]
    );
    assert!(d.rows[1].wins >= d.rows[2].wins, "{d:?}");
    assert_eq!(d.rows[2].domain, "good.example");
    assert_eq!(d.rows[2].dane, "applies");
    assert_eq!(d.rows[1].dane, "not_looked_up");
    assert_eq!(d.rows[2].mx, 1);
    assert_eq!(d.rows[2].tls_rpt, "absent");
}

#[test]
fn rows_are_bounded_and_the_rest_is_counted() {
    let mut records = Vec::new();
    for i in 0..300u32 {
        let domain = format!("d{i}.example");
        let ip = format!("10.0.{}.{}", i / 250, i % 250);
        records.push(rec(&domain, &format!("mx.{domain}"), &ip, None));
    }
    records.extend(three());
    let report = report_of(&records, 5);
    let d = report.domain_rows.as_ref().unwrap();
    assert_eq!(d.rows.len(), 5);
    assert_eq!(d.domains, 303);
    assert_eq!(d.not_shown, 298);
    assert_eq!(d.rows[0].domain, "miss.example", "the worst is kept");
    assert!(!d.rows.iter().any(|r| r.domain == "good.example"));
    let none = report_of(&records, 0);
    let d = none.domain_rows.as_ref().unwrap();
    assert!(d.rows.is_empty());
    assert_eq!(d.not_shown, 303);
    let text = render(&report, Format::Text);
    assert!(
        text.contains("5 of 303 domains with policies looked up shown (298 not shown"),
        "{text}"
    );
}

#[test]
fn every_format_shows_the_rows_with_names_escaped() {
    let mut records = three();
    records.push(rec(
        "<script>\u{1b}[31mx|y*.example",
        "mx.evil.example",
        "192.0.2.9",
        None,
    ));
    let report = report_of(&records, 10);
    let text = render(&report, Format::Text);
    assert!(text.contains("Domains, worst first"), "{text}");
    assert!(text.contains("miss.example"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
    let md = render(&report, Format::Markdown);
    assert!(md.contains("### Domains, worst first"), "{md}");
    assert!(md.contains("| miss.example | 1 |"), "{md}");
    assert!(md.contains("\\<script\\>"), "{md}");
    assert!(md.contains("x\\|y\\*"), "{md}");
    let html = render(&report, Format::Html);
    assert!(html.contains("domains-domain_rows"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    let json: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    let section = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "domains")
        .unwrap();
    let rows = section["domain_rows"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["domain"], "miss.example");
    assert_eq!(rows[0]["mta_sts_sender"], "not_delivered");
    assert_eq!(section["domain_rows"]["not_shown"], 0);
    assert!(json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["id"] != "domains")
        .all(|s| s.get("domain_rows").is_none()));
}

#[test]
fn records_without_policies_have_no_rows() {
    let records: Vec<EndpointRecord> = three()
        .into_iter()
        .map(|mut r| {
            r.mta_sts = None;
            r.tls_rpt = None;
            r
        })
        .collect();
    let report = report_of(&records, 10);
    assert!(report.domain_rows.is_none());
    for f in [Format::Text, Format::Markdown, Format::Html, Format::Json] {
        let out = render(&report, f);
        assert!(!out.contains("worst first"), "{out}");
        assert!(!out.contains("domain_rows"), "{out}");
    }
}

#[test]
fn adoption_counts_dane_and_says_what_both_and_neither_mean() {
    let report = report_of(&three(), 10);
    assert_eq!(row(&report, "policy_adoption", "mta_sts_enforce"), 2);
    assert_eq!(row(&report, "policy_adoption", "mta_sts_absent"), 1);
    assert_eq!(row(&report, "policy_adoption", "dane"), 1);
    assert_eq!(row(&report, "policy_adoption", "dane_not_looked_up"), 2);
    assert_eq!(row(&report, "policy_adoption", "mta_sts_and_dane"), 1);
    assert_eq!(row(&report, "policy_adoption", "mta_sts_and_tls_rpt"), 0);
    assert_eq!(
        row(&report, "policy_adoption", "neither_mta_sts_nor_dane"),
        1
    );
    let text = render(&report, Format::Text);
    assert!(
        text.contains("MTA-STS (enforce or testing) and DANE"),
        "{text}"
    );
    assert!(
        text.contains("neither MTA-STS (enforce or testing) nor DANE"),
        "{text}"
    );
    assert!(!text.contains("unknown until the scan looks up"), "{text}");
    assert!(
        text.contains("known when the scan ran with --dane"),
        "{text}"
    );
}
