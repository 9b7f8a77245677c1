//! `mxray lab --asn-db`: the sender's AS and country in each session record, and the network
//! column of `mxray lab summary --by provider` (from the records, or from `--asn-db` given to
//! the summary for records without it). Real senders: swaks from three loopback addresses
//! standing for three providers' relays, with an iptoasn TSV made here. Needs MXRAY_LAB and
//! swaks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod lab_server_util;

use std::process::Command;
use std::time::Duration;

use lab_server_util::{require_lab, require_tool, Lab};
use mxray_lab::LabProfile::Good;

fn swaks(lab: &Lab, from_ip: &str, ehlo: &str) {
    let out = Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{}", lab.port(Good))])
        .args(["--local-interface", from_ip])
        .args([
            "--ehlo",
            ehlo,
            "--from",
            "s@sender.test",
            "--to",
            "rcpt@lab.test",
        ])
        .args(["--tls", "--timeout", "20"])
        .output()
        .expect("run swaks");
    assert!(out.status.success(), "swaks from {from_ip}: {out:?}");
}

#[test]
fn sessions_carry_the_senders_network_and_the_summary_shows_it() {
    require_lab();
    require_tool("swaks");
    let dir = std::env::temp_dir().join(format!("mxray-lab-asn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tsv = dir.join("ip2asn.tsv");
    std::fs::write(
        &tsv,
        "127.0.0.31\t127.0.0.31\t64511\tDE\tProvider One Relays\n\
         127.0.0.32\t127.0.0.32\t64512\tFR\tProvider Two Relays\n",
    )
    .unwrap();
    let lab = Lab::start(&[Good], &["--asn-db", tsv.to_str().unwrap()]);
    swaks(&lab, "127.0.0.31", "relay1.one.test");
    swaks(&lab, "127.0.0.32", "relay1.two.test");
    swaks(&lab, "127.0.0.33", "relay1.three.test");
    let one = lab.wait_session("relay1.one.test", Good, Duration::from_secs(30));
    let two = lab.wait_session("relay1.two.test", Good, Duration::from_secs(30));
    let three = lab.wait_session("relay1.three.test", Good, Duration::from_secs(30));
    let net = |r: &mxray_lab::record::SessionRecord| {
        r.sender_network
            .as_ref()
            .map(|n| (n.asn, n.as_org.clone(), n.country.clone()))
    };
    assert_eq!(
        net(&one[0]),
        Some((
            Some(64511),
            Some("Provider One Relays".into()),
            Some("DE".into())
        ))
    );
    assert_eq!(net(&two[0]).and_then(|n| n.2), Some("FR".into()));
    assert_eq!(
        net(&three[0]),
        None,
        "127.0.0.33 is not covered: no network"
    );
    assert!(one[0].delivered_tls, "{:?}", one[0]);

    let summary = |extra: &[&std::ffi::OsStr]| {
        let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
            .args(["lab", "summary", "--by", "provider"])
            .args(extra)
            .arg(&lab.log)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let cols = |text: &str, provider: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.starts_with(provider))
            .unwrap_or_else(|| panic!("no row {provider} in\n{text}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    let text = summary(&[]);
    let head: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(head[..3], ["provider", "network", "profile"], "{text}");
    assert_eq!(
        cols(&text, "one.test")[..4],
        ["one.test", "AS64511", "DE", "good"]
    );
    assert_eq!(cols(&text, "two.test")[1..3], ["AS64512", "FR"]);
    assert_eq!(cols(&text, "three.test")[1..3], ["-", "good"]);

    // The summary's own database fills in the records without a network; a record's own
    // network is kept.
    let later = dir.join("later.tsv");
    std::fs::write(
        &later,
        "127.0.0.0\t127.0.0.255\t64513\tNL\tWhole Loopback\n",
    )
    .unwrap();
    let text = summary(&["--asn-db".as_ref(), later.as_os_str()]);
    assert_eq!(cols(&text, "three.test")[1..3], ["AS64513", "NL"], "{text}");
    assert_eq!(cols(&text, "one.test")[1..3], ["AS64511", "DE"], "{text}");

    // A malformed database: exit 1, the file and line named.
    let bad = dir.join("bad.tsv");
    std::fs::write(&bad, "127.0.0.0\t127.0.0.255\tAS1\tNL\tx\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["lab", "summary", "--by", "provider", "--asn-db"])
        .arg(&bad)
        .arg(&lab.log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "--asn-db {}:1: AS number \"AS1\" is not a number",
            bad.display()
        )),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
