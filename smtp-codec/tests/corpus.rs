//! Every reply in tests/corpus/ decodes completely to the expected code, enhanced status and,
//! for EHLO replies, capabilities. Postfix and Exim files were captured from the lab.

// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use smtp_codec::{decode_ehlo, decode_reply, Capability, EhloResponse, Limits};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// (file, code, enhanced status of the first line)
const REPLIES: &[(&str, u16, Option<&str>)] = &[
    ("postfix/greeting", 220, None),
    ("postfix/ehlo", 250, None),
    ("postfix/noop", 250, Some("2.0.0")),
    ("postfix/vrfy", 252, Some("2.0.0")),
    ("postfix/help", 500, Some("5.5.2")),
    ("postfix/mail", 250, Some("2.1.0")),
    ("postfix/rcpt_foreign", 554, Some("5.7.1")),
    ("postfix/rset", 250, Some("2.0.0")),
    ("postfix/unknown", 500, Some("5.5.2")),
    ("postfix/quit", 221, Some("2.0.0")),
    ("postfix/starttls", 220, Some("2.0.0")),
    ("exim/greeting", 220, None),
    ("exim/ehlo", 250, None),
    ("exim/noop", 250, None),
    ("exim/vrfy", 252, None),
    ("exim/help", 214, None),
    ("exim/mail", 250, None),
    ("exim/rcpt_foreign", 550, None),
    ("exim/rset", 250, None),
    ("exim/unknown", 500, None),
    ("exim/quit", 221, None),
    ("exim/starttls", 220, None),
    ("sendmail/greeting", 220, None),
    ("sendmail/ehlo", 250, None),
    ("sendmail/rcpt_foreign", 550, Some("5.7.1")),
    ("sendmail/starttls", 220, Some("2.0.0")),
    ("sendmail/quit", 221, Some("2.0.0")),
    ("exchange/greeting", 220, None),
    ("exchange/ehlo", 250, None),
    ("exchange/ehlo_online", 250, None),
    ("exchange/rcpt_foreign", 550, Some("5.7.54")),
    ("exchange/starttls", 220, Some("2.0.0")),
    ("gmail/greeting", 220, None),
    ("gmail/ehlo", 250, None),
    ("gmail/rcpt_unknown_user", 550, Some("5.1.1")),
    ("gmail/busy", 421, Some("4.7.0")),
    ("gmail/starttls", 220, Some("2.0.0")),
    ("stalwart/greeting", 220, None),
    ("stalwart/ehlo", 250, None),
    ("stalwart/rcpt_foreign", 550, Some("5.1.2")),
    ("stalwart/starttls", 220, Some("2.0.0")),
    ("opensmtpd/greeting", 220, None),
    ("opensmtpd/ehlo", 250, None),
    ("opensmtpd/help", 214, None),
    ("opensmtpd/rcpt_foreign", 550, None),
    ("opensmtpd/starttls", 220, Some("2.0.0")),
    ("quirks/cisco_greeting", 220, None),
    ("quirks/cisco_stripped_ehlo", 250, None),
    ("quirks/lowercase_bare_lf_ehlo", 250, None),
    ("quirks/missing_text", 250, None),
];

fn read(name: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(format!("{name}.reply"))).unwrap()
}

fn ehlo(name: &str) -> EhloResponse<'static> {
    let bytes = read(name);
    let (e, used) = decode_ehlo(&bytes, &Limits::default()).unwrap().unwrap();
    assert_eq!(used, bytes.len(), "{name}");
    e.into_owned()
}

#[test]
fn every_corpus_file_is_listed_and_parses() {
    let mut found = Vec::new();
    for server in std::fs::read_dir(corpus_dir()).unwrap() {
        let server = server.unwrap().path();
        if !server.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&server).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "reply") {
                let s = server.file_name().unwrap().to_string_lossy();
                let n = f.file_stem().unwrap().to_string_lossy();
                found.push(format!("{s}/{n}"));
            }
        }
    }
    found.sort();
    let mut listed: Vec<String> = REPLIES.iter().map(|(n, ..)| n.to_string()).collect();
    listed.sort();
    assert_eq!(
        found, listed,
        "corpus files and the expectation table differ"
    );
    for (name, code, status) in REPLIES {
        let bytes = read(name);
        let (reply, used) = decode_reply(&bytes, &Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap_or_else(|| panic!("{name}: incomplete"));
        assert_eq!(used, bytes.len(), "{name}: one reply per file");
        assert_eq!(reply.code().get(), *code, "{name}");
        assert_eq!(
            reply.enhanced_status().map(|s| s.to_string()).as_deref(),
            *status,
            "{name}"
        );
    }
}

#[test]
fn captured_postfix_ehlo() {
    let e = ehlo("postfix/ehlo");
    assert_eq!(e.domain, "mx.lab.test");
    assert_eq!(
        e.capabilities,
        vec![
            Capability::Pipelining,
            Capability::Size(Some(10_240_000)),
            Capability::Vrfy,
            Capability::Etrn,
            Capability::StartTls,
            Capability::EnhancedStatusCodes,
            Capability::EightBitMime,
            Capability::Dsn,
            Capability::SmtpUtf8,
            Capability::Chunking,
        ]
    );
}

#[test]
fn captured_exim_ehlo() {
    let e = ehlo("exim/ehlo");
    assert_eq!(e.domain, "exim.lab.test");
    assert_eq!(
        e.greeting.as_deref(),
        Some("Hello capture.mxray.test [127.0.0.1]")
    );
    assert!(e.offers_starttls());
    assert_eq!(e.size(), Some(52_428_800));
    assert!(e.has(&Capability::Other {
        keyword: "PIPECONNECT".into(),
        params: vec![]
    }));
    assert!(e.has(&Capability::Help));
}

#[test]
fn written_ehlo_responses() {
    let e = ehlo("sendmail/ehlo");
    assert_eq!(e.auth_mechanisms(), ["GSSAPI", "DIGEST-MD5", "CRAM-MD5"]);
    assert!(e.has(&Capability::Size(None)) && e.has(&Capability::DeliverBy(None)));
    assert!(e.offers_starttls());

    let e = ehlo("exchange/ehlo");
    assert_eq!(e.auth_mechanisms(), ["NTLM"]);
    assert!(e.has(&Capability::Other {
        keyword: "X-ANONYMOUSTLS".into(),
        params: vec![]
    }));
    assert!(e.has(&Capability::BinaryMime) && e.has(&Capability::Chunking));
    assert!(ehlo("exchange/ehlo_online").has(&Capability::SmtpUtf8));

    let e = ehlo("gmail/ehlo");
    assert_eq!(e.greeting.as_deref(), Some("at your service, [192.0.2.10]"));
    assert_eq!(e.size(), Some(157_286_400));
    assert!(e.offers_starttls());

    let e = ehlo("stalwart/ehlo");
    assert!(e.has(&Capability::Limits(vec![
        ("RCPTMAX".into(), "100".into()),
        ("MAILMAX".into(), "10".into())
    ])));
    assert!(e.has(&Capability::DeliverBy(Some(604_800))));
    assert!(e.has(&Capability::RequireTls) && e.has(&Capability::NoSoliciting(None)));
    assert!(e.has(&Capability::FutureRelease(vec![
        "604800".into(),
        "2026-12-06T08:00:00Z".into()
    ])));
    assert!(e.has(&Capability::Other {
        keyword: "MT-PRIORITY".into(),
        params: vec!["MIXER".into()]
    }));

    let e = ehlo("opensmtpd/ehlo");
    assert_eq!(e.capabilities.len(), 6);
    assert!(e.offers_starttls() && e.has(&Capability::Help));
}

#[test]
fn quirk_files() {
    let e = ehlo("quirks/cisco_stripped_ehlo");
    assert!(!e.offers_starttls());
    assert!(e.starttls_stripped());
    assert_eq!(e.stripped().collect::<Vec<_>>(), ["XXXXXXXA"]);

    let e = ehlo("quirks/lowercase_bare_lf_ehlo");
    assert!(e.offers_starttls());
    assert_eq!(e.size(), Some(1000));
    assert_eq!(e.auth_mechanisms(), ["LOGIN", "PLAIN"]);
    assert!(e.has(&Capability::Auth {
        mechanisms: vec!["LOGIN".into(), "PLAIN".into()],
        legacy: true
    }));
    assert!(decode_reply(&read("quirks/lowercase_bare_lf_ehlo"), &Limits::strict()).is_err());

    let e = ehlo("quirks/missing_text");
    assert_eq!(e.domain, "");
}
