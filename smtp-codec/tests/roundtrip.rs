//! decode(encode(x)) == x for replies, EHLO responses and commands (proptest).

// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::borrow::Cow;

use proptest::prelude::*;
use smtp_codec::{
    decode_command, decode_ehlo, decode_reply, BodyType, Capability, Command, EhloResponse, Encode,
    ForwardPath, Host, Limits, MailParam, Mailbox, Notify, RcptParam, Reply, ReplyCode, Ret,
    ReversePath,
};

fn cow(s: String) -> Cow<'static, str> {
    Cow::Owned(s)
}

fn reply_code() -> impl Strategy<Value = ReplyCode> {
    (2u16..=5, 0u16..=5, 0u16..=9)
        .prop_map(|(a, b, c)| ReplyCode::new(a * 100 + b * 10 + c).unwrap())
}

fn reply() -> impl Strategy<Value = Reply<'static>> {
    let line = proptest::collection::vec(
        any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
        0..80,
    );
    (reply_code(), proptest::collection::vec(line, 1..6)).prop_map(|(code, lines)| {
        Reply::new(code, lines.into_iter().map(Cow::Owned).collect()).unwrap()
    })
}

fn token() -> impl Strategy<Value = Cow<'static, str>> {
    "[!-~]{1,10}".prop_map(cow)
}

fn opt_num() -> impl Strategy<Value = Option<u64>> {
    proptest::option::of(any::<u64>())
}

fn capability() -> impl Strategy<Value = Capability<'static>> {
    prop_oneof![
        Just(Capability::StartTls),
        opt_num().prop_map(Capability::Size),
        Just(Capability::Pipelining),
        Just(Capability::EightBitMime),
        (
            proptest::collection::vec("[A-Z0-9_-]{1,12}".prop_map(cow), 0..4),
            any::<bool>()
        )
            .prop_map(|(mechanisms, legacy)| Capability::Auth { mechanisms, legacy }),
        Just(Capability::EnhancedStatusCodes),
        Just(Capability::SmtpUtf8),
        Just(Capability::Chunking),
        Just(Capability::BinaryMime),
        Just(Capability::Dsn),
        Just(Capability::RequireTls),
        opt_num().prop_map(Capability::DeliverBy),
        Just(Capability::Etrn),
        Just(Capability::Atrn),
        proptest::collection::vec(token(), 0..3).prop_map(Capability::Burl),
        Just(Capability::Mtrk),
        proptest::option::of(token()).prop_map(Capability::NoSoliciting),
        proptest::collection::vec(token(), 0..3).prop_map(Capability::FutureRelease),
        proptest::collection::vec(
            ("[A-Z]{1,10}".prop_map(cow), "[!-~]{0,8}".prop_map(cow)),
            0..4
        )
        .prop_map(Capability::Limits),
        Just(Capability::Vrfy),
        Just(Capability::Help),
        "X{3,12}[A-Z]".prop_map(|k| Capability::Stripped(cow(k))),
        (
            "X-[A-Za-z0-9]{1,10}",
            proptest::collection::vec(token(), 0..4)
        )
            .prop_map(|(k, params)| Capability::Other {
                keyword: cow(k),
                params
            }),
    ]
}

fn ehlo() -> impl Strategy<Value = EhloResponse<'static>> {
    (
        "[a-z0-9][a-z0-9.-]{0,30}",
        proptest::option::of("[!-~]([ -~]{0,40}[!-~])?"),
        proptest::collection::vec(capability(), 0..12),
    )
        .prop_map(|(domain, greeting, capabilities)| EhloResponse {
            domain: cow(domain),
            greeting: greeting.map(cow),
            capabilities,
        })
}

fn host() -> impl Strategy<Value = Host<'static>> {
    prop_oneof![
        "[a-z0-9]{1,10}(\\.[a-z]{2,6}){0,2}".prop_map(|d| Host::Domain(cow(d))),
        "[a-z0-9-]{0,5}\\.例子\\.广告".prop_map(|d| Host::Domain(cow(format!("x{d}")))),
        any::<std::net::Ipv4Addr>().prop_map(Host::Ipv4),
        any::<std::net::Ipv6Addr>().prop_map(Host::Ipv6),
        ("x-[a-z]{1,5}", "[a-z0-9.]{1,8}").prop_map(|(tag, content)| Host::General {
            tag: cow(tag),
            content: cow(content)
        }),
    ]
}

fn mailbox() -> impl Strategy<Value = Mailbox<'static>> {
    let local = prop_oneof![
        "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,10}(\\.[a-z0-9]{1,5}){0,2}",
        "\"[a-z @.,]{0,8}(\\\\\"[a-z]{0,3})?\"",
        "[a-z]{1,3}用户",
    ];
    (local, host()).prop_map(|(l, host)| Mailbox {
        local_part: cow(l),
        host,
    })
}

fn param_value() -> impl Strategy<Value = String> {
    "[!-<>-~]{1,10}"
}

fn mail_param() -> impl Strategy<Value = MailParam<'static>> {
    prop_oneof![
        any::<u64>().prop_map(MailParam::Size),
        prop_oneof![
            Just(BodyType::SevenBit),
            Just(BodyType::EightBitMime),
            Just(BodyType::BinaryMime)
        ]
        .prop_map(MailParam::Body),
        Just(MailParam::SmtpUtf8),
        Just(MailParam::RequireTls),
        prop_oneof![Just(Ret::Full), Just(Ret::Hdrs)].prop_map(MailParam::Ret),
        param_value().prop_map(|v| MailParam::EnvId(cow(v))),
        param_value().prop_map(|v| MailParam::Auth(cow(v))),
        ("X-[A-Z0-9]{1,8}", proptest::option::of(param_value())).prop_map(|(k, v)| {
            MailParam::Other {
                keyword: cow(k),
                value: v.map(cow),
            }
        }),
    ]
}

fn rcpt_param() -> impl Strategy<Value = RcptParam<'static>> {
    prop_oneof![
        (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(success, failure, delay)| {
            RcptParam::Notify(Notify {
                success,
                failure,
                delay,
            })
        }),
        ("[a-z0-9]{1,8}", "[!-:<>-~]{1,10}").prop_map(|(t, a)| RcptParam::Orcpt {
            addr_type: cow(t),
            addr: cow(a)
        }),
        ("X-[A-Z0-9]{1,8}", proptest::option::of(param_value())).prop_map(|(k, v)| {
            RcptParam::Other {
                keyword: cow(k),
                value: v.map(cow),
            }
        }),
    ]
}

fn text() -> impl Strategy<Value = Cow<'static, str>> {
    "[!-~]([ -~]{0,30}[!-~])?".prop_map(cow)
}

fn command() -> impl Strategy<Value = Command<'static>> {
    let domain = "[a-z0-9][a-z0-9.-]{0,20}|\\[192\\.0\\.2\\.[0-9]{1,2}\\]";
    prop_oneof![
        domain.prop_map(|d| Command::Ehlo(cow(d))),
        domain.prop_map(|d| Command::Helo(cow(d))),
        domain.prop_map(|d| Command::Lhlo(cow(d))),
        (
            prop_oneof![
                Just(ReversePath::Null),
                mailbox().prop_map(ReversePath::Mailbox)
            ],
            proptest::collection::vec(mail_param(), 0..5)
        )
            .prop_map(|(from, params)| Command::Mail { from, params }),
        (
            prop_oneof![
                Just(ForwardPath::Postmaster),
                mailbox().prop_map(ForwardPath::Mailbox)
            ],
            proptest::collection::vec(rcpt_param(), 0..4)
        )
            .prop_map(|(to, params)| Command::Rcpt { to, params }),
        Just(Command::Data),
        (any::<u64>(), any::<bool>()).prop_map(|(size, last)| Command::Bdat { size, last }),
        Just(Command::Rset),
        text().prop_map(Command::Vrfy),
        text().prop_map(Command::Expn),
        proptest::option::of(text()).prop_map(Command::Help),
        proptest::option::of(text()).prop_map(Command::Noop),
        Just(Command::Quit),
        Just(Command::StartTls),
        (
            "[A-Z0-9_-]{1,20}",
            proptest::option::of("=|[A-Za-z0-9+/]{1,40}={0,2}")
        )
            .prop_map(|(m, ir)| Command::Auth {
                mechanism: cow(m),
                initial_response: ir.map(cow)
            }),
        ("X[A-Z]{2,10}", proptest::option::of(text())).prop_map(|(verb, args)| Command::Unknown {
            verb: cow(verb),
            args
        }),
    ]
}

proptest! {
    #[test]
    fn reply_roundtrip(r in reply()) {
        let bytes = r.to_bytes();
        let (back, used) = decode_reply(&bytes, &Limits::default()).unwrap().unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(back, r);
    }

    #[test]
    fn ehlo_roundtrip(e in ehlo()) {
        let bytes = e.to_bytes();
        let (back, used) = decode_ehlo(&bytes, &Limits::default()).unwrap().unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(back, e);
    }

    #[test]
    fn command_roundtrip(c in command()) {
        let bytes = c.to_bytes();
        let decoded = decode_command(&bytes, &Limits::default());
        prop_assert!(decoded.is_ok(), "{:?} -> {:?}: {:?}", c, String::from_utf8_lossy(&bytes), decoded);
        let (back, used) = decoded.unwrap().unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(back, c);
    }

    #[test]
    fn reply_any_split_is_incomplete_then_whole(r in reply(), cut in any::<prop::sample::Index>()) {
        let bytes = r.to_bytes();
        let at = cut.index(bytes.len());
        prop_assert_eq!(decode_reply(&bytes[..at], &Limits::default()), Ok(None));
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let l = Limits::default();
        let _ = decode_reply(&bytes, &l);
        let _ = decode_ehlo(&bytes, &l);
        let _ = decode_command(&bytes, &l);
        let _ = decode_reply(&bytes, &Limits::strict());
    }
}
