//! Encoding of every type of this crate into wire bytes.

use alloc::vec::Vec;

use crate::ehlo::{Capability, EhloResponse};
use crate::reply::{Reply, ReplyCode};

/// Types that can be written to the wire. Decoding the output gives back an equal value.
pub trait Encode {
    /// Appends the wire form to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// The wire form as a new vector.
    fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }
}

pub(crate) fn reply_line(out: &mut Vec<u8>, code: ReplyCode, last: bool, text: &[u8]) {
    out.extend_from_slice(&code.digits());
    if !text.is_empty() {
        out.push(if last { b' ' } else { b'-' });
        out.extend_from_slice(text);
    } else if !last {
        out.push(b'-');
    }
    out.extend_from_slice(b"\r\n");
}

impl Encode for Reply<'_> {
    fn encode(&self, out: &mut Vec<u8>) {
        let n = self.lines().len();
        for (i, l) in self.lines().iter().enumerate() {
            reply_line(out, self.code(), i.saturating_add(1) == n, l);
        }
    }
}

impl Encode for Capability<'_> {
    fn encode(&self, out: &mut Vec<u8>) {
        fn list(out: &mut Vec<u8>, items: &[alloc::borrow::Cow<'_, str>]) {
            for i in items {
                out.push(b' ');
                out.extend_from_slice(i.as_bytes());
            }
        }
        fn num(out: &mut Vec<u8>, n: Option<u64>) {
            if let Some(n) = n {
                out.extend_from_slice(alloc::format!(" {n}").as_bytes());
            }
        }
        match self {
            Capability::Auth { mechanisms, legacy: true } => {
                out.extend_from_slice(b"AUTH=");
                let (first, rest) = mechanisms.split_first().map_or((None, &[][..]), |(f, r)| (Some(f), r));
                if let Some(f) = first {
                    out.extend_from_slice(f.as_bytes());
                }
                list(out, rest);
            }
            other => {
                out.extend_from_slice(other.keyword().as_bytes());
                match other {
                    Capability::Size(n) | Capability::DeliverBy(n) => num(out, *n),
                    Capability::Auth { mechanisms: v, .. }
                    | Capability::Burl(v)
                    | Capability::FutureRelease(v)
                    | Capability::Other { params: v, .. } => list(out, v),
                    Capability::NoSoliciting(Some(p)) => list(out, core::slice::from_ref(p)),
                    Capability::Limits(v) => {
                        for (k, val) in v {
                            out.push(b' ');
                            out.extend_from_slice(k.as_bytes());
                            out.push(b'=');
                            out.extend_from_slice(val.as_bytes());
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

impl Encode for EhloResponse<'_> {
    fn encode(&self, out: &mut Vec<u8>) {
        let mut first = Vec::with_capacity(self.domain.len().saturating_add(32));
        first.extend_from_slice(self.domain.as_bytes());
        if let Some(g) = &self.greeting {
            first.push(b' ');
            first.extend_from_slice(g.as_bytes());
        }
        reply_line(out, ReplyCode::OK, self.capabilities.is_empty(), &first);
        let n = self.capabilities.len();
        let mut line = Vec::new();
        for (i, c) in self.capabilities.iter().enumerate() {
            line.clear();
            c.encode(&mut line);
            reply_line(out, ReplyCode::OK, i.saturating_add(1) == n, &line);
        }
    }
}
