//! Incremental line scanning shared by the decoders, and `bytes` integration.
//!
//! Every decoder in this crate has the same shape: it takes the bytes buffered so far and
//! returns `Ok(Some((value, consumed)))` when a complete item is there, `Ok(None)` when more
//! bytes are needed, or a typed error. `Ok(None)` is never returned when the buffered bytes
//! already exceed a limit: a line longer than its limit fails as soon as that many bytes arrived
//! without a line end, so a hostile peer cannot make us wait (and buffer) forever.

/// One line found in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    /// The content without CR LF (or bare LF).
    pub(crate) content: &'a [u8],
    /// Length including the line end.
    pub(crate) len: usize,
    /// The line ended in LF without CR.
    pub(crate) bare_lf: bool,
}

/// Result of looking for a line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan<'a> {
    /// A complete line no longer than the limit.
    Line(Line<'a>),
    /// No line end yet, and fewer than `limit` bytes buffered.
    Incomplete,
    /// At least `limit` bytes buffered without a line end inside the limit.
    TooLong,
}

/// Finds the next line in `input`, whose length including the line end may not exceed `limit`.
pub(crate) fn scan_line(input: &[u8], limit: usize) -> Scan<'_> {
    let window = input.get(..limit).unwrap_or(input);
    match memchr::memchr(b'\n', window) {
        Some(lf) => {
            let with_cr = input.get(..lf).unwrap_or_default();
            let (content, bare_lf) = match with_cr.split_last() {
                Some((b'\r', c)) => (c, false),
                _ => (with_cr, true),
            };
            Scan::Line(Line {
                content,
                len: lf.saturating_add(1),
                bare_lf,
            })
        }
        None if input.len() >= limit => Scan::TooLong,
        None => Scan::Incomplete,
    }
}

#[cfg(feature = "bytes")]
mod with_bytes {
    use bytes::{Buf, BytesMut};

    use crate::{
        decode_command, decode_ehlo, decode_reply, Command, CommandError, EhloError, EhloResponse,
        Limits, Reply, ReplyError,
    };

    /// Decodes one reply from the front of `buf` and advances `buf` past it.
    /// Returns `Ok(None)` (and leaves `buf` alone) when more bytes are needed.
    pub fn decode_reply_from(
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<Reply<'static>>, ReplyError> {
        let Some((reply, used)) = decode_reply(buf, limits)? else {
            return Ok(None);
        };
        let reply = reply.into_owned();
        buf.advance(used);
        Ok(Some(reply))
    }

    /// Decodes one EHLO response from the front of `buf` and advances `buf` past it.
    pub fn decode_ehlo_from(
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<EhloResponse<'static>>, EhloError> {
        let Some((ehlo, used)) = decode_ehlo(buf, limits)? else {
            return Ok(None);
        };
        let ehlo = ehlo.into_owned();
        buf.advance(used);
        Ok(Some(ehlo))
    }

    /// Decodes one command from the front of `buf` and advances `buf` past it.
    pub fn decode_command_from(
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<Command<'static>>, CommandError> {
        let Some((cmd, used)) = decode_command(buf, limits)? else {
            return Ok(None);
        };
        let cmd = cmd.into_owned();
        buf.advance(used);
        Ok(Some(cmd))
    }

    /// Encodes any value of this crate at the end of `buf`.
    pub fn encode_into<T: crate::Encode + ?Sized>(value: &T, buf: &mut BytesMut) {
        let mut v = alloc::vec::Vec::new();
        value.encode(&mut v);
        buf.extend_from_slice(&v);
    }
}

#[cfg(feature = "bytes")]
pub use with_bytes::{decode_command_from, decode_ehlo_from, decode_reply_from, encode_into};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_detects_overlong_line_without_newline() {
        assert_eq!(scan_line(b"abc", 4), Scan::Incomplete);
        assert_eq!(scan_line(b"abcd", 4), Scan::TooLong);
        assert_eq!(scan_line(b"abcdefgh", 4), Scan::TooLong);
        // A line of exactly the limit (with its LF) is accepted.
        assert!(
            matches!(scan_line(b"ab\r\n", 4), Scan::Line(l) if l.content == b"ab" && l.len == 4)
        );
        assert!(matches!(scan_line(b"abc\n", 4), Scan::Line(l) if l.bare_lf && l.len == 4));
        // A LF beyond the limit does not count.
        assert_eq!(scan_line(b"abcde\n", 4), Scan::TooLong);
    }
}
