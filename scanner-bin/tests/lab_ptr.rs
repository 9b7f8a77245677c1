//! `mxray scan --server-names` on address targets against the PTR lab (knotd on 127.0.0.1:5340,
//! lab/ptr/) and the lab's Postfix (127.0.0.1:2525). Needs MXRAY_LAB.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::net::TcpListener;

use common::*;
use mxray_schema::names::{PtrName, ServerNames};
use mxray_schema::record::Status;

fn lab() -> String {
    std::env::var("MXRAY_LAB").unwrap_or_else(|_| {
        panic!("MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (lab/up.sh ptr)")
    })
}

fn ptr(name: &str, forward_confirmed: bool) -> PtrName {
    PtrName {
        name: name.to_owned(),
        forward_confirmed,
    }
}

/// Postfix at 127.0.0.1: PTR names localhost and mx.lab.test, both confirmed forward; greeting
/// and EHLO say mx.lab.test; the certificate covers localhost only, so that is the one match.
#[test]
fn postfix_names_and_the_certificate_match() {
    let _ = lab();
    let out = scan(&[
        "--quiet",
        "--profile",
        "quick",
        "--server-names",
        "--resolver",
        "127.0.0.1:5340",
        "127.0.0.1:2525",
    ]);
    let r = one_record(&out);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    assert_eq!(
        r.server_names,
        Some(ServerNames {
            ptr: vec![ptr("localhost", true), ptr("mx.lab.test", true)],
            ptr_error: None,
            banner: Some("mx.lab.test".into()),
            ehlo: Some("mx.lab.test".into()),
            matched: vec!["localhost".into()],
        })
    );
    // Without the option the record has no such field (earlier JSON unchanged).
    let out = scan(&["--quiet", "--profile", "quick", "127.0.0.1:2525"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains("server_names"), "{text}");
    assert!(one_record(&out).server_names.is_none());
}

/// A PTR name that points elsewhere is not confirmed (and so never matched), one with no
/// address neither, and an address without PTR says NXDOMAIN; a server that never greets
/// gets no names at all.
#[test]
fn unconfirmed_dangling_and_missing_ptr() {
    let _ = lab();
    let spoofed = TestServer::start_on(
        TcpListener::bind("127.0.0.5:0").unwrap(),
        Behaviour::Banner("220 spoofed.ptr.test ESMTP\r\n"),
    );
    let dangling = TestServer::start_on(
        TcpListener::bind("127.0.0.7:0").unwrap(),
        Behaviour::Banner("220 [127.0.0.7] ESMTP\r\n"),
    );
    let none = TestServer::start_on(
        TcpListener::bind("127.0.0.6:0").unwrap(),
        Behaviour::Banner("220 localhost ESMTP\r\n"),
    );
    let refused = closed_port();
    let out = scan(&[
        "--quiet",
        "--profile",
        "quick",
        "--retries",
        "0",
        "--server-names",
        "--resolver",
        "127.0.0.1:5340",
        &spoofed.target(),
        &dangling.target(),
        &none.target(),
        &refused.to_string(),
    ]);
    assert_exit_ok(&out);
    let recs = stdout_records(&out);
    assert_eq!(recs.len(), 4);
    let names = |port: u16| {
        recs.iter()
            .find(|r| r.port == port)
            .unwrap()
            .server_names
            .clone()
    };
    assert_eq!(
        names(spoofed.addr.port()),
        Some(ServerNames {
            ptr: vec![ptr("spoofed.ptr.test", false)],
            banner: Some("spoofed.ptr.test".into()),
            ehlo: Some("test.local".into()),
            ..ServerNames::default()
        })
    );
    assert_eq!(
        names(dangling.addr.port()),
        Some(ServerNames {
            ptr: vec![ptr("dangling.ptr.test", false)],
            ehlo: Some("test.local".into()),
            ..ServerNames::default()
        })
    );
    assert_eq!(
        names(none.addr.port()),
        Some(ServerNames {
            ptr_error: Some("NXDOMAIN".into()),
            ehlo: Some("test.local".into()),
            ..ServerNames::default()
        })
    );
    assert_eq!(names(refused.port()), None);
}

/// `scan --asn-db`: each record gets its address's AS and country (the committed MaxMind DB,
/// where 127.0.0.0/8 is AS64496 in "XL"); `mxray report` then shows them without a database,
/// and groups the address targets under the registered domain of their confirmed PTR name
/// (`localhost` has none; `mx.lab.test` gives `lab.test`). A malformed database stops the
/// scan before any packet.
#[test]
fn scan_asn_db_writes_network_and_report_groups_it() {
    let _ = lab();
    let db =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/asn/lab-asn.mmdb");
    let out = scan(&[
        "--quiet",
        "--profile",
        "quick",
        "--server-names",
        "--resolver",
        "127.0.0.1:5340",
        "--asn-db",
        db.to_str().unwrap(),
        "127.0.0.1:2525",
        "127.0.0.1:2527",
    ]);
    assert_exit_ok(&out);
    let recs = stdout_records(&out);
    assert_eq!(recs.len(), 2);
    for r in &recs {
        let n = r
            .network
            .as_ref()
            .unwrap_or_else(|| panic!("no network: {r:?}"));
        assert_eq!(
            (n.asn, n.as_org.as_deref(), n.country.as_deref()),
            (Some(64496), Some("Loopback Lab"), Some("XL"))
        );
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        text.matches(r#""network":{"asn":64496,"as_org":"Loopback Lab","country":"XL"}"#)
            .count(),
        2,
        "{text}"
    );
    let dir = std::env::temp_dir().join(format!("mxray-scan-asn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("scan.jsonl");
    std::fs::write(&file, &out.stdout).unwrap();
    let rep = mxray()
        .args(["report", "--format", "text"])
        .arg(&file)
        .output()
        .unwrap();
    assert_exit_ok(&rep);
    let r = String::from_utf8_lossy(&rep.stdout).into_owned();
    let line = |start: &str| {
        r.lines()
            .map(str::trim)
            .find(|l| l.starts_with(start))
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no line {start:?} in {r}"))
    };
    // Both complete a handshake; Postfix's and Exim's lab certificates are not publicly trusted.
    assert_eq!(
        line("AS64496 Loopback Lab")[3..],
        ["2", "2", "(100.0%)", "2", "(100.0%)", "0", "(0.0%)", "0", "(0.0%)"],
        "{r}"
    );
    assert_eq!(line("XL")[1], "2");
    assert_eq!(line("lab.test")[1], "2", "{r}");

    let bad = dir.join("bad.mmdb");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.truncate(bytes.len() / 2);
    bytes.extend_from_slice(b"\xab\xcd\xefMaxMind.com\xe0");
    std::fs::write(&bad, &bytes).unwrap();
    let out = scan(&[
        "--quiet",
        "--asn-db",
        bad.to_str().unwrap(),
        "127.0.0.1:2525",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "--asn-db {}: not a valid MaxMind DB file",
            bad.display()
        )),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no record: the scan did not start");
    let _ = std::fs::remove_dir_all(&dir);
}
