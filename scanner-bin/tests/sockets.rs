//! The probe-socket budget: a standard scan whose endpoints together want more sockets than the
//! process may open waits for permits instead of failing probes with "Too many open files".
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::thread;
use std::time::Duration;

use common::records;

/// A STARTTLS server that holds each TLS attempt open for a while and then refuses it with a
/// handshake_failure alert, so that a scan's probe sockets pile up.
fn slow_refusing_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { continue };
            thread::spawn(move || serve(s));
        }
    });
    port
}

fn serve(mut s: TcpStream) -> Option<()> {
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let mut r = BufReader::new(s.try_clone().ok()?);
    let mut line = String::new();
    s.write_all(b"220 budget.test ESMTP\r\n").ok()?;
    loop {
        line.clear();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let cmd = line.to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            s.write_all(b"250-budget.test\r\n250 STARTTLS\r\n").ok()?;
        } else if cmd.starts_with("STARTTLS") {
            s.write_all(b"220 2.0.0 go ahead\r\n").ok()?;
            break;
        } else if cmd.starts_with("QUIT") {
            s.write_all(b"221 bye\r\n").ok()?;
            return None;
        } else {
            s.write_all(b"502 5.5.2 no\r\n").ok()?;
        }
    }
    let mut hello = [0u8; 5];
    r.read_exact(&mut hello).ok()?;
    thread::sleep(Duration::from_millis(150));
    s.write_all(&[21, 3, 3, 0, 2, 2, 40]).ok()?;
    thread::sleep(Duration::from_millis(50));
    Some(())
}

#[test]
fn probes_wait_for_sockets_under_a_low_open_files_limit() {
    const ENDPOINTS: usize = 48;
    let targets: Vec<String> = (0..ENDPOINTS)
        .map(|_| format!("127.0.0.1:{}", slow_refusing_server()))
        .collect();
    // 48 endpoints at once, each with its main connection and six version probes side by side,
    // want ~340 sockets; the process may open 200 files.
    let script = format!(
        "ulimit -n 200 && exec \"$0\" scan --profile standard --concurrency {ENDPOINTS} \
         --per-ip-rate 1000 --per-ip-burst 1000 --retries 0 --quiet {}",
        targets.join(" ")
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_mxray"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("Too many open files"), "{text}");
    assert!(!stderr.contains("Too many open files"), "{stderr}");
    let recs = records(&text);
    assert_eq!(recs.len(), ENDPOINTS, "{stderr}");
    for r in &recs {
        // The server refuses every handshake: that, and nothing else, is the record's error.
        let e = r.error.as_ref().expect("the refused handshake");
        assert!(e.message.contains("handshake failed"), "{r:?}");
        let tls = r.tls.as_ref().expect("tls section");
        assert_eq!(tls.failed_connections, 0, "{r:?}");
        // Every version was asked and refused: the probes ran, none failed to connect.
        assert!(tls.connections >= 6, "{r:?}");
        assert!(tls.versions.iter().all(|v| !v.supported), "{r:?}");
    }
}
