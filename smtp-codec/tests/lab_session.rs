//! The client session over real TCP against the lab's Postfix, Exim and tlslite (loopback only).
//! Needs MXRAY_LAB (run scripts/test.sh, which starts the lab).

// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::TcpStream;
use std::time::Duration;

use smtp_codec::blocking::drive;
use smtp_codec::{
    Capability, ClientSession, Outcome, SessionConfig, StartTlsMode, Step, TlsHandover,
};

fn require_lab() {
    assert!(
        std::env::var_os("MXRAY_LAB").is_some(),
        "MXRAY_LAB is not set: run scripts/test.sh, which starts the lab (these tests need real servers on 127.0.0.1)"
    );
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| {
        panic!("lab server on 127.0.0.1:{port} not reachable ({e}); start the lab")
    });
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

fn ready(port: u16, mode: StartTlsMode) -> (TlsHandover, ClientSession) {
    require_lab();
    let mut cfg = SessionConfig::new("lab-test.mxray.test");
    cfg.mode = mode;
    let mut session = ClientSession::new(cfg);
    let mut stream = connect(port);
    match drive(&mut stream, &mut session).unwrap() {
        Step::ReadyForTls(h) => {
            assert_eq!(session.poll(), Step::Done(Outcome::HandedOverToTls));
            (h, session)
        }
        other => panic!("port {port}: expected ReadyForTls, got {other:?}"),
    }
}

#[test]
fn postfix_2525_ready_for_tls() {
    let (h, s) = ready(2525, StartTlsMode::Plain);
    assert_eq!(h.starttls_reply.code().get(), 220);
    assert_eq!(
        h.starttls_reply.enhanced_status().unwrap().to_string(),
        "2.0.0"
    );
    assert_eq!(h.plaintext_after_starttls, None);
    let t = s.transcript();
    assert!(t
        .banner
        .as_ref()
        .unwrap()
        .first_line()
        .starts_with(b"mx.lab.test ESMTP Postfix"));
    let ehlo = t.ehlo.as_ref().unwrap();
    assert_eq!(ehlo.domain, "mx.lab.test");
    assert!(ehlo.has(&Capability::Pipelining) && ehlo.has(&Capability::Chunking));
    assert_eq!(ehlo.size(), Some(10_240_000));
}

#[test]
fn exim_2527_ready_for_tls() {
    let (h, s) = ready(2527, StartTlsMode::Plain);
    assert_eq!(h.starttls_reply.first_line(), b"TLS go ahead");
    let ehlo = s.transcript().ehlo.as_ref().unwrap();
    assert_eq!(ehlo.domain, "exim.lab.test");
    assert!(ehlo
        .greeting
        .as_deref()
        .unwrap()
        .contains("lab-test.mxray.test"));
    assert!(ehlo.offers_starttls());
}

#[test]
fn tlslite_2530_ready_for_tls() {
    let (h, s) = ready(2530, StartTlsMode::Plain);
    assert_eq!(h.starttls_reply.code().get(), 220);
    assert_eq!(
        s.transcript().ehlo.as_ref().unwrap().domain,
        "tlslite.lab.test"
    );
}

#[test]
fn postfix_discards_pipelined_noop_before_tls() {
    // Postfix flushes input pipelined with STARTTLS: no plaintext reply after the 220.
    let (h, _) = ready(2525, StartTlsMode::PipelinedInjection);
    assert!(h.injection.is_some());
    assert_eq!(h.plaintext_after_starttls, None);
}
