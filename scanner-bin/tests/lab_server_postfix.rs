//! `mxray lab` with Postfix as the sending MTA: second Postfix instances (lab/senders/
//! postfix-sender.sh: own config, queue and data directories, no listener) route each recipient
//! domain `<profile>.lab.test` to that profile's lab port, at smtp_tls_security_level may,
//! encrypt and verify (verify trusts the lab CA and matches mx.lab.test). The lab's cell and
//! Postfix's queue are both asserted. Needs MXRAY_LAB (run scripts/test.sh), root and postfix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod lab_server_util;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use lab_server_util::{cell, require_lab, require_tool, Lab};
use mxray_lab::LabProfile::{self, *};

const WAIT: Duration = Duration::from_secs(60);

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lab/senders/postfix-sender.sh")
}

/// A sending Postfix instance, stopped on drop.
struct Sender {
    name: String,
}

impl Sender {
    fn start(
        name: &str,
        level: &str,
        ca: Option<&str>,
        lab: &Lab,
        profiles: &[LabProfile],
    ) -> Sender {
        let name = format!("{name}-{}", std::process::id());
        let mut cmd = Command::new(script());
        cmd.args(["start", &name, level, ca.unwrap_or("-")]);
        for p in profiles {
            cmd.arg(format!("{}.lab.test={}", p.name(), lab.port(*p)));
        }
        let out = cmd.output().expect("run postfix-sender.sh");
        assert!(
            out.status.success(),
            "postfix-sender.sh start {name}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Sender { name }
    }

    fn ehlo(&self) -> String {
        format!("{}.sender.test", self.name)
    }

    fn send(&self, p: LabProfile) {
        let to = format!("rcpt@{}.lab.test", p.name());
        let out = Command::new(script())
            .args(["send", &self.name, "root@sender.test", &to])
            .output()
            .unwrap();
        assert!(out.status.success(), "send to {to}: {out:?}");
    }

    fn queue(&self) -> String {
        let out = Command::new(script())
            .args(["queue", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn log(&self) -> String {
        let out = Command::new(script())
            .args(["log", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the queue holds exactly the messages for `deferred` (delivered ones gone)
    /// and shows `reason` (a message being retried shows none until it is deferred again).
    fn wait_queue(&self, deferred: &[LabProfile], all: &[LabProfile], reason: &str) -> String {
        let end = Instant::now() + WAIT;
        loop {
            let q = self.queue();
            let ok = all.iter().all(|p| {
                let queued = q.contains(&format!("rcpt@{}.lab.test", p.name()));
                queued == deferred.contains(p)
            });
            if ok && q.contains(reason) {
                return q;
            }
            assert!(
                Instant::now() < end,
                "{}: queue never matched (deferred expected: {deferred:?}):\n{q}\n{}",
                self.name,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        let _ = Command::new(script()).args(["stop", &self.name]).output();
    }
}

fn lab_with(profiles: &[LabProfile]) -> Lab {
    let mut extra: Vec<String> = Vec::new();
    for p in profiles {
        extra.push("--accept-domain".into());
        extra.push(format!("{}.lab.test", p.name()));
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    Lab::start(profiles, &extra)
}

fn check(lab: &Lab, s: &Sender, p: LabProfile, want: &str) {
    lab.wait_session(&s.ehlo(), p, WAIT);
    let got = cell(&lab.table(), &s.ehlo(), p);
    assert!(
        got.starts_with(want),
        "{} on {p}: expected {want}, got {got}\n{}",
        s.name,
        s.log()
    );
}

fn prerequisites() {
    require_lab();
    for tool in ["postfix", "postconf", "postqueue", "sendmail"] {
        require_tool(tool);
    }
}

#[test]
fn postfix_may_delivers_to_self_signed_and_without_starttls() {
    prerequisites();
    let profiles = [SelfSigned, NoStarttls, StarttlsRefused, HandshakeFails];
    let lab = lab_with(&profiles);
    let s = Sender::start("pf-may", "may", None, &lab, &profiles);
    for p in profiles {
        s.send(p);
    }
    check(&lab, &s, SelfSigned, "delivered-tls");
    check(&lab, &s, NoStarttls, "delivered-plain");
    check(&lab, &s, StarttlsRefused, "delivered-plain");
    // A broken handshake is not retried in plaintext at once: the message waits in the queue.
    check(&lab, &s, HandshakeFails, "deferred");
    s.wait_queue(&[HandshakeFails], &profiles, "handshake failure");
    // Postfix's ClientHello, as seen by the lab.
    let sess = lab.wait_session(&s.ehlo(), SelfSigned, WAIT);
    let hello = sess[0].client_hello.as_ref().expect("ClientHello captured");
    assert!(hello.versions.iter().any(|v| v == "TLSv1.3"), "{hello:?}");
    eprintln!("{}", lab.summary_text());
}

#[test]
fn postfix_verify_delivers_only_to_a_valid_chain() {
    prerequisites();
    let profiles = [Good, SelfSigned, WrongHost, UntrustedCa, Expired];
    let lab = lab_with(&profiles);
    let ca = lab.ca.display().to_string();
    let s = Sender::start("pf-verify", "verify", Some(&ca), &lab, &profiles);
    for p in profiles {
        s.send(p);
    }
    check(&lab, &s, Good, "delivered-tls");
    // Postfix finishes the handshake, finds the certificate unverified, and QUITs: the lab
    // sees "refused"; Postfix's queue keeps the message deferred.
    for p in [SelfSigned, WrongHost, UntrustedCa, Expired] {
        check(&lab, &s, p, "refused");
    }
    s.wait_queue(
        &[SelfSigned, WrongHost, UntrustedCa, Expired],
        &profiles,
        "Server certificate not verified",
    );
    eprintln!("{}", lab.summary_text());
}

#[test]
fn postfix_encrypt_does_not_deliver_without_starttls() {
    prerequisites();
    let profiles = [Good, NoStarttls, SelfSigned];
    let lab = lab_with(&profiles);
    let s = Sender::start("pf-encrypt", "encrypt", None, &lab, &profiles);
    for p in profiles {
        s.send(p);
    }
    check(&lab, &s, Good, "delivered-tls");
    check(&lab, &s, SelfSigned, "delivered-tls");
    check(&lab, &s, NoStarttls, "refused");
    s.wait_queue(&[NoStarttls], &profiles, "TLS is required");
    eprintln!("{}", lab.summary_text());
}
