//! The rustls driver carries application data after the handshake: EHLO inside TLS to the lab's
//! Postfix gets its EHLO reply back, decrypted. Needs MXRAY_LAB.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::*;
use tls_probe::driver::RustlsDriver;
use tls_probe::runner::run_rustls;

#[test]
fn application_data_round_trips_after_the_handshake() {
    let _ = lab();
    let mut s = smtp_starttls(2525).unwrap();
    let mut d = RustlsDriver::new("localhost", &[]).unwrap();
    run_rustls(&mut d, &mut s);
    assert!(d.result().completed, "{:?}", d.result());
    // Nothing decrypted yet: the server waits for us.
    assert!(d.take_plaintext(4096).is_empty());
    d.send_plaintext(b"EHLO plaintext.test\r\n").unwrap();
    let out = d.take_outgoing();
    assert!(!out.is_empty() && !out.windows(4).any(|w| w == b"EHLO"));
    s.write_all(&out).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let t = Instant::now();
    while !got.ends_with(b"\r\n") || !got.windows(4).any(|w| w == b"250 ") {
        assert!(t.elapsed() < Duration::from_secs(5), "{got:?}");
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed: {got:?}");
        d.feed(&buf[..n]);
        // A small `max` drains in pieces.
        loop {
            let p = d.take_plaintext(7);
            assert!(p.len() <= 7);
            if p.is_empty() {
                break;
            }
            got.extend_from_slice(&p);
        }
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("250-mx.lab.test"), "{text}");
}
