//! Client session behaviour against scripted server transcripts (one test per outcome).

// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use smtp_codec::{
    BannerKind, ClientSession, InjectionVerdict, Outcome, Phase, SessionConfig, StartTlsMode, Step,
    TlsHandover,
};

/// Result of driving a session: what we sent and the final step.
struct Run {
    sent: Vec<Vec<u8>>,
    last: Step,
    session: ClientSession,
}

/// Feeds `greeting`, then one server chunk after each command we send (QUIT excluded). When the
/// script is exhausted the server closes. If `split` is set, every chunk is fed byte by byte.
fn run_with(config: SessionConfig, greeting: &[u8], responses: &[&[u8]], split: bool) -> Run {
    let mut s = ClientSession::new(config);
    let feed = |s: &mut ClientSession, b: &[u8]| {
        if split {
            for (i, byte) in b.iter().enumerate() {
                s.feed(std::slice::from_ref(byte));
                // Before a reply's last byte arrived, polling must only ask for more.
                if i + 1 < b.len() {
                    assert_eq!(
                        s.clone().poll(),
                        Step::NeedMore,
                        "early step after {i} bytes"
                    );
                }
            }
        } else {
            s.feed(b);
        }
    };
    feed(&mut s, greeting);
    let mut responses = responses.iter();
    let mut sent = Vec::new();
    // Bounded: a session that never ends (a mutant ignoring EOF) fails here instead of hanging.
    for _ in 0..MAX_POLLS {
        match s.poll() {
            Step::Send(b) => {
                let quit = b == b"QUIT\r\n";
                sent.push(b);
                if !quit {
                    match responses.next() {
                        Some(r) => feed(&mut s, r),
                        None => s.feed_eof(),
                    }
                }
            }
            Step::NeedMore => s.feed_eof(),
            last => {
                return Run {
                    sent,
                    last,
                    session: s,
                }
            }
        }
    }
    panic!("session did not end within {MAX_POLLS} polls");
}

/// More polls than any scripted session here needs (each sends at most a few commands).
const MAX_POLLS: usize = 64;

fn run(greeting: &[u8], responses: &[&[u8]]) -> Run {
    run_with(
        SessionConfig::new("scanner.example.org"),
        greeting,
        responses,
        false,
    )
}

const EHLO_OK: &[u8] = b"250-mx.lab.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n";

fn handover(r: &Run) -> &TlsHandover {
    match &r.last {
        Step::ReadyForTls(h) => h,
        other => panic!("expected ReadyForTls, got {other:?}"),
    }
}

fn outcome(r: &Run) -> &Outcome {
    match &r.last {
        Step::Done(o) => o,
        other => panic!("expected Done, got {other:?}"),
    }
}

#[test]
fn happy_path_reaches_ready_for_tls() {
    let r = run(
        b"220 mx.lab.test ESMTP\r\n",
        &[EHLO_OK, b"220 2.0.0 Ready to start TLS\r\n"],
    );
    let h = handover(&r);
    assert_eq!(h.starttls_reply.code().get(), 220);
    assert_eq!(h.plaintext_after_starttls, None);
    assert!(h.injection.is_none());
    assert_eq!(
        r.sent,
        [
            b"EHLO scanner.example.org\r\n".to_vec(),
            b"STARTTLS\r\n".to_vec()
        ]
    );
    let t = r.session.transcript();
    assert_eq!(
        t.banner.as_ref().unwrap().first_line(),
        b"mx.lab.test ESMTP"
    );
    assert!(t.ehlo.as_ref().unwrap().offers_starttls());
    assert_eq!(t.starttls.as_ref().unwrap().code().get(), 220);
    // After the handover the session reports it is done.
    let mut s = r.session;
    assert_eq!(s.poll(), Step::Done(Outcome::HandedOverToTls));
}

#[test]
fn byte_by_byte_feeding_gives_the_same_result() {
    let cfg = SessionConfig::new("scanner.example.org");
    let r = run_with(
        cfg,
        b"220-mx\r\n220 ESMTP\r\n",
        &[EHLO_OK, b"220 go\r\n"],
        true,
    );
    assert_eq!(handover(&r).starttls_reply.first_line(), b"go");
}

#[test]
fn helo_fallback_on_5xx_then_not_offered() {
    let r = run(
        b"220 old ESMTP\r\n",
        &[
            b"502 5.5.2 Error: command not recognized\r\n",
            b"250 old\r\n",
        ],
    );
    assert_eq!(outcome(&r), &Outcome::StartTlsNotOffered { via_helo: true });
    assert_eq!(r.sent[1], b"HELO scanner.example.org\r\n");
    assert_eq!(r.sent.last().unwrap(), b"QUIT\r\n");
    assert_eq!(
        r.session.transcript().helo.as_ref().unwrap().code().get(),
        250
    );
}

#[test]
fn busy_421_at_every_step() {
    let r = run(b"421 4.3.2 busy\r\n", &[]);
    assert!(matches!(
        outcome(&r),
        Outcome::Busy {
            phase: Phase::Greeting,
            ..
        }
    ));
    assert!(r.sent.is_empty(), "no QUIT after 421");
    let r = run(b"220 x\r\n", &[b"421 too many\r\n"]);
    assert!(matches!(
        outcome(&r),
        Outcome::Busy {
            phase: Phase::Ehlo,
            ..
        }
    ));
    let r = run(b"220 x\r\n", &[EHLO_OK, b"421 shutting down\r\n"]);
    assert!(
        matches!(outcome(&r), Outcome::Busy { phase: Phase::StartTls, reply } if reply.first_line() == b"shutting down")
    );
}

#[test]
fn no_greeting_and_closed_mid_reply() {
    let r = run(b"", &[]);
    assert_eq!(outcome(&r), &Outcome::NoGreeting);
    let r = run(b"220 x\r\n", &[b"250-mx\r\n250-SI"]);
    assert_eq!(
        outcome(&r),
        &Outcome::ConnectionClosed {
            phase: Phase::Ehlo,
            partial: b"250-mx\r\n250-SI".to_vec()
        }
    );
}

#[test]
fn timeout_is_typed() {
    let mut s = ClientSession::new(SessionConfig::new("a.example"));
    s.feed(b"220 x");
    assert_eq!(s.poll(), Step::NeedMore);
    s.feed_timeout();
    assert_eq!(
        s.poll(),
        Step::Done(Outcome::Timeout {
            phase: Phase::Greeting,
            partial: b"220 x".to_vec()
        })
    );
}

#[test]
fn non_smtp_banners() {
    let r = run(b"SSH-2.0-OpenSSH_9.6\r\n", &[]);
    assert!(matches!(
        outcome(&r),
        Outcome::NotSmtp {
            kind: BannerKind::Ssh,
            ..
        }
    ));
    let r = run(b"HTTP/1.1 400 Bad Request\r\n\r\n", &[]);
    assert!(
        matches!(outcome(&r), Outcome::NotSmtp { kind: BannerKind::Http, banner, .. } if banner.starts_with(b"HTTP/1.1"))
    );
    let r = run(&[0x16, 3, 1, 0, 5], &[]);
    assert!(matches!(
        outcome(&r),
        Outcome::NotSmtp {
            kind: BannerKind::Tls,
            ..
        }
    ));
    assert!(r.sent.is_empty());
}

#[test]
fn greeting_554_rejected() {
    let r = run(b"554 5.7.1 no SMTP service here\r\n", &[]);
    assert!(
        matches!(outcome(&r), Outcome::GreetingRejected { reply } if reply.code().get() == 554)
    );
}

#[test]
fn starttls_not_offered() {
    let r = run(
        b"220 x\r\n",
        &[b"250-x\r\n250-PIPELINING\r\n250 SIZE 100\r\n"],
    );
    assert_eq!(
        outcome(&r),
        &Outcome::StartTlsNotOffered { via_helo: false }
    );
    assert_eq!(r.sent.last().unwrap(), b"QUIT\r\n");
}

#[test]
fn starttls_stripped_by_middlebox() {
    let r = run(
        b"220 ***************\r\n",
        &[b"250-x\r\n250-PIPELINING\r\n250 XXXXXXXA\r\n"],
    );
    assert_eq!(
        outcome(&r),
        &Outcome::StartTlsStripped {
            masked: vec!["XXXXXXXA".into()]
        }
    );
    assert!(r
        .session
        .transcript()
        .ehlo
        .as_ref()
        .unwrap()
        .starttls_stripped());
}

#[test]
fn starttls_refused_454() {
    let r = run(
        b"220 x\r\n",
        &[
            EHLO_OK,
            b"454 4.7.0 TLS not available due to local problem\r\n",
        ],
    );
    assert!(matches!(outcome(&r), Outcome::StartTlsRefused { reply } if reply.code().get() == 454));
}

#[test]
fn plaintext_after_220_is_reported_not_handed_to_tls() {
    let r = run(
        b"220 x\r\n",
        &[EHLO_OK, b"220 go ahead\r\n250 injected\r\n"],
    );
    let h = handover(&r);
    assert_eq!(
        h.plaintext_after_starttls.as_deref(),
        Some(&b"250 injected\r\n"[..])
    );
    assert_eq!(
        r.session.transcript().plaintext_after_starttls.as_deref(),
        Some(&b"250 injected\r\n"[..])
    );
}

#[test]
fn protocol_error_after_greeting() {
    let r = run(b"220 x\r\n", &[b"250-a\r\n251 b\r\n"]);
    assert!(matches!(
        outcome(&r),
        Outcome::ProtocolError {
            phase: Phase::Ehlo,
            ..
        }
    ));
}

#[test]
fn unexpected_reply() {
    let r = run(b"220 x\r\n", &[b"354 what\r\n"]);
    assert!(matches!(
        outcome(&r),
        Outcome::UnexpectedReply {
            phase: Phase::Ehlo,
            ..
        }
    ));
}

#[test]
fn injection_probe_sends_pipelined_and_checks_inside_tls() {
    let mut cfg = SessionConfig::new("scanner.example.org");
    cfg.mode = StartTlsMode::PipelinedInjection;
    let r = run_with(cfg, b"220 x\r\n", &[EHLO_OK, b"220 ready\r\n"], false);
    assert_eq!(r.sent[1], b"STARTTLS\r\nNOOP\r\n", "one write");
    let check = handover(&r).injection.clone().unwrap();

    // A server that carried the NOOP across the upgrade answers it inside TLS.
    let mut vulnerable = check.clone();
    vulnerable.feed(b"250 2.0.");
    assert_eq!(vulnerable.poll(), InjectionVerdict::NeedMore);
    vulnerable.feed(b"0 Ok\r\n");
    assert!(
        matches!(vulnerable.poll(), InjectionVerdict::Vulnerable { reply } if reply.code().get() == 250)
    );

    // Nothing inside TLS until the timeout: not vulnerable.
    assert_eq!(
        check.finish(),
        InjectionVerdict::NotVulnerable { reply: None }
    );
    // The handed-over check is passive until the driver starts the probe.
    assert!(!check.is_probing());

    // Garbage or a cut reply is inconclusive, never "not vulnerable".
    let mut cut = check.clone();
    cut.feed(b"25");
    assert!(matches!(
        cut.finish(),
        InjectionVerdict::Inconclusive { error: None, .. }
    ));
    let mut junk = check;
    junk.feed(b"\x00junk\r\n");
    assert!(matches!(
        junk.poll(),
        InjectionVerdict::Inconclusive { error: Some(_), .. }
    ));
}

#[test]
fn transcript_records_each_step() {
    let r = run(b"220 x\r\n", &[EHLO_OK, b"220 go\r\n"]);
    let events = &r.session.transcript().events;
    // Greeting reply, EHLO sent, EHLO reply, STARTTLS sent, STARTTLS reply.
    assert_eq!(events.len(), 5, "{events:?}");
}

#[test]
fn ehlo_name_cannot_inject_commands() {
    let evil = SessionConfig::new("x\r\nMAIL FROM:<a@b>");
    assert!(ClientSession::try_new(evil.clone()).is_err());
    let mut s = ClientSession::new(evil);
    s.feed(b"220 mx\r\n");
    let Step::Send(ehlo) = s.poll() else { panic!() };
    assert_eq!(ehlo, b"EHLO x--MAIL-FROM:-a-b-\r\n");
    assert!(ClientSession::try_new(SessionConfig::new("[192.0.2.1]")).is_ok());
    assert!(ClientSession::try_new(SessionConfig::new("")).is_err());
}

#[test]
fn outcomes_display_for_humans() {
    let r = run(
        b"220 x\r\n",
        &[
            EHLO_OK,
            b"454 4.7.0 TLS not available due to local problem\r\n",
        ],
    );
    assert_eq!(
        outcome(&r).to_string(),
        "STARTTLS refused: 454 4.7.0 TLS not available due to local problem"
    );
    let r = run(b"SSH-2.0-OpenSSH_9.6\r\n", &[]);
    assert!(outcome(&r)
        .to_string()
        .starts_with("not SMTP (Ssh banner \"SSH-2.0-OpenSSH_9.6"));
}

#[test]
fn flood_without_line_end_is_bounded_and_fails() {
    let mut s = ClientSession::new(SessionConfig::new("a.example"));
    let flood = vec![b'2'; 10 * 1024 * 1024];
    s.feed(&flood);
    assert!(matches!(s.poll(), Step::Done(Outcome::NotSmtp { .. })));
    let mut s = ClientSession::new(SessionConfig::new("a.example"));
    s.feed(b"220 x\r\n");
    assert!(matches!(s.poll(), Step::Send(_)));
    s.feed(b"250-");
    s.feed(&vec![b'a'; 100_000]);
    assert!(matches!(
        s.poll(),
        Step::Done(Outcome::ProtocolError {
            phase: Phase::Ehlo,
            error: smtp_codec::ReplyError::LineTooLong { limit: 4096 }
        })
    ));
}

#[test]
fn starttls_answered_with_a_non_refusal_code_is_unexpected_not_refused() {
    // Neither 220 nor a 4xx/5xx refusal: a 2xx or 3xx to STARTTLS (a stripping proxy's
    // "invalid response code") is an unexpected reply, not a refusal. (A 1xx is no reply code
    // at all for the decoder: a protocol error.)
    for reply in [&b"200 ok\r\n"[..], b"221 bye\r\n", b"354 go\r\n"] {
        let r = run(b"220 mx.lab.test ESMTP\r\n", &[EHLO_OK, reply]);
        assert!(
            matches!(
                outcome(&r),
                Outcome::UnexpectedReply { phase: Phase::StartTls, reply: got }
                    if got.code().get().to_string().as_bytes() == &reply[..3]
            ),
            "{:?}",
            outcome(&r)
        );
    }
}

#[test]
fn ehlo_530_must_issue_starttls_first_tries_starttls() {
    let r = run(
        b"220 mx.lab.test ESMTP\r\n",
        &[
            b"530 5.7.0 Must issue a STARTTLS command first\r\n",
            b"220 2.0.0 Ready to start TLS\r\n",
        ],
    );
    let h = handover(&r);
    assert_eq!(h.starttls_reply.code().get(), 220);
    assert_eq!(r.sent[1], b"STARTTLS\r\n");
    let t = r.session.transcript();
    assert_eq!(t.ehlo_reply.as_ref().unwrap().code().get(), 530);
    assert!(t.ehlo.is_none() && t.helo.is_none());

    // The demanded STARTTLS refused in turn: a refusal, not "not offered".
    let r = run(
        b"220 mx.lab.test ESMTP\r\n",
        &[
            b"530 5.7.0 Must issue a STARTTLS command first\r\n",
            b"454 4.7.0 TLS not available\r\n",
        ],
    );
    assert!(matches!(outcome(&r), Outcome::StartTlsRefused { reply } if reply.code().get() == 454));
}

#[test]
fn any_2xx_greeting_proceeds_to_ehlo() {
    let r = run(b"250 odd greeting\r\n", &[EHLO_OK, b"220 go\r\n"]);
    assert_eq!(handover(&r).starttls_reply.code().get(), 220);
    assert_eq!(r.sent[0], b"EHLO scanner.example.org\r\n");
}

/// Phase names are the ones the record's JSON and logs use.
#[test]
fn phase_names_are_pinned() {
    let names: Vec<&str> = [
        Phase::Greeting,
        Phase::Ehlo,
        Phase::Helo,
        Phase::StartTls,
        Phase::Quit,
    ]
    .into_iter()
    .map(Phase::name)
    .collect();
    assert_eq!(names, ["greeting", "ehlo", "helo", "starttls", "quit"]);
}

/// Bytes fed after EOF are ignored: the server closed, nothing it "sent" later counts.
#[test]
fn bytes_after_eof_are_ignored() {
    let mut s = ClientSession::new(SessionConfig::new("scanner.example.org"));
    s.feed_eof();
    s.feed(b"220 mx.lab.test ESMTP\r\n");
    assert_eq!(s.poll(), Step::Done(Outcome::NoGreeting));
    assert_eq!(s.outcome(), Some(&Outcome::NoGreeting));
}

/// `outcome()` is `None` while the session runs and the final outcome once it is over.
#[test]
fn outcome_is_none_until_done() {
    let mut s = ClientSession::new(SessionConfig::new("scanner.example.org"));
    assert_eq!(s.outcome(), None);
    assert_eq!(s.poll(), Step::NeedMore);
    assert_eq!(s.outcome(), None);
    s.feed(b"220 mx.lab.test ESMTP\r\n");
    assert!(matches!(s.poll(), Step::Send(_)));
    assert_eq!(s.outcome(), None);
    s.feed_eof();
    let step = s.poll();
    let Step::Done(o) = step else {
        panic!("expected Done, got {step:?}")
    };
    assert_eq!(s.outcome(), Some(&o));
    assert!(matches!(
        o,
        Outcome::ConnectionClosed {
            phase: Phase::Ehlo,
            ..
        }
    ));
}

/// EOF after the greeting with nothing buffered is a closed connection in that phase, not
/// "no greeting"; EOF in the greeting with a partial line keeps the partial bytes.
#[test]
fn eof_outcome_depends_on_phase_and_buffer() {
    let r = run(b"220 mx.lab.test ESMTP\r\n", &[]);
    match outcome(&r) {
        Outcome::ConnectionClosed { phase, partial } => {
            assert_eq!(*phase, Phase::Ehlo);
            assert!(partial.is_empty());
        }
        other => panic!("expected ConnectionClosed in ehlo, got {other:?}"),
    }
    let r = run(b"220 mx.lab", &[]);
    match outcome(&r) {
        Outcome::ConnectionClosed { phase, partial } => {
            assert_eq!(*phase, Phase::Greeting);
            assert_eq!(partial.as_slice(), b"220 mx.lab");
        }
        other => panic!("expected ConnectionClosed in greeting, got {other:?}"),
    }
}

/// Only a 5xx greeting is a rejection and only 250 to HELO means "no STARTTLS, via HELO":
/// a 4xx greeting (other than 421) and a refused HELO are unexpected replies.
#[test]
fn transient_greetings_and_refused_helo_are_unexpected_replies() {
    // (greeting, replies to the commands, the phase of the unexpected reply)
    type Case = (&'static [u8], &'static [&'static [u8]], Phase);
    let cases: [Case; 2] = [
        (b"450 4.3.2 try later\r\n", &[], Phase::Greeting),
        (
            b"220 mx.example ESMTP\r\n",
            &[b"502 5.5.1 no EHLO\r\n", b"550 5.7.1 go away\r\n"],
            Phase::Helo,
        ),
    ];
    for (greeting, responses, phase) in cases {
        let r = run(greeting, responses);
        assert!(
            matches!(&r.last, Step::Done(Outcome::UnexpectedReply { phase: p, .. }) if *p == phase),
            "{phase:?}: {:?}",
            r.last
        );
    }
}

/// Every scripted server of this file's tests, as (greeting, responses).
const SCRIPTS: &[(&[u8], &[&[u8]])] = &[
    (b"220 x\r\n", &[EHLO_OK, b"220 go\r\n"]),
    (b"220 x\r\n", &[EHLO_OK, b"220 go\r\nleftover"]),
    (b"421 busy\r\n", &[]),
    (b"220 x\r\n", &[b"421 busy\r\n"]),
    (b"220 x\r\n", &[EHLO_OK, b"421 busy\r\n"]),
    (b"554 go away\r\n", &[]),
    (b"220 x\r\n", &[b"500 what\r\n", b"250 hi\r\n"]),
    (b"220 x\r\n", &[b"250-x\r\n250 8BITMIME\r\n"]),
    (b"220 x\r\n", &[b"250-x\r\n250 XXXXXXXA\r\n"]),
    (b"220 x\r\n", &[EHLO_OK, b"454 no\r\n"]),
    (b"220 x\r\n", &[EHLO_OK, b"354 what\r\n"]),
    (b"220 x\r\n", &[b"530 starttls first\r\n", b"220 go\r\n"]),
    (b"220 x\r\n", &[b"garbage\r\n"]),
    (b"SSH-2.0-OpenSSH\r\n", &[]),
    (b"", &[]),
    (b"220-partial", &[]),
];

/// A transcript without its event list, to compare the rest.
fn without_events(s: &ClientSession) -> smtp_codec::Transcript {
    let mut t = s.transcript().clone();
    t.events.clear();
    t
}

#[test]
fn without_recorded_events_sessions_end_the_same_and_keep_every_named_reply() {
    let mut quiet = SessionConfig::new("scanner.example.org");
    quiet.record_events = false;
    for (greeting, responses) in SCRIPTS {
        let on = run_with(
            SessionConfig::new("scanner.example.org"),
            greeting,
            responses,
            false,
        );
        let off = run_with(quiet.clone(), greeting, responses, false);
        let what = format!("{} {responses:?}", String::from_utf8_lossy(greeting));
        assert!(!on.session.transcript().events.is_empty(), "{what}");
        assert!(off.session.transcript().events.is_empty(), "{what}");
        assert_eq!(on.sent, off.sent, "{what}");
        assert_eq!(on.last, off.last, "{what}");
        assert_eq!(
            without_events(&on.session),
            without_events(&off.session),
            "{what}"
        );
    }
    // The named fields are filled either way.
    let r = run_with(quiet, b"220 x\r\n", &[EHLO_OK, b"220 go\r\n"], false);
    let t = r.session.transcript();
    assert!(t.banner.is_some() && t.ehlo_reply.is_some() && t.ehlo.is_some());
    assert_eq!(t.starttls.as_ref().map(|r| r.code().get()), Some(220));
    let r = run(b"220 x\r\n", &[b"500 what\r\n", b"250 hi\r\n"]);
    let t = r.session.transcript();
    assert_eq!(t.ehlo_reply.as_ref().map(|r| r.code().get()), Some(500));
    assert_eq!(t.helo.as_ref().map(|r| r.first_line()), Some(&b"hi"[..]));
    // A reply the outcome carries is in the transcript too.
    let r = run(b"220 x\r\n", &[EHLO_OK, b"454 no\r\n"]);
    assert!(matches!(outcome(&r), Outcome::StartTlsRefused { reply } if reply.code().get() == 454));
    assert_eq!(
        r.session
            .transcript()
            .starttls
            .as_ref()
            .map(|r| r.code().get()),
        Some(454)
    );
}

#[test]
fn events_are_recorded_by_default() {
    assert!(SessionConfig::new("scanner.example.org").record_events);
}
