//! `smtp-codec`: a `no_std` + `alloc` SMTP codec for scanners and test servers.
//!
//! Sans-IO throughout: bytes in, typed values and bytes out. Nothing here opens a socket, reads
//! a clock or spawns a task; the `mxray` binary owns I/O. With `--no-default-features` the crate
//! is `#![no_std]` + `alloc`; the `std` feature (default) adds [`blocking::drive`] and
//! `std::error::Error` impls, the `bytes` feature adds `BytesMut` helpers, the `serde` feature
//! adds `Serialize` for transcripts, outcomes, replies and EHLO responses (for the scanner's JSON).
//!
//! # Layout
//!
//! | module | holds |
//! |---|---|
//! | [`reply`] | [`ReplyCode`] (checked), [`Reply`] (borrowing its text), [`decode_reply`] |
//! | [`ehlo`] | [`EhloResponse`], [`Capability`] (typed keywords, `XXXXXXXA` stripping) |
//! | [`status`] | RFC 3463 [`EnhancedStatus`] |
//! | [`command`] | [`Command`] with ESMTP parameters and paths, [`decode_command`] |
//! | [`limits`] | [`Limits`]: RFC 5321 4.5.3.1 defaults, strict and tolerant modes |
//! | [`encode`] | [`Encode`] for every type; `decode(encode(x)) == x` is property-tested |
//! | [`session`] | [`ClientSession`]: greeting → EHLO/HELO → STARTTLS → TLS hand-over; injection probe |
//! | [`server`] | [`server::ServerReader`]: commands, DATA, BDAT for a lab server |
//! | [`error`] | typed errors |
//!
//! Every decoder is incremental: `Ok(None)` means "need more bytes" and is never returned once
//! the buffered bytes already break a limit (an overlong line fails as soon as it is overlong).
//!
//! # Decode a reply
//!
//! ```
//! use smtp_codec::{decode_reply, Limits, StatusClass};
//!
//! let bytes = b"554 5.7.1 <x@foreign.example>: Relay access denied\r\n";
//! let (reply, consumed) = decode_reply(bytes, &Limits::default())?.expect("complete");
//! assert_eq!(consumed, bytes.len());
//! assert_eq!(reply.code().get(), 554);
//! assert!(reply.code().is_permanent());
//! assert_eq!(reply.enhanced_status().unwrap().class(), StatusClass::PermanentFailure);
//! # Ok::<(), smtp_codec::ReplyError>(())
//! ```
//!
//! # Decode an EHLO response
//!
//! ```
//! use smtp_codec::{decode_ehlo, Capability, Limits};
//!
//! let bytes = b"250-mx.example.net Hello [192.0.2.1]\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n";
//! let (ehlo, _) = decode_ehlo(bytes, &Limits::default())?.expect("complete");
//! assert_eq!(ehlo.domain, "mx.example.net");
//! assert!(ehlo.offers_starttls());
//! assert_eq!(ehlo.size(), Some(52_428_800));
//! assert_eq!(ehlo.auth_mechanisms(), ["PLAIN", "LOGIN"]);
//! # Ok::<(), smtp_codec::EhloError>(())
//! ```
//!
//! # Run the client session over an in-memory transcript
//!
//! ```
//! use smtp_codec::{ClientSession, Outcome, SessionConfig, Step};
//!
//! let mut session = ClientSession::new(SessionConfig::new("scanner.example.org"));
//! // What the server says, in answer to what we send.
//! let mut server = vec![
//!     &b"220 mx.example.net ESMTP\r\n"[..],
//!     b"250-mx.example.net\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
//!     b"220 2.0.0 Ready to start TLS\r\n",
//! ]
//! .into_iter();
//! let mut sent = Vec::new();
//! let handover = loop {
//!     match session.poll() {
//!         Step::Send(bytes) => sent.push(bytes),
//!         Step::NeedMore => match server.next() {
//!             Some(bytes) => session.feed(bytes),
//!             None => session.feed_eof(),
//!         },
//!         Step::ReadyForTls(handover) => break handover,
//!         Step::Done(outcome) => panic!("unexpected end: {outcome:?}"),
//!         _ => unreachable!(),
//!     }
//! };
//! assert_eq!(sent, [b"EHLO scanner.example.org\r\n".to_vec(), b"STARTTLS\r\n".to_vec()]);
//! assert_eq!(handover.plaintext_after_starttls, None); // nothing smuggled after the 220
//! assert!(session.transcript().ehlo.as_ref().unwrap().offers_starttls());
//! assert_eq!(session.poll(), Step::Done(Outcome::HandedOverToTls));
//! ```
#![cfg_attr(not(any(feature = "std", test)), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

#[cfg(feature = "std")]
pub mod blocking;
pub mod command;
mod decode;
pub mod ehlo;
pub mod encode;
pub mod error;
pub mod limits;
pub mod plaintext_accept;
pub mod reply;
#[cfg(feature = "serde")]
mod serde_impls;
pub mod server;
pub mod session;
pub mod status;
pub mod tls_ehlo;

pub use command::{
    decode_command, parse_command, BodyType, Command, ForwardPath, Host, MailParam, Mailbox,
    Notify, RcptParam, Ret, ReversePath,
};
#[cfg(feature = "bytes")]
pub use decode::{decode_command_from, decode_ehlo_from, decode_reply_from, encode_into};
pub use ehlo::{decode_ehlo, Capability, EhloResponse};
pub use encode::Encode;
pub use error::{CommandError, DataError, EhloError, ReplyError};
pub use limits::Limits;
pub use reply::{decode_reply, Reply, ReplyCode};
pub use session::{
    BannerKind, ClientSession, Event, InjectionCheck, InjectionVerdict, Outcome, Phase,
    SessionConfig, StartTlsMode, Step, TlsHandover, Transcript,
};
pub use status::{EnhancedStatus, StatusClass};

/// The README's example, run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
