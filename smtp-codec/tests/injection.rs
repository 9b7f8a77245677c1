//! The probing injection check: the first complete reply inside TLS decides (2xx vulnerable,
//! 4xx/5xx not vulnerable), whatever the byte boundaries; passive checks keep their rule.

// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::borrow::Cow;

use proptest::prelude::*;
use smtp_codec::{Encode, InjectionCheck, InjectionVerdict, Limits, Reply, ReplyCode};

fn probing() -> InjectionCheck {
    let mut c = InjectionCheck::new(Limits::default());
    assert_eq!(c.start_probe(), InjectionCheck::PROBE_COMMAND);
    assert!(c.is_probing());
    c
}

fn fed(mut c: InjectionCheck, bytes: &[u8]) -> InjectionCheck {
    c.feed(bytes);
    c
}

#[test]
fn probe_command_is_an_unknown_verb_line() {
    assert_eq!(InjectionCheck::PROBE_COMMAND, b"XMXRAY\r\n");
    let cmd = smtp_codec::decode_command(InjectionCheck::PROBE_COMMAND, &Limits::default());
    assert!(
        matches!(cmd, Ok(Some((smtp_codec::Command::Unknown { .. }, 8)))),
        "{cmd:?}"
    );
}

#[test]
fn probing_2xx_first_is_vulnerable() {
    let v = fed(
        probing(),
        b"250 2.0.0 Ok\r\n502 5.5.2 Error: command not recognized\r\n",
    )
    .poll();
    assert!(
        matches!(&v, InjectionVerdict::Vulnerable { reply } if reply.code() == ReplyCode::OK),
        "{v:?}"
    );
}

#[test]
fn probing_5xx_or_4xx_first_is_not_vulnerable_at_once() {
    for bytes in [
        &b"502 5.5.2 Error: command not recognized\r\n"[..],
        b"500 5.5.1 unrecognized command\r\n",
        b"421 4.7.0 too many errors\r\n",
    ] {
        let v = fed(probing(), bytes).poll();
        assert!(
            matches!(&v, InjectionVerdict::NotVulnerable { reply: Some(r) }
                if !r.code().is_success()),
            "{v:?}"
        );
    }
}

#[test]
fn probing_3xx_first_is_inconclusive() {
    let v = fed(probing(), b"354 go ahead\r\n").poll();
    assert!(
        matches!(&v, InjectionVerdict::Inconclusive { error: None, bytes } if bytes.starts_with(b"354")),
        "{v:?}"
    );
}

#[test]
fn probing_nothing_or_eof_is_not_vulnerable_and_cut_or_junk_is_inconclusive() {
    assert_eq!(probing().poll(), InjectionVerdict::NeedMore);
    assert_eq!(
        probing().finish(),
        InjectionVerdict::NotVulnerable { reply: None }
    );
    assert!(matches!(
        fed(probing(), b"50").finish(),
        InjectionVerdict::Inconclusive { error: None, .. }
    ));
    assert!(matches!(
        fed(probing(), b"\x16\x03\x03junk\r\n").poll(),
        InjectionVerdict::Inconclusive { error: Some(_), .. }
    ));
}

#[test]
fn passive_check_still_calls_any_reply_vulnerable() {
    let c = InjectionCheck::new(Limits::default());
    assert!(!c.is_probing());
    assert!(matches!(
        fed(c, b"502 5.5.2 Error\r\n").poll(),
        InjectionVerdict::Vulnerable { .. }
    ));
}

#[test]
fn an_endless_reply_is_bounded_and_inconclusive() {
    let limits = Limits::default();
    let mut c = probing();
    let line = b"250-"
        .iter()
        .chain(&[b'a'; 1000])
        .chain(b"\r\n")
        .copied()
        .collect::<Vec<u8>>();
    for _ in 0..(limits.reply_bytes / line.len() + 10) {
        c.feed(&line);
    }
    let v = c.finish();
    let InjectionVerdict::Inconclusive { bytes, error } = &v else {
        panic!("{v:?}")
    };
    assert!(bytes.len() <= limits.reply_bytes + 1, "{}", bytes.len());
    assert!(error.is_some(), "{v:?}");
}

fn reply_of_class(classes: &'static [u16]) -> impl Strategy<Value = Reply<'static>> {
    let line = proptest::collection::vec(
        any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
        0..60,
    );
    (
        proptest::sample::select(classes),
        0u16..=5,
        0u16..=9,
        proptest::collection::vec(line, 1..4),
    )
        .prop_map(|(a, b, c, lines)| {
            let code = ReplyCode::new(a * 100 + b * 10 + c).unwrap();
            Reply::new(code, lines.into_iter().map(Cow::Owned).collect()).unwrap()
        })
}

/// Feeds `first` then `rest` in chunks cut at `cuts`, checking that the verdict is `NeedMore`
/// until the first reply is complete, and returns the verdict after everything.
fn run_split(first: &Reply<'static>, rest: &[u8], cuts: &[usize]) -> InjectionVerdict {
    let mut wire = first.to_bytes();
    let first_len = wire.len();
    wire.extend_from_slice(rest);
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.push(wire.len());
    cuts.sort_unstable();
    let mut c = probing();
    let mut at = 0;
    for cut in cuts {
        c.feed(&wire[at..cut]);
        at = cut;
        if at < first_len {
            assert_eq!(c.poll(), InjectionVerdict::NeedMore, "after {at} bytes");
        }
    }
    let polled = c.poll();
    assert_eq!(polled, c.finish(), "a decided verdict is final");
    polled
}

proptest! {
    #[test]
    fn any_2xx_first_reply_is_vulnerable(
        first in reply_of_class(&[2]),
        rest in proptest::collection::vec(any::<u8>(), 0..200),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let v = run_split(&first, &rest, &cuts);
        prop_assert_eq!(v, InjectionVerdict::Vulnerable { reply: first });
    }

    #[test]
    fn any_4xx_or_5xx_first_reply_is_not_vulnerable(
        first in reply_of_class(&[4, 5]),
        rest in proptest::collection::vec(any::<u8>(), 0..200),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let v = run_split(&first, &rest, &cuts);
        prop_assert_eq!(v, InjectionVerdict::NotVulnerable { reply: Some(first) });
    }
}
