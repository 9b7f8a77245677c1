//! Typed errors of the decoders. Each says what was wrong with the input.

use crate::reply::ReplyCode;

/// Why a reply could not be decoded.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// A reply line exceeded the reply line limit (detected before the line end arrived).
    #[error("reply line longer than the limit of {limit} octets")]
    LineTooLong {
        /// The limit in force.
        limit: usize,
    },
    /// The reply has more lines than allowed.
    #[error("reply has more than {limit} lines")]
    TooManyLines {
        /// The limit in force.
        limit: usize,
    },
    /// The reply is larger than allowed in total.
    #[error("reply larger than the limit of {limit} octets")]
    TooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// The line does not start with three digits.
    #[error("reply line does not start with a three-digit code")]
    NoCode,
    /// Three digits, but not a valid reply code (first digit 2-5, second 0-5).
    #[error("invalid reply code {}", core::str::from_utf8(.0).unwrap_or("???"))]
    InvalidCode([u8; 3]),
    /// A line of a multi-line reply carries another code than the first line.
    #[error("reply code changed from {first} to {then} inside a multi-line reply")]
    CodeChanged {
        /// The code of the first line.
        first: ReplyCode,
        /// The code of the offending line.
        then: ReplyCode,
    },
    /// The character after the code is neither space, `-` nor the line end.
    #[error("invalid separator {0:#04x} after the reply code")]
    BadSeparator(u8),
    /// A line ended in a bare LF while strict mode requires CRLF.
    #[error("bare LF line ending (strict mode requires CRLF)")]
    BareLf,
    /// Reply text contains a CR or LF (only when building replies).
    #[error("reply text contains CR or LF")]
    LineBreakInText,
}

/// Why an EHLO response could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EhloError {
    /// The bytes are not a well-formed reply.
    #[error(transparent)]
    Reply(#[from] ReplyError),
    /// The reply is well-formed but not a 250 success.
    #[error("EHLO answered with {0}, not 250")]
    NotOk(ReplyCode),
}

/// Why a command could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The command line exceeded the limit (detected before the line end arrived).
    #[error("command line longer than the limit of {limit} octets")]
    LineTooLong {
        /// The limit in force.
        limit: usize,
    },
    /// A line ended in a bare LF while strict mode requires CRLF.
    #[error("bare LF line ending (strict mode requires CRLF)")]
    BareLf,
    /// The line is not UTF-8.
    #[error("command line is not valid UTF-8")]
    NotUtf8,
    /// The line is empty.
    #[error("empty command line")]
    Empty,
    /// The verb is known but its arguments do not follow the grammar.
    #[error("syntax error in {verb}: {what}")]
    Syntax {
        /// The command verb.
        verb: &'static str,
        /// What was wrong.
        what: &'static str,
    },
    /// A value could not be built (e.g. text containing CR or LF).
    #[error("invalid value: {0}")]
    InvalidValue(&'static str),
}

/// Why a message body could not be accepted by the server reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A body line exceeded the text line limit.
    #[error("text line longer than the limit of {limit} octets")]
    LineTooLong {
        /// The limit in force.
        limit: usize,
    },
    /// The message exceeded the size limit.
    #[error("message larger than the limit of {limit} octets")]
    TooLarge {
        /// The limit in force.
        limit: usize,
    },
}
