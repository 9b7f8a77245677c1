//! Replies: a validated three-digit code and one or more text lines.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::decode::{scan_line, Scan};
use crate::error::ReplyError;
use crate::limits::Limits;
use crate::status::EnhancedStatus;

/// A reply code: three digits, the first 2-5, the second 0-5 (RFC 5321 section 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplyCode(u16);

impl ReplyCode {
    /// 220 `<domain>` Service ready.
    pub const SERVICE_READY: ReplyCode = ReplyCode(220);
    /// 221 Service closing transmission channel.
    pub const CLOSING: ReplyCode = ReplyCode(221);
    /// 250 Requested mail action okay, completed.
    pub const OK: ReplyCode = ReplyCode(250);
    /// 354 Start mail input.
    pub const START_MAIL_INPUT: ReplyCode = ReplyCode(354);
    /// 421 Service not available, closing transmission channel.
    pub const SERVICE_NOT_AVAILABLE: ReplyCode = ReplyCode(421);
    /// 454 TLS not available due to temporary reason (RFC 3207).
    pub const TLS_NOT_AVAILABLE: ReplyCode = ReplyCode(454);
    /// 500 Syntax error, command unrecognized (also: line too long).
    pub const SYNTAX_ERROR: ReplyCode = ReplyCode(500);
    /// 501 Syntax error in parameters or arguments.
    pub const PARAMETER_SYNTAX_ERROR: ReplyCode = ReplyCode(501);
    /// 502 Command not implemented.
    pub const NOT_IMPLEMENTED: ReplyCode = ReplyCode(502);
    /// 503 Bad sequence of commands.
    pub const BAD_SEQUENCE: ReplyCode = ReplyCode(503);
    /// 552 Requested mail action aborted: exceeded storage allocation.
    pub const EXCEEDED_STORAGE: ReplyCode = ReplyCode(552);
    /// 554 Transaction failed (or, as a greeting, no SMTP service here).
    pub const TRANSACTION_FAILED: ReplyCode = ReplyCode(554);

    /// A checked reply code: `None` unless the first digit is 2-5 and the second 0-5.
    pub const fn new(code: u16) -> Option<ReplyCode> {
        let first = code / 100;
        let second = (code / 10) % 10;
        if first >= 2 && first <= 5 && second <= 5 {
            Some(ReplyCode(code))
        } else {
            None
        }
    }

    /// The numeric value.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The first digit (2-5).
    pub const fn class(self) -> u8 {
        // Bounded by the constructor: 2..=5.
        (self.0 / 100) as u8
    }

    /// 2yz: positive completion.
    pub const fn is_success(self) -> bool {
        self.class() == 2
    }

    /// 3yz: positive intermediate.
    pub const fn is_intermediate(self) -> bool {
        self.class() == 3
    }

    /// 4yz: transient negative completion.
    pub const fn is_transient(self) -> bool {
        self.class() == 4
    }

    /// 5yz: permanent negative completion.
    pub const fn is_permanent(self) -> bool {
        self.class() == 5
    }

    fn from_digits(d: &[u8]) -> Result<ReplyCode, ReplyError> {
        let [a, b, c] = match d {
            [a, b, c, ..] => [*a, *b, *c],
            _ => return Err(ReplyError::NoCode),
        };
        if !(a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit()) {
            return Err(ReplyError::NoCode);
        }
        let n = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
        ReplyCode::new(n).ok_or(ReplyError::InvalidCode([a, b, c]))
    }

    pub(crate) fn digits(self) -> [u8; 3] {
        // Each digit is < 10, so the casts cannot truncate.
        [
            b'0' + (self.0 / 100 % 10) as u8,
            b'0' + (self.0 / 10 % 10) as u8,
            b'0' + (self.0 % 10) as u8,
        ]
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A reply: a code and at least one text line (text may be empty). Borrows its text from the
/// input where possible; [`Reply::into_owned`] detaches it.
///
/// The text is kept as bytes: servers send what they like, and a scanner must record it as is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reply<'a> {
    code: ReplyCode,
    lines: Vec<Cow<'a, [u8]>>,
}

impl<'a> Reply<'a> {
    /// Builds a reply from text lines (no line may contain CR or LF). An empty list means one
    /// empty line.
    pub fn new(code: ReplyCode, lines: Vec<Cow<'a, [u8]>>) -> Result<Reply<'a>, ReplyError> {
        if lines
            .iter()
            .any(|l| l.iter().any(|b| matches!(b, b'\r' | b'\n')))
        {
            return Err(ReplyError::LineBreakInText);
        }
        let mut lines = lines;
        if lines.is_empty() {
            lines.push(Cow::Borrowed(&[]));
        }
        Ok(Reply { code, lines })
    }

    /// A single-line reply.
    pub fn single(code: ReplyCode, text: &'a str) -> Result<Reply<'a>, ReplyError> {
        Reply::new(code, alloc::vec![Cow::Borrowed(text.as_bytes())])
    }

    /// A single-line reply from trusted static text (this crate's own replies).
    pub(crate) fn from_static(code: ReplyCode, text: &'static str) -> Reply<'static> {
        debug_assert!(!text.contains(['\r', '\n']));
        Reply {
            code,
            lines: alloc::vec![Cow::Borrowed(text.as_bytes())],
        }
    }

    /// The code.
    pub fn code(&self) -> ReplyCode {
        self.code
    }

    /// The text lines (never empty), without code, separator and line end.
    pub fn lines(&self) -> &[Cow<'a, [u8]>] {
        &self.lines
    }

    /// Whether the reply has more than one line.
    pub fn is_multiline(&self) -> bool {
        self.lines.len() > 1
    }

    /// The text of the first line.
    pub fn first_line(&self) -> &[u8] {
        self.lines.first().map(|l| &l[..]).unwrap_or_default()
    }

    /// All text lines joined with `\n`, non-UTF-8 bytes replaced (for display and JSON).
    pub fn text_lossy(&self) -> String {
        let mut s = String::new();
        for (i, l) in self.lines.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(&String::from_utf8_lossy(l));
        }
        s
    }

    /// The RFC 3463 enhanced status code at the start of the first line, if any.
    pub fn enhanced_status(&self) -> Option<EnhancedStatus> {
        EnhancedStatus::parse_prefix(self.first_line()).map(|(s, _)| s)
    }

    /// Detaches the reply from the input buffer.
    pub fn into_owned(self) -> Reply<'static> {
        Reply {
            code: self.code,
            lines: self
                .lines
                .into_iter()
                .map(|l| Cow::Owned(l.into_owned()))
                .collect(),
        }
    }
}

/// Checks the first bytes of a not yet complete reply line, so non-SMTP peers fail early.
fn check_partial_prefix(partial: &[u8]) -> Result<(), ReplyError> {
    for (i, b) in partial.iter().take(4).enumerate() {
        let ok = match i {
            0..=2 => b.is_ascii_digit(),
            _ => matches!(b, b' ' | b'-' | b'\r'),
        };
        if !ok {
            return Err(if i < 3 {
                ReplyError::NoCode
            } else {
                ReplyError::BadSeparator(*b)
            });
        }
    }
    if let [a, b, c, ..] = partial {
        ReplyCode::from_digits(&[*a, *b, *c])?;
    }
    Ok(())
}

/// Decodes one reply from the front of `input`.
///
/// Returns `Ok(Some((reply, consumed)))`, `Ok(None)` if more bytes are needed, or an error.
/// Accepts bare LF (unless strict), a missing text after the code, and trailing spaces.
///
/// ```
/// use smtp_codec::{decode_reply, Limits};
/// let input = b"250-mx.example.com\r\n250 2.0.0 OK\r\n";
/// let (reply, used) = decode_reply(input, &Limits::default()).unwrap().unwrap();
/// assert_eq!(reply.code().get(), 250);
/// assert_eq!(used, input.len());
/// assert!(decode_reply(b"250-mx.example.com\r\n250 2.0", &Limits::default()).unwrap().is_none());
/// ```
pub fn decode_reply<'a>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<Option<(Reply<'a>, usize)>, ReplyError> {
    let line_limit = limits.reply_line();
    let mut pos = 0usize;
    let mut first: Option<ReplyCode> = None;
    // Allocated at the first complete line: a read loop asks again and again while a reply is
    // still incomplete (or the buffer empty), and those answers allocate nothing.
    let mut lines: Vec<Cow<'a, [u8]>> = Vec::new();
    loop {
        let rest = input.get(pos..).unwrap_or_default();
        let line = match scan_line(rest, line_limit) {
            Scan::Line(l) => l,
            Scan::TooLong => return Err(ReplyError::LineTooLong { limit: line_limit }),
            Scan::Incomplete => {
                // Incomplete means at least one more byte is needed: at the limit is too much.
                if pos.saturating_add(rest.len()) >= limits.reply_bytes {
                    return Err(ReplyError::TooLarge {
                        limit: limits.reply_bytes,
                    });
                }
                check_partial_prefix(rest)?;
                return Ok(None);
            }
        };
        let end = pos.saturating_add(line.len);
        if end > limits.reply_bytes {
            return Err(ReplyError::TooLarge {
                limit: limits.reply_bytes,
            });
        }
        if line.bare_lf && limits.strict {
            return Err(ReplyError::BareLf);
        }
        let code = ReplyCode::from_digits(line.content)?;
        let (last, text) = match line.content.get(3..).and_then(|t| t.split_first()) {
            None => (true, &[][..]),
            Some((b' ', text)) => (true, text),
            Some((b'-', text)) => (false, text),
            Some((b, _)) => return Err(ReplyError::BadSeparator(*b)),
        };
        match first {
            None => first = Some(code),
            Some(f) if f != code => {
                return Err(ReplyError::CodeChanged {
                    first: f,
                    then: code,
                })
            }
            Some(_) => {}
        }
        if lines.len() >= limits.lines_per_reply {
            return Err(ReplyError::TooManyLines {
                limit: limits.lines_per_reply,
            });
        }
        if lines.is_empty() {
            lines.reserve(if last { 1 } else { 8 });
        }
        lines.push(Cow::Borrowed(text));
        pos = end;
        if last {
            return Ok(Some((Reply { code, lines }, pos)));
        }
        if lines.len() >= limits.lines_per_reply {
            // The next line is certain to exceed the limit: fail now, not after buffering it.
            return Err(ReplyError::TooManyLines {
                limit: limits.lines_per_reply,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim() -> Limits {
        Limits::default()
    }

    #[test]
    fn code_bounds() {
        assert!(ReplyCode::new(250).is_some());
        assert!(ReplyCode::new(559).is_some());
        assert!(ReplyCode::new(199).is_none());
        assert!(ReplyCode::new(260).is_none());
        assert!(ReplyCode::new(600).is_none());
        assert_eq!(
            decode_reply(b"199 x\r\n", &lim()),
            Err(ReplyError::InvalidCode(*b"199"))
        );
        assert_eq!(
            decode_reply(b"262 x\r\n", &lim()),
            Err(ReplyError::InvalidCode(*b"262"))
        );
        assert_eq!(decode_reply(b"2a0 x\r\n", &lim()), Err(ReplyError::NoCode));
        assert_eq!(decode_reply(b"25\r\n", &lim()), Err(ReplyError::NoCode));
    }

    #[test]
    fn single_multi_and_quirks() {
        let (r, n) = decode_reply(b"220 mx ESMTP\r\nrest", &lim())
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.code().get(), n, r.first_line()),
            (220, 14, &b"mx ESMTP"[..])
        );
        let (r, _) = decode_reply(b"250-a\n250-b \n250 c\n", &lim())
            .unwrap()
            .unwrap();
        assert_eq!(r.lines().len(), 3);
        assert_eq!(&r.lines()[1][..], b"b ");
        let (r, n) = decode_reply(b"250\r\n", &lim()).unwrap().unwrap();
        assert_eq!((r.first_line(), n), (&b""[..], 5));
        assert!(matches!(
            decode_reply(b"250-a\r\n251 b\r\n", &lim()),
            Err(ReplyError::CodeChanged { .. })
        ));
        assert_eq!(
            decode_reply(b"250_a\r\n", &lim()),
            Err(ReplyError::BadSeparator(b'_'))
        );
        assert_eq!(
            decode_reply(b"250 a\n", &Limits::strict()),
            Err(ReplyError::BareLf)
        );
    }

    #[test]
    fn incomplete_never_fails_never_truncates() {
        let full = b"250-mx.example.com\r\n250-SIZE 1000\r\n250 OK\r\n";
        for cut in 0..full.len() {
            assert_eq!(decode_reply(&full[..cut], &lim()), Ok(None), "cut at {cut}");
        }
        let (r, n) = decode_reply(full, &lim()).unwrap().unwrap();
        assert_eq!((r.lines().len(), n), (3, full.len()));
    }

    #[test]
    fn non_smtp_fails_before_line_end() {
        assert_eq!(
            decode_reply(b"SSH-2.0-Open", &lim()),
            Err(ReplyError::NoCode)
        );
        assert_eq!(
            decode_reply(b"HTTP/1.1 400", &lim()),
            Err(ReplyError::NoCode)
        );
        assert_eq!(
            decode_reply(b"220x", &lim()),
            Err(ReplyError::BadSeparator(b'x'))
        );
    }

    #[test]
    fn limit_reply_line_strict_and_tolerant() {
        let mut long = b"250 ".to_vec();
        long.resize(600, b'a');
        // Tolerant: 600 bytes without newline are fine, still incomplete.
        assert_eq!(decode_reply(&long, &lim()), Ok(None));
        // Strict: detected as soon as 512 bytes are there, without waiting for LF.
        assert_eq!(
            decode_reply(&long, &Limits::strict()),
            Err(ReplyError::LineTooLong { limit: 512 })
        );
        long.resize(4096, b'a');
        assert_eq!(
            decode_reply(&long, &lim()),
            Err(ReplyError::LineTooLong { limit: 4096 })
        );
    }

    #[test]
    fn limit_lines_per_reply() {
        let l = Limits {
            lines_per_reply: 3,
            ..Limits::default()
        };
        assert!(decode_reply(b"250-a\r\n250-b\r\n250 c\r\n", &l)
            .unwrap()
            .is_some());
        // The third line is a continuation: fail now, without waiting for a fourth.
        assert_eq!(
            decode_reply(b"250-a\r\n250-b\r\n250-c\r\n", &l),
            Err(ReplyError::TooManyLines { limit: 3 })
        );
    }

    #[test]
    fn limit_total_reply_bytes() {
        let l = Limits {
            reply_bytes: 20,
            ..Limits::default()
        };
        assert_eq!(
            decode_reply(b"250-aaaa\r\n250-bbbb\r\n", &l),
            Err(ReplyError::TooLarge { limit: 20 })
        );
        assert_eq!(
            decode_reply(b"250-aaaa\r\n250-bbbbbbbbbbbb", &l),
            Err(ReplyError::TooLarge { limit: 20 })
        );
        assert!(decode_reply(b"250-aaaa\r\n250 bbb\r\n", &l)
            .unwrap()
            .is_some());
    }

    #[test]
    fn enhanced_status_extracted() {
        let (r, _) = decode_reply(b"550 5.7.1 <x@y>: Relay access denied\r\n", &lim())
            .unwrap()
            .unwrap();
        let st = r.enhanced_status().unwrap();
        assert_eq!(st.to_string(), "5.7.1");
        let (r, _) = decode_reply(b"250 OK\r\n", &lim()).unwrap().unwrap();
        assert_eq!(r.enhanced_status(), None);
    }
}
