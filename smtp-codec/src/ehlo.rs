//! Typed EHLO responses: domain, greeting and capabilities (RFC 5321 4.1.1.1 and extensions).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::EhloError;
use crate::limits::Limits;
use crate::reply::{decode_reply, Reply, ReplyCode};

/// A `LIMITS` parameter (RFC 9422): `NAME=value`.
pub type LimitParam<'a> = (Cow<'a, str>, Cow<'a, str>);

/// One EHLO capability line, typed where the keyword is known.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Capability<'a> {
    /// `STARTTLS` (RFC 3207).
    StartTls,
    /// `SIZE [n]` (RFC 1870); `None` when no (or a zero-less empty) number is announced.
    Size(Option<u64>),
    /// `PIPELINING` (RFC 2920).
    Pipelining,
    /// `8BITMIME` (RFC 6152).
    EightBitMime,
    /// `AUTH mech...` (RFC 4954). `legacy` is true for the pre-standard `AUTH=mech...` form.
    Auth {
        /// Announced SASL mechanisms, as sent.
        mechanisms: Vec<Cow<'a, str>>,
        /// The line used the `AUTH=` form of old Outlook clients.
        legacy: bool,
    },
    /// `ENHANCEDSTATUSCODES` (RFC 2034).
    EnhancedStatusCodes,
    /// `SMTPUTF8` (RFC 6531).
    SmtpUtf8,
    /// `CHUNKING` (RFC 3030).
    Chunking,
    /// `BINARYMIME` (RFC 3030).
    BinaryMime,
    /// `DSN` (RFC 3461).
    Dsn,
    /// `REQUIRETLS` (RFC 8689).
    RequireTls,
    /// `DELIVERBY [n]` (RFC 2852).
    DeliverBy(Option<u64>),
    /// `ETRN` (RFC 1985).
    Etrn,
    /// `ATRN` (RFC 2645).
    Atrn,
    /// `BURL [mechanisms]` (RFC 4468).
    Burl(Vec<Cow<'a, str>>),
    /// `MTRK` (RFC 3885).
    Mtrk,
    /// `NO-SOLICITING [keywords]` (RFC 3865).
    NoSoliciting(Option<Cow<'a, str>>),
    /// `FUTURERELEASE max-interval max-datetime` (RFC 4865).
    FutureRelease(Vec<Cow<'a, str>>),
    /// `LIMITS NAME=value...` (RFC 9422).
    Limits(Vec<LimitParam<'a>>),
    /// `VRFY`.
    Vrfy,
    /// `HELP`.
    Help,
    /// A keyword masked with `X` by a STARTTLS-stripping middlebox, e.g. Cisco's `XXXXXXXA`
    /// for `STARTTLS`. Holds the masked keyword as sent.
    Stripped(Cow<'a, str>),
    /// Any other keyword, with its parameters as sent.
    Other {
        /// The keyword as sent.
        keyword: Cow<'a, str>,
        /// Parameters, split at spaces.
        params: Vec<Cow<'a, str>>,
    },
}

/// Whether a keyword looks masked by a middlebox: all `X` (any case), except possibly the last
/// character (Cisco's `XXXXXXXA`), and at least four long.
pub fn is_masked_keyword(keyword: &str) -> bool {
    let b = keyword.as_bytes();
    let Some((_, head)) = b.split_last() else {
        return false;
    };
    b.len() >= 4
        && head.iter().all(|c| c.eq_ignore_ascii_case(&b'X'))
        && b.iter().all(u8::is_ascii_alphanumeric)
}

impl<'a> Capability<'a> {
    /// The keyword as written on the wire (upper case for known ones).
    pub fn keyword(&self) -> &str {
        match self {
            Capability::StartTls => "STARTTLS",
            Capability::Size(_) => "SIZE",
            Capability::Pipelining => "PIPELINING",
            Capability::EightBitMime => "8BITMIME",
            Capability::Auth { .. } => "AUTH",
            Capability::EnhancedStatusCodes => "ENHANCEDSTATUSCODES",
            Capability::SmtpUtf8 => "SMTPUTF8",
            Capability::Chunking => "CHUNKING",
            Capability::BinaryMime => "BINARYMIME",
            Capability::Dsn => "DSN",
            Capability::RequireTls => "REQUIRETLS",
            Capability::DeliverBy(_) => "DELIVERBY",
            Capability::Etrn => "ETRN",
            Capability::Atrn => "ATRN",
            Capability::Burl(_) => "BURL",
            Capability::Mtrk => "MTRK",
            Capability::NoSoliciting(_) => "NO-SOLICITING",
            Capability::FutureRelease(_) => "FUTURERELEASE",
            Capability::Limits(_) => "LIMITS",
            Capability::Vrfy => "VRFY",
            Capability::Help => "HELP",
            Capability::Stripped(k) => k,
            Capability::Other { keyword, .. } => keyword,
        }
    }

    /// Parses one capability line (the text after `250-`/`250 `). Never fails: what is not
    /// understood is kept as [`Capability::Other`]. Keywords are matched case-insensitively;
    /// surrounding spaces are ignored; non-UTF-8 bytes are replaced.
    pub fn parse(line: &'a [u8]) -> Capability<'a> {
        match core::str::from_utf8(line) {
            Ok(s) => Capability::parse_str(s),
            Err(_) => Capability::parse_str(&String::from_utf8_lossy(line)).into_owned(),
        }
    }

    /// Parses one capability line given as text (see [`Capability::parse`]).
    pub fn parse_str(text: &'a str) -> Capability<'a> {
        let (head, params_str) = split_space(trim_space(text));
        let params_str = trim_space(params_str);
        // Parameters are only collected for the variants that keep them.
        let params = || -> Vec<Cow<'a, str>> {
            params_str
                .split(is_space)
                .filter(|p| !p.is_empty())
                .map(Cow::Borrowed)
                .collect()
        };
        if let Some((k, first)) = head.split_once('=') {
            if k.eq_ignore_ascii_case("AUTH") {
                let rest = params();
                let mut mechanisms = Vec::with_capacity(rest.len().saturating_add(1));
                if !first.is_empty() {
                    mechanisms.push(Cow::Borrowed(first));
                }
                mechanisms.extend(rest);
                return Capability::Auth {
                    mechanisms,
                    legacy: true,
                };
            }
            return Capability::Other {
                keyword: Cow::Borrowed(head),
                params: params(),
            };
        }
        // Upper-case the keyword on the stack and match it as bytes (no allocation).
        let mut upper = [0u8; 24];
        let key: &[u8] = match upper.get_mut(..head.len()) {
            Some(dst) => {
                dst.copy_from_slice(head.as_bytes());
                dst.make_ascii_uppercase();
                dst
            }
            None => b"",
        };
        let bare = params_str.is_empty();
        let number = || -> Option<Option<u64>> {
            if bare {
                Some(None)
            } else if params_str.bytes().all(|b| b.is_ascii_digit()) {
                params_str.parse::<u64>().ok().map(Some)
            } else {
                None
            }
        };
        let cap = match Kw::classify(key) {
            Some(Kw::StartTls) if bare => Some(Capability::StartTls),
            Some(Kw::Size) => number().map(Capability::Size),
            Some(Kw::Pipelining) if bare => Some(Capability::Pipelining),
            Some(Kw::EightBitMime) if bare => Some(Capability::EightBitMime),
            Some(Kw::Auth) => Some(Capability::Auth {
                mechanisms: params(),
                legacy: false,
            }),
            Some(Kw::EnhancedStatusCodes) if bare => Some(Capability::EnhancedStatusCodes),
            Some(Kw::SmtpUtf8) if bare => Some(Capability::SmtpUtf8),
            Some(Kw::Chunking) if bare => Some(Capability::Chunking),
            Some(Kw::BinaryMime) if bare => Some(Capability::BinaryMime),
            Some(Kw::Dsn) if bare => Some(Capability::Dsn),
            Some(Kw::RequireTls) if bare => Some(Capability::RequireTls),
            Some(Kw::DeliverBy) => number().map(Capability::DeliverBy),
            Some(Kw::Etrn) if bare => Some(Capability::Etrn),
            Some(Kw::Atrn) if bare => Some(Capability::Atrn),
            Some(Kw::Burl) => Some(Capability::Burl(params())),
            Some(Kw::Mtrk) if bare => Some(Capability::Mtrk),
            Some(Kw::NoSoliciting) if bare => Some(Capability::NoSoliciting(None)),
            Some(Kw::NoSoliciting) if !params_str.contains(is_space) => {
                Some(Capability::NoSoliciting(Some(Cow::Borrowed(params_str))))
            }
            Some(Kw::FutureRelease) => Some(Capability::FutureRelease(params())),
            Some(Kw::Limits) => params_str
                .split(is_space)
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((n, v)) if !n.is_empty() => Some((Cow::Borrowed(n), Cow::Borrowed(v))),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(Capability::Limits),
            Some(Kw::Vrfy) if bare => Some(Capability::Vrfy),
            Some(Kw::Help) if bare => Some(Capability::Help),
            _ if bare && is_masked_keyword(head) => Some(Capability::Stripped(Cow::Borrowed(head))),
            _ => None,
        };
        cap.unwrap_or_else(|| Capability::Other {
            keyword: Cow::Borrowed(head),
            params: params(),
        })
    }

    /// Detaches the capability from the input buffer.
    pub fn into_owned(self) -> Capability<'static> {
        fn o(c: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(c.into_owned())
        }
        fn ov(v: Vec<Cow<'_, str>>) -> Vec<Cow<'static, str>> {
            v.into_iter().map(o).collect()
        }
        match self {
            Capability::StartTls => Capability::StartTls,
            Capability::Size(n) => Capability::Size(n),
            Capability::Pipelining => Capability::Pipelining,
            Capability::EightBitMime => Capability::EightBitMime,
            Capability::Auth { mechanisms, legacy } => Capability::Auth {
                mechanisms: ov(mechanisms),
                legacy,
            },
            Capability::EnhancedStatusCodes => Capability::EnhancedStatusCodes,
            Capability::SmtpUtf8 => Capability::SmtpUtf8,
            Capability::Chunking => Capability::Chunking,
            Capability::BinaryMime => Capability::BinaryMime,
            Capability::Dsn => Capability::Dsn,
            Capability::RequireTls => Capability::RequireTls,
            Capability::DeliverBy(n) => Capability::DeliverBy(n),
            Capability::Etrn => Capability::Etrn,
            Capability::Atrn => Capability::Atrn,
            Capability::Burl(v) => Capability::Burl(ov(v)),
            Capability::Mtrk => Capability::Mtrk,
            Capability::NoSoliciting(v) => Capability::NoSoliciting(v.map(o)),
            Capability::FutureRelease(v) => Capability::FutureRelease(ov(v)),
            Capability::Limits(v) => {
                Capability::Limits(v.into_iter().map(|(a, b)| (o(a), o(b))).collect())
            }
            Capability::Vrfy => Capability::Vrfy,
            Capability::Help => Capability::Help,
            Capability::Stripped(k) => Capability::Stripped(o(k)),
            Capability::Other { keyword, params } => Capability::Other {
                keyword: o(keyword),
                params: ov(params),
            },
        }
    }
}

/// Known keywords, recognised by length first and then as fixed-size arrays (cheaper than a
/// chain of slice comparisons on every capability line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kw {
    StartTls,
    Size,
    Pipelining,
    EightBitMime,
    Auth,
    EnhancedStatusCodes,
    SmtpUtf8,
    Chunking,
    BinaryMime,
    Dsn,
    RequireTls,
    DeliverBy,
    Etrn,
    Atrn,
    Burl,
    Mtrk,
    NoSoliciting,
    FutureRelease,
    Limits,
    Vrfy,
    Help,
}

impl Kw {
    /// `key` is already upper case.
    fn classify(key: &[u8]) -> Option<Kw> {
        match key.len() {
            3 => (key == b"DSN").then_some(Kw::Dsn),
            4 => match <[u8; 4]>::try_from(key).ok()? {
                [b'S', b'I', b'Z', b'E'] => Some(Kw::Size),
                [b'A', b'U', b'T', b'H'] => Some(Kw::Auth),
                [b'E', b'T', b'R', b'N'] => Some(Kw::Etrn),
                [b'A', b'T', b'R', b'N'] => Some(Kw::Atrn),
                [b'B', b'U', b'R', b'L'] => Some(Kw::Burl),
                [b'M', b'T', b'R', b'K'] => Some(Kw::Mtrk),
                [b'V', b'R', b'F', b'Y'] => Some(Kw::Vrfy),
                [b'H', b'E', b'L', b'P'] => Some(Kw::Help),
                _ => None,
            },
            6 => (key == b"LIMITS").then_some(Kw::Limits),
            8 => match u64::from_be_bytes(<[u8; 8]>::try_from(key).ok()?) {
                k if k == u64::from_be_bytes(*b"STARTTLS") => Some(Kw::StartTls),
                k if k == u64::from_be_bytes(*b"8BITMIME") => Some(Kw::EightBitMime),
                k if k == u64::from_be_bytes(*b"SMTPUTF8") => Some(Kw::SmtpUtf8),
                k if k == u64::from_be_bytes(*b"CHUNKING") => Some(Kw::Chunking),
                _ => None,
            },
            9 => (key == b"DELIVERBY").then_some(Kw::DeliverBy),
            10 => match key {
                b"PIPELINING" => Some(Kw::Pipelining),
                b"BINARYMIME" => Some(Kw::BinaryMime),
                b"REQUIRETLS" => Some(Kw::RequireTls),
                _ => None,
            },
            13 => match key {
                b"NO-SOLICITING" => Some(Kw::NoSoliciting),
                b"FUTURERELEASE" => Some(Kw::FutureRelease),
                _ => None,
            },
            19 => (key == b"ENHANCEDSTATUSCODES").then_some(Kw::EnhancedStatusCodes),
            _ => None,
        }
    }
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Trims spaces and tabs (byte-wise: both are ASCII, so the cuts are char boundaries).
fn trim_space(s: &str) -> &str {
    let b = s.as_bytes();
    let start = b
        .iter()
        .position(|c| *c != b' ' && *c != b'\t')
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| *c != b' ' && *c != b'\t')
        .map_or(start, |e| e.saturating_add(1));
    s.get(start..end.max(start)).unwrap_or("")
}

/// Splits at the first space or tab.
fn split_space(s: &str) -> (&str, &str) {
    // Capability lines are short: a plain scan beats SIMD set-up here.
    match s.as_bytes().iter().position(|c| *c == b' ' || *c == b'\t') {
        Some(i) => (
            s.get(..i).unwrap_or(s),
            s.get(i.saturating_add(1)..).unwrap_or(""),
        ),
        None => (s, ""),
    }
}

/// A typed EHLO response: the server's domain, the rest of its first line, and its capabilities.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EhloResponse<'a> {
    /// The domain (or address literal) the server names itself with; empty if it sent nothing.
    pub domain: Cow<'a, str>,
    /// The rest of the first line (e.g. `Hello client [192.0.2.1]`), if any.
    pub greeting: Option<Cow<'a, str>>,
    /// The capabilities, in the order sent.
    pub capabilities: Vec<Capability<'a>>,
}

impl<'a> EhloResponse<'a> {
    /// Interprets a 250 reply as an EHLO response.
    pub fn from_reply(reply: &Reply<'a>) -> Result<EhloResponse<'a>, EhloError> {
        if reply.code() != ReplyCode::OK {
            return Err(EhloError::NotOk(reply.code()));
        }
        let (first, rest) = reply
            .lines()
            .split_first()
            .map_or((&[][..], &[][..]), |(f, r)| (&f[..], r));
        let first_cow: Cow<'a, str> = match reply.lines().first() {
            Some(Cow::Borrowed(b)) => String::from_utf8_lossy(b),
            _ => Cow::Owned(String::from_utf8_lossy(first).into_owned()),
        };
        let (domain, greeting) = split_first_line(first_cow);
        let mut capabilities = Vec::with_capacity(rest.len());
        for l in rest {
            if l.iter().all(|b| *b == b' ' || *b == b'\t') {
                continue;
            }
            capabilities.push(match l {
                Cow::Borrowed(b) => Capability::parse(b),
                Cow::Owned(v) => Capability::parse(v).into_owned(),
            });
        }
        Ok(EhloResponse {
            domain,
            greeting,
            capabilities,
        })
    }

    /// Whether `STARTTLS` is offered.
    pub fn offers_starttls(&self) -> bool {
        self.has(&Capability::StartTls)
    }

    /// Whether an unparameterised capability is present.
    pub fn has(&self, cap: &Capability<'_>) -> bool {
        self.capabilities.iter().any(|c| c == cap)
    }

    /// Capabilities masked by a middlebox (e.g. `XXXXXXXA`).
    pub fn stripped(&self) -> impl Iterator<Item = &str> + '_ {
        self.capabilities.iter().filter_map(|c| match c {
            Capability::Stripped(k) => Some(&**k),
            _ => None,
        })
    }

    /// Whether STARTTLS looks stripped: STARTTLS is not offered, and an 8-letter keyword was
    /// masked with X (Cisco's `XXXXXXXA` is `STARTTLS` with its letters replaced).
    pub fn starttls_stripped(&self) -> bool {
        !self.offers_starttls() && self.stripped().any(|k| k.len() == "STARTTLS".len())
    }

    /// The announced `SIZE`, if any.
    pub fn size(&self) -> Option<u64> {
        self.capabilities.iter().find_map(|c| match c {
            Capability::Size(n) => *n,
            _ => None,
        })
    }

    /// All announced AUTH mechanisms (both forms), deduplicated case-insensitively.
    pub fn auth_mechanisms(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.capabilities {
            if let Capability::Auth { mechanisms, .. } = c {
                for m in mechanisms {
                    if !out.iter().any(|o| o.eq_ignore_ascii_case(m)) {
                        out.push(m);
                    }
                }
            }
        }
        out
    }

    /// Detaches the response from the input buffer.
    pub fn into_owned(self) -> EhloResponse<'static> {
        EhloResponse {
            domain: Cow::Owned(self.domain.into_owned()),
            greeting: self.greeting.map(|g| Cow::Owned(g.into_owned())),
            capabilities: self
                .capabilities
                .into_iter()
                .map(Capability::into_owned)
                .collect(),
        }
    }
}

fn split_first_line(line: Cow<'_, str>) -> (Cow<'_, str>, Option<Cow<'_, str>>) {
    fn split(s: &str) -> (&str, Option<&str>) {
        let (d, g) = split_space(trim_space(s));
        let g = trim_space(g);
        (d, (!g.is_empty()).then_some(g))
    }
    match line {
        Cow::Borrowed(s) => {
            let (d, g) = split(s);
            (Cow::Borrowed(d), g.map(Cow::Borrowed))
        }
        Cow::Owned(s) => {
            let (d, g) = split(&s);
            (
                Cow::Owned(String::from(d)),
                g.map(|g| Cow::Owned(String::from(g))),
            )
        }
    }
}

/// Decodes an EHLO response from the front of `input` (incremental, like [`decode_reply`]).
///
/// ```
/// use smtp_codec::{decode_ehlo, Capability, Limits};
/// let input = b"250-mx.example.com Hello\r\n250-SIZE 1000\r\n250-XXXXXXXA\r\n250 auth=LOGIN PLAIN\r\n";
/// let (ehlo, _) = decode_ehlo(input, &Limits::default()).unwrap().unwrap();
/// assert_eq!(ehlo.domain, "mx.example.com");
/// assert_eq!(ehlo.size(), Some(1000));
/// assert!(ehlo.starttls_stripped());
/// assert_eq!(ehlo.auth_mechanisms(), ["LOGIN", "PLAIN"]);
/// ```
pub fn decode_ehlo<'a>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<Option<(EhloResponse<'a>, usize)>, EhloError> {
    match decode_reply(input, limits)? {
        None => Ok(None),
        Some((reply, used)) => Ok(Some((EhloResponse::from_reply(&reply)?, used))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ehlo(input: &[u8]) -> EhloResponse<'_> {
        decode_ehlo(input, &Limits::default()).unwrap().unwrap().0
    }

    #[test]
    fn keywords_without_parameters_take_none() {
        // The RFCs that define these keywords give them no parameters: with one, the line is
        // something else, kept as Other.
        for kw in [
            "STARTTLS",
            "PIPELINING",
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
            "SMTPUTF8",
            "CHUNKING",
            "BINARYMIME",
            "DSN",
            "REQUIRETLS",
            "ETRN",
            "ATRN",
            "MTRK",
            "VRFY",
            "HELP",
        ] {
            let typed = Capability::parse_str(kw);
            assert!(
                !matches!(typed, Capability::Other { .. }),
                "{kw}: {typed:?}"
            );
            let with = format!("{kw} x");
            let other = Capability::parse_str(&with);
            assert!(
                matches!(&other, Capability::Other { keyword, .. } if keyword == kw),
                "{with}: {other:?}"
            );
        }
        assert_eq!(
            Capability::parse_str("NO-SOLICITING"),
            Capability::NoSoliciting(None)
        );
        assert_eq!(
            Capability::parse_str("NO-SOLICITING a.example"),
            Capability::NoSoliciting(Some("a.example".into()))
        );
        assert!(matches!(
            Capability::parse_str("NO-SOLICITING a b"),
            Capability::Other { .. }
        ));
        assert!(matches!(
            Capability::parse_str("LIMITS RCPTMAX=5 =3"),
            Capability::Other { .. }
        ));
        assert!(matches!(
            Capability::parse_str("LIMITS RCPTMAX=5 MAILMAX=3"),
            Capability::Limits(l) if l.len() == 2
        ));
    }

    #[test]
    fn blank_capability_lines_are_skipped_and_space_is_trimmed() {
        let e = ehlo(b"250-mx.example\r\n250- \t \r\n250-\t SIZE 10 \t\r\n250 STARTTLS\r\n");
        assert_eq!(
            e.capabilities,
            vec![Capability::Size(Some(10)), Capability::StartTls]
        );
        assert_eq!(
            Capability::parse_str("\t PIPELINING"),
            Capability::Pipelining
        );
    }

    #[test]
    fn a_decoded_response_borrows_from_the_input() {
        let e = ehlo(b"250-mx.example hello\r\n250 X-FOO bar\r\n");
        assert!(matches!(e.domain, Cow::Borrowed("mx.example")), "{e:?}");
        assert!(matches!(e.greeting, Some(Cow::Borrowed("hello"))), "{e:?}");
    }

    #[test]
    fn postfix_style() {
        let e = ehlo(b"250-mx.lab.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n");
        assert_eq!(e.domain, "mx.lab.test");
        assert_eq!(e.greeting, None);
        assert!(e.offers_starttls());
        assert!(!e.starttls_stripped());
        assert_eq!(e.size(), Some(10_240_000));
        assert_eq!(e.capabilities.len(), 10);
    }

    #[test]
    fn quirks_lowercase_trailing_space_bare_lf_missing_text() {
        let e = ehlo(b"250-mx greets you \n250-starttls \n250-size\n250-Auth=login\n250-AUTH PLAIN LOGIN\n250 x-foo a  b\n");
        assert_eq!(e.greeting.as_deref(), Some("greets you"));
        assert_eq!(e.capabilities[0], Capability::StartTls);
        assert_eq!(e.capabilities[1], Capability::Size(None));
        assert_eq!(
            e.capabilities[2],
            Capability::Auth {
                mechanisms: vec![Cow::Borrowed("login")],
                legacy: true
            }
        );
        assert_eq!(e.auth_mechanisms(), ["login", "PLAIN"]);
        assert_eq!(
            e.capabilities[4],
            Capability::Other {
                keyword: "x-foo".into(),
                params: vec!["a".into(), "b".into()]
            }
        );
        let e = ehlo(b"250\r\n");
        assert_eq!((e.domain.as_ref(), e.capabilities.len()), ("", 0));
    }

    #[test]
    fn stripped_and_other_masks() {
        let e = ehlo(b"250-mx\r\n250-XXXXXXXA\r\n250-XXXXXXXXXXXXXX\r\n250 XXXX\r\n");
        assert!(e.starttls_stripped());
        assert_eq!(
            e.stripped().collect::<Vec<_>>(),
            ["XXXXXXXA", "XXXXXXXXXXXXXX", "XXXX"]
        );
        assert!(!is_masked_keyword("XXX"));
        assert!(!is_masked_keyword("XFOO"));
    }

    #[test]
    fn typed_parameters() {
        let e = ehlo(b"250-mx\r\n250-DELIVERBY 240\r\n250-LIMITS RCPTMAX=100 MAILMAX=5\r\n250-BURL imap\r\n250-NO-SOLICITING net.example:ADV\r\n250-FUTURERELEASE 604800 2026-01-01T00:00:00Z\r\n250-SIZE abc\r\n250 MTRK\r\n");
        assert_eq!(e.capabilities[0], Capability::DeliverBy(Some(240)));
        assert_eq!(
            e.capabilities[1],
            Capability::Limits(vec![
                ("RCPTMAX".into(), "100".into()),
                ("MAILMAX".into(), "5".into())
            ])
        );
        assert_eq!(e.capabilities[2], Capability::Burl(vec!["imap".into()]));
        assert_eq!(
            e.capabilities[3],
            Capability::NoSoliciting(Some("net.example:ADV".into()))
        );
        assert!(matches!(&e.capabilities[4], Capability::FutureRelease(v) if v.len() == 2));
        assert!(
            matches!(&e.capabilities[5], Capability::Other { keyword, .. } if keyword == "SIZE")
        );
        assert_eq!(e.capabilities[6], Capability::Mtrk);
    }

    #[test]
    fn not_ok_is_typed() {
        assert_eq!(
            decode_ehlo(b"502 5.5.2 no\r\n", &Limits::default()),
            Err(EhloError::NotOk(ReplyCode::new(502).unwrap()))
        );
    }
}
