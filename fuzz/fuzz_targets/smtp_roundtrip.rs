//! Encode -> decode round trip on values built from the fuzz bytes (with libfuzzer-sys's
//! re-export of `arbitrary::Unstructured`; no `arbitrary` feature on smtp-codec needed).
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use smtp_codec::{
    decode_command, decode_ehlo, decode_reply, BodyType, Capability, Command, EhloResponse, Encode,
    ForwardPath, Host, Limits, MailParam, Mailbox, Notify, RcptParam, Reply, ReplyCode,
    ReversePath,
};

fn from_set(u: &mut Unstructured<'_>, set: &[u8], min: usize, max: usize) -> Result<String> {
    let n = u.int_in_range(min..=max)?;
    let mut s = String::with_capacity(n);
    for _ in 0..n {
        s.push(char::from(*u.choose(set)?));
    }
    Ok(s)
}

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const VISIBLE: &[u8] = b"abcXYZ019!#$%&'*+-/?^_`{|}~.,:;<>[]()@\"\\";

fn token(u: &mut Unstructured<'_>) -> Result<Cow<'static, str>> {
    Ok(Cow::Owned(from_set(u, VISIBLE, 1, 12)?))
}

fn reply(u: &mut Unstructured<'_>) -> Result<Reply<'static>> {
    let code = ReplyCode::new(
        u.int_in_range(2..=5)? * 100 + u.int_in_range(0..=5)? * 10 + u.int_in_range(0..=9)?,
    )
    .expect("valid by construction");
    let n = u.int_in_range(1..=5)?;
    let mut lines = Vec::new();
    for _ in 0..n {
        let raw: Vec<u8> = u.arbitrary()?;
        lines.push(Cow::Owned(
            raw.into_iter()
                .filter(|b| *b != b'\r' && *b != b'\n')
                .take(200)
                .collect(),
        ));
    }
    Ok(Reply::new(code, lines).expect("no CR/LF by construction"))
}

fn capability(u: &mut Unstructured<'_>) -> Result<Capability<'static>> {
    let list = |u: &mut Unstructured<'_>| -> Result<Vec<Cow<'static, str>>> {
        (0..u.int_in_range(0..=3)?).map(|_| token(u)).collect()
    };
    Ok(match u.int_in_range(0..=22)? {
        0 => Capability::StartTls,
        1 => Capability::Size(u.arbitrary()?),
        2 => Capability::Pipelining,
        3 => Capability::EightBitMime,
        4 => Capability::Auth {
            mechanisms: (0..u.int_in_range(0..=3)?)
                .map(|_| from_set(u, ALNUM, 1, 10).map(Cow::Owned))
                .collect::<Result<_>>()?,
            legacy: u.arbitrary()?,
        },
        5 => Capability::EnhancedStatusCodes,
        6 => Capability::SmtpUtf8,
        7 => Capability::Chunking,
        8 => Capability::BinaryMime,
        9 => Capability::Dsn,
        10 => Capability::RequireTls,
        11 => Capability::DeliverBy(u.arbitrary()?),
        12 => Capability::Etrn,
        13 => Capability::Atrn,
        14 => Capability::Burl(list(u)?),
        15 => Capability::Mtrk,
        16 => Capability::NoSoliciting(if u.arbitrary()? {
            Some(token(u)?)
        } else {
            None
        }),
        17 => Capability::FutureRelease(list(u)?),
        18 => Capability::Limits(
            (0..u.int_in_range(0..=3)?)
                .map(|_| {
                    Ok((
                        Cow::Owned(from_set(u, ALNUM, 1, 8)?),
                        Cow::Owned(from_set(u, ALNUM, 0, 8)?),
                    ))
                })
                .collect::<Result<_>>()?,
        ),
        19 => Capability::Vrfy,
        20 => Capability::Help,
        // A masked keyword: all X, except perhaps the last character (Cisco's XXXXXXXA).
        21 => Capability::Stripped(Cow::Owned(format!(
            "XXX{}{}",
            "X".repeat(u.int_in_range(0..=10)?),
            from_set(u, b"XAS", 1, 1)?
        ))),
        _ => Capability::Other {
            keyword: Cow::Owned(format!("X-{}", from_set(u, ALNUM, 1, 10)?)),
            params: list(u)?,
        },
    })
}

fn ehlo(u: &mut Unstructured<'_>) -> Result<EhloResponse<'static>> {
    let domain = from_set(u, b"abcxyz019.-", 1, 30)?;
    let domain = format!("m{domain}");
    let greeting = if u.arbitrary()? {
        Some(Cow::Owned(format!(
            "H{}z",
            from_set(u, b"ab ,[]19", 0, 30)?
        )))
    } else {
        None
    };
    let capabilities = (0..u.int_in_range(0..=12)?)
        .map(|_| capability(u))
        .collect::<Result<_>>()?;
    Ok(EhloResponse {
        domain: Cow::Owned(domain),
        greeting,
        capabilities,
    })
}

fn host(u: &mut Unstructured<'_>) -> Result<Host<'static>> {
    Ok(match u.int_in_range(0..=3)? {
        0 => Host::Domain(Cow::Owned(format!("d{}", from_set(u, b"abc09.-", 0, 20)?))),
        1 => Host::Ipv4(std::net::Ipv4Addr::from(u.arbitrary::<u32>()?)),
        2 => Host::Ipv6(std::net::Ipv6Addr::from(u.arbitrary::<u128>()?)),
        _ => Host::General {
            tag: Cow::Owned(format!("x-{}", from_set(u, ALNUM, 1, 5)?)),
            content: Cow::Owned(from_set(u, ALNUM, 1, 8)?),
        },
    })
}

fn mailbox(u: &mut Unstructured<'_>) -> Result<Mailbox<'static>> {
    let local = if u.arbitrary()? {
        from_set(u, b"abz09!#$%&'*+-/=?^_`{|}~", 1, 12)?
    } else {
        format!("\"{}\"", from_set(u, b"ab @.,:", 0, 10)?)
    };
    Ok(Mailbox {
        local_part: Cow::Owned(local),
        host: host(u)?,
    })
}

fn param_value(u: &mut Unstructured<'_>) -> Result<Cow<'static, str>> {
    Ok(Cow::Owned(from_set(u, b"abcXYZ019+!<>@.", 1, 12)?))
}

fn opt_value(u: &mut Unstructured<'_>) -> Result<Option<Cow<'static, str>>> {
    Ok(if u.arbitrary()? {
        Some(param_value(u)?)
    } else {
        None
    })
}

fn text(u: &mut Unstructured<'_>) -> Result<Cow<'static, str>> {
    Ok(Cow::Owned(format!(
        "t{}",
        from_set(u, b"ab <>@.:", 0, 20)?.trim_end()
    )))
}

fn command(u: &mut Unstructured<'_>) -> Result<Command<'static>> {
    let dom = |u: &mut Unstructured<'_>| -> Result<Cow<'static, str>> {
        Ok(Cow::Owned(format!("c{}", from_set(u, b"abc09.-", 0, 20)?)))
    };
    Ok(match u.int_in_range(0..=15)? {
        0 => Command::Ehlo(dom(u)?),
        1 => Command::Helo(dom(u)?),
        2 => Command::Lhlo(dom(u)?),
        3 => {
            let from = if u.arbitrary()? {
                ReversePath::Null
            } else {
                ReversePath::Mailbox(mailbox(u)?)
            };
            let params = (0..u.int_in_range(0..=4)?)
                .map(|_| {
                    Ok(match u.int_in_range(0..=7)? {
                        0 => MailParam::Size(u.arbitrary()?),
                        1 => MailParam::Body(*u.choose(&[
                            BodyType::SevenBit,
                            BodyType::EightBitMime,
                            BodyType::BinaryMime,
                        ])?),
                        2 => MailParam::SmtpUtf8,
                        3 => MailParam::RequireTls,
                        4 => MailParam::Ret(
                            *u.choose(&[smtp_codec::Ret::Full, smtp_codec::Ret::Hdrs])?,
                        ),
                        5 => MailParam::EnvId(param_value(u)?),
                        6 => MailParam::Auth(param_value(u)?),
                        _ => MailParam::Other {
                            keyword: Cow::Owned(format!("X-{}", from_set(u, ALNUM, 1, 6)?)),
                            value: opt_value(u)?,
                        },
                    })
                })
                .collect::<Result<_>>()?;
            Command::Mail { from, params }
        }
        4 => {
            let to = if u.arbitrary()? {
                ForwardPath::Postmaster
            } else {
                ForwardPath::Mailbox(mailbox(u)?)
            };
            let params = (0..u.int_in_range(0..=3)?)
                .map(|_| {
                    Ok(match u.int_in_range(0..=2)? {
                        0 => RcptParam::Notify(Notify {
                            success: u.arbitrary()?,
                            failure: u.arbitrary()?,
                            delay: u.arbitrary()?,
                        }),
                        1 => RcptParam::Orcpt {
                            addr_type: Cow::Owned(from_set(u, ALNUM, 1, 6)?),
                            addr: param_value(u)?,
                        },
                        _ => RcptParam::Other {
                            keyword: Cow::Owned(format!("X-{}", from_set(u, ALNUM, 1, 6)?)),
                            value: opt_value(u)?,
                        },
                    })
                })
                .collect::<Result<_>>()?;
            Command::Rcpt { to, params }
        }
        5 => Command::Data,
        6 => Command::Bdat {
            size: u.arbitrary()?,
            last: u.arbitrary()?,
        },
        7 => Command::Rset,
        8 => Command::Vrfy(text(u)?),
        9 => Command::Expn(text(u)?),
        10 => Command::Help(if u.arbitrary()? { Some(text(u)?) } else { None }),
        11 => Command::Noop(if u.arbitrary()? { Some(text(u)?) } else { None }),
        12 => Command::Quit,
        13 => Command::StartTls,
        14 => Command::Auth {
            mechanism: Cow::Owned(from_set(u, ALNUM, 1, 12)?),
            initial_response: if u.arbitrary()? {
                Some(Cow::Owned(from_set(u, b"AZaz09+/=", 1, 40)?))
            } else {
                None
            },
        },
        _ => Command::Unknown {
            verb: Cow::Owned(format!("X{}", from_set(u, b"QWZ", 2, 8)?)),
            args: if u.arbitrary()? { Some(text(u)?) } else { None },
        },
    })
}

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let l = Limits {
        reply_bytes: 1 << 20,
        reply_line_tolerant: 1 << 16,
        lines_per_reply: 1000,
        command_line: 1 << 16,
        ..Limits::default()
    };
    match u.int_in_range(0..=2)? {
        0 => {
            let r = reply(&mut u)?;
            let b = r.to_bytes();
            assert_eq!(decode_reply(&b, &l).unwrap(), Some((r, b.len())));
        }
        1 => {
            let e = ehlo(&mut u)?;
            let b = e.to_bytes();
            assert_eq!(decode_ehlo(&b, &l).unwrap(), Some((e, b.len())));
        }
        _ => {
            let c = command(&mut u)?;
            let b = c.to_bytes();
            assert_eq!(
                decode_command(&b, &l).unwrap(),
                Some((c, b.len())),
                "{}",
                String::from_utf8_lossy(&b)
            );
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
