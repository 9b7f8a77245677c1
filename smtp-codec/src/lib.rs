//! `smtp-codec`: a `no_std` + `alloc` SMTP codec for scanners and test servers.
#![cfg_attr(not(feature = "std"), no_std)]
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
pub mod reply;
pub mod server;
pub mod session;
pub mod status;

#[cfg(feature = "bytes")]
pub use decode::{decode_command_from, decode_ehlo_from, decode_reply_from, encode_into};
pub use command::{
    decode_command, parse_command, BodyType, Command, ForwardPath, Host, MailParam, Mailbox, Notify,
    RcptParam, Ret, ReversePath,
};
pub use ehlo::{decode_ehlo, Capability, EhloResponse};
pub use encode::Encode;
pub use error::{CommandError, DataError, EhloError, ReplyError};
pub use limits::Limits;
pub use reply::{decode_reply, Reply, ReplyCode};
pub use status::{EnhancedStatus, StatusClass};
pub use session::{
    BannerKind, ClientSession, Event, InjectionCheck, InjectionVerdict, Outcome, Phase, SessionConfig,
    StartTlsMode, Step, TlsHandover, Transcript,
};
