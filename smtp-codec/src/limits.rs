//! Explicit, configurable limits for every decoder in this crate.
//!
//! The defaults come from RFC 5321 section 4.5.3.1 where the RFC gives one (command line 512
//! octets, reply line 512 octets, text line 1000 octets, all counting the CRLF). Real servers send
//! longer reply lines (long EHLO `AUTH` lists, banners with disclaimers), so reply lines are checked
//! against [`Limits::reply_line_tolerant`] unless [`Limits::strict`] is set.

/// Limits enforced while decoding. Every limit is counted in octets including the line terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Strict RFC mode: reply lines limited to [`Limits::reply_line_strict`] and bare LF rejected.
    pub strict: bool,
    /// Maximum command line length (RFC 5321 4.5.3.1.4: 512).
    pub command_line: usize,
    /// Maximum reply line length in strict mode (RFC 5321 4.5.3.1.5: 512).
    pub reply_line_strict: usize,
    /// Maximum reply line length in tolerant mode (the default mode), 4096 by default.
    pub reply_line_tolerant: usize,
    /// Maximum line length inside a DATA body (RFC 5321 4.5.3.1.6: 1000).
    pub text_line: usize,
    /// Maximum number of lines in one (multi-line) reply, 100 by default.
    pub lines_per_reply: usize,
    /// Maximum total size of one reply, 64 KiB by default.
    pub reply_bytes: usize,
    /// Maximum size of a message body (DATA or the sum of BDAT chunks), 10 MiB by default.
    pub message_bytes: usize,
}

impl Limits {
    /// The RFC 5321 limits in tolerant mode (what a scanner meeting real servers wants).
    pub const DEFAULT: Limits = Limits {
        strict: false,
        command_line: 512,
        reply_line_strict: 512,
        reply_line_tolerant: 4096,
        text_line: 1000,
        lines_per_reply: 100,
        reply_bytes: 64 * 1024,
        message_bytes: 10 * 1024 * 1024,
    };

    /// The RFC 5321 limits in strict mode: 512-octet reply lines, CRLF required.
    pub const fn strict() -> Limits {
        Limits {
            strict: true,
            ..Limits::DEFAULT
        }
    }

    /// The reply line limit in force for the current mode.
    pub const fn reply_line(&self) -> usize {
        if self.strict {
            self.reply_line_strict
        } else {
            self.reply_line_tolerant
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Appends as much of `bytes` to `buf` as fits under `cap` bytes in all: how the sans-IO
/// sessions bound what a server can make them hold between polls.
pub(crate) fn push_bounded(buf: &mut alloc::vec::Vec<u8>, bytes: &[u8], cap: usize) {
    let room = cap.saturating_sub(buf.len());
    buf.extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented values, written out: a changed default is a changed contract.
    #[test]
    fn defaults_are_the_documented_values() {
        let d = Limits::default();
        assert_eq!(d, Limits::DEFAULT);
        assert!(!d.strict);
        assert_eq!(d.command_line, 512);
        assert_eq!(d.reply_line_strict, 512);
        assert_eq!(d.reply_line_tolerant, 4_096);
        assert_eq!(d.text_line, 1_000);
        assert_eq!(d.lines_per_reply, 100);
        assert_eq!(d.reply_bytes, 65_536);
        assert_eq!(d.message_bytes, 10_485_760);
        assert_eq!(d.reply_line(), 4_096);
        let s = Limits::strict();
        assert_eq!(s, Limits { strict: true, ..d });
        assert_eq!(s.reply_line(), 512);
    }

    #[test]
    fn push_bounded_fills_up_to_the_cap_and_no_further() {
        let mut buf = b"ab".to_vec();
        push_bounded(&mut buf, b"cdef", 4);
        assert_eq!(buf, b"abcd");
        push_bounded(&mut buf, b"g", 4);
        assert_eq!(buf, b"abcd");
        let mut over = b"abcdef".to_vec();
        push_bounded(&mut over, b"g", 4);
        assert_eq!(over, b"abcdef");
    }
}
