//! The SMTP findings of issue 18 against real peers: the lab's Postfix (2525; no AUTH, takes
//! mail in plaintext), the findings peers of `lab/up.sh findings` (Exim with AUTH before
//! STARTTLS and asking for a client certificate on 2654, Exim on implicit TLS on 2655,
//! `openssl s_server` requiring/requesting client certificates on 2650/2651, stapling on 2652,
//! must-staple without a staple on 2653, Exim with the catalogue's AUTH fix on 2658) and `mxray lab`'s `strict-tls` receiver (REQUIRETLS,
//! MAIL FROM without TLS refused), started here on 2657. Need MXRAY_LAB.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use mxray_schema::record::{
    EndpointRecord, PlaintextMailOutcome, Status, SubmissionInfo, SubmissionKind,
};

fn lab() -> String {
    std::env::var("MXRAY_LAB").unwrap_or_else(|_| {
        panic!("MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (lab/up.sh findings for 2650-2655)")
    })
}

/// One `mxray scan` of `target` with `args` (quick profile): its record.
fn scan_one(target: &str, args: &[&str]) -> EndpointRecord {
    let _ = lab();
    let mut all = vec!["--profile", "quick", "--no-policies"];
    all.extend_from_slice(args);
    all.push(target);
    one_record(&scan(&all))
}

fn ids(r: &EndpointRecord) -> Vec<(&str, &str)> {
    r.findings
        .iter()
        .map(|f| (f.id.as_str(), f.severity.as_str()))
        .collect()
}

fn has(r: &EndpointRecord, id: &str) -> bool {
    r.findings.iter().any(|f| f.id == id)
}

#[test]
fn postfix_takes_mail_in_plaintext_only_when_asked_and_hides_nothing_inside_tls() {
    let r = scan_one("127.0.0.1:2525", &["--test-plaintext-accept"]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    let p = r.plaintext_mail.as_ref().unwrap();
    assert_eq!(p.outcome, PlaintextMailOutcome::Accepted, "{p:?}");
    assert_eq!(p.command, "MAIL FROM:<>");
    assert!(
        p.reply.as_deref().unwrap().starts_with("250 2.1.0"),
        "{p:?}"
    );
    assert!(has(&r, "plaintext-mail-accepted"), "{:?}", ids(&r));
    // EHLO again inside TLS: Postfix no longer lists STARTTLS, and has no REQUIRETLS.
    let inside = r.ehlo_tls.as_ref().unwrap();
    assert!(!inside.starttls_offered, "{inside:?}");
    assert!(inside.capabilities.iter().any(|c| c == "PIPELINING"));
    assert_eq!(r.requiretls_offered(), Some(false));
    // The lab's Postfix offers no AUTH at all; port 2525 is not a submission port.
    assert_eq!((r.auth.as_ref(), r.submission.as_ref()), (None, None));
    for id in [
        "auth-before-starttls",
        "requiretls-offered",
        "client-cert-requested",
    ] {
        assert!(!has(&r, id), "{id} in {:?}", ids(&r));
    }
    // Off by default: no plaintext test, no finding.
    let r = scan_one("127.0.0.1:2525", &[]);
    assert_eq!(r.plaintext_mail, None);
    assert!(!has(&r, "plaintext-mail-accepted"));
}

#[test]
fn exim_offering_auth_before_starttls_on_a_submission_port() {
    let r = scan_one("127.0.0.1:2654", &["--submission-port", "2654"]);
    assert_eq!(r.status, Status::Completed, "{r:?}");
    let auth = r.auth.as_ref().unwrap();
    assert_eq!(auth.before_tls, ["PLAIN", "LOGIN"]);
    assert_eq!(auth.in_tls, ["PLAIN", "LOGIN"]);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "auth-before-starttls")
        .unwrap();
    assert_eq!(f.severity, "high");
    assert!(f.message.contains("AUTH PLAIN LOGIN"), "{}", f.message);
    assert_eq!(
        r.submission,
        Some(SubmissionInfo {
            kind: SubmissionKind::Starttls,
            tls: true
        })
    );
    assert!(!has(&r, "submission-without-tls"));
    // tls_try_verify_hosts = *: a CertificateRequest, and the handshake goes on without one.
    let h = r.tls.as_ref().unwrap().handshake.as_ref().unwrap();
    assert!(h.ok && h.client_cert_requested, "{h:?}");
    assert!(has(&r, "client-cert-requested"));
    // The same Exim on port 2525's role (not a submission port): AUTH still found.
    let r = scan_one("127.0.0.1:2654", &[]);
    assert_eq!(r.submission, None);
    assert!(has(&r, "auth-before-starttls"));
}

#[test]
fn implicit_tls_on_a_465_stand_in_and_a_plaintext_server_there() {
    let r = scan_one(
        "127.0.0.1:2655",
        &["--tls-mode", "implicit", "--submission-port", "2655"],
    );
    assert_eq!(r.status, Status::Completed, "{r:?}");
    assert_eq!(
        r.submission,
        Some(SubmissionInfo {
            kind: SubmissionKind::ImplicitTls,
            tls: true
        })
    );
    // The EHLO is inside TLS already: AUTH only "in TLS", no finding, no second EHLO.
    let auth = r.auth.as_ref().unwrap();
    assert!(auth.before_tls.is_empty());
    assert_eq!(auth.in_tls, ["PLAIN", "LOGIN"]);
    assert_eq!(r.ehlo_tls, None);
    assert!(!has(&r, "auth-before-starttls") && !has(&r, "implicit-tls-unavailable"));
    // Postfix speaks plaintext SMTP: implicit TLS is not available there.
    let r = scan_one(
        "127.0.0.1:2525",
        &["--tls-mode", "implicit", "--submission-port", "2525"],
    );
    assert_eq!(r.submission.as_ref().map(|s| s.tls), Some(false));
    assert!(
        ids(&r).contains(&("implicit-tls-unavailable", "medium")),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn client_certificates_staples_and_must_staple_from_openssl() {
    let implicit = ["--tls-mode", "implicit"];
    for port in ["2650", "2651"] {
        let r = scan_one(&format!("127.0.0.1:{port}"), &implicit);
        let h = r.tls.as_ref().unwrap().handshake.as_ref().unwrap();
        assert!(h.client_cert_requested, "{port}: {h:?}");
        assert!(has(&r, "client-cert-requested"), "{port}");
    }
    let r = scan_one("127.0.0.1:2652", &implicit);
    let h = r.tls.as_ref().unwrap().handshake.as_ref().unwrap();
    assert!(h.ok && h.ocsp_stapled && !h.client_cert_requested, "{h:?}");
    assert!(!has(&r, "must-staple-without-staple"));
    let r = scan_one("127.0.0.1:2653", &implicit);
    let h = r.tls.as_ref().unwrap().handshake.as_ref().unwrap();
    assert!(h.ok && !h.ocsp_stapled, "{h:?}");
    let leaf = r.certificate.as_ref().unwrap().certificates[0]
        .facts
        .as_ref()
        .unwrap();
    assert!(leaf.must_staple);
    assert!(
        ids(&r).contains(&("must-staple-without-staple", "high")),
        "{:?}",
        ids(&r)
    );
}

struct Lab(Child);

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_strict(port: u16) -> Lab {
    let state = tempdir("strict-tls");
    let mut cmd = mxray();
    cmd.arg("lab")
        .arg("--state")
        .arg(&state)
        .args(["--profile", &format!("strict-tls={port}")]);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains("mxray lab: ready") {
                let _ = tx.send(());
            }
        }
    });
    let lab = Lab(child);
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("mxray lab strict-tls={port} did not say ready"));
    lab
}

#[test]
fn a_strict_receiver_offers_requiretls_and_refuses_plaintext_mail() {
    let _lab = start_strict(2657);
    let r = scan_one(
        "127.0.0.1:2657",
        &["--plaintext-accept-from", "probe@scanner.test"],
    );
    let p = r.plaintext_mail.as_ref().unwrap();
    assert_eq!(p.outcome, PlaintextMailOutcome::Refused, "{p:?}");
    assert_eq!(p.command, "MAIL FROM:<probe@scanner.test>");
    assert!(p.reply.as_deref().unwrap().starts_with("530"), "{p:?}");
    assert!(!has(&r, "plaintext-mail-accepted"));
    // REQUIRETLS only inside TLS: the plaintext EHLO does not list it.
    assert!(!r
        .ehlo
        .as_ref()
        .unwrap()
        .capabilities
        .iter()
        .any(|c| c == "REQUIRETLS"));
    assert_eq!(r.requiretls_offered(), Some(true));
    assert!(
        ids(&r).contains(&("requiretls-offered", "info")),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn probe_prints_a_line_for_each_new_fact() {
    let _ = lab();
    let o = mxray()
        .args([
            "probe",
            "--profile",
            "quick",
            "--test-plaintext-accept",
            "--submission-port",
            "2654",
            "127.0.0.1:2654",
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    for line in [
        "AUTH before TLS        PLAIN LOGIN",
        "REQUIRETLS             no",
        "submission (RFC 8314)  starttls, TLS reached",
        "MAIL without TLS       accepted (250 OK)",
        "client certificate     requested (none sent)",
        "OCSP staple            no",
        "embedded SCTs          0",
        "auth-before-starttls",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
}

#[test]
fn a_reverse_path_that_could_inject_a_command_is_refused_before_any_connection() {
    let o = mxray()
        .args([
            "probe",
            "--plaintext-accept-from",
            "a>\r\nRCPT TO:<victim@example.org",
            "127.0.0.1:9",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--plaintext-accept-from"), "{err}");
}

/// The catalogue's Exim fix for `auth-before-starttls`, applied: the private Exim on 2658 is
/// 2654 plus that line (`lab/exim/exim.conf.in`, macro `FINDINGS_TLS_AUTH`). AUTH moves
/// inside TLS and the finding goes away.
#[test]
fn the_catalogue_exim_fix_for_auth_before_starttls_removes_the_finding() {
    let line = mxray_schema::catalogue::smtp::EXIM_AUTH_TLS_ONLY;
    let e = mxray_schema::catalogue::entry("auth-before-starttls").unwrap();
    assert_eq!(e.fix.exim, [line]);
    let template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../lab/exim/exim.conf.in"
    ))
    .unwrap();
    let guarded = template
        .split(".ifdef FINDINGS_TLS_AUTH\n")
        .nth(1)
        .and_then(|rest| rest.split(".endif").next())
        .unwrap();
    assert!(guarded.lines().any(|l| l == line), "{guarded}");
    let before = scan_one("127.0.0.1:2654", &[]);
    assert!(has(&before, "auth-before-starttls"));
    let after = scan_one("127.0.0.1:2658", &[]);
    assert_eq!(after.status, Status::Completed, "{after:?}");
    let auth = after.auth.as_ref().unwrap();
    assert!(auth.before_tls.is_empty(), "{auth:?}");
    assert_eq!(auth.in_tls, ["PLAIN", "LOGIN"]);
    assert!(!has(&after, "auth-before-starttls"), "{:?}", ids(&after));
}
