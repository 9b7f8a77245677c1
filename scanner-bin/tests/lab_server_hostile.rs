//! `mxray lab` against hostile and broken clients, over raw loopback sockets: limits, relaying,
//! broken TLS, timeouts, the session limit. No external peer is needed (the clients are here).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod lab_server_util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use lab_server_util::Lab;
use mxray_lab::record::SessionRecord;
use mxray_lab::LabProfile::{self, *};

struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    fn connect(lab: &Lab, p: LabProfile) -> Client {
        Client::connect_port(lab.port(p))
    }
    fn connect_port(port: u16) -> Client {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Client {
            r: BufReader::new(s.try_clone().unwrap()),
            w: s,
        }
    }
    /// Reads one (possibly multi-line) reply; returns its last line.
    fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            let n = self.r.read_line(&mut line).unwrap();
            assert!(n > 0, "connection closed while waiting for a reply");
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_owned();
            }
        }
    }
    fn send(&mut self, bytes: &[u8]) {
        self.w.write_all(bytes).unwrap();
    }
    fn cmd(&mut self, line: &str) -> String {
        self.send(format!("{line}\r\n").as_bytes());
        self.reply()
    }
}

fn session_of(lab: &Lab, ehlo: &str, p: LabProfile) -> SessionRecord {
    lab.wait_session(ehlo, p, Duration::from_secs(30))
        .pop()
        .unwrap()
}

#[test]
fn limits_relaying_and_smuggling() {
    let lab = Lab::start(&[NoStarttls], &["--max-message-size", "2000"]);
    let mut c = Client::connect(&lab, NoStarttls);
    assert!(c.reply().starts_with("220 "));
    assert!(c.cmd("EHLO hostile.test").starts_with("250 "));
    // An overlong command line is refused, and the session goes on.
    c.send(&vec![b'A'; 10_000]);
    c.send(b"\r\n");
    assert!(c.reply().starts_with("500 5.5.2"), "line too long");
    assert!(c.cmd("NOOP").starts_with("250"));
    // STARTTLS is not offered on this profile.
    assert!(c.cmd("STARTTLS").starts_with("502"));
    // Never a relay; DATA needs an accepted recipient.
    assert!(c.cmd("MAIL FROM:<a@sender.test>").starts_with("250"));
    assert!(c
        .cmd("RCPT TO:<v@elsewhere.example>")
        .starts_with("550 5.7.1"));
    assert!(c.cmd("DATA").starts_with("554"));
    assert!(c.cmd("RSET").starts_with("250"));
    // A body over --max-message-size is read to its end and refused.
    assert!(c.cmd("MAIL FROM:<a@sender.test>").starts_with("250"));
    assert!(c.cmd("RCPT TO:<r@lab.test>").starts_with("250"));
    assert!(c.cmd("DATA").starts_with("354"));
    for _ in 0..100 {
        c.send(b"0123456789012345678901234567890123456789\r\n");
    }
    c.send(b".\r\n");
    assert!(c.reply().starts_with("552"), "too large");
    // Smuggling: a bare-LF dot is body text, only CRLF.CRLF ends DATA.
    assert!(c.cmd("MAIL FROM:<a@sender.test>").starts_with("250"));
    assert!(c.cmd("RCPT TO:<r@lab.test>").starts_with("250"));
    assert!(c.cmd("DATA").starts_with("354"));
    c.send(b"Message-ID: <m1@sender.test>\r\n\r\nbody\n.\nMAIL FROM:<smuggled@x>\r\n.\r\n");
    assert!(c.reply().starts_with("250 2.0.0"));
    assert!(c.cmd("QUIT").starts_with("221"));
    let r = session_of(&lab, "hostile.test", NoStarttls);
    assert_eq!(r.end, "quit");
    assert!(r.delivered && !r.delivered_tls);
    let delivered: Vec<_> = r.mails.iter().filter(|m| m.accepted).collect();
    assert_eq!(delivered.len(), 1, "{:?}", r.mails);
    assert_eq!(delivered[0].message_id.as_deref(), Some("<m1@sender.test>"));
    assert!(
        delivered[0].data_size.unwrap() > 40,
        "smuggled text stayed in the body"
    );
    assert!(r
        .mails
        .iter()
        .any(|m| m.rcpt_refused == ["v@elsewhere.example"]));
}

#[test]
fn broken_tls_after_starttls_is_recorded() {
    let lab = Lab::start(&[Good, HandshakeFails], &[]);
    // Plaintext instead of a ClientHello.
    let mut c = Client::connect(&lab, Good);
    c.reply();
    c.cmd("EHLO plain-after-starttls.test");
    assert!(c.cmd("STARTTLS").starts_with("220"));
    c.send(b"EHLO oops\r\n");
    let r = session_of(&lab, "plain-after-starttls.test", Good);
    assert_eq!(r.tls.unwrap().result, "not-tls");
    assert!(r.client_hello_error.is_some());

    // A truncated ClientHello, then close.
    let hello = tls_probe::ClientHello::new(0x0303, vec![0x1301, 0xc02f])
        .to_bytes()
        .unwrap();
    let mut c = Client::connect(&lab, Good);
    c.reply();
    c.cmd("EHLO truncated.test");
    assert!(c.cmd("STARTTLS").starts_with("220"));
    c.send(&hello[..hello.len() / 2]);
    c.w.shutdown(std::net::Shutdown::Write).unwrap();
    let r = session_of(&lab, "truncated.test", Good);
    assert_eq!(r.tls.unwrap().result, "client-closed");

    // A TLS 1.0-only hello: captured, then refused by rustls (TLS 1.2+).
    let hello = tls_probe::ClientHello::new(0x0301, vec![0xc013, 0x002f])
        .to_bytes()
        .unwrap();
    let mut c = Client::connect(&lab, Good);
    c.reply();
    c.cmd("EHLO tls10.test");
    assert!(c.cmd("STARTTLS").starts_with("220"));
    c.send(&hello);
    let mut alert = Vec::new();
    let _ = c.r.read_to_end(&mut alert);
    assert_eq!(alert.first(), Some(&21), "an alert record: {alert:?}");
    let r = session_of(&lab, "tls10.test", Good);
    let h = r.client_hello.unwrap();
    assert_eq!(h.versions, ["TLSv1.0"]);
    assert_eq!(r.tls.unwrap().result, "error");

    // handshake-fails: a fatal handshake_failure alert right after the ClientHello.
    let hello = tls_probe::ClientHello::new(0x0303, vec![0xc02f])
        .to_bytes()
        .unwrap();
    let mut c = Client::connect(&lab, HandshakeFails);
    c.reply();
    c.cmd("EHLO hf.test");
    assert!(c.cmd("STARTTLS").starts_with("220"));
    c.send(&hello);
    let mut alert = Vec::new();
    let _ = c.r.read_to_end(&mut alert);
    assert_eq!(alert, [21, 3, 1, 0, 2, 2, 40]);
    let r = session_of(&lab, "hf.test", HandshakeFails);
    assert_eq!(r.tls.unwrap().result, "server-aborted");
    assert!(r.server_temp_failure);
}

#[test]
fn idle_timeout_and_session_limit() {
    let lab = Lab::start(
        &[StarttlsRefused],
        &["--max-sessions", "1", "--idle-timeout", "2s"],
    );
    let mut first = Client::connect(&lab, StarttlsRefused);
    first.reply();
    first.cmd("EHLO idle.test");
    assert!(first.cmd("STARTTLS").starts_with("454 4.7.0"));
    // A second session while the first is open: 421.
    let mut second = Client::connect(&lab, StarttlsRefused);
    assert!(second.reply().starts_with("421"));
    // The first one says nothing more and is closed after the idle timeout.
    let r = session_of(&lab, "idle.test", StarttlsRefused);
    assert_eq!(r.end, "timeout");
    assert_eq!(r.starttls_reply, Some(454));
    assert!(lab.records().iter().any(|r| r.end == "busy"));
}

#[test]
fn plaintext_comeback_after_a_tls_failure_is_a_fallback() {
    let lab = Lab::start(&[HandshakeFails], &[]);
    let hello = tls_probe::ClientHello::new(0x0303, vec![0xc02f])
        .to_bytes()
        .unwrap();
    // First session: STARTTLS, and the handshake fails.
    let mut c = Client::connect(&lab, HandshakeFails);
    c.reply();
    c.cmd("EHLO comeback.test");
    assert!(c.cmd("STARTTLS").starts_with("220"));
    c.send(&hello);
    let mut rest = Vec::new();
    let _ = c.r.read_to_end(&mut rest);
    lab.wait_session("comeback.test", HandshakeFails, Duration::from_secs(30));
    // Second session, same IP and EHLO name: STARTTLS is offered, the client skips it and
    // delivers in plaintext.
    let mut c = Client::connect(&lab, HandshakeFails);
    c.reply();
    c.cmd("EHLO comeback.test");
    assert!(c.cmd("MAIL FROM:<a@sender.test>").starts_with("250"));
    assert!(c.cmd("RCPT TO:<r@lab.test>").starts_with("250"));
    assert!(c.cmd("DATA").starts_with("354"));
    assert!(c.cmd("Subject: x\r\n\r\nbody\r\n.").starts_with("250"));
    assert!(c.cmd("QUIT").starts_with("221"));
    let end = std::time::Instant::now() + Duration::from_secs(30);
    let second = loop {
        let recs = lab.records();
        if let Some(r) = recs.iter().find(|r| r.delivered) {
            break r.clone();
        }
        assert!(std::time::Instant::now() < end, "second session not logged");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(second.starttls_offered && !second.starttls_tried);
    assert!(second.plaintext_fallback);
    assert_eq!(
        lab.table().get("comeback.test [", HandshakeFails),
        Some("delivered-plain (fallback)")
    );
    // A different EHLO name is a different client: no fallback.
    let mut c = Client::connect(&lab, HandshakeFails);
    c.reply();
    c.cmd("EHLO other.test");
    assert!(c.cmd("QUIT").starts_with("221"));
    let r = session_of(&lab, "other.test", HandshakeFails);
    assert!(!r.plaintext_fallback);
}

/// `--profile no-starttls=A --profile no-starttls=B` serves the profile on both ports.
#[test]
fn one_profile_listens_on_every_port_given() {
    let lab = Lab::start(&[NoStarttls, NoStarttls], &[]);
    let ports = lab.ports_of(NoStarttls);
    assert_eq!(ports.len(), 2);
    for (i, port) in ports.iter().enumerate() {
        let mut c = Client::connect_port(*port);
        assert!(c.reply().starts_with("220 "), "port {port}");
        assert!(c.cmd(&format!("EHLO port{i}.test")).starts_with("250"));
        assert!(c.cmd("QUIT").starts_with("221"));
    }
    for (i, port) in ports.iter().enumerate() {
        let s = session_of(&lab, &format!("port{i}.test"), NoStarttls);
        assert!(s.server.ends_with(&format!(":{port}")), "{}", s.server);
    }
}

/// A closed terminal (SIGHUP) stops the lab like SIGTERM: it exits 0 with its log kept.
#[test]
fn sighup_stops_the_lab_like_sigterm() {
    let mut lab = Lab::start(&[NoStarttls], &[]);
    let mut c = Client::connect(&lab, NoStarttls);
    assert!(c.reply().starts_with("220 "));
    assert!(c.cmd("EHLO hup.test").starts_with("250"));
    assert!(c.cmd("QUIT").starts_with("221"));
    session_of(&lab, "hup.test", NoStarttls);
    let status = lab.stop_with("-HUP");
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert_eq!(lab.records().len(), 1);
}

/// `mxray lab summary` with its stdout closed says so and fails, instead of printing nowhere.
#[test]
fn lab_summary_to_a_closed_stdout_fails_and_says_so() {
    let dir = std::env::temp_dir().join(format!("mxray-lab-summary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("log.jsonl");
    std::fs::write(&log, "").unwrap();
    let run = |redirect: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec \"$0\" lab summary \"$1\" {redirect}"))
            .arg(env!("CARGO_BIN_EXE_mxray"))
            .arg(&log)
            .output()
            .unwrap()
    };
    let out = run(">&-");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdout is closed"), "{err}");
    assert_eq!(run(">/dev/null").status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}
