//! `mxray scan`, `mxray report` and `mxray probe --mx` on the MTA-STS lab: the zone `sts.test`
//! on the lab's knotd (127.0.0.1:5310, `lab/up.sh mta-sts`), mxray-lab's policy server and two
//! SMTP receivers with a lab-CA certificate for `mx.sts.test`, on 127.0.0.1 (`mx.sts.test`) and
//! 127.0.0.2 (`mx-bad.sts.test`, whose name the certificate does not carry). Needs MXRAY_LAB.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;

use common::*;
use mail_policy::verdict::{verdict, Attacker, AttackerResult, Delivery};
use mxray_lab::mtasts::{start_policy_server, PolicyServerConfig};
use mxray_lab::{start, LabConfig, LabProfile};
use mxray_schema::record::EndpointRecord;

struct Lab {
    _rt: tokio::runtime::Runtime,
    smtp_port: u16,
    policy_port: u16,
    ca: PathBuf,
}

fn lab() -> Lab {
    let lab = PathBuf::from(
        std::env::var_os("MXRAY_LAB")
            .expect("MXRAY_LAB is not set: start the lab (lab/up.sh mta-sts) and export it"),
    );
    let state = lab.join("mta-sts");
    let rt = tokio::runtime::Runtime::new().unwrap();
    // One port number free on both addresses.
    let port = loop {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = l.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.2", p)).is_ok() {
            break p;
        }
    };
    let (policy_port, ca) = rt.block_on(async {
        for ip in [[127, 0, 0, 1], [127, 0, 0, 2]] {
            let cfg = LabConfig {
                listen: IpAddr::from(ip),
                profiles: vec![format!("good={port}").parse().unwrap()],
                hostname: "mx.sts.test".into(),
                state: state.clone(),
                ..LabConfig::default()
            };
            let running = start(&cfg, Box::new(std::io::sink())).await.unwrap();
            assert!(running.addr(LabProfile::Good).is_some());
            std::mem::forget(running);
        }
        let server = start_policy_server(&PolicyServerConfig {
            listen: "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
            zone: "sts.test".into(),
            state: state.clone(),
        })
        .await
        .unwrap();
        let out = (server.addr.port(), server.ca_pem.clone());
        std::mem::forget(server);
        out
    });
    Lab {
        _rt: rt,
        smtp_port: port,
        policy_port,
        ca,
    }
}

fn lab_args(l: &Lab) -> Vec<String> {
    vec![
        "--resolver".into(),
        "127.0.0.1:5310".into(),
        "--ca-file".into(),
        l.ca.display().to_string(),
        "--mta-sts-port".into(),
        l.policy_port.to_string(),
        "--mta-sts-timeout".into(),
        "3s".into(),
        "--port".into(),
        l.smtp_port.to_string(),
        "--profile".into(),
        "quick".into(),
    ]
}

fn of<'a>(recs: &'a [EndpointRecord], domain: &str) -> Vec<&'a EndpointRecord> {
    recs.iter()
        .filter(|r| r.domain.as_deref() == Some(domain))
        .collect()
}

fn ids(r: &EndpointRecord) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

#[test]
fn scan_records_policies_mx_checks_findings_and_the_verdict_and_report_counts_them() {
    let l = lab();
    let dir = tempdir("lab-mtasts");
    let out = dir.join("scan.jsonl");
    let mut args = lab_args(&l);
    args.extend(
        [
            "enforce.sts.test",
            "badmx.sts.test",
            "allfail.sts.test",
            "mxmiss.sts.test",
            "testing.sts.test",
            "badcert.sts.test",
            "notxt.sts.test",
            "-o",
        ]
        .map(String::from),
    );
    args.push(out.display().to_string());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = scan(&argv);
    assert_exit_ok(&o);
    let recs = records(&read(&out));

    // enforce: the MX passes, no policy finding, TLS-RPT's two addresses.
    let e = of(&recs, "enforce.sts.test");
    assert_eq!(e.len(), 1);
    let sts = e[0].mta_sts.as_ref().unwrap();
    assert_eq!(sts.mode(), Some("enforce"));
    assert!(sts.mx.as_ref().unwrap().passes, "{sts:?}");
    assert!(
        !ids(e[0]).iter().any(|i| i.starts_with("mta_sts")),
        "{:?}",
        ids(e[0])
    );
    assert_eq!(e[0].tls_rpt.as_ref().unwrap().rua.len(), 2);
    let v = verdict(&mxray_report::domain::facts(e.iter().copied()));
    assert_eq!(v.mta_sts.delivery, Delivery::Authenticated);
    assert_eq!(
        v.attacker(Attacker::ForgedCertificate).mta_sts,
        AttackerResult::FirstContact
    );

    // badmx: the backup's certificate does not name it: it fails the enforce policy, and the
    // finding says what MTA-STS senders do; the primary passes, so mail is delivered.
    let b = of(&recs, "badmx.sts.test");
    assert_eq!(b.len(), 2);
    let bad = b
        .iter()
        .find(|r| r.mx.as_ref().unwrap().host == "mx-bad.sts.test")
        .unwrap();
    let check = bad.mta_sts.as_ref().unwrap().mx.clone().unwrap();
    assert!(check.matches_policy && check.tls && !check.certificate_valid && !check.passes);
    let f = bad
        .findings
        .iter()
        .find(|f| f.id == "mta-sts-enforce-mx-fails")
        .unwrap();
    assert!(
        f.message.contains("MTA-STS senders will not deliver"),
        "{}",
        f.message
    );
    assert!(ids(bad).contains(&"mta-sts-mx-certificate-invalid"));
    let v = verdict(&mxray_report::domain::facts(b.iter().copied()));
    assert_eq!(v.mta_sts.delivery, Delivery::Authenticated);
    assert_eq!(v.mta_sts.mx.as_deref(), Some("mx.sts.test"));

    // allfail and mxmiss: no MX passes: MTA-STS senders defer.
    for d in ["allfail.sts.test", "mxmiss.sts.test"] {
        let rs = of(&recs, d);
        let v = verdict(&mxray_report::domain::facts(rs.iter().copied()));
        assert_eq!(v.mta_sts.delivery, Delivery::NotDelivered, "{d}");
        assert_eq!(v.opportunistic.delivery, Delivery::EncryptedOnly, "{d}");
    }
    assert!(ids(of(&recs, "mxmiss.sts.test")[0]).contains(&"mta-sts-mx-not-in-policy"));

    // testing: reported, not enforced; badcert: the policy cannot be fetched.
    let t = of(&recs, "testing.sts.test")[0];
    assert!(ids(t).contains(&"mta-sts-testing"));
    assert!(ids(t).contains(&"tlsrpt-invalid"));
    let bc = of(&recs, "badcert.sts.test")[0];
    let p = bc.mta_sts.as_ref().unwrap().policy.as_ref().unwrap();
    assert_eq!(p.error_kind.as_deref(), Some("tls_certificate"));
    assert!(ids(bc).contains(&"mta-sts-policy-fetch-failed"));

    // notxt: looked up, nothing there, no finding.
    let n = of(&recs, "notxt.sts.test")[0];
    assert_eq!(
        n.mta_sts.as_ref().unwrap().txt.status,
        mxray_schema::policy::TxtStatus::Absent
    );
    assert!(n
        .findings
        .iter()
        .all(|f| f.source != mxray_schema::record::FindingSource::Policy));

    // The report: the verdict and the adoption counts head the per-domain section.
    let rep = mxray()
        .args(["report", "--format", "json"])
        .arg(&out)
        .output()
        .unwrap();
    assert_exit_ok(&rep);
    let json: serde_json::Value = serde_json::from_slice(&rep.stdout).unwrap();
    let domains = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "domains")
        .unwrap();
    assert_eq!(domains["tables"][0]["id"], "verdict");
    let row = |table: &str, key: &str| -> u64 {
        let t = domains["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == table)
            .unwrap_or_else(|| panic!("no table {table}"));
        t["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .map_or_else(
                || panic!("no row {key} in {table}: {t}"),
                |r| r["count"].as_u64().unwrap(),
            )
    };
    assert_eq!(
        row("policy_adoption", "mta_sts_enforce"),
        4,
        "enforce, badmx, allfail, mxmiss"
    );
    assert_eq!(row("policy_adoption", "mta_sts_testing"), 1);
    assert_eq!(row("policy_adoption", "mta_sts_unusable"), 1, "badcert");
    assert_eq!(row("policy_adoption", "mta_sts_absent"), 1, "notxt");
    assert_eq!(
        row("policy_adoption", "tls_rpt"),
        5,
        "all but testing (invalid) and notxt"
    );
    assert_eq!(
        row("verdict", "mta_sts:not_delivered"),
        2,
        "allfail, mxmiss"
    );
    assert_eq!(row("verdict", "mta_sts:authenticated"), 2, "enforce, badmx");
    assert_eq!(row("policy_errors", "tls_certificate"), 1);
    assert_eq!(row("policy_adoption", "dane_not_looked_up"), 7, "no --dane");
    assert_eq!(
        row("policy_adoption", "neither_mta_sts_nor_dane"),
        2,
        "badcert, notxt"
    );

    // The per-domain rows, bounded: the two domains whose mail MTA-STS senders defer first.
    let rep = mxray()
        .args(["report", "--format", "json", "--domain-rows", "2"])
        .arg(&out)
        .output()
        .unwrap();
    assert_exit_ok(&rep);
    let json: serde_json::Value = serde_json::from_slice(&rep.stdout).unwrap();
    let rows = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "domains")
        .map(|s| s["domain_rows"].clone())
        .unwrap();
    assert_eq!(rows["limit"], 2, "{rows}");
    assert_eq!(rows["domains"], 7, "{rows}");
    assert_eq!(rows["not_shown"], 5, "{rows}");
    let names: Vec<&str> = rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["domain"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["allfail.sts.test", "mxmiss.sts.test"], "{rows}");
    for r in rows["rows"].as_array().unwrap() {
        assert_eq!(r["mta_sts_sender"], "not_delivered", "{r}");
        assert_eq!(r["mta_sts"], "enforce", "{r}");
        assert_eq!(r["dane"], "not_looked_up", "{r}");
    }
    let text = mxray()
        .args(["report", "--domain-rows", "0"])
        .arg(&out)
        .output()
        .unwrap();
    assert_exit_ok(&text);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("0 of 7 domains with policies looked up shown (7 not shown"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn probe_mx_heads_its_report_with_the_domain_verdict() {
    let l = lab();
    let mut args = vec![
        "probe".to_owned(),
        "--mx".to_owned(),
        "badmx.sts.test".to_owned(),
    ];
    args.extend(lab_args(&l));
    let o = mxray().args(&args).env("NO_COLOR", "1").output().unwrap();
    assert_exit_ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("Domain badmx.sts.test\n"), "{text}");
    let head: String = text.lines().take(16).collect::<Vec<_>>().join("\n");
    assert!(
        head.contains("MTA-STS                encrypted and authenticated    mx.sts.test"),
        "{head}"
    );
    assert!(
        head.contains("STARTTLS stripper      wins                 first contact only"),
        "{head}"
    );
    assert!(
        head.contains("mode enforce, max_age 86400, mx *.sts.test"),
        "{head}"
    );
    assert!(
        head.contains("mx-bad.sts.test        20    yes      yes  not valid    FAILS"),
        "{head}"
    );
    // The endpoint report follows.
    assert!(text.contains("mxray probe badmx.sts.test"), "{text}");

    // --json: the probed endpoint's record, with the domain's policies.
    args.push("--json".into());
    let o = mxray().args(&args).output().unwrap();
    let rec = one_record(&o);
    assert_eq!(rec.mta_sts.as_ref().unwrap().mode(), Some("enforce"));
    assert!(rec.mta_sts.unwrap().mx.unwrap().passes);
}
