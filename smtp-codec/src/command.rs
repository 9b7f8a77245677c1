//! Commands of RFC 5321 and the registered extensions, with their ESMTP parameters.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char as ch, satisfy};
use nom::combinator::{all_consuming, opt, recognize};
use nom::multi::{many0_count, separated_list1};
use nom::sequence::{delimited, preceded, terminated};
use nom::{IResult, Parser};

use crate::decode::{scan_line, Scan};
use crate::error::CommandError;
use crate::limits::Limits;

/// A command.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Command<'a> {
    /// `EHLO domain-or-address-literal` (kept as sent).
    Ehlo(Cow<'a, str>),
    /// `HELO domain`.
    Helo(Cow<'a, str>),
    /// `LHLO domain` (LMTP, RFC 2033).
    Lhlo(Cow<'a, str>),
    /// `MAIL FROM:<reverse-path> [parameters]`.
    Mail {
        /// The reverse path (`<>` is [`ReversePath::Null`]).
        from: ReversePath<'a>,
        /// ESMTP parameters in order.
        params: Vec<MailParam<'a>>,
    },
    /// `RCPT TO:<forward-path> [parameters]`.
    Rcpt {
        /// The forward path.
        to: ForwardPath<'a>,
        /// ESMTP parameters in order.
        params: Vec<RcptParam<'a>>,
    },
    /// `DATA`.
    Data,
    /// `BDAT size [LAST]` (RFC 3030).
    Bdat {
        /// Chunk size in octets.
        size: u64,
        /// Last chunk.
        last: bool,
    },
    /// `RSET`.
    Rset,
    /// `VRFY string`.
    Vrfy(Cow<'a, str>),
    /// `EXPN string`.
    Expn(Cow<'a, str>),
    /// `HELP [string]`.
    Help(Option<Cow<'a, str>>),
    /// `NOOP [string]`.
    Noop(Option<Cow<'a, str>>),
    /// `QUIT`.
    Quit,
    /// `STARTTLS` (RFC 3207).
    StartTls,
    /// `AUTH mechanism [initial-response]` (RFC 4954).
    Auth {
        /// The SASL mechanism as sent.
        mechanism: Cow<'a, str>,
        /// The base64 initial response (or `=` for an empty one), as sent.
        initial_response: Option<Cow<'a, str>>,
    },
    /// Any other verb, with its raw arguments.
    Unknown {
        /// The verb as sent.
        verb: Cow<'a, str>,
        /// The rest of the line (trimmed), if any.
        args: Option<Cow<'a, str>>,
    },
}

/// The host part of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Host<'a> {
    /// A domain name (A-labels or, with SMTPUTF8, U-labels), as sent.
    Domain(Cow<'a, str>),
    /// `[192.0.2.1]`.
    Ipv4(Ipv4Addr),
    /// `[IPv6:2001:db8::1]`.
    Ipv6(Ipv6Addr),
    /// `[tag:content]`, a general address literal.
    General {
        /// The standardized tag.
        tag: Cow<'a, str>,
        /// The content.
        content: Cow<'a, str>,
    },
}

/// A mailbox `local-part@host`. The local part is kept in its wire form (with quotes if quoted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox<'a> {
    /// The local part as sent (a dot-string, or a quoted string including its quotes).
    pub local_part: Cow<'a, str>,
    /// The host.
    pub host: Host<'a>,
}

/// The argument of `MAIL FROM`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReversePath<'a> {
    /// `<>`: bounces and other notifications.
    Null,
    /// A mailbox (a source route, if sent, is dropped per RFC 5321 4.1.1.3... and C.).
    Mailbox(Mailbox<'a>),
}

/// The argument of `RCPT TO`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForwardPath<'a> {
    /// `<Postmaster>` without a domain.
    Postmaster,
    /// A mailbox.
    Mailbox(Mailbox<'a>),
}

/// `BODY=` values (RFC 6152, RFC 3030).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyType {
    /// `7BIT`.
    SevenBit,
    /// `8BITMIME`.
    EightBitMime,
    /// `BINARYMIME`.
    BinaryMime,
}

/// `RET=` values (RFC 3461).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ret {
    /// `FULL`.
    Full,
    /// `HDRS`.
    Hdrs,
}

/// A `MAIL FROM` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MailParam<'a> {
    /// `SIZE=n` (RFC 1870).
    Size(u64),
    /// `BODY=` (RFC 6152, RFC 3030).
    Body(BodyType),
    /// `SMTPUTF8` (RFC 6531).
    SmtpUtf8,
    /// `REQUIRETLS` (RFC 8689).
    RequireTls,
    /// `RET=` (RFC 3461).
    Ret(Ret),
    /// `ENVID=xtext` (RFC 3461), as sent.
    EnvId(Cow<'a, str>),
    /// `AUTH=xtext-or-<>` (RFC 4954), as sent.
    Auth(Cow<'a, str>),
    /// Any other parameter.
    Other {
        /// The keyword as sent.
        keyword: Cow<'a, str>,
        /// The value, if any.
        value: Option<Cow<'a, str>>,
    },
}

/// `NOTIFY=` (RFC 3461): no flag set means `NEVER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Notify {
    /// `SUCCESS`.
    pub success: bool,
    /// `FAILURE`.
    pub failure: bool,
    /// `DELAY`.
    pub delay: bool,
}

/// A `RCPT TO` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RcptParam<'a> {
    /// `NOTIFY=` (RFC 3461).
    Notify(Notify),
    /// `ORCPT=addr-type;xtext` (RFC 3461).
    Orcpt {
        /// The address type, e.g. `rfc822`.
        addr_type: Cow<'a, str>,
        /// The encoded address, as sent.
        addr: Cow<'a, str>,
    },
    /// Any other parameter.
    Other {
        /// The keyword as sent.
        keyword: Cow<'a, str>,
        /// The value, if any.
        value: Option<Cow<'a, str>>,
    },
}

type PResult<'a, T> = IResult<&'a str, T>;

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '#'
                | '$'
                | '%'
                | '&'
                | '\''
                | '*'
                | '+'
                | '-'
                | '/'
                | '='
                | '?'
                | '^'
                | '_'
                | '`'
                | '{'
                | '|'
                | '}'
                | '~'
        )
        || !c.is_ascii()
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' || !c.is_ascii()
}

fn domain(i: &str) -> PResult<'_, &str> {
    recognize((
        satisfy(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()),
        take_while(is_domain_char),
    ))
    .parse(i)
}

fn address_literal(i: &str) -> PResult<'_, Host<'_>> {
    let (rest, inner) = delimited(
        ch('['),
        take_while1(|c: char| c != ']' && c != '[' && c != '\\' && !c.is_whitespace()),
        ch(']'),
    )
    .parse(i)?;
    let fail = || nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify));
    let host = if let Some(v6) = inner
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("IPv6:"))
        .and(inner.get(5..))
    {
        Host::Ipv6(v6.parse().map_err(|_| fail())?)
    } else if let Ok(v4) = inner.parse::<Ipv4Addr>() {
        Host::Ipv4(v4)
    } else {
        let (tag_, content) = inner.split_once(':').ok_or_else(fail)?;
        let tag_ok = !tag_.is_empty()
            && tag_.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !tag_.ends_with('-');
        if !tag_ok || content.is_empty() || !content.chars().all(|c| c.is_ascii_graphic()) {
            return Err(fail());
        }
        Host::General {
            tag: Cow::Borrowed(tag_),
            content: Cow::Borrowed(content),
        }
    };
    Ok((rest, host))
}

fn host(i: &str) -> PResult<'_, Host<'_>> {
    alt((
        address_literal,
        domain.map(|d| Host::Domain(Cow::Borrowed(d))),
    ))
    .parse(i)
}

fn quoted_string(i: &str) -> PResult<'_, &str> {
    recognize(delimited(
        ch('"'),
        many0_count(alt((
            preceded(ch('\\'), satisfy(|c| (' '..='~').contains(&c))),
            satisfy(|c| c >= ' ' && c != '"' && c != '\\' && c != '\x7f'),
        ))),
        ch('"'),
    ))
    .parse(i)
}

fn local_part(i: &str) -> PResult<'_, &str> {
    alt((quoted_string, take_while1(|c| is_atext(c) || c == '.'))).parse(i)
}

fn mailbox(i: &str) -> PResult<'_, Mailbox<'_>> {
    (local_part, ch('@'), host)
        .map(|(l, _, h)| Mailbox {
            local_part: Cow::Borrowed(l),
            host: h,
        })
        .parse(i)
}

fn source_route(i: &str) -> PResult<'_, ()> {
    terminated(separated_list1(ch(','), preceded(ch('@'), domain)), ch(':'))
        .map(|_| ())
        .parse(i)
}

/// `<[source-route:]mailbox>`; the source route is accepted and dropped (RFC 5321 4.1.1.3).
fn path(i: &str) -> PResult<'_, Mailbox<'_>> {
    delimited(ch('<'), preceded(opt(source_route), mailbox), ch('>')).parse(i)
}

fn reverse_path(i: &str) -> PResult<'_, ReversePath<'_>> {
    alt((
        tag("<>").map(|_| ReversePath::Null),
        path.map(ReversePath::Mailbox),
    ))
    .parse(i)
}

fn forward_path(i: &str) -> PResult<'_, ForwardPath<'_>> {
    alt((
        delimited(
            ch('<'),
            take_while1(|c: char| c.is_ascii_alphabetic()),
            ch('>'),
        )
        .map_opt(|p: &str| {
            p.eq_ignore_ascii_case("postmaster")
                .then_some(ForwardPath::Postmaster)
        }),
        path.map(ForwardPath::Mailbox),
    ))
    .parse(i)
}

/// Splits `keyword[=value]` ESMTP parameters (separated by one or more spaces).
fn esmtp_params<'a>(
    rest: &'a str,
    verb: &'static str,
) -> Result<Vec<(&'a str, Option<&'a str>)>, CommandError> {
    let syntax = |what| CommandError::Syntax { verb, what };
    if !rest.is_empty() && !rest.starts_with(' ') {
        return Err(syntax("garbage after the path"));
    }
    rest.split(' ')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = match p.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (p, None),
            };
            let k_ok = k.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !k_ok {
                return Err(syntax("invalid parameter keyword"));
            }
            if v.is_some_and(|v| v.is_empty() || v.contains('=') || v.chars().any(char::is_control))
            {
                return Err(syntax("invalid parameter value"));
            }
            Ok((k, v))
        })
        .collect()
}

fn mail_param<'a>(k: &'a str, v: Option<&'a str>) -> Result<MailParam<'a>, CommandError> {
    let bad = |what| CommandError::Syntax { verb: "MAIL", what };
    let is = |name: &str| k.eq_ignore_ascii_case(name);
    Ok(match (v, k) {
        (Some(v), _) if is("SIZE") => {
            MailParam::Size(number(v).ok_or(bad("SIZE is not a number"))?)
        }
        (Some(v), _) if is("BODY") => MailParam::Body(if v.eq_ignore_ascii_case("7BIT") {
            BodyType::SevenBit
        } else if v.eq_ignore_ascii_case("8BITMIME") {
            BodyType::EightBitMime
        } else if v.eq_ignore_ascii_case("BINARYMIME") {
            BodyType::BinaryMime
        } else {
            return Err(bad("unknown BODY value"));
        }),
        (None, _) if is("SMTPUTF8") => MailParam::SmtpUtf8,
        (None, _) if is("REQUIRETLS") => MailParam::RequireTls,
        (Some(v), _) if is("RET") => MailParam::Ret(if v.eq_ignore_ascii_case("FULL") {
            Ret::Full
        } else if v.eq_ignore_ascii_case("HDRS") {
            Ret::Hdrs
        } else {
            return Err(bad("unknown RET value"));
        }),
        (Some(v), _) if is("ENVID") => MailParam::EnvId(Cow::Borrowed(v)),
        (Some(v), _) if is("AUTH") => MailParam::Auth(Cow::Borrowed(v)),
        _ if [
            "SIZE",
            "BODY",
            "SMTPUTF8",
            "REQUIRETLS",
            "RET",
            "ENVID",
            "AUTH",
        ]
        .iter()
        .any(|n| is(n)) =>
        {
            return Err(bad("parameter value missing or not allowed"))
        }
        (v, k) => MailParam::Other {
            keyword: Cow::Borrowed(k),
            value: v.map(Cow::Borrowed),
        },
    })
}

fn rcpt_param<'a>(k: &'a str, v: Option<&'a str>) -> Result<RcptParam<'a>, CommandError> {
    let bad = |what| CommandError::Syntax { verb: "RCPT", what };
    let is = |name: &str| k.eq_ignore_ascii_case(name);
    Ok(match v {
        Some(v) if is("NOTIFY") => {
            let mut n = Notify::default();
            if !v.eq_ignore_ascii_case("NEVER") {
                for f in v.split(',') {
                    if f.eq_ignore_ascii_case("SUCCESS") {
                        n.success = true;
                    } else if f.eq_ignore_ascii_case("FAILURE") {
                        n.failure = true;
                    } else if f.eq_ignore_ascii_case("DELAY") {
                        n.delay = true;
                    } else {
                        return Err(bad("unknown NOTIFY value"));
                    }
                }
            }
            RcptParam::Notify(n)
        }
        Some(v) if is("ORCPT") => {
            let (t, a) = v.split_once(';').ok_or(bad("ORCPT without addr-type"))?;
            if t.is_empty() || a.is_empty() {
                return Err(bad("empty ORCPT part"));
            }
            RcptParam::Orcpt {
                addr_type: Cow::Borrowed(t),
                addr: Cow::Borrowed(a),
            }
        }
        None if is("NOTIFY") || is("ORCPT") => return Err(bad("parameter value missing")),
        v => RcptParam::Other {
            keyword: Cow::Borrowed(k),
            value: v.map(Cow::Borrowed),
        },
    })
}

fn number(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses one command line (without its line end).
pub fn parse_command(line: &str) -> Result<Command<'_>, CommandError> {
    let line = line.trim_end_matches([' ', '\t']);
    if line.is_empty() {
        return Err(CommandError::Empty);
    }
    let (verb, args) = match line.split_once(' ') {
        Some((v, a)) => (v, Some(a.trim_start_matches(' ')).filter(|a| !a.is_empty())),
        None => (line, None),
    };
    let is = |name: &str| verb.eq_ignore_ascii_case(name);
    let syntax = |verb: &'static str, what: &'static str| CommandError::Syntax { verb, what };
    let no_args = |v: &'static str, c: Command<'static>| match args {
        None => Ok(c),
        Some(_) => Err(syntax(v, "takes no arguments")),
    };
    let required = |v: &'static str| {
        args.map(Cow::Borrowed)
            .ok_or(syntax(v, "argument required"))
    };
    if is("EHLO") {
        return Ok(Command::Ehlo(required("EHLO")?));
    }
    if is("HELO") {
        return Ok(Command::Helo(required("HELO")?));
    }
    if is("LHLO") {
        return Ok(Command::Lhlo(required("LHLO")?));
    }
    if is("MAIL") {
        let a = args.unwrap_or("");
        let rest = strip_prefix_ci(a, "FROM:").ok_or(syntax("MAIL", "expected FROM:"))?;
        let rest = rest.trim_start_matches(' ');
        let (rest, from) =
            reverse_path(rest).map_err(|_| syntax("MAIL", "invalid reverse-path"))?;
        let params = esmtp_params(rest, "MAIL")?
            .into_iter()
            .map(|(k, v)| mail_param(k, v))
            .collect::<Result<_, _>>()?;
        return Ok(Command::Mail { from, params });
    }
    if is("RCPT") {
        let a = args.unwrap_or("");
        let rest = strip_prefix_ci(a, "TO:").ok_or(syntax("RCPT", "expected TO:"))?;
        let rest = rest.trim_start_matches(' ');
        let (rest, to) = forward_path(rest).map_err(|_| syntax("RCPT", "invalid forward-path"))?;
        let params = esmtp_params(rest, "RCPT")?
            .into_iter()
            .map(|(k, v)| rcpt_param(k, v))
            .collect::<Result<_, _>>()?;
        return Ok(Command::Rcpt { to, params });
    }
    if is("DATA") {
        return no_args("DATA", Command::Data);
    }
    if is("BDAT") {
        let a = args.ok_or(syntax("BDAT", "size required"))?;
        let (size, last) = match a.split_once(' ') {
            Some((n, l)) if l.trim_start_matches(' ').eq_ignore_ascii_case("LAST") => (n, true),
            Some(_) => return Err(syntax("BDAT", "expected LAST after the size")),
            None => (a, false),
        };
        let size = number(size).ok_or(syntax("BDAT", "size is not a number"))?;
        return Ok(Command::Bdat { size, last });
    }
    if is("RSET") {
        return no_args("RSET", Command::Rset);
    }
    if is("VRFY") {
        return Ok(Command::Vrfy(required("VRFY")?));
    }
    if is("EXPN") {
        return Ok(Command::Expn(required("EXPN")?));
    }
    if is("HELP") {
        return Ok(Command::Help(args.map(Cow::Borrowed)));
    }
    if is("NOOP") {
        return Ok(Command::Noop(args.map(Cow::Borrowed)));
    }
    if is("QUIT") {
        return no_args("QUIT", Command::Quit);
    }
    if is("STARTTLS") {
        return no_args("STARTTLS", Command::StartTls);
    }
    if is("AUTH") {
        let a = args.ok_or(syntax("AUTH", "mechanism required"))?;
        let (mech, ir) = match a.split_once(' ') {
            Some((m, r)) => (m, Some(r.trim_start_matches(' '))),
            None => (a, None),
        };
        let mech_ok = all_consuming(take_while1::<_, _, nom::error::Error<&str>>(|c: char| {
            c.is_ascii_alphanumeric() || c == '-' || c == '_'
        }))
        .parse(mech)
        .is_ok();
        if !mech_ok {
            return Err(syntax("AUTH", "invalid mechanism name"));
        }
        if ir.is_some_and(|r| {
            r != "="
                && !r
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
        }) {
            return Err(syntax("AUTH", "initial response is not base64"));
        }
        return Ok(Command::Auth {
            mechanism: Cow::Borrowed(mech),
            initial_response: ir.map(Cow::Borrowed),
        });
    }
    Ok(Command::Unknown {
        verb: Cow::Borrowed(verb),
        args: args.map(Cow::Borrowed),
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// Decodes one command line from the front of `input` (incremental, like
/// [`decode_reply`](crate::decode_reply)). The line limit is [`Limits::command_line`].
///
/// ```
/// use smtp_codec::{decode_command, Command, Limits, MailParam, ReversePath};
/// let (cmd, used) = decode_command(b"mail from:<> BODY=8BITMIME\r\n", &Limits::default()).unwrap().unwrap();
/// assert_eq!(used, 28);
/// assert!(matches!(cmd, Command::Mail { from: ReversePath::Null, ref params } if params.len() == 1));
/// ```
pub fn decode_command<'a>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<Option<(Command<'a>, usize)>, CommandError> {
    let line = match scan_line(input, limits.command_line) {
        Scan::Line(l) => l,
        Scan::Incomplete => return Ok(None),
        Scan::TooLong => {
            return Err(CommandError::LineTooLong {
                limit: limits.command_line,
            })
        }
    };
    if line.bare_lf && limits.strict {
        return Err(CommandError::BareLf);
    }
    let text = core::str::from_utf8(line.content).map_err(|_| CommandError::NotUtf8)?;
    Ok(Some((parse_command(text)?, line.len)))
}

fn own(c: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(String::from(c))
}

impl Host<'_> {
    /// Detaches from the input buffer.
    pub fn into_owned(self) -> Host<'static> {
        match self {
            Host::Domain(d) => Host::Domain(own(d)),
            Host::Ipv4(a) => Host::Ipv4(a),
            Host::Ipv6(a) => Host::Ipv6(a),
            Host::General { tag, content } => Host::General {
                tag: own(tag),
                content: own(content),
            },
        }
    }
}

impl Mailbox<'_> {
    /// Detaches from the input buffer.
    pub fn into_owned(self) -> Mailbox<'static> {
        Mailbox {
            local_part: own(self.local_part),
            host: self.host.into_owned(),
        }
    }
}

impl Command<'_> {
    /// Detaches from the input buffer.
    pub fn into_owned(self) -> Command<'static> {
        let o = own;
        match self {
            Command::Ehlo(d) => Command::Ehlo(o(d)),
            Command::Helo(d) => Command::Helo(o(d)),
            Command::Lhlo(d) => Command::Lhlo(o(d)),
            Command::Mail { from, params } => Command::Mail {
                from: match from {
                    ReversePath::Null => ReversePath::Null,
                    ReversePath::Mailbox(m) => ReversePath::Mailbox(m.into_owned()),
                },
                params: params
                    .into_iter()
                    .map(|p| match p {
                        MailParam::Size(n) => MailParam::Size(n),
                        MailParam::Body(b) => MailParam::Body(b),
                        MailParam::SmtpUtf8 => MailParam::SmtpUtf8,
                        MailParam::RequireTls => MailParam::RequireTls,
                        MailParam::Ret(r) => MailParam::Ret(r),
                        MailParam::EnvId(v) => MailParam::EnvId(o(v)),
                        MailParam::Auth(v) => MailParam::Auth(o(v)),
                        MailParam::Other { keyword, value } => MailParam::Other {
                            keyword: o(keyword),
                            value: value.map(o),
                        },
                    })
                    .collect(),
            },
            Command::Rcpt { to, params } => Command::Rcpt {
                to: match to {
                    ForwardPath::Postmaster => ForwardPath::Postmaster,
                    ForwardPath::Mailbox(m) => ForwardPath::Mailbox(m.into_owned()),
                },
                params: params
                    .into_iter()
                    .map(|p| match p {
                        RcptParam::Notify(n) => RcptParam::Notify(n),
                        RcptParam::Orcpt { addr_type, addr } => RcptParam::Orcpt {
                            addr_type: o(addr_type),
                            addr: o(addr),
                        },
                        RcptParam::Other { keyword, value } => RcptParam::Other {
                            keyword: o(keyword),
                            value: value.map(o),
                        },
                    })
                    .collect(),
            },
            Command::Data => Command::Data,
            Command::Bdat { size, last } => Command::Bdat { size, last },
            Command::Rset => Command::Rset,
            Command::Vrfy(s) => Command::Vrfy(o(s)),
            Command::Expn(s) => Command::Expn(o(s)),
            Command::Help(s) => Command::Help(s.map(o)),
            Command::Noop(s) => Command::Noop(s.map(o)),
            Command::Quit => Command::Quit,
            Command::StartTls => Command::StartTls,
            Command::Auth {
                mechanism,
                initial_response,
            } => Command::Auth {
                mechanism: o(mechanism),
                initial_response: initial_response.map(o),
            },
            Command::Unknown { verb, args } => Command::Unknown {
                verb: o(verb),
                args: args.map(o),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Command<'_> {
        parse_command(s).unwrap()
    }

    fn mb<'a>(l: &'a str, h: Host<'a>) -> Mailbox<'a> {
        Mailbox {
            local_part: Cow::Borrowed(l),
            host: h,
        }
    }

    #[test]
    fn verbs_case_insensitive() {
        assert_eq!(
            p("ehlo client.example"),
            Command::Ehlo("client.example".into())
        );
        assert_eq!(p("HeLo x"), Command::Helo("x".into()));
        assert_eq!(p("LHLO x"), Command::Lhlo("x".into()));
        assert_eq!(p("data"), Command::Data);
        assert_eq!(p("Rset  "), Command::Rset);
        assert_eq!(p("quit"), Command::Quit);
        assert_eq!(p("StartTLS"), Command::StartTls);
        assert_eq!(p("noop"), Command::Noop(None));
        assert_eq!(p("NOOP hi there"), Command::Noop(Some("hi there".into())));
        assert_eq!(p("help mail"), Command::Help(Some("mail".into())));
        assert_eq!(p("VRFY postmaster"), Command::Vrfy("postmaster".into()));
        assert_eq!(p("EXPN staff"), Command::Expn("staff".into()));
        assert!(matches!(
            parse_command("STARTTLS now"),
            Err(CommandError::Syntax { .. })
        ));
        assert!(matches!(
            parse_command("VRFY"),
            Err(CommandError::Syntax { .. })
        ));
        assert_eq!(parse_command(""), Err(CommandError::Empty));
    }

    #[test]
    fn mail_from_with_parameters() {
        let c = p("MAIL FROM:<a.b@example.org> SIZE=1000 BODY=8bitmime SMTPUTF8 REQUIRETLS RET=HDRS ENVID=QQ314159 AUTH=<> X-FOO=bar X-FLAG");
        let Command::Mail { from, params } = c else {
            panic!()
        };
        assert_eq!(
            from,
            ReversePath::Mailbox(mb("a.b", Host::Domain("example.org".into())))
        );
        assert_eq!(
            params,
            vec![
                MailParam::Size(1000),
                MailParam::Body(BodyType::EightBitMime),
                MailParam::SmtpUtf8,
                MailParam::RequireTls,
                MailParam::Ret(Ret::Hdrs),
                MailParam::EnvId("QQ314159".into()),
                MailParam::Auth("<>".into()),
                MailParam::Other {
                    keyword: "X-FOO".into(),
                    value: Some("bar".into())
                },
                MailParam::Other {
                    keyword: "X-FLAG".into(),
                    value: None
                },
            ]
        );
        assert!(matches!(
            p("MAIL FROM:<>"),
            Command::Mail {
                from: ReversePath::Null,
                ..
            }
        ));
        assert!(matches!(
            p("mail from: <>"),
            Command::Mail {
                from: ReversePath::Null,
                ..
            }
        ));
        assert!(parse_command("MAIL FROM:<> SIZE=big").is_err());
        assert!(parse_command("MAIL FROM:<> BODY=9BIT").is_err());
        assert!(parse_command("MAIL FROM:a@b").is_err());
        assert!(parse_command("MAIL TO:<a@b>").is_err());
    }

    #[test]
    fn rcpt_to_with_parameters() {
        let c = p("RCPT TO:<u@example.com> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;u@example.com X-Y=z");
        let Command::Rcpt { to, params } = c else {
            panic!()
        };
        assert_eq!(
            to,
            ForwardPath::Mailbox(mb("u", Host::Domain("example.com".into())))
        );
        assert_eq!(
            params[0],
            RcptParam::Notify(Notify {
                success: true,
                failure: false,
                delay: true
            })
        );
        assert_eq!(
            params[1],
            RcptParam::Orcpt {
                addr_type: "rfc822".into(),
                addr: "u@example.com".into()
            }
        );
        assert_eq!(
            params[2],
            RcptParam::Other {
                keyword: "X-Y".into(),
                value: Some("z".into())
            }
        );
        assert_eq!(
            p("RCPT TO:<u@x> NOTIFY=NEVER"),
            Command::Rcpt {
                to: ForwardPath::Mailbox(mb("u", Host::Domain("x".into()))),
                params: vec![RcptParam::Notify(Notify::default())]
            }
        );
        assert!(matches!(
            p("rcpt to:<Postmaster>"),
            Command::Rcpt {
                to: ForwardPath::Postmaster,
                ..
            }
        ));
        assert!(parse_command("RCPT TO:<u@x> NOTIFY=SOMETIMES").is_err());
    }

    #[test]
    fn paths_source_routes_quoted_literals_utf8() {
        let to = |c: Command<'static>| match c {
            Command::Rcpt {
                to: ForwardPath::Mailbox(m),
                ..
            } => m,
            other => panic!("{other:?}"),
        };
        let m = to(p("RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>"));
        assert_eq!(m, mb("userc", Host::Domain("d.bar.org".into())));
        let m = to(p("RCPT TO:<\"john \\\"q\\\" doe\"@example.com>"));
        assert_eq!(m.local_part, "\"john \\\"q\\\" doe\"");
        assert_eq!(
            to(p("RCPT TO:<x@[192.0.2.1]>")).host,
            Host::Ipv4("192.0.2.1".parse().unwrap())
        );
        assert_eq!(
            to(p("RCPT TO:<x@[IPv6:2001:db8::1]>")).host,
            Host::Ipv6("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            to(p("RCPT TO:<x@[x-tag:stuff]>")).host,
            Host::General {
                tag: "x-tag".into(),
                content: "stuff".into()
            }
        );
        assert!(parse_command("RCPT TO:<x@[IPv6:zz]>").is_err());
        assert_eq!(
            to(p("RCPT TO:<用户@例子.广告>")),
            mb("用户", Host::Domain("例子.广告".into()))
        );
    }

    fn rcpt_host(s: &str) -> Option<Host<'static>> {
        match parse_command(s) {
            Ok(Command::Rcpt {
                to: ForwardPath::Mailbox(m),
                ..
            }) => Some(m.host.into_owned()),
            _ => None,
        }
    }

    #[test]
    fn a_domain_may_start_with_a_letter_digit_or_underscore_only() {
        assert_eq!(
            rcpt_host("RCPT TO:<x@_srv.example>"),
            Some(Host::Domain("_srv.example".into()))
        );
        assert_eq!(
            rcpt_host("RCPT TO:<x@9.example>"),
            Some(Host::Domain("9.example".into()))
        );
        for bad in ["-a.example", ".a.example", "=a.example", "*a"] {
            assert_eq!(rcpt_host(&format!("RCPT TO:<x@{bad}>")), None, "{bad}");
        }
    }

    #[test]
    fn a_general_address_literal_needs_a_tag_and_printable_content() {
        assert_eq!(
            rcpt_host("RCPT TO:<x@[a-1:c]>"),
            Some(Host::General {
                tag: "a-1".into(),
                content: "c".into()
            })
        );
        // RFC 5321 4.1.3: a Standardized-tag is an Ldh-str (letters, digits and hyphens, not
        // empty, no trailing hyphen); dcontent is printable US-ASCII, at least one character.
        for bad in [
            "[:c]",         // empty tag
            "[a_b:c]",      // '_' is not in a tag
            "[a.b:c]",      // nor '.'
            "[ab-:c]",      // trailing hyphen
            "[tag:]",       // empty content
            "[tag:\u{e9}]", // non-ASCII content
            "[tag]",        // no colon
        ] {
            assert_eq!(rcpt_host(&format!("RCPT TO:<x@{bad}>")), None, "{bad}");
        }
    }

    #[test]
    fn esmtp_parameters_are_checked_keyword_and_value() {
        let what = |s: &str| match parse_command(s) {
            Err(CommandError::Syntax { what, .. }) => Some(what),
            _ => None,
        };
        // A keyword starts with a letter or digit and holds letters, digits and hyphens.
        assert!(parse_command("MAIL FROM:<a@b.example> X-1=v").is_ok());
        for bad in ["-X", "X_Y", "X.Y"] {
            assert_eq!(
                what(&format!("MAIL FROM:<a@b.example> {bad}=v")),
                Some("invalid parameter keyword"),
                "{bad}"
            );
        }
        // A value is not empty, holds no '=' and no control character.
        for bad in ["X=", "X=a=b", "X=a\u{1}", "X=\u{7f}"] {
            assert_eq!(
                what(&format!("MAIL FROM:<a@b.example> {bad}")),
                Some("invalid parameter value"),
                "{bad:?}"
            );
        }
        // The known parameters take a value where RFC 5321 and its extensions say so, and only
        // there.
        for bad in [
            "SIZE",
            "BODY",
            "RET",
            "ENVID",
            "AUTH",
            "SMTPUTF8=1",
            "requiretls=yes",
        ] {
            assert_eq!(
                what(&format!("MAIL FROM:<a@b.example> {bad}")),
                Some("parameter value missing or not allowed"),
                "{bad}"
            );
        }
        for bad in ["NOTIFY", "ORCPT"] {
            assert_eq!(
                what(&format!("RCPT TO:<a@b.example> {bad}")),
                Some("parameter value missing"),
                "{bad}"
            );
        }
    }

    #[test]
    fn orcpt_needs_both_parts() {
        assert!(parse_command("RCPT TO:<a@b.example> ORCPT=rfc822;a@b.example").is_ok());
        for bad in ["ORCPT=;a@b.example", "ORCPT=rfc822;", "ORCPT=rfc822"] {
            assert!(
                parse_command(&format!("RCPT TO:<a@b.example> {bad}")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn numbers_are_at_most_20_plain_digits() {
        let size = |s: &str| match parse_command(&format!("BDAT {s}")) {
            Ok(Command::Bdat { size, .. }) => Some(size),
            _ => None,
        };
        assert_eq!(size("00000000000000000001"), Some(1)); // 20 digits
        assert_eq!(size("18446744073709551615"), Some(u64::MAX));
        assert_eq!(size("000000000000000000001"), None); // 21 digits, though small
        assert_eq!(size("18446744073709551616"), None); // past u64
        assert_eq!(size("+5"), None); // u64::from_str takes a sign; SMTP does not
        assert_eq!(size("5 "), Some(5));
        assert_eq!(
            parse_command("MAIL FROM:<> SIZE=+5").err(),
            Some(CommandError::Syntax {
                verb: "MAIL",
                what: "SIZE is not a number"
            })
        );
    }

    #[test]
    fn bdat_takes_only_last_after_the_size() {
        assert_eq!(
            parse_command("BDAT 5  last"),
            Ok(Command::Bdat {
                size: 5,
                last: true
            })
        );
        for bad in ["BDAT 5 FIRST", "BDAT 5 LASTLY", "BDAT 5 LAST X"] {
            assert_eq!(
                parse_command(bad).err(),
                Some(CommandError::Syntax {
                    verb: "BDAT",
                    what: "expected LAST after the size"
                }),
                "{bad}"
            );
        }
    }

    #[test]
    fn strict_limits_refuse_bare_lf_only() {
        let strict = Limits::strict();
        assert_eq!(
            decode_command(b"NOOP\r\n", &strict),
            Ok(Some((Command::Noop(None), 6)))
        );
        assert_eq!(
            decode_command(b"NOOP\n", &strict),
            Err(CommandError::BareLf)
        );
        assert_eq!(
            decode_command(b"NOOP\n", &Limits::default()),
            Ok(Some((Command::Noop(None), 5)))
        );
    }

    #[test]
    fn into_owned_keeps_every_value() {
        for line in [
            "EHLO client.example",
            "MAIL FROM:<\"a b\"@[x-t:c]> SIZE=10 BODY=8BITMIME ENVID=e AUTH=<> X-Y=z SMTPUTF8",
            "RCPT TO:<u@[IPv6:2001:db8::1]> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;u@x X",
            "RCPT TO:<Postmaster>",
            "MAIL FROM:<>",
            "VRFY someone",
            "EXPN list",
            "HELP me",
            "NOOP x",
            "AUTH PLAIN AGZvbwBiYXI=",
            "XCLIENT ADDR=1.2.3.4",
            "HELO x",
            "LHLO y",
        ] {
            let c = parse_command(line).unwrap();
            assert_eq!(c.clone().into_owned(), c, "{line}");
        }
    }

    #[test]
    fn bdat_auth_unknown() {
        assert_eq!(
            p("BDAT 1000"),
            Command::Bdat {
                size: 1000,
                last: false
            }
        );
        assert_eq!(
            p("bdat 0 last"),
            Command::Bdat {
                size: 0,
                last: true
            }
        );
        assert!(parse_command("BDAT x").is_err());
        assert!(parse_command("BDAT 99999999999999999999999").is_err());
        assert_eq!(
            p("AUTH PLAIN AGZvbwBiYXI="),
            Command::Auth {
                mechanism: "PLAIN".into(),
                initial_response: Some("AGZvbwBiYXI=".into())
            }
        );
        assert_eq!(
            p("AUTH LOGIN"),
            Command::Auth {
                mechanism: "LOGIN".into(),
                initial_response: None
            }
        );
        assert!(parse_command("AUTH PLAIN $$$").is_err());
        assert_eq!(
            p("XCLIENT ADDR=1.2.3.4"),
            Command::Unknown {
                verb: "XCLIENT".into(),
                args: Some("ADDR=1.2.3.4".into())
            }
        );
        assert_eq!(
            p("GET / HTTP/1.1"),
            Command::Unknown {
                verb: "GET".into(),
                args: Some("/ HTTP/1.1".into())
            }
        );
    }

    #[test]
    fn decode_limits_and_incremental() {
        let l = Limits::default();
        assert_eq!(decode_command(b"NOOP", &l), Ok(None));
        assert_eq!(
            decode_command(b"NOOP\r\nQUIT\r\n", &l).unwrap().unwrap().1,
            6
        );
        let long = [b'A'; 512];
        assert_eq!(
            decode_command(&long, &l),
            Err(CommandError::LineTooLong { limit: 512 })
        );
        let mut ok = vec![b'A'; 510];
        ok.extend_from_slice(b"\r\n");
        assert!(decode_command(&ok, &l).unwrap().is_some());
        assert_eq!(
            decode_command(b"NOOP\n", &Limits::strict()),
            Err(CommandError::BareLf)
        );
        assert_eq!(
            decode_command(b"NOOP \xff\r\n", &l),
            Err(CommandError::NotUtf8)
        );
    }
}
