//! The client session fed arbitrary server bytes, split at arbitrary points, with EOF or a
//! timeout at the end: no panic, the session always ends, and once done it stays done. A twin
//! session that records no events (`SessionConfig::record_events` off, as mxray runs it) takes
//! every step alike and ends with the same transcript, event list aside.
//!
//! The decoder limits are lowered (the same branches at a sixteenth of the size: reply bytes,
//! lines per reply, line length, the session's buffer of 2 x reply bytes), so inputs at and past
//! every limit stay small and the target runs fast; the defaults are pinned by smtp-codec's tests.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_codec::{ClientSession, InjectionVerdict, Limits, SessionConfig, StartTlsMode, Step};

/// The harness's limits (fuzz/gen-limit-seeds.py writes seeds at and past them).
const LIMITS: Limits = Limits {
    reply_line_tolerant: 1024,
    lines_per_reply: 16,
    reply_bytes: 4096,
    ..Limits::DEFAULT
};

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let mut cfg = SessionConfig::new("fuzz.example");
    cfg.limits = LIMITS;
    if ctl & 1 == 1 {
        cfg.mode = StartTlsMode::PipelinedInjection;
    }
    let mut quiet = cfg.clone();
    quiet.record_events = false;
    let mut s = ClientSession::new(cfg);
    let mut q = ClientSession::new(quiet);
    let chunk = usize::from(ctl >> 2).max(1);
    let mut chunks = rest.chunks(chunk);
    let mut finished = None;
    // Every piece of input may take a poll of its own; after the last one the session must end
    // within a bounded number of steps.
    let bound = rest.len().div_ceil(chunk) + 10_000;
    for _ in 0..bound {
        let step = s.poll();
        assert_eq!(q.poll(), step);
        match step {
            Step::Send(_) => {}
            Step::NeedMore => match chunks.next() {
                Some(c) => {
                    s.feed(c);
                    q.feed(c);
                }
                None if ctl & 2 == 2 => {
                    s.feed_timeout();
                    q.feed_timeout();
                }
                None => {
                    s.feed_eof();
                    q.feed_eof();
                }
            },
            Step::ReadyForTls(h) => {
                if let Some(check) = h.injection {
                    let mut check = check;
                    for c in chunks.by_ref() {
                        check.feed(c);
                    }
                    let v = check.finish();
                    assert!(!matches!(v, InjectionVerdict::NeedMore));
                }
            }
            Step::Done(o) => {
                finished = Some(o);
                break;
            }
            _ => {}
        }
    }
    let outcome = finished.expect("session must end");
    assert_eq!(s.poll(), Step::Done(outcome));
    assert!(q.transcript().events.is_empty());
    let mut t = s.transcript().clone();
    t.events.clear();
    assert_eq!(&t, q.transcript());
});
