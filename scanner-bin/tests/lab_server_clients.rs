//! `mxray lab` against real sending clients on loopback: swaks, curl and Python's smtplib.
//! The expected sender-behaviour cell is asserted for each client and profile. Needs MXRAY_LAB
//! (run scripts/test.sh) and the Debian packages swaks, curl and python3.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod lab_server_util;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use lab_server_util::{cell, require_lab, require_tool, Lab};
use mxray_lab::LabProfile::{self, *};

const WAIT: Duration = Duration::from_secs(30);

fn swaks(lab: &Lab, p: LabProfile, ehlo: &str, extra: &[&str]) -> Output {
    Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{}", lab.port(p))])
        .args([
            "--ehlo",
            ehlo,
            "--from",
            "s@sender.test",
            "--to",
            "rcpt@lab.test",
        ])
        .args(["--timeout", "20"])
        .args(extra)
        .output()
        .expect("run swaks")
}

fn curl(lab: &Lab, p: LabProfile, ehlo: &str, extra: &[&str]) -> Output {
    let msg = lab.dir.join("curl-message.txt");
    std::fs::write(
        &msg,
        "From: c@sender.test\r\nTo: rcpt@lab.test\r\nMessage-ID: <curl-1@sender.test>\r\nSubject: lab\r\n\r\nhello\r\n",
    )
    .unwrap();
    Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(["--url", &format!("smtp://127.0.0.1:{}/{ehlo}", lab.port(p))])
        .args([
            "--mail-from",
            "c@sender.test",
            "--mail-rcpt",
            "rcpt@lab.test",
        ])
        .arg("--upload-file")
        .arg(&msg)
        .args(extra)
        .output()
        .expect("run curl")
}

/// smtplib with `ssl.create_default_context(cafile=...)`: verifies chain and host name.
fn python(lab: &Lab, p: LabProfile, ehlo: &str, cafile: Option<&Path>) -> Output {
    let script = r#"
import smtplib, ssl, sys
port, ehlo, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()
s = smtplib.SMTP("127.0.0.1", port, local_hostname=ehlo, timeout=20)
s.starttls(context=ctx)
s.sendmail("p@sender.test", ["rcpt@lab.test"], "Message-ID: <py-1@sender.test>\r\nSubject: lab\r\n\r\nhello\r\n")
s.quit()
"#;
    Command::new("python3")
        .args(["-c", script])
        .arg(lab.port(p).to_string())
        .arg(ehlo)
        .arg(cafile.map(|c| c.display().to_string()).unwrap_or_default())
        .output()
        .expect("run python3")
}

fn expect(lab: &Lab, client: &str, p: LabProfile, want: &str, out: &Output) {
    lab.wait_session(client, p, WAIT);
    let got = cell(&lab.table(), client, p);
    assert!(
        got.starts_with(want),
        "{client} on {p}: expected {want}, got {got}\nclient stdout: {}\nclient stderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn swaks_tls_required_and_optional() {
    require_lab();
    require_tool("swaks");
    let lab = Lab::start(
        &[
            Good,
            NoStarttls,
            SelfSigned,
            Expired,
            StarttlsRefused,
            HandshakeFails,
            Injection,
            Tarpit,
        ],
        &[],
    );
    // --tls: STARTTLS required, certificates not verified (swaks's default).
    for (p, want) in [
        (Good, "delivered-tls"),
        (SelfSigned, "delivered-tls"),
        (Expired, "delivered-tls"),
        (Tarpit, "delivered-tls"),
        (NoStarttls, "refused"),
        (StarttlsRefused, "deferred"),
        (HandshakeFails, "deferred"),
    ] {
        let out = swaks(&lab, p, "swaks-tls.test", &["--tls"]);
        expect(&lab, "swaks-tls.test", p, want, &out);
    }
    // --tls-optional: plaintext when STARTTLS is missing or refused.
    for (p, want) in [
        (NoStarttls, "delivered-plain"),
        (StarttlsRefused, "delivered-plain"),
        (SelfSigned, "delivered-tls"),
    ] {
        let out = swaks(&lab, p, "swaks-opt.test", &["--tls-optional"]);
        expect(&lab, "swaks-opt.test", p, want, &out);
    }
    // swaks reads replies through a buffer kept across STARTTLS: it takes the smuggled reply
    // as the answer to its EHLO inside TLS (response injection), and the dialogue derails.
    let out = swaks(&lab, Injection, "swaks-tls.test", &["--tls"]);
    let s = lab.wait_session("swaks-tls.test", Injection, WAIT);
    let inj = s[0].injection.as_ref().expect("injection observed");
    assert!(inj.client_used_injected_reply, "{s:?} {out:?}");
    assert!(cell(&lab.table(), "swaks-tls.test", Injection).ends_with("[injectable]"));

    // The lab never relays: another recipient domain gets 550 5.7.1.
    let out = Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{}", lab.port(Good))])
        .args(["--ehlo", "swaks-relay.test", "--from", "s@sender.test"])
        .args(["--to", "victim@elsewhere.example"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("550 5.7.1"));
    let s = lab.wait_session("swaks-relay.test", Good, WAIT);
    assert_eq!(s[0].mails[0].rcpt_refused, ["victim@elsewhere.example"]);
    assert!(!s[0].delivered);

    // The ClientHello was captured before the handshake.
    let s = lab.wait_session("swaks-tls.test", Good, WAIT);
    let hello = s[0].client_hello.as_ref().expect("ClientHello captured");
    assert!(hello.versions.iter().any(|v| v == "TLSv1.3"), "{hello:?}");
    assert_eq!(hello.ja3.len(), 32);
    assert!(hello.ja4.starts_with("t13"), "{}", hello.ja4);
    assert_eq!(
        s[0].tls.as_ref().unwrap().version.as_deref(),
        Some("TLSv1_3")
    );
    let summary = lab.summary_text();
    assert!(summary.contains("swaks-tls.test [127.0.0.1]"), "{summary}");
    eprintln!("{summary}");
}

#[test]
fn curl_ssl_versus_ssl_reqd() {
    require_lab();
    require_tool("curl");
    let lab = Lab::start(
        &[
            Good,
            NoStarttls,
            SelfSigned,
            Expired,
            WrongHost,
            UntrustedCa,
        ],
        &[],
    );
    let ca = lab.ca.display().to_string();
    // --ssl-reqd with the lab CA: delivers to good only; the alert shows that curl validates.
    for (p, want) in [
        (Good, "delivered-tls"),
        (SelfSigned, "refused"),
        (Expired, "refused"),
        (WrongHost, "refused"),
        (UntrustedCa, "refused (unknown_ca)"),
        (NoStarttls, "refused"),
    ] {
        let out = curl(&lab, p, "curl-reqd.test", &["--ssl-reqd", "--cacert", &ca]);
        expect(&lab, "curl-reqd.test", p, want, &out);
    }
    let s = lab.wait_session("curl-reqd.test", UntrustedCa, WAIT);
    let tls = s[0].tls.as_ref().unwrap();
    assert_eq!(tls.result, "client-alert");
    assert_eq!(tls.alert.as_ref().unwrap().code, 48);
    let s = lab.wait_session("curl-reqd.test", Good, WAIT);
    assert_eq!(
        s[0].mails[0].message_id.as_deref(),
        Some("<curl-1@sender.test>")
    );
    assert!(s[0].mails[0].tls);
    // --ssl ("try"): plaintext when STARTTLS is missing, but no fallback after a failed
    // verification: curl refuses.
    for (p, want) in [(NoStarttls, "delivered-plain"), (SelfSigned, "refused")] {
        let out = curl(&lab, p, "curl-try.test", &["--ssl"]);
        expect(&lab, "curl-try.test", p, want, &out);
    }
    // --insecure: delivers to self-signed over TLS.
    let out = curl(
        &lab,
        SelfSigned,
        "curl-insecure.test",
        &["--ssl-reqd", "-k"],
    );
    expect(
        &lab,
        "curl-insecure.test",
        SelfSigned,
        "delivered-tls",
        &out,
    );
    eprintln!("{}", lab.summary_text());
}

#[test]
fn python_smtplib_default_context_verifies() {
    require_lab();
    require_tool("python3");
    let store = std::env::temp_dir().join(format!("mxray-lab-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store);
    let lab = Lab::start(
        &[Good, SelfSigned, WrongHost, Injection],
        &["--store", store.to_str().unwrap()],
    );
    let ca = lab.ca.clone();
    for (p, cafile, want) in [
        (SelfSigned, None, "refused"),
        (Good, Some(ca.as_path()), "delivered-tls"),
        (WrongHost, Some(ca.as_path()), "refused"),
        (Injection, Some(ca.as_path()), "delivered-tls"),
    ] {
        let out = python(&lab, p, "python.test", cafile);
        expect(&lab, "python.test", p, want, &out);
    }
    // smtplib drops its buffer at STARTTLS: not fooled by the smuggled reply.
    let s = lab.wait_session("python.test", Injection, WAIT);
    assert!(!s[0].injection.as_ref().unwrap().client_used_injected_reply);
    // --store keeps the body in Maildir new/.
    let s = lab.wait_session("python.test", Good, WAIT);
    let stored = s[0].mails[0].stored.as_ref().expect("stored");
    assert!(Path::new(stored).starts_with(store.join("new")));
    let body = std::fs::read_to_string(stored).unwrap();
    assert!(body.contains("Message-ID: <py-1@sender.test>"));
    // Python's ClientHello carries the SNI-less IP connect and TLS 1.3.
    let s = lab.wait_session("python.test", SelfSigned, WAIT);
    assert_eq!(s[0].tls.as_ref().unwrap().result, "client-alert");
    assert!(s[0].client_hello.is_some());
    let _ = std::fs::remove_dir_all(&store);
}
