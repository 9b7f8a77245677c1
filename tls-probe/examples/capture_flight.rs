//! Captures a server's first flight for the fixtures in tests/fixtures.
//!
//! `cargo run -p tls-probe --example capture_flight -- ADDR KIND OUT [--starttls]`
//!
//! KIND picks the ClientHello (built with this crate): `tls12` (TLS 1.2, common suites),
//! `tls13` (TLS 1.3), `dhe12` (TLS 1.2, DHE suites only, no FFDHE group), `ssl3` (SSLv3, common
//! suites), `tls10` (TLS 1.0). With `--starttls` the SMTP preamble (banner, EHLO, STARTTLS, 220) is
//! done first. Every byte the server sends until the flight parser says the attempt is over is
//! written to OUT, unmodified. tests/fixtures/capture.sh lists the commands that made the fixtures.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use tls_probe::flight::FlightParser;
use tls_probe::plan::hellos::{encode, hello_for, HelloOptions};
use tls_probe::suites::{candidates, Suite};
use tls_probe::Version;

fn fail(msg: String) -> ! {
    eprintln!("{msg}");
    std::process::exit(1)
}

fn reply(r: &mut BufReader<TcpStream>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => fail(format!("SMTP server closed after {all:?}")),
            Ok(_) => {}
        }
        all.push_str(&line);
        if line.as_bytes().get(3) != Some(&b'-') {
            return all;
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(addr), Some(kind), Some(out)) = (args.first(), args.get(1), args.get(2)) else {
        fail("usage: capture_flight ADDR KIND OUT [--starttls]".into())
    };
    let starttls = args.iter().any(|a| a == "--starttls");
    let addr: std::net::SocketAddr = addr
        .parse()
        .unwrap_or_else(|e| fail(format!("{addr}: {e}")));
    let mut s = tls_probe::runner::tcp_connect(addr, Duration::from_secs(10))
        .unwrap_or_else(|e| fail(e.to_string()));
    if starttls {
        let mut r = BufReader::new(s.try_clone().unwrap_or_else(|e| fail(e.to_string())));
        reply(&mut r);
        s.write_all(b"EHLO capture.test\r\n")
            .unwrap_or_else(|e| fail(e.to_string()));
        reply(&mut r);
        s.write_all(b"STARTTLS\r\n")
            .unwrap_or_else(|e| fail(e.to_string()));
        let st = reply(&mut r);
        if !st.starts_with("220") {
            fail(format!("STARTTLS refused: {st}"));
        }
    }
    let opts = HelloOptions::default();
    let common = |v: Version| -> Vec<u16> { candidates(v).into_iter().take(128).collect() };
    let hello = match kind.as_str() {
        "tls12" => encode(hello_for(
            Version::Tls12,
            &common(Version::Tls12),
            &opts,
            None,
            None,
        )),
        "tls10" => encode(hello_for(
            Version::Tls10,
            &common(Version::Tls10),
            &opts,
            None,
            None,
        )),
        "tls13" => encode(hello_for(
            Version::Tls13,
            &common(Version::Tls13),
            &opts,
            None,
            None,
        )),
        "ssl3" => encode(hello_for(
            Version::Ssl3,
            &common(Version::Ssl3),
            &opts,
            None,
            None,
        )),
        "dhe12" => {
            let dhe: Vec<u16> = candidates(Version::Tls12)
                .into_iter()
                .filter(|id| Suite::from_id(*id).is_some_and(|s| s.is_dhe()))
                .take(128)
                .collect();
            encode(hello_for(Version::Tls12, &dhe, &opts, None, None))
        }
        other => fail(format!("unknown KIND {other}")),
    };
    s.write_all(&hello).unwrap_or_else(|e| fail(e.to_string()));
    let mut parser = FlightParser::new();
    let mut captured = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or(&[]);
                captured.extend_from_slice(chunk);
                if parser.feed(chunk) {
                    break;
                }
            }
        }
    }
    parser.feed_eof();
    std::fs::write(out, &captured).unwrap_or_else(|e| fail(format!("{out}: {e}")));
    let f = parser.flight();
    println!(
        "{out}: {} bytes, end={:?}, accepted={:?}",
        captured.len(),
        f.end,
        f.accepted()
    );
}
