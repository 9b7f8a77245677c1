//! Limits and small accessors pinned at their boundaries (found by mutation testing: these
//! mutants survived before, see docs/TESTING.md).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

use smtp_codec::{decode_reply, Limits, ReplyCode, ReplyError};

#[test]
fn a_reply_of_exactly_reply_bytes_decodes_and_one_more_byte_does_not() {
    let l = Limits {
        reply_bytes: 20,
        ..Limits::default()
    };
    let at_limit = b"250-aaaa\r\n250 bbbb\r\n";
    assert_eq!(at_limit.len(), 20);
    let (r, used) = decode_reply(at_limit, &l).unwrap().unwrap();
    assert_eq!(used, 20);
    assert_eq!(r.lines().len(), 2);
    let over = b"250-aaaa\r\n250 bbbbb\r\n";
    assert_eq!(over.len(), 21);
    assert_eq!(
        decode_reply(over, &l),
        Err(ReplyError::TooLarge { limit: 20 })
    );
    // One line of exactly the limit too.
    let one = b"250 aaaaaaaaaaaaaa\r\n";
    assert_eq!(one.len(), 20);
    assert!(decode_reply(one, &l).unwrap().is_some());
}

#[test]
fn multiline_and_lossy_text() {
    let (single, _) = decode_reply(b"250 ok\r\n", &Limits::default())
        .unwrap()
        .unwrap();
    assert!(!single.is_multiline());
    assert_eq!(single.text_lossy(), "ok");
    let (multi, _) = decode_reply(
        b"250-first\r\n250-\xff\xfe\r\n250 last\r\n",
        &Limits::default(),
    )
    .unwrap()
    .unwrap();
    assert!(multi.is_multiline());
    assert_eq!(multi.text_lossy(), "first\n\u{fffd}\u{fffd}\nlast");
}

#[test]
fn reply_code_classes() {
    let c = |n| ReplyCode::new(n).unwrap();
    assert!(c(354).is_intermediate());
    for n in [250, 421, 554] {
        assert!(!c(n).is_intermediate(), "{n}");
    }
    assert!(c(250).is_success() && !c(354).is_success());
    assert!(c(421).is_transient() && !c(554).is_transient());
}

/// SIZE and DELIVERBY numbers: every digit count, from 0 to `u64::MAX`, reads as its decimal
/// form.
#[test]
fn capability_numbers_are_written_in_decimal_at_every_width() {
    use smtp_codec::{Capability, Encode};
    let mut n: u64 = 0;
    let mut widths = vec![0, 9, 10, 99, 100, u64::MAX];
    while let Some(next) = n.checked_mul(10) {
        widths.push(next);
        widths.push(next.saturating_sub(1));
        n = next.max(1);
    }
    for v in widths {
        assert_eq!(
            Capability::Size(Some(v)).to_bytes(),
            format!("SIZE {v}").into_bytes()
        );
        assert_eq!(
            Capability::DeliverBy(Some(v)).to_bytes(),
            format!("DELIVERBY {v}").into_bytes()
        );
    }
    assert_eq!(Capability::Size(None).to_bytes(), b"SIZE");
}
