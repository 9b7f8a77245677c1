//! Sans-IO EHLO after the TLS handshake (RFC 3207 4.2: the client must discard what it knew
//! and issue EHLO again): the capabilities a server offers only inside TLS, such as
//! `REQUIRETLS` (RFC 8689) or `AUTH` on a server that hides it in plaintext.
//!
//! ```
//! use smtp_codec::tls_ehlo::{EhloExchange, EhloStep};
//! use smtp_codec::{Capability, Limits};
//!
//! let mut x = EhloExchange::new("scanner.example.org", Limits::default());
//! assert_eq!(x.request(), b"EHLO scanner.example.org\r\n");
//! x.feed(b"250-mx.example.org\r\n250-REQUIRETLS\r\n");
//! assert!(matches!(x.poll(), EhloStep::NeedMore));
//! x.feed(b"250 AUTH PLAIN\r\n");
//! let EhloStep::Ehlo(e) = x.poll() else { panic!() };
//! assert!(e.has(&Capability::RequireTls));
//! assert_eq!(e.auth_mechanisms(), ["PLAIN"]);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::ehlo::EhloResponse;
use crate::error::ReplyError;
use crate::limits::Limits;
use crate::reply::{decode_reply, Reply, ReplyCode};

/// What the exchange gives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EhloStep {
    /// Read more and feed it.
    NeedMore,
    /// A 250 reply, as capabilities.
    Ehlo(EhloResponse<'static>),
    /// A reply that is not a usable 250 (its code, or a 250 whose lines do not parse).
    Refused(Reply<'static>),
    /// The bytes are not an SMTP reply, or exceed a limit.
    Malformed(ReplyError),
}

/// One EHLO and its reply. Input is bounded by [`Limits::reply_bytes`] (plus one byte, so an
/// over-long reply is reported as such).
#[derive(Debug, Clone)]
pub struct EhloExchange {
    request: Vec<u8>,
    limits: Limits,
    buf: Vec<u8>,
}

impl EhloExchange {
    /// An exchange for `ehlo_name`. Characters that cannot appear in a domain or address
    /// literal are replaced with `-`, so the name cannot inject a command.
    pub fn new(ehlo_name: &str, limits: Limits) -> EhloExchange {
        let name: String = ehlo_name
            .chars()
            .take(255)
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let name = if name.is_empty() {
            String::from("localhost")
        } else {
            name
        };
        let mut request = Vec::with_capacity(name.len().saturating_add(7));
        request.extend_from_slice(b"EHLO ");
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b"\r\n");
        EhloExchange {
            request,
            limits,
            buf: Vec::new(),
        }
    }

    /// The bytes to send.
    pub fn request(&self) -> &[u8] {
        &self.request
    }

    /// Feeds bytes (decrypted application data).
    pub fn feed(&mut self, bytes: &[u8]) {
        let cap = self.limits.reply_bytes.saturating_add(1);
        crate::limits::push_bounded(&mut self.buf, bytes, cap);
    }

    /// The answer, once the first complete reply is in.
    pub fn poll(&self) -> EhloStep {
        match decode_reply(&self.buf, &self.limits) {
            Ok(None) => EhloStep::NeedMore,
            Err(e) => EhloStep::Malformed(e),
            Ok(Some((reply, _))) => {
                let reply = reply.into_owned();
                if reply.code() != ReplyCode::OK {
                    return EhloStep::Refused(reply);
                }
                match EhloResponse::from_reply(&reply) {
                    Ok(e) => EhloStep::Ehlo(e.into_owned()),
                    Err(_) => EhloStep::Refused(reply),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_floods_and_names() {
        let mut x = EhloExchange::new("a b\r\nQUIT", Limits::default());
        assert_eq!(x.request(), b"EHLO a-b--QUIT\r\n");
        x.feed(b"502 5.5.2 no\r\n");
        assert!(matches!(x.poll(), EhloStep::Refused(r) if r.code().get() == 502));
        let mut x = EhloExchange::new("", Limits::default());
        assert_eq!(x.request(), b"EHLO localhost\r\n");
        for _ in 0..100 {
            x.feed(&[b'2'; 4096]);
        }
        assert!(x.buf.len() <= Limits::default().reply_bytes + 1);
        assert!(matches!(x.poll(), EhloStep::Malformed(_)));
    }
}
