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
