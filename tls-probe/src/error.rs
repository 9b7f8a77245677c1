//! Typed errors of the codec.

/// Building a ClientHello failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A field is longer than its length prefix (or a record) allows.
    #[error("{0} too long for its length prefix")]
    TooLong(&'static str),
    /// A field has a value the protocol forbids.
    #[error("invalid ClientHello: {0}")]
    Invalid(&'static str),
}

/// Parsing a ClientHello record failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HelloParseError {
    /// The input ends before the structure does.
    #[error("ClientHello truncated")]
    Truncated,
    /// The record is not a handshake record.
    #[error("record content type {0} is not handshake (22)")]
    NotHandshake(u8),
    /// The handshake message is not a ClientHello.
    #[error("handshake type {0} is not ClientHello (1)")]
    NotClientHello(u8),
    /// A field is malformed.
    #[error("malformed ClientHello: {0}")]
    Malformed(&'static str),
}

/// The server's bytes could not be read as a TLS (or SSLv2) flight.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlightError {
    /// The first bytes are not a TLS record nor an SSLv2 message (e.g. an SMTP reply).
    #[error("not TLS: first byte 0x{first_byte:02x}")]
    NotTls {
        /// The offending byte.
        first_byte: u8,
    },
    /// A record header carries a version that is not 3.x.
    #[error("record version 0x{0:04x} is not SSL 3 / TLS")]
    BadRecordVersion(u16),
    /// A record is longer than 2^14 + 2048 bytes.
    #[error("record of {0} bytes exceeds the limit of 2^14+2048")]
    RecordTooLarge(usize),
    /// The flight is longer than [`crate::record::MAX_FLIGHT`] bytes.
    #[error("server flight exceeds {0} bytes")]
    FlightTooLarge(usize),
    /// A record type that cannot appear in a server's first flight.
    #[error("unexpected record content type {0}")]
    UnexpectedRecord(u8),
    /// A handshake message that cannot be parsed.
    #[error("malformed handshake message type {msg_type}: {what}")]
    Malformed {
        /// Handshake message type.
        msg_type: u8,
        /// What was wrong.
        what: &'static str,
    },
    /// An SSLv2 SERVER-HELLO that cannot be parsed.
    #[error("malformed SSLv2 message: {0}")]
    Sslv2(&'static str),
}
