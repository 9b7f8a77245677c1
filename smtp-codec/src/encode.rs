//! Encoding of every type of this crate into wire bytes.

use alloc::vec::Vec;

use crate::ehlo::{Capability, EhloResponse};
use crate::reply::{Reply, ReplyCode};

/// Types that can be written to the wire. Decoding the output gives back an equal value.
///
/// Encoding writes values as they are. Decoded values and those from checked constructors
/// ([`Reply::new`], [`ReplyCode::new`]) are wire-safe; when building commands or EHLO responses
/// by hand through their public fields, keep CR and LF out of every text, or the output holds
/// more than one line.
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
            Capability::Auth {
                mechanisms,
                legacy: true,
            } => {
                out.extend_from_slice(b"AUTH=");
                let (first, rest) = mechanisms
                    .split_first()
                    .map_or((None, &[][..]), |(f, r)| (Some(f), r));
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

use crate::command::{
    BodyType, Command, ForwardPath, Host, MailParam, Mailbox, Notify, RcptParam, Ret, ReversePath,
};

fn push_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
}

fn push_param(out: &mut Vec<u8>, keyword: &str, value: Option<&str>) {
    out.push(b' ');
    push_str(out, keyword);
    if let Some(v) = value {
        out.push(b'=');
        push_str(out, v);
    }
}

impl Encode for Host<'_> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Host::Domain(d) => push_str(out, d),
            Host::Ipv4(a) => push_str(out, &alloc::format!("[{a}]")),
            Host::Ipv6(a) => push_str(out, &alloc::format!("[IPv6:{a}]")),
            Host::General { tag, content } => push_str(out, &alloc::format!("[{tag}:{content}]")),
        }
    }
}

impl Encode for Mailbox<'_> {
    fn encode(&self, out: &mut Vec<u8>) {
        push_str(out, &self.local_part);
        out.push(b'@');
        self.host.encode(out);
    }
}

impl Encode for Notify {
    fn encode(&self, out: &mut Vec<u8>) {
        let flags = [
            (self.success, "SUCCESS"),
            (self.failure, "FAILURE"),
            (self.delay, "DELAY"),
        ];
        let mut first = true;
        for (_, name) in flags.iter().filter(|(on, _)| *on) {
            if !first {
                out.push(b',');
            }
            push_str(out, name);
            first = false;
        }
        if first {
            push_str(out, "NEVER");
        }
    }
}

impl Encode for Command<'_> {
    fn encode(&self, out: &mut Vec<u8>) {
        let verb_arg = |out: &mut Vec<u8>, verb: &str, arg: Option<&str>| {
            push_str(out, verb);
            if let Some(a) = arg {
                out.push(b' ');
                push_str(out, a);
            }
        };
        match self {
            Command::Ehlo(d) => verb_arg(out, "EHLO", Some(d)),
            Command::Helo(d) => verb_arg(out, "HELO", Some(d)),
            Command::Lhlo(d) => verb_arg(out, "LHLO", Some(d)),
            Command::Mail { from, params } => {
                push_str(out, "MAIL FROM:<");
                if let ReversePath::Mailbox(m) = from {
                    m.encode(out);
                }
                out.push(b'>');
                for p in params {
                    match p {
                        MailParam::Size(n) => push_param(out, "SIZE", Some(&alloc::format!("{n}"))),
                        MailParam::Body(b) => push_param(
                            out,
                            "BODY",
                            Some(match b {
                                BodyType::SevenBit => "7BIT",
                                BodyType::EightBitMime => "8BITMIME",
                                BodyType::BinaryMime => "BINARYMIME",
                            }),
                        ),
                        MailParam::SmtpUtf8 => push_param(out, "SMTPUTF8", None),
                        MailParam::RequireTls => push_param(out, "REQUIRETLS", None),
                        MailParam::Ret(r) => push_param(
                            out,
                            "RET",
                            Some(match r {
                                Ret::Full => "FULL",
                                Ret::Hdrs => "HDRS",
                            }),
                        ),
                        MailParam::EnvId(v) => push_param(out, "ENVID", Some(v)),
                        MailParam::Auth(v) => push_param(out, "AUTH", Some(v)),
                        MailParam::Other { keyword, value } => {
                            push_param(out, keyword, value.as_deref())
                        }
                    }
                }
            }
            Command::Rcpt { to, params } => {
                push_str(out, "RCPT TO:<");
                match to {
                    ForwardPath::Postmaster => push_str(out, "Postmaster"),
                    ForwardPath::Mailbox(m) => m.encode(out),
                }
                out.push(b'>');
                for p in params {
                    match p {
                        RcptParam::Notify(n) => {
                            push_str(out, " NOTIFY=");
                            n.encode(out);
                        }
                        RcptParam::Orcpt { addr_type, addr } => {
                            push_param(out, "ORCPT", Some(&alloc::format!("{addr_type};{addr}")))
                        }
                        RcptParam::Other { keyword, value } => {
                            push_param(out, keyword, value.as_deref())
                        }
                    }
                }
            }
            Command::Data => push_str(out, "DATA"),
            Command::Bdat { size, last } => {
                push_str(out, &alloc::format!("BDAT {size}"));
                if *last {
                    push_str(out, " LAST");
                }
            }
            Command::Rset => push_str(out, "RSET"),
            Command::Vrfy(s) => verb_arg(out, "VRFY", Some(s)),
            Command::Expn(s) => verb_arg(out, "EXPN", Some(s)),
            Command::Help(s) => verb_arg(out, "HELP", s.as_deref()),
            Command::Noop(s) => verb_arg(out, "NOOP", s.as_deref()),
            Command::Quit => push_str(out, "QUIT"),
            Command::StartTls => push_str(out, "STARTTLS"),
            Command::Auth {
                mechanism,
                initial_response,
            } => {
                push_str(out, "AUTH ");
                verb_arg(out, mechanism, initial_response.as_deref());
            }
            Command::Unknown { verb, args } => verb_arg(out, verb, args.as_deref()),
        }
        out.extend_from_slice(b"\r\n");
    }
}
