//! Decode throughput of smtp-codec against Stalwart's smtp-proto on the same corpora:
//! replies (the real-server corpus of smtp-codec/tests/corpus), EHLO responses, and commands.
//! Prints criterion's figures and, at the end, both throughputs and their ratio.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use smtp_codec::{decode_command, decode_ehlo, decode_reply, Limits};

/// Corpus files (one reply each) that both decoders accept as exactly one complete reply.
fn reply_files(ehlo_only: bool) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../smtp-codec/tests/corpus");
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut servers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    servers.sort();
    for server in servers.into_iter().filter(|p| p.is_dir()) {
        let mut files: Vec<_> = std::fs::read_dir(&server)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "reply"))
        {
            let is_ehlo = f.file_name().unwrap().to_string_lossy().contains("ehlo");
            if ehlo_only && !is_ehlo {
                continue;
            }
            let bytes = std::fs::read(&f).unwrap();
            let mut it = bytes.iter();
            let theirs_ok = if ehlo_only {
                smtp_proto::EhloResponse::<String>::parse(&mut it).is_ok()
            } else {
                smtp_proto::response::parser::ResponseReceiver::default()
                    .parse(&mut it)
                    .is_ok()
            } && it.len() == 0;
            let ours_ok = matches!(decode_reply(&bytes, &Limits::default()), Ok(Some((_, n))) if n == bytes.len());
            if theirs_ok && ours_ok {
                out.push(bytes);
            } else {
                skipped.push(f.strip_prefix(&dir).unwrap().display().to_string());
            }
        }
    }
    if !skipped.is_empty() {
        eprintln!("(corpus files one decoder rejects, left out of the comparison: {skipped:?})");
    }
    out
}

fn commands() -> Vec<Vec<u8>> {
    [
        &b"EHLO client.example.org\r\n"[..],
        b"MAIL FROM:<bounce-12345@lists.example.org> SIZE=48213 BODY=8BITMIME SMTPUTF8\r\n",
        b"RCPT TO:<alice@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.net\r\n",
        b"RCPT TO:<bob.smith@mail.example.com>\r\n",
        b"DATA\r\n",
        b"BDAT 65536 LAST\r\n",
        b"RSET\r\n",
        b"NOOP\r\n",
        b"VRFY postmaster\r\n",
        b"AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n",
        b"STARTTLS\r\n",
        b"MAIL FROM:<>\r\n",
        b"RCPT TO:<\"john doe\"@[192.0.2.1]>\r\n",
        b"HELO old.example.org\r\n",
        b"QUIT\r\n",
    ]
    .iter()
    .filter(|c| {
        // Keep what both accept, so both decode the same items.
        let ours = matches!(decode_command(c, &Limits::default()), Ok(Some(_)));
        let theirs = smtp_proto::Request::parse(&mut c.iter()).is_ok();
        if !(ours && theirs) {
            eprintln!(
                "(command left out, smtp-codec {ours}, smtp-proto {theirs}: {:?})",
                String::from_utf8_lossy(c)
            );
        }
        ours && theirs
    })
    .map(|c| c.to_vec())
    .collect()
}

fn concat(items: &[Vec<u8>], copies: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..copies {
        for i in items {
            v.extend_from_slice(i);
        }
    }
    v
}

// ---- the decoders, each over a whole buffer of concatenated items ----

fn ours_replies(buf: &[u8]) -> usize {
    let limits = Limits::default();
    let (mut pos, mut n) = (0, 0);
    while let Ok(Some((r, used))) = decode_reply(&buf[pos..], &limits) {
        black_box(&r);
        pos += used;
        n += 1;
    }
    n
}

fn theirs_replies(buf: &[u8]) -> usize {
    let mut it = buf.iter();
    let mut n = 0;
    while it.len() > 0 {
        let r = smtp_proto::response::parser::ResponseReceiver::default()
            .parse(&mut it)
            .unwrap();
        black_box(&r);
        n += 1;
    }
    n
}

fn ours_ehlo(buf: &[u8]) -> usize {
    let limits = Limits::default();
    let (mut pos, mut n) = (0, 0);
    while let Ok(Some((r, used))) = decode_ehlo(&buf[pos..], &limits) {
        black_box(&r);
        pos += used;
        n += 1;
    }
    n
}

fn theirs_ehlo(buf: &[u8]) -> usize {
    let mut it = buf.iter();
    let mut n = 0;
    while it.len() > 0 {
        let r = smtp_proto::EhloResponse::<String>::parse(&mut it).unwrap();
        black_box(&r);
        n += 1;
    }
    n
}

fn ours_commands(buf: &[u8]) -> usize {
    let limits = Limits::default();
    let (mut pos, mut n) = (0, 0);
    while let Ok(Some((c, used))) = decode_command(&buf[pos..], &limits) {
        black_box(&c);
        pos += used;
        n += 1;
    }
    n
}

fn theirs_commands(buf: &[u8]) -> usize {
    let mut it = buf.iter();
    let mut n = 0;
    while it.len() > 0 {
        let r = smtp_proto::Request::parse(&mut it).unwrap();
        black_box(&r);
        n += 1;
    }
    n
}

type Decoder = fn(&[u8]) -> usize;

struct Case {
    name: &'static str,
    buf: Vec<u8>,
    ours: Decoder,
    theirs: Decoder,
}

fn cases() -> Vec<Case> {
    let replies = reply_files(false);
    let ehlos = reply_files(true);
    vec![
        Case {
            name: "replies",
            buf: concat(&replies, 20),
            ours: ours_replies,
            theirs: theirs_replies,
        },
        Case {
            name: "ehlo_reply",
            buf: concat(&ehlos, 50),
            ours: ours_replies,
            theirs: theirs_replies,
        },
        Case {
            name: "ehlo",
            buf: concat(&ehlos, 50),
            ours: ours_ehlo,
            theirs: theirs_ehlo,
        },
        Case {
            name: "commands",
            buf: concat(&commands(), 50),
            ours: ours_commands,
            theirs: theirs_commands,
        },
    ]
}

/// MB/s of `f` over `buf`, measured for about `time`.
fn mbps(f: Decoder, buf: &[u8], time: Duration) -> f64 {
    let start = Instant::now();
    let mut bytes = 0usize;
    while start.elapsed() < time {
        black_box(f(black_box(buf)));
        bytes += buf.len();
    }
    bytes as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let cases = cases();
    for case in &cases {
        // Both decoders must see the same items, or the comparison means nothing.
        assert_eq!(
            (case.ours)(&case.buf),
            (case.theirs)(&case.buf),
            "{}: item counts differ",
            case.name
        );
        let mut g = c.benchmark_group(format!("smtp_decode/{}", case.name));
        g.throughput(Throughput::Bytes(case.buf.len() as u64));
        g.bench_function("smtp-codec", |b| {
            b.iter(|| (case.ours)(black_box(&case.buf)))
        });
        g.bench_function("smtp-proto", |b| {
            b.iter(|| (case.theirs)(black_box(&case.buf)))
        });
        g.finish();
    }
    c.final_summary();
    if std::env::args().any(|a| a == "--profile-time" || a == "--list" || a == "--test") {
        return; // profiling, listing or test mode: no summary run
    }

    println!("\nsmtp_decode summary (same corpus, same run, 1 s each):");
    println!(
        "{:<11} {:>12} {:>12} {:>8}",
        "corpus", "smtp-codec", "smtp-proto", "ratio"
    );
    for case in &cases {
        let ours = mbps(case.ours, &case.buf, Duration::from_secs(1));
        let theirs = mbps(case.theirs, &case.buf, Duration::from_secs(1));
        println!(
            "{:<11} {:>8.1} MB/s {:>7.1} MB/s {:>7.2}x",
            case.name,
            ours,
            theirs,
            ours / theirs
        );
    }
}
