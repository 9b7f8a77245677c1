//! `mxray lab dns` for the MTA-STS receiver: the `_mta-sts` and `_smtp._tls` TXT records, the
//! policy host's addresses and the policy to serve, next to the MX, A/AAAA and TLSA lines; what
//! it prints parses with mail-policy's parsers (those `mxray scan` reads policies with).
#![allow(clippy::unwrap_used, clippy::panic)]

use mail_policy::sts::{Mode, Policy, StsRecord};
use mail_policy::tlsrpt::TlsRptRecord;

#[test]
fn lab_dns_prints_mta_sts_records_and_the_policy() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["lab", "dns", "--domain", "lab.example.org", "--token", "r1"])
        .args([
            "--address",
            "mta-sts=192.0.2.30",
            "--address",
            "mta-sts=2001:db8::30",
        ])
        .args(["--address", "good=192.0.2.31"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let d = "mta-sts.lab.example.org";
    for line in [
        format!("{d}. 3600 IN MX 10 mx.{d}."),
        format!("mx.{d}. 3600 IN AAAA 2001:db8::30"),
        format!("_mta-sts.{d}. 3600 IN TXT \"v=STSv1; id=r1\""),
        format!("mta-sts.{d}. 3600 IN A 192.0.2.30"),
        format!("mta-sts.{d}. 3600 IN AAAA 2001:db8::30"),
        format!("_smtp._tls.{d}. 3600 IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt-r1@{d}\""),
        format!(
            "; the MTA-STS policy of {d}: serve it at https://mta-sts.{d}/.well-known/mta-sts.txt"
        ),
        format!(";   mta-sts          probe-mta-sts-r1@{d}"),
        "--listen 192.0.2.30=mta-sts --listen [2001:db8::30]=mta-sts".to_owned(),
    ] {
        assert!(text.contains(&line), "{line:?} not in\n{text}");
    }
    assert!(!text.contains("_mta-sts.good."), "{text}");
    let txt = |owner: &str| {
        let l = text.lines().find(|l| l.starts_with(owner)).unwrap();
        l.split_once("IN TXT \"")
            .unwrap()
            .1
            .trim_end_matches('"')
            .to_owned()
    };
    assert_eq!(StsRecord::parse(&txt("_mta-sts.")).unwrap().id, "r1");
    assert_eq!(
        TlsRptRecord::parse(&txt("_smtp._tls.")).unwrap().rua.len(),
        1
    );
    // The policy, from its comment lines, with the CRLF line ends RFC 8461 asks for.
    let policy: String = text
        .lines()
        .skip_while(|l| !l.starts_with("; the MTA-STS policy of"))
        .skip(1)
        .take_while(|l| l.starts_with(";   "))
        .map(|l| format!("{}\r\n", l.trim_start_matches(";   ")))
        .collect();
    let p = Policy::parse(policy.as_bytes()).unwrap_or_else(|e| panic!("{e}: {policy:?}"));
    assert_eq!(p.mode, Mode::Enforce);
    assert!(p.matches_mx(&format!("mx.{d}")));
    assert_eq!(p.max_age, 86_400);
}
