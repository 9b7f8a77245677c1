//! `mxray probe`: names resolved as hosts (A/AAAA) or, with `--mx`, as mail domains, through a
//! tiny DNS server on 127.0.0.1; colour only on a terminal and never with NO_COLOR. The probes
//! that connect go to the lab's Postfix on 127.0.0.1:2525 and need MXRAY_LAB.
// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::net::Ipv4Addr;

use common::*;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::rdata::{A, MX};
use hickory_resolver::proto::rr::{RData, RecordType};
use mxray_schema::record::{EndpointRecord, Status};

fn lab() {
    assert!(
        std::env::var_os("MXRAY_LAB").is_some(),
        "MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (Postfix on 127.0.0.1:2525)"
    );
}

/// The test zone: `lab.test` has one MX, `mx.lab.test`, at 127.0.0.1; `host.lab.test` is an
/// address record too, and everything else does not exist.
fn answer(qname: &str, qtype: RecordType) -> (ResponseCode, Vec<RData>) {
    let a = RData::A(A::from(Ipv4Addr::LOCALHOST));
    match (qname, qtype) {
        ("lab.test.", RecordType::MX) => (
            ResponseCode::NoError,
            vec![RData::MX(MX::new(10, name("mx.lab.test.")))],
        ),
        ("mx.lab.test.", RecordType::A) | ("host.lab.test.", RecordType::A) => {
            (ResponseCode::NoError, vec![a])
        }
        ("mx.lab.test.", _) | ("host.lab.test.", _) | ("lab.test.", _) => {
            (ResponseCode::NoError, vec![])
        }
        _ => (ResponseCode::NXDomain, vec![]),
    }
}

fn probe_json(args: &[&str]) -> EndpointRecord {
    let out = mxray()
        .args([
            "probe",
            "--json",
            "--per-ip-rate",
            "500",
            "--per-ip-burst",
            "50",
        ])
        .args(args)
        .output()
        .unwrap();
    one_record(&out)
}

#[test]
fn mx_flag_resolves_a_mail_domain_and_checks_its_names() {
    lab();
    let dns = start_dns(answer).to_string();
    let r = probe_json(&[
        "--mx",
        "--resolver",
        &dns,
        "--port",
        "2525",
        "--profile",
        "quick",
        "lab.test",
    ]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    assert_eq!(r.domain.as_deref(), Some("lab.test"));
    let mx = r.mx.as_ref().unwrap();
    assert_eq!((mx.host.as_str(), mx.preference), ("mx.lab.test", Some(10)));
    assert_eq!(r.ip, Some(Ipv4Addr::LOCALHOST.into()));
    // The lab certificate names only localhost: checked against the MX host and the domain.
    let c = r.certificate.as_ref().unwrap();
    assert_eq!(c.names.result, cert_audit::NameMatch::Mismatch);
    assert_eq!(c.names.mx_host_matches, Some(false));
    assert_eq!(c.names.domain_matches, Some(false));
}

#[test]
fn a_name_is_a_host_without_mx() {
    lab();
    let dns = start_dns(answer).to_string();
    let r = probe_json(&[
        "--resolver",
        &dns,
        "--profile",
        "quick",
        "--sni",
        "localhost",
        "host.lab.test:2525",
    ]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    assert_eq!(r.domain, None);
    assert_eq!(r.mx.as_ref().unwrap().host, "host.lab.test");
    // --sni overrides the host name for SNI and the name check.
    let c = r.certificate.as_ref().unwrap();
    assert_eq!(c.names.result, cert_audit::NameMatch::MxHost);
}

#[test]
fn unresolvable_name_is_a_fatal_error_without_any_connection() {
    let dns = start_dns(answer).to_string();
    let out = mxray()
        .args(["probe", "--resolver", &dns, "nx.lab.test"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nx.lab.test") && err.contains("NXDOMAIN"),
        "{err}"
    );
    // A bare name is a host: no MX lookup, so "lab.test" (which has no A record) fails too.
    let out = mxray()
        .args(["probe", "--resolver", &dns, "lab.test"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// Runs `mxray probe` under a pseudo-terminal (util-linux `script`).
fn probe_on_tty(no_color: bool) -> String {
    let exe = env!("CARGO_BIN_EXE_mxray");
    let cmd =
        format!("{exe} probe --profile quick --per-ip-rate 500 --per-ip-burst 50 127.0.0.1:2525");
    let mut c = std::process::Command::new("script");
    c.args(["-qec", &cmd, "/dev/null"]);
    if no_color {
        c.env("NO_COLOR", "1");
    } else {
        c.env_remove("NO_COLOR");
    }
    let out = c.output().expect("util-linux script");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    lab();
    let tty = probe_on_tty(false);
    assert!(tty.contains("\x1b[1mSMTP"), "{tty}");
    assert!(tty.contains("\x1b[31mself_signed"), "{tty}");
    let plain = probe_on_tty(true);
    assert!(plain.contains("SMTP") && !plain.contains('\x1b'), "{plain}");
}

/// A greeting that would retitle (OSC 0), clear (CSI 2J) and recolour (8-bit CSI) the user's
/// terminal, and reverse the rest of the line (U+202E), reaches the report escaped.
#[test]
fn hostile_banner_cannot_drive_the_terminal() {
    let srv = TestServer::start(Behaviour::Banner(
        "220 \x1b]0;owned\x07mx\x1b[2J ESMTP \u{9b}31mred\u{202e}txt.exe\r\n",
    ));
    let out = mxray()
        .args(["probe", "--profile", "quick", &srv.target()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text
            .chars()
            .any(|c| c != '\n' && mxray_schema::text::is_unsafe_char(c)),
        "{text:?}"
    );
    assert!(
        text.contains(r"220 \x1b]0;owned\x07mx\x1b[2J ESMTP \x9b31mred\u{202e}txt.exe"),
        "{text}"
    );
}
