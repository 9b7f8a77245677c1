//! Connects to an SMTP server, drives the STARTTLS client session up to the TLS hand-over and
//! prints the typed transcript.
//!
//! ```text
//! cargo run -p smtp-codec --example starttls_transcript -- 127.0.0.1:2525 [--inject] [--ehlo NAME]
//! ```

use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use smtp_codec::blocking::drive;
use smtp_codec::{ClientSession, Encode, Event, Reply, SessionConfig, StartTlsMode, Step};

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).escape_debug().to_string()
}

fn print_reply(phase: &str, reply: &Reply<'_>) {
    let n = reply.lines().len();
    for (i, line) in reply.lines().iter().enumerate() {
        let sep = if i + 1 == n { ' ' } else { '-' };
        println!("{phase:>9} S: {}{sep}{}", reply.code(), show(line));
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut target = None;
    let mut mode = StartTlsMode::Plain;
    let mut ehlo_name = String::from("mxray-example.invalid");
    while let Some(a) = args.next() {
        match a.as_str() {
            "--inject" => mode = StartTlsMode::PipelinedInjection,
            "--ehlo" => ehlo_name = args.next().unwrap_or(ehlo_name),
            _ => target = Some(a),
        }
    }
    let Some(addr) = target.and_then(|t| t.parse::<SocketAddr>().ok()) else {
        eprintln!(
            "usage: starttls_transcript IP:PORT [--inject] [--ehlo NAME]   e.g. 127.0.0.1:2525"
        );
        return ExitCode::from(2);
    };
    let mut stream = match TcpStream::connect_timeout(&addr, Duration::from_secs(10)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("connect {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    let timeouts = stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .and_then(|()| stream.set_write_timeout(Some(Duration::from_secs(30))));
    if let Err(e) = timeouts {
        eprintln!("setting timeouts: {e}");
        return ExitCode::from(1);
    }
    let mut config = SessionConfig::new(ehlo_name);
    config.mode = mode;
    let mut session = ClientSession::new(config);
    let step = match drive(&mut stream, &mut session) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("I/O error: {e}");
            return ExitCode::from(1);
        }
    };

    println!("== {addr}: transcript");
    for ev in &session.transcript().events {
        match ev {
            Event::Sent { phase, bytes } => println!("{:>9} C: {}", phase.name(), show(bytes)),
            Event::Reply { phase, reply } => print_reply(phase.name(), reply),
            Event::Eof { phase } => println!("{:>9} -- connection closed", phase.name()),
            Event::Timeout { phase } => println!("{:>9} -- timeout", phase.name()),
            Event::Malformed { phase, error } => {
                println!("{:>9} -- malformed reply: {error}", phase.name())
            }
            other => println!("{other:?}"),
        }
    }
    let t = session.transcript();
    if let Some(b) = &t.banner {
        println!("\n== banner: {} {}", b.code(), show(b.first_line()));
    }
    if let Some(e) = &t.ehlo {
        println!(
            "== server name: {}  ({})",
            e.domain,
            e.greeting.as_deref().unwrap_or("no greeting text")
        );
        println!("== capabilities:");
        for c in &e.capabilities {
            println!("     {:<28} {c:?}", String::from_utf8_lossy(&c.to_bytes()));
        }
        if e.starttls_stripped() {
            println!(
                "== WARNING: STARTTLS looks stripped by a middlebox ({:?})",
                e.stripped().collect::<Vec<_>>()
            );
        }
    }
    println!();
    match step {
        Step::ReadyForTls(h) => {
            println!(
                "== outcome: ready for TLS ({} {})",
                h.starttls_reply.code(),
                show(h.starttls_reply.first_line())
            );
            match &h.plaintext_after_starttls {
                Some(p) => println!(
                    "== FINDING: {} plaintext bytes after the 220: {}",
                    p.len(),
                    show(p)
                ),
                None => println!("== no plaintext after the 220 (good)"),
            }
            if h.injection.is_some() {
                println!("== injection probe: STARTTLS+NOOP sent in one write; a TLS driver must now run the InjectionCheck");
            }
            ExitCode::SUCCESS
        }
        Step::Done(o) => {
            println!("== outcome: {o}");
            ExitCode::from(3)
        }
        other => {
            println!("== unexpected step {other:?}");
            ExitCode::from(1)
        }
    }
}
