//! smtp-codec's sans-IO `ClientSession` stepping through a captured Postfix transcript
//! (smtp-codec/tests/corpus/postfix): greeting -> EHLO -> 250 with STARTTLS -> STARTTLS -> 220 ->
//! ReadyForTls. This is the plaintext part every scanned endpoint costs, before any TLS.
//! Two feeds: each reply in one read, and the same bytes arriving in 7-byte pieces (the decoder
//! says "need more" and resumes).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smtp_codec::{ClientSession, SessionConfig, Step};

fn corpus(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../smtp-codec/tests/corpus/postfix")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs one session over `replies`, each fed in pieces of `piece` bytes; returns the bytes sent.
fn run(cfg: &SessionConfig, replies: &[Vec<u8>], piece: usize) -> usize {
    let mut s = ClientSession::new(cfg.clone());
    let mut sent = 0;
    let mut next = replies.iter();
    loop {
        match s.poll() {
            Step::Send(b) => sent += b.len(),
            Step::NeedMore => {
                let r = next.next().expect("transcript ended before the session");
                let mut chunks = r.chunks(piece).peekable();
                while let Some(chunk) = chunks.next() {
                    s.feed(black_box(chunk));
                    if chunks.peek().is_some() {
                        // The decoder sees a partial reply, as after a short socket read.
                        assert_eq!(s.poll(), Step::NeedMore);
                    }
                }
            }
            Step::ReadyForTls(h) => {
                black_box(h);
                return sent;
            }
            Step::Done(o) => panic!("session ended before STARTTLS: {o}"),
            _ => panic!("unexpected step"),
        }
    }
}

fn bench(c: &mut Criterion) {
    let replies = vec![
        corpus("greeting.reply"),
        corpus("ehlo.reply"),
        corpus("starttls.reply"),
    ];
    let bytes: usize = replies.iter().map(Vec::len).sum();
    let cfg = SessionConfig::new("mxray.invalid");
    // The transcript must take the session to the TLS hand-over, or the bench measures nothing.
    assert!(run(&cfg, &replies, usize::MAX) > 0);
    assert_eq!(run(&cfg, &replies, 7), run(&cfg, &replies, usize::MAX));

    let mut g = c.benchmark_group("smtp_session/postfix_to_starttls");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("whole_replies", |b| {
        b.iter(|| run(&cfg, &replies, usize::MAX))
    });
    g.bench_function("7_byte_reads", |b| b.iter(|| run(&cfg, &replies, 7)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
