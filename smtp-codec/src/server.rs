//! Sans-IO server-side reader: commands with limits and resynchronisation, DATA bodies with
//! dot-unstuffing, BDAT chunks, and the replies a server sends.
//!
//! ```
//! use smtp_codec::server::{ServerEvent, ServerReader};
//! use smtp_codec::{Command, Encode, Limits};
//!
//! let mut r = ServerReader::new(Limits::default());
//! r.feed(b"MAIL FROM:<a@example.org>\r\nDATA\r\n");
//! assert!(matches!(r.poll(), Some(ServerEvent::Command(Command::Mail { .. }))));
//! assert!(matches!(r.poll(), Some(ServerEvent::Command(Command::Data))));
//! r.begin_data(); // after sending 354
//! r.feed(b"Subject: hi\r\n\r\n..dot\r\n.\r\n");
//! let Some(ServerEvent::Message { body }) = r.poll() else { panic!() };
//! assert_eq!(body, b"Subject: hi\r\n\r\n.dot\r\n");
//! ```
//!
//! With [`ServerReader::stream_bodies`], bodies are not collected: DATA bodies and BDAT chunks
//! come as [`ServerEvent::BodyPart`]s of at most [`STREAM_PART`] bytes (plus one line), ended by
//! [`ServerEvent::MessageEnd`] or [`ServerEvent::BdatEnd`], so a server can count, hash or store
//! a message of any size with bounded memory.
//!
//! The end of DATA is only `CRLF . CRLF`: a `.` line ending in a bare LF, or following a line
//! that ended in a bare LF, is body text. Accepting other forms is what makes SMTP smuggling
//! (CVE-2023-51764/51765/51766) possible.

use alloc::vec::Vec;

use crate::command::{decode_command, Command};
use crate::decode::{scan_line, Scan};
use crate::error::{CommandError, DataError};
use crate::limits::Limits;
use crate::reply::{Reply, ReplyCode};

/// Something the server must react to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A decoded command. After [`Command::Bdat`] the reader reads the chunk by itself.
    Command(Command<'static>),
    /// A line that is not a valid command; the reader has resynchronised at the next line.
    InvalidCommand {
        /// What was wrong.
        error: CommandError,
        /// The reply to send.
        reply: Reply<'static>,
    },
    /// A complete DATA body, dot-unstuffed, without the final `.` line.
    Message {
        /// The body.
        body: Vec<u8>,
    },
    /// A DATA body that broke a limit; it was read to its end and discarded.
    MessageRejected {
        /// Which limit.
        error: DataError,
        /// The reply to send.
        reply: Reply<'static>,
    },
    /// Streaming mode ([`ServerReader::stream_bodies`]): the next bytes of a DATA body
    /// (dot-unstuffed) or of a BDAT chunk. Not sent once the body broke a limit.
    BodyPart {
        /// The bytes.
        data: Vec<u8>,
    },
    /// Streaming mode: the DATA body ended (`CRLF . CRLF`) within the limits; its bytes came as
    /// [`ServerEvent::BodyPart`]s. A body that broke a limit ends with
    /// [`ServerEvent::MessageRejected`] instead (discard its parts).
    MessageEnd,
    /// Streaming mode: a BDAT chunk ended within the limits; its bytes came as
    /// [`ServerEvent::BodyPart`]s. A chunk over the limit ends with [`ServerEvent::BdatRejected`].
    BdatEnd {
        /// It was the `LAST` chunk.
        last: bool,
    },
    /// A complete BDAT chunk.
    BdatChunk {
        /// The chunk.
        data: Vec<u8>,
        /// It was the `LAST` chunk.
        last: bool,
    },
    /// A BDAT chunk beyond the message size limit; read and discarded.
    BdatRejected {
        /// The size error.
        error: DataError,
        /// The reply to send.
        reply: Reply<'static>,
        /// It was the `LAST` chunk.
        last: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Command,
    /// Discarding the rest of an overlong command line.
    SkipLine,
    Data {
        /// The body (in streaming mode: the part not yet handed out).
        body: Vec<u8>,
        /// Body bytes so far.
        size: usize,
        error: Option<DataError>,
        in_long_line: bool,
        prev_crlf: bool,
    },
    Bdat {
        remaining: u64,
        last: bool,
        chunk: Vec<u8>,
        error: Option<DataError>,
    },
}

/// The server-side reader. See the module documentation.
#[derive(Debug, Clone)]
pub struct ServerReader {
    limits: Limits,
    buf: Vec<u8>,
    mode: Mode,
    bdat_total: u64,
    streaming: bool,
}

/// In streaming mode, a body part is handed out once this many bytes are pending.
pub const STREAM_PART: usize = 64 * 1024;

impl ServerReader {
    /// A reader in command mode.
    pub fn new(limits: Limits) -> ServerReader {
        ServerReader {
            limits,
            buf: Vec::new(),
            mode: Mode::Command,
            bdat_total: 0,
            streaming: false,
        }
    }

    /// Streaming mode: DATA bodies and BDAT chunks come as [`ServerEvent::BodyPart`]s instead
    /// of whole (see the module documentation).
    pub fn stream_bodies(&mut self) {
        self.streaming = true;
    }

    /// Feeds bytes from the client. Poll until `None` before feeding a lot more.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Switches to DATA body mode (call after sending 354).
    pub fn begin_data(&mut self) {
        self.mode = Mode::Data {
            body: Vec::new(),
            size: 0,
            error: None,
            in_long_line: false,
            prev_crlf: true,
        };
    }

    /// Bytes buffered and not yet consumed. After STARTTLS (220) this must be zero, or the
    /// client pipelined plaintext into the TLS session: discard it ([`ServerReader::discard_buffered`]).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Bytes of client input held: unread input plus the part of a DATA body or BDAT chunk
    /// collected so far.
    pub fn held(&self) -> usize {
        let collecting = match &self.mode {
            Mode::Data { body, .. } => body.len(),
            Mode::Bdat { chunk, .. } => chunk.len(),
            Mode::Command | Mode::SkipLine => 0,
        };
        self.buf.len().saturating_add(collecting)
    }

    /// Drops buffered input (e.g. anything pipelined after STARTTLS, RFC 3207 section 4.2).
    pub fn discard_buffered(&mut self) {
        self.buf.clear();
    }

    /// The next event, or `None` if more bytes are needed.
    pub fn poll(&mut self) -> Option<ServerEvent> {
        loop {
            match &mut self.mode {
                Mode::Command => return self.poll_command(),
                Mode::SkipLine => match memchr::memchr(b'\n', &self.buf) {
                    Some(lf) => {
                        self.consume(lf.saturating_add(1));
                        self.mode = Mode::Command;
                    }
                    None => {
                        self.buf.clear();
                        return None;
                    }
                },
                Mode::Data { .. } => return self.poll_data(),
                Mode::Bdat { .. } if self.streaming => return self.poll_bdat_streaming(),
                Mode::Bdat { .. } => return self.poll_bdat(),
            }
        }
    }

    fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.buf.drain(..n);
    }

    fn poll_command(&mut self) -> Option<ServerEvent> {
        let (event, used) = match decode_command(&self.buf, &self.limits) {
            Ok(None) => return None,
            Ok(Some((cmd, used))) => (cmd.into_owned(), used),
            Err(error @ CommandError::LineTooLong { .. }) => {
                self.buf.clear();
                self.mode = Mode::SkipLine;
                return Some(ServerEvent::InvalidCommand {
                    error,
                    reply: reply_for(&error),
                });
            }
            Err(error) => {
                // Every other error is reported on a complete line: skip exactly that line.
                let used = match scan_line(&self.buf, self.limits.command_line) {
                    Scan::Line(l) => l.len,
                    _ => self.buf.len(),
                };
                self.consume(used);
                return Some(ServerEvent::InvalidCommand {
                    error,
                    reply: reply_for(&error),
                });
            }
        };
        self.consume(used);
        match event {
            Command::Bdat { size, last } => {
                self.bdat_total = self.bdat_total.saturating_add(size);
                let error = (self.bdat_total > self.limits.message_bytes as u64).then_some(
                    DataError::TooLarge {
                        limit: self.limits.message_bytes,
                    },
                );
                self.mode = Mode::Bdat {
                    remaining: size,
                    last,
                    chunk: Vec::new(),
                    error,
                };
            }
            Command::Rset | Command::Mail { .. } => self.bdat_total = 0,
            _ => {}
        }
        Some(ServerEvent::Command(event))
    }

    fn poll_data(&mut self) -> Option<ServerEvent> {
        let text_line = self.limits.text_line;
        let message_bytes = self.limits.message_bytes;
        let streaming = self.streaming;
        // Every pass consumes one line (at least one byte) or returns: at most as many passes
        // as bytes buffered, and the bound makes that a fact rather than an argument.
        for _ in 0..=self.buf.len() {
            let Mode::Data {
                body,
                size,
                error,
                in_long_line,
                prev_crlf,
            } = &mut self.mode
            else {
                return None;
            };
            let Some(lf) = memchr::memchr(b'\n', &self.buf) else {
                if self.buf.len() >= text_line {
                    // Too long already: record it and drop what we have of this line.
                    error.get_or_insert(DataError::LineTooLong { limit: text_line });
                    *in_long_line = true;
                    self.buf.clear();
                }
                if streaming && error.is_none() && !body.is_empty() {
                    return Some(ServerEvent::BodyPart {
                        data: core::mem::take(body),
                    });
                }
                return None;
            };
            let len = lf.saturating_add(1);
            let line = self.buf.get(..len).unwrap_or_default();
            let crlf = line.ends_with(b"\r\n");
            let content = line
                .strip_suffix(if crlf { &b"\r\n"[..] } else { &b"\n"[..] })
                .unwrap_or(line);
            if *in_long_line {
                *in_long_line = false;
            } else if len > text_line {
                error.get_or_insert(DataError::LineTooLong { limit: text_line });
            } else if content == b"." && crlf && *prev_crlf {
                if streaming && error.is_none() && !body.is_empty() {
                    // Hand out the rest first; the end line is read again at the next poll.
                    return Some(ServerEvent::BodyPart {
                        data: core::mem::take(body),
                    });
                }
                let body = core::mem::take(body);
                let err = *error;
                self.mode = Mode::Command;
                self.consume(len);
                return Some(match err {
                    None if streaming => ServerEvent::MessageEnd,
                    None => ServerEvent::Message { body },
                    Some(e) => ServerEvent::MessageRejected {
                        error: e,
                        reply: data_reply(&e),
                    },
                });
            } else if error.is_none() {
                let unstuffed = line.strip_prefix(b".").unwrap_or(line);
                if size.saturating_add(unstuffed.len()) > message_bytes {
                    *error = Some(DataError::TooLarge {
                        limit: message_bytes,
                    });
                    *body = Vec::new();
                } else {
                    body.extend_from_slice(unstuffed);
                    *size = size.saturating_add(unstuffed.len());
                }
            }
            let part_ready = streaming && body.len() >= STREAM_PART;
            *prev_crlf = crlf;
            self.consume(len);
            if part_ready {
                if let Mode::Data { body, .. } = &mut self.mode {
                    return Some(ServerEvent::BodyPart {
                        data: core::mem::take(body),
                    });
                }
            }
        }
        None
    }

    /// BDAT in streaming mode: the chunk's bytes as they come, then its end.
    fn poll_bdat_streaming(&mut self) -> Option<ServerEvent> {
        loop {
            let Mode::Bdat {
                remaining,
                last,
                error,
                ..
            } = &mut self.mode
            else {
                return None;
            };
            if *remaining == 0 {
                let last = *last;
                let event = match error {
                    None => ServerEvent::BdatEnd { last },
                    Some(e) => ServerEvent::BdatRejected {
                        error: *e,
                        reply: data_reply(e),
                        last,
                    },
                };
                self.mode = Mode::Command;
                if last {
                    self.bdat_total = 0;
                }
                return Some(event);
            }
            let take = usize::try_from(*remaining)
                .unwrap_or(usize::MAX)
                .min(self.buf.len())
                .min(STREAM_PART);
            if take == 0 {
                return None;
            }
            *remaining = remaining.saturating_sub(take as u64);
            let keep = error.is_none();
            let data = if keep {
                self.buf.get(..take).unwrap_or_default().to_vec()
            } else {
                Vec::new()
            };
            self.consume(take);
            if keep {
                return Some(ServerEvent::BodyPart { data });
            }
        }
    }

    fn poll_bdat(&mut self) -> Option<ServerEvent> {
        let Mode::Bdat {
            remaining,
            last,
            chunk,
            error,
        } = &mut self.mode
        else {
            return None;
        };
        let take = usize::try_from(*remaining)
            .unwrap_or(usize::MAX)
            .min(self.buf.len());
        if error.is_none() {
            chunk.extend_from_slice(self.buf.get(..take).unwrap_or_default());
        }
        *remaining = remaining.saturating_sub(take as u64);
        let done = *remaining == 0;
        let event = done.then(|| match error {
            None => ServerEvent::BdatChunk {
                data: core::mem::take(chunk),
                last: *last,
            },
            Some(e) => ServerEvent::BdatRejected {
                error: *e,
                reply: data_reply(e),
                last: *last,
            },
        });
        let last = *last;
        self.consume(take);
        if done {
            self.mode = Mode::Command;
            if last {
                self.bdat_total = 0;
            }
        }
        event
    }
}

/// The reply a server sends for a command error.
pub fn reply_for(error: &CommandError) -> Reply<'static> {
    match error {
        CommandError::LineTooLong { .. } => replies::line_too_long(),
        CommandError::Syntax { .. } | CommandError::InvalidValue(_) => Reply::from_static(
            ReplyCode::PARAMETER_SYNTAX_ERROR,
            "5.5.4 Syntax error in parameters or arguments",
        ),
        CommandError::NotUtf8 => Reply::from_static(
            ReplyCode::SYNTAX_ERROR,
            "5.5.2 Syntax error, command not UTF-8",
        ),
        CommandError::BareLf => {
            Reply::from_static(ReplyCode::SYNTAX_ERROR, "5.5.2 Bare LF not allowed")
        }
        _ => Reply::from_static(
            ReplyCode::SYNTAX_ERROR,
            "5.5.2 Syntax error, command unrecognized",
        ),
    }
}

fn data_reply(error: &DataError) -> Reply<'static> {
    match error {
        DataError::LineTooLong { .. } => replies::line_too_long(),
        DataError::TooLarge { .. } => replies::message_too_large(),
    }
}

/// Replies a server commonly sends (encode them with [`crate::Encode`]).
pub mod replies {
    use alloc::borrow::Cow;
    use alloc::vec;

    use crate::error::ReplyError;
    use crate::reply::{Reply, ReplyCode};

    /// `220 <domain> ESMTP <text>` greeting.
    pub fn greeting<'a>(domain: &'a str, text: &'a str) -> Result<Reply<'static>, ReplyError> {
        let mut line = alloc::string::String::from(domain);
        line.push_str(" ESMTP");
        if !text.is_empty() {
            line.push(' ');
            line.push_str(text);
        }
        Reply::new(
            ReplyCode::SERVICE_READY,
            vec![Cow::Owned(line.into_bytes())],
        )
    }
    /// `250 2.0.0 Ok`.
    pub fn ok() -> Reply<'static> {
        Reply::from_static(ReplyCode::OK, "2.0.0 Ok")
    }
    /// `354 End data with <CR><LF>.<CR><LF>`.
    pub fn start_mail_input() -> Reply<'static> {
        Reply::from_static(
            ReplyCode::START_MAIL_INPUT,
            "End data with <CR><LF>.<CR><LF>",
        )
    }
    /// `220 2.0.0 Ready to start TLS`.
    pub fn ready_for_tls() -> Reply<'static> {
        Reply::from_static(ReplyCode::SERVICE_READY, "2.0.0 Ready to start TLS")
    }
    /// `454 4.7.0 TLS not available due to temporary reason`.
    pub fn tls_not_available() -> Reply<'static> {
        Reply::from_static(
            ReplyCode::TLS_NOT_AVAILABLE,
            "4.7.0 TLS not available due to temporary reason",
        )
    }
    /// `221 2.0.0 Bye`.
    pub fn closing() -> Reply<'static> {
        Reply::from_static(ReplyCode::CLOSING, "2.0.0 Bye")
    }
    /// `421 4.3.2 Service not available, closing transmission channel`.
    pub fn busy() -> Reply<'static> {
        Reply::from_static(
            ReplyCode::SERVICE_NOT_AVAILABLE,
            "4.3.2 Service not available, closing transmission channel",
        )
    }
    /// `500 5.5.2 Line too long` (RFC 5321 4.5.3.1.4).
    pub fn line_too_long() -> Reply<'static> {
        Reply::from_static(ReplyCode::SYNTAX_ERROR, "5.5.2 Line too long")
    }
    /// `502 5.5.1 Command not implemented`.
    pub fn not_implemented() -> Reply<'static> {
        Reply::from_static(ReplyCode::NOT_IMPLEMENTED, "5.5.1 Command not implemented")
    }
    /// `503 5.5.1 Bad sequence of commands`.
    pub fn bad_sequence() -> Reply<'static> {
        Reply::from_static(ReplyCode::BAD_SEQUENCE, "5.5.1 Bad sequence of commands")
    }
    /// `552 5.3.4 Message size exceeds fixed limit`.
    pub fn message_too_large() -> Reply<'static> {
        Reply::from_static(
            ReplyCode::EXCEEDED_STORAGE,
            "5.3.4 Message size exceeds fixed limit",
        )
    }
}
