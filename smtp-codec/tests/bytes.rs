//! `bytes` feature: decode from and encode into `BytesMut`.
#![cfg(feature = "bytes")]
// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::BytesMut;
use smtp_codec::{
    decode_command_from, decode_ehlo_from, decode_reply_from, encode_into, Command, Limits,
};

#[test]
fn decode_advances_only_on_complete_items() {
    let l = Limits::default();
    let mut buf = BytesMut::from(&b"250-a\r\n250 b"[..]);
    assert_eq!(decode_reply_from(&mut buf, &l), Ok(None));
    assert_eq!(buf.len(), 12, "nothing consumed while incomplete");
    buf.extend_from_slice(b"\r\n220 next\r\n");
    let r = decode_reply_from(&mut buf, &l).unwrap().unwrap();
    assert_eq!(r.lines().len(), 2);
    assert_eq!(&buf[..], b"220 next\r\n");

    let mut buf = BytesMut::from(&b"250-mx\r\n250 STARTTLS\r\n"[..]);
    assert!(decode_ehlo_from(&mut buf, &l)
        .unwrap()
        .unwrap()
        .offers_starttls());
    assert!(buf.is_empty());

    let mut buf = BytesMut::new();
    encode_into(&Command::Quit, &mut buf);
    encode_into(&Command::Noop(None), &mut buf);
    assert_eq!(decode_command_from(&mut buf, &l), Ok(Some(Command::Quit)));
    assert_eq!(
        decode_command_from(&mut buf, &l),
        Ok(Some(Command::Noop(None)))
    );
}
