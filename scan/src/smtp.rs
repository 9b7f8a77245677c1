//! The SMTP part of a connection: drives `smtp-codec`'s sans-IO [`ClientSession`] over an async
//! stream, with a time limit on every phase, and turns what it saw into record fields.
//!
//! Each phase (the greeting, the EHLO reply, the STARTTLS reply) must complete within the read
//! timeout, capped by the endpoint deadline; a server that trickles bytes cannot stretch a phase.
//! Memory is bounded by the session's [`smtp_codec::Limits`] (line length, lines per reply,
//! reply size): an endless multi-line reply or a 1 MiB line ends as a protocol error as soon
//! as it breaks a limit.

use std::time::{Duration, Instant};

use smtp_codec::{ClientSession, Encode, Outcome, Phase as SmtpPhase, SessionConfig, Step};
use smtp_codec::{ReplyError, StartTlsMode, TlsHandover, Transcript};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::assemble::NoTls;
use crate::clock::later;
use mxray_schema::record::{Banner, EhloInfo, ErrorKind, Phase, ScanError};

/// Bytes read at a time.
const READ_CHUNK: usize = 4096;

/// Largest greeting text kept in the record, in bytes (the session's limits bound what is read).
pub const MAX_GREETING: usize = 4096;

/// How driving the session ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum Driven {
    /// 220 to STARTTLS: start TLS on the same stream.
    Ready(TlsHandover),
    /// The plaintext session is over.
    Done(Outcome),
}

/// The end of [`drive`], with what the I/O layer saw.
#[derive(Debug)]
pub struct DriveResult {
    /// How it ended.
    pub end: Driven,
    /// The last read or write error, when one ended the session (e.g. a reset).
    pub io_error: Option<String>,
    /// A timeout was caused by the endpoint deadline rather than the phase's own limit.
    pub by_deadline: bool,
    /// When the session decoded the greeting (`None`: it never did, or it was fed before).
    pub greeting_at: Option<Instant>,
    /// The greeting as received: exactly its bytes once decoded, else every byte read before
    /// the session ended (bounded by the session's reply size limit).
    pub greeting: Vec<u8>,
}

/// A session configuration for the scanner.
pub fn session_config(ehlo_name: &str, injection: bool) -> SessionConfig {
    let mut cfg = SessionConfig::new(ehlo_name);
    // The record reads the transcript's named fields only: the event list would be a second
    // copy of every reply and command (54 of standard's 660 allocations per endpoint).
    cfg.record_events = false;
    if injection {
        cfg.mode = StartTlsMode::PipelinedInjection;
    }
    cfg
}

/// Bytes read before the greeting was decoded, and when it was.
struct GreetingWatch {
    at: Option<Instant>,
    bytes: Vec<u8>,
    cap: usize,
}

impl GreetingWatch {
    /// `keep: false` keeps no bytes (the moment is still noted).
    fn new(session: &ClientSession, keep: bool) -> GreetingWatch {
        GreetingWatch {
            at: session.transcript().banner.as_ref().map(|_| Instant::now()),
            bytes: Vec::new(),
            cap: if keep {
                session.config().limits.reply_bytes
            } else {
                0
            },
        }
    }

    fn read(&mut self, bytes: &[u8]) {
        if self.at.is_none() {
            let room = self.cap.saturating_sub(self.bytes.len()).min(bytes.len());
            self.bytes
                .extend_from_slice(bytes.get(..room).unwrap_or_default());
        }
    }

    /// After a poll: notes the moment the session decoded the greeting, and keeps exactly
    /// its bytes (smtp-codec's decoder says how many there were).
    fn polled(&mut self, session: &ClientSession) {
        if self.at.is_none() && session.transcript().banner.is_some() {
            self.at = Some(Instant::now());
            if self.bytes.is_empty() {
                return;
            }
            if let Ok(Some((_, used))) =
                smtp_codec::decode_reply(&self.bytes, &session.config().limits)
            {
                self.bytes.truncate(used);
            }
        }
    }
}

/// Drives `session` over `stream` until it hands over to TLS or ends: from the greeting (a
/// fresh session) or from wherever the session is (one fed bytes already). Every phase (from a
/// command sent to its complete reply, or the greeting) has `read_timeout`, capped by
/// `deadline`.
pub async fn drive<S>(
    stream: &mut S,
    session: &mut ClientSession,
    read_timeout: Duration,
    deadline: Instant,
) -> DriveResult
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    drive_with(stream, session, read_timeout, deadline, true).await
}

/// [`drive`], keeping the greeting's bytes or not: `keep_greeting: false` is for a connection
/// whose greeting is not recorded (a TLS probe's); the result's `greeting` then stays empty (the
/// moment is still noted), so the bytes are neither copied nor decoded again.
pub async fn drive_with<S>(
    stream: &mut S,
    session: &mut ClientSession,
    read_timeout: Duration,
    deadline: Instant,
    keep_greeting: bool,
) -> DriveResult
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; READ_CHUNK];
    let mut io_error = None;
    let mut by_deadline = false;
    let mut greeting = GreetingWatch::new(session, keep_greeting);
    let phase_end = || {
        let t = later(Instant::now(), read_timeout);
        if t >= deadline {
            (deadline, true)
        } else {
            (t, false)
        }
    };
    let (mut until, mut until_is_deadline) = phase_end();
    let end = loop {
        let step = session.poll();
        greeting.polled(session);
        match step {
            Step::Send(bytes) => {
                (until, until_is_deadline) = phase_end();
                match tokio::time::timeout_at(until.into(), stream.write_all(&bytes)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        io_error = Some(e.to_string());
                        session.feed_eof();
                    }
                    Err(_) => {
                        by_deadline = until_is_deadline;
                        session.feed_timeout();
                    }
                }
            }
            Step::NeedMore => {
                match tokio::time::timeout_at(until.into(), stream.read(&mut buf)).await {
                    Ok(Ok(0)) => session.feed_eof(),
                    Ok(Ok(n)) => {
                        let got = buf.get(..n).unwrap_or_default();
                        greeting.read(got);
                        session.feed(got);
                    }
                    Ok(Err(e)) => {
                        io_error = Some(e.to_string());
                        session.feed_eof();
                    }
                    Err(_) => {
                        by_deadline = until_is_deadline;
                        session.feed_timeout();
                    }
                }
            }
            Step::ReadyForTls(h) => break Driven::Ready(h),
            Step::Done(o) => break Driven::Done(o),
            // `Step` is non-exhaustive; a future step this driver does not know ends the session.
            _ => {
                io_error = Some("unknown session step".to_owned());
                break Driven::Done(Outcome::NoGreeting);
            }
        }
    };
    DriveResult {
        end,
        io_error,
        by_deadline,
        greeting_at: greeting.at,
        greeting: greeting.bytes,
    }
}

/// The greeting as a record section: `bytes` as received (see [`DriveResult::greeting`]),
/// its text bounded to [`MAX_GREETING`] bytes; `None` when nothing was received.
///
/// A greeting the session decoded is complete and has its code. One it could not decode
/// (not SMTP) keeps the three digits it starts with, if any, and is complete when its line
/// ended; one cut by a timeout or the peer closing is incomplete and has no code.
pub fn banner(bytes: &[u8], t: &Transcript, o: Option<&Outcome>) -> Option<Banner> {
    if bytes.is_empty() {
        return None;
    }
    let text = lossy_bounded(bytes, MAX_GREETING);
    let (code, complete) = match (&t.banner, o) {
        (Some(b), _) => (Some(b.code().get()), true),
        (None, Some(Outcome::NotSmtp { .. })) => {
            let complete = bytes.contains(&b'\n');
            let code = bytes
                .get(..3)
                .filter(|d| complete && d.iter().all(u8::is_ascii_digit))
                .map(|d| d.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')));
            (code, complete)
        }
        (None, _) => (None, false),
    };
    Some(Banner {
        code,
        text,
        complete,
    })
}

/// Largest reply to QUIT read, in bytes.
const MAX_QUIT_REPLY: usize = 1024;

/// Waits, at most `limit`, for one reply (framed by smtp-codec's decoder, at most 1 KiB) and
/// ignores it: the answer to a QUIT the session sent.
pub async fn await_reply<S: AsyncRead + Unpin>(stream: &mut S, limit: Duration) {
    let limits = smtp_codec::Limits {
        reply_bytes: MAX_QUIT_REPLY,
        ..smtp_codec::Limits::default()
    };
    let _ = tokio::time::timeout(limit, async {
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 256];
        while let Ok(n @ 1..) = stream.read(&mut chunk).await {
            bytes.extend_from_slice(chunk.get(..n).unwrap_or_default());
            if !matches!(smtp_codec::decode_reply(&bytes, &limits), Ok(None)) {
                break;
            }
        }
    })
    .await;
}

/// Sends QUIT and waits for (and ignores) its reply, at most `limit` in all, then shuts the
/// stream down: the polite end of a session smtp-codec's session ended without one (a 421).
pub async fn quit<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, limit: Duration) {
    let _ = tokio::time::timeout(limit, async {
        if stream.write_all(b"QUIT\r\n").await.is_ok() {
            await_reply(stream, limit).await;
        }
        let _ = stream.shutdown().await;
    })
    .await;
}

/// The EHLO exchange as a record section, when EHLO (or HELO) got an answer.
pub fn ehlo_info(t: &Transcript) -> Option<EhloInfo> {
    if let Some(e) = &t.ehlo {
        return Some(ehlo_response_info(
            t.ehlo_reply.as_ref().map_or(250, |r| r.code().get()),
            e,
        ));
    }
    if let Some(h) = &t.helo {
        return Some(EhloInfo {
            code: h.code().get(),
            used_helo: true,
            domain: first_word(&h.text_lossy()),
            capabilities: Vec::new(),
            starttls_offered: false,
            starttls_stripped: false,
        });
    }
    t.ehlo_reply.as_ref().map(|r| EhloInfo {
        code: r.code().get(),
        used_helo: false,
        domain: None,
        capabilities: Vec::new(),
        starttls_offered: false,
        starttls_stripped: false,
    })
}

/// A typed EHLO response (its reply `code`) as a record section.
pub fn ehlo_response_info(code: u16, e: &smtp_codec::EhloResponse<'_>) -> EhloInfo {
    // One scratch buffer for the wire forms, one string per capability.
    let mut wire = Vec::with_capacity(64);
    let capabilities: Vec<String> = e
        .capabilities
        .iter()
        .map(|c| {
            wire.clear();
            c.encode(&mut wire);
            String::from_utf8_lossy(&wire).trim_end().to_owned()
        })
        .collect();
    EhloInfo {
        code,
        used_helo: false,
        domain: Some(e.domain.to_string()).filter(|d| !d.is_empty()),
        capabilities,
        starttls_offered: e.offers_starttls(),
        starttls_stripped: e.starttls_stripped(),
    }
}

fn first_word(s: &str) -> Option<String> {
    s.split_whitespace().next().map(str::to_owned)
}

/// What the end of a plaintext session means for the record.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionVerdict {
    /// STARTTLS could not be used, a finding rather than an error: why (the STARTTLS section
    /// and the finding come from it, [`crate::assemble`]).
    NoTls(NoTls),
    /// 421 (to the greeting or after it): retry later.
    Busy(ScanError),
    /// The greeting refuses service (or has a code no greeting can have): the server answered,
    /// so the attempt is over, but the endpoint failed.
    Refused(ScanError),
    /// The session failed.
    Error(ScanError),
}

fn phase_of(p: SmtpPhase) -> Phase {
    match p {
        SmtpPhase::Greeting => Phase::Banner,
        SmtpPhase::Ehlo | SmtpPhase::Helo => Phase::Ehlo,
        SmtpPhase::StartTls => Phase::Starttls,
        SmtpPhase::Quit => Phase::Quit,
        _ => Phase::Ehlo,
    }
}

fn phase_name(p: SmtpPhase) -> &'static str {
    match p {
        SmtpPhase::Greeting => "the greeting",
        SmtpPhase::Ehlo => "EHLO",
        SmtpPhase::Helo => "HELO",
        SmtpPhase::StartTls => "STARTTLS",
        SmtpPhase::Quit => "QUIT",
        _ => "the session",
    }
}

/// A session that ended at the greeting: the errors of the `banner` phase.
fn greeting_verdict(
    o: &Outcome,
    io_error: Option<&str>,
    by_deadline: bool,
) -> Option<SessionVerdict> {
    let banner = |kind, message: String| ScanError::new(kind, Phase::Banner, message);
    let closed = |partial: bool| {
        banner(
            ErrorKind::SmtpProtocol,
            if partial {
                "connection closed in the middle of the greeting".to_owned()
            } else {
                "connection closed without a greeting".to_owned()
            },
        )
    };
    Some(match o {
        Outcome::Timeout {
            phase: SmtpPhase::Greeting,
            ..
        } => SessionVerdict::Error(if by_deadline {
            ScanError::new(
                ErrorKind::Timeout,
                Phase::Endpoint,
                "endpoint deadline reached during reading the greeting",
            )
        } else {
            banner(
                ErrorKind::Timeout,
                "reading the greeting timed out".to_owned(),
            )
        }),
        Outcome::NoGreeting => SessionVerdict::Error(match io_error {
            Some(e) => banner(ErrorKind::Io, e.to_owned()),
            None => closed(false),
        }),
        Outcome::ConnectionClosed {
            phase: SmtpPhase::Greeting,
            ..
        } => SessionVerdict::Error(match io_error {
            Some(e) => banner(ErrorKind::Io, e.to_owned()),
            None => closed(true),
        }),
        Outcome::Busy {
            phase: SmtpPhase::Greeting,
            ..
        } => SessionVerdict::Busy(banner(
            ErrorKind::Busy421,
            "server busy: 421 greeting".to_owned(),
        )),
        Outcome::GreetingRejected { reply }
        | Outcome::UnexpectedReply {
            phase: SmtpPhase::Greeting,
            reply,
        } => {
            let c = reply.code().get();
            // By code class: 4xx is a temporary failure, 5xx a refusal; any other class (3xx
            // such as 354) is no greeting a server should send.
            let (kind, what) = match c / 100 {
                4 => (
                    ErrorKind::GreetingTemporary,
                    "a temporary failure, try again later",
                ),
                5 => (ErrorKind::GreetingRejected, "the server refuses service"),
                _ => (
                    ErrorKind::GreetingUnexpected,
                    "not a code a greeting can have",
                ),
            };
            SessionVerdict::Refused(banner(kind, format!("greeting with code {c}: {what}")))
        }
        Outcome::NotSmtp { kind, error, .. } => SessionVerdict::Error(match error {
            // A greeting without a reply code (or with one outside 2xx-5xx, such as 150) is of
            // no class: its own cause, not a protocol error.
            ReplyError::NoCode => banner(
                ErrorKind::GreetingUnexpected,
                "greeting does not start with a 3-digit reply code".to_owned(),
            ),
            ReplyError::InvalidCode(d) => banner(
                ErrorKind::GreetingUnexpected,
                format!(
                    "greeting with code {}: not a code a greeting can have",
                    String::from_utf8_lossy(d)
                ),
            ),
            ReplyError::LineTooLong { .. }
            | ReplyError::TooManyLines { .. }
            | ReplyError::TooLarge { .. } => banner(
                ErrorKind::SmtpProtocol,
                format!("greeting longer than the session's limits: {error}"),
            ),
            _ => banner(
                ErrorKind::SmtpProtocol,
                format!("not an SMTP greeting ({kind:?}): {error}"),
            ),
        }),
        _ => return None,
    })
}

/// Classifies the end of a plaintext session (anything but the hand-over to TLS).
pub fn verdict(o: &Outcome, io_error: Option<&str>, by_deadline: bool) -> SessionVerdict {
    if let Some(v) = greeting_verdict(o, io_error, by_deadline) {
        return v;
    }
    match o {
        Outcome::StartTlsNotOffered { via_helo } => SessionVerdict::NoTls(NoTls::NotOffered {
            via_helo: *via_helo,
        }),
        Outcome::StartTlsStripped { masked } => SessionVerdict::NoTls(NoTls::Stripped {
            masked: masked.clone(),
        }),
        Outcome::StartTlsRefused { reply } => SessionVerdict::NoTls(NoTls::Refused {
            reply: reply_text(reply),
        }),
        Outcome::Busy { phase, reply } => SessionVerdict::Busy(ScanError::new(
            ErrorKind::Busy421,
            phase_of(*phase),
            format!(
                "server busy: 421 in answer to {}: {}",
                phase_name(*phase),
                reply_text(reply)
            ),
        )),
        Outcome::Timeout { phase, partial } => SessionVerdict::Error(if by_deadline {
            ScanError::new(
                ErrorKind::Timeout,
                Phase::Endpoint,
                format!(
                    "endpoint deadline reached waiting for the reply to {}",
                    phase_name(*phase)
                ),
            )
        } else {
            ScanError::new(
                ErrorKind::Timeout,
                phase_of(*phase),
                format!(
                    "no complete reply to {} in time ({} bytes received)",
                    phase_name(*phase),
                    partial.len()
                ),
            )
        }),
        Outcome::ConnectionClosed { phase, partial } => SessionVerdict::Error(match io_error {
            Some(e) => ScanError::new(
                ErrorKind::Io,
                phase_of(*phase),
                format!(
                    "connection error waiting for the reply to {}: {e}",
                    phase_name(*phase)
                ),
            ),
            None => ScanError::new(
                ErrorKind::SmtpProtocol,
                phase_of(*phase),
                format!(
                    "connection closed waiting for the reply to {} ({} bytes of it received)",
                    phase_name(*phase),
                    partial.len()
                ),
            ),
        }),
        Outcome::ProtocolError { phase, error } => SessionVerdict::Error(ScanError::new(
            ErrorKind::SmtpProtocol,
            phase_of(*phase),
            format!("bad reply to {}: {error}", phase_name(*phase)),
        )),
        // Neither 220 nor a 4xx/5xx refusal to STARTTLS (200, 221, 354...): the classic
        // stripping proxy's "invalid response code". A finding about STARTTLS, not an error.
        Outcome::UnexpectedReply {
            phase: SmtpPhase::StartTls,
            reply,
        } => SessionVerdict::NoTls(NoTls::UnexpectedReply {
            reply: reply_text(reply),
        }),
        Outcome::UnexpectedReply { phase, reply } => SessionVerdict::Error(ScanError::new(
            ErrorKind::SmtpProtocol,
            phase_of(*phase),
            format!(
                "unexpected reply to {}: {}",
                phase_name(*phase),
                reply_text(reply)
            ),
        )),
        other => SessionVerdict::Error(ScanError::new(
            ErrorKind::SmtpProtocol,
            Phase::Ehlo,
            format!("session ended: {other:?}"),
        )),
    }
}

/// `CODE text` of a reply, lines joined by spaces, bounded to 512 characters.
pub fn reply_text(r: &smtp_codec::Reply<'_>) -> String {
    let text = r.text_lossy().replace('\n', " ");
    let mut s = format!("{} {}", r.code().get(), text);
    truncate_on_char(&mut s, 512);
    s.trim_end().to_owned()
}

/// Cuts `s` to at most `max` bytes, on a character boundary.
pub fn truncate_on_char(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

/// Lossy text of the first `max` bytes of `bytes`.
pub fn lossy_bounded(bytes: &[u8], max: usize) -> String {
    String::from_utf8_lossy(bytes.get(..bytes.len().min(max)).unwrap_or_default()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drives_to_the_handover_and_reports_bytes_after_the_220() {
        let (mut client, mut server) = tokio::io::duplex(4096);
        let srv = tokio::spawn(async move {
            let mut buf = vec![0u8; 1024];
            let n = server.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"EHLO scanner.test\r\n");
            server
                .write_all(b"250-mx.test\r\n250 STARTTLS\r\n")
                .await
                .unwrap();
            let n = server.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"STARTTLS\r\n");
            server
                .write_all(b"220 go\r\n250 smuggled\r\n")
                .await
                .unwrap();
            server
        });
        let mut s = ClientSession::new(session_config("scanner.test", false));
        s.feed(b"220 mx.test ESMTP\r\n");
        let deadline = later(Instant::now(), Duration::from_secs(5));
        let r = drive(&mut client, &mut s, Duration::from_secs(2), deadline).await;
        let Driven::Ready(h) = r.end else {
            panic!("{r:?}")
        };
        assert_eq!(
            h.plaintext_after_starttls.as_deref(),
            Some(&b"250 smuggled\r\n"[..])
        );
        let e = ehlo_info(s.transcript()).unwrap();
        assert!(e.starttls_offered);
        assert_eq!(e.capabilities, vec!["STARTTLS".to_owned()]);
        assert_eq!(e.domain.as_deref(), Some("mx.test"));
        drop(srv.await.unwrap());
    }

    #[tokio::test]
    async fn a_silent_phase_times_out_within_the_read_timeout() {
        let (mut client, _server) = tokio::io::duplex(4096);
        let mut s = ClientSession::new(session_config("scanner.test", false));
        s.feed(b"220 mx.test ESMTP\r\n");
        let t = Instant::now();
        let deadline = later(t, Duration::from_secs(10));
        let r = drive(&mut client, &mut s, Duration::from_millis(200), deadline).await;
        assert!(t.elapsed() < Duration::from_secs(2));
        let Driven::Done(o) = &r.end else {
            panic!("{r:?}")
        };
        let SessionVerdict::Error(e) = verdict(o, None, r.by_deadline) else {
            panic!("{o:?}")
        };
        assert_eq!((e.kind, e.phase), (ErrorKind::Timeout, Phase::Ehlo));
    }

    proptest::proptest! {
        /// Whatever a server sends, the session driven over it ends (hand-over or outcome),
        /// and its record fields are bounded: no panic, no unbounded text.
        #[test]
        fn any_server_bytes_give_a_bounded_verdict(
            chunks in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), 0..8),
            prefix in proptest::sample::select(vec![&b"220 ok\r\n"[..], b"", b"220-a\r\n"]),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let (mut client, mut server) = tokio::io::duplex(1 << 16);
                let mut bytes: Vec<u8> = prefix.to_vec();
                for c in &chunks {
                    bytes.extend_from_slice(c);
                }
                server.write_all(&bytes).await.unwrap();
                drop(server);
                let mut s = ClientSession::new(session_config("scanner.test", false));
                let deadline = later(Instant::now(), Duration::from_secs(5));
                let r = drive(&mut client, &mut s, Duration::from_secs(1), deadline).await;
                if let Some(e) = ehlo_info(s.transcript()) {
                    assert!(e.capabilities.len() <= 100);
                }
                match &r.end {
                    Driven::Ready(h) => {
                        assert!(lossy_bounded(h.plaintext_after_starttls.as_deref().unwrap_or_default(), 1024).len() <= 4096);
                        assert!(reply_text(&h.starttls_reply).len() <= 512);
                    }
                    Driven::Done(o) => match verdict(o, r.io_error.as_deref(), r.by_deadline) {
                        SessionVerdict::NoTls(n) => {
                            assert!(!crate::assemble::no_tls_finding(&n).id.is_empty());
                            assert!(n.reply().map_or(0, str::len) <= 512);
                        }
                        SessionVerdict::Busy(e) | SessionVerdict::Error(e) | SessionVerdict::Refused(e) => {
                            assert!(!e.message.is_empty());
                        }
                    },
                }
                let b = banner(&r.greeting, s.transcript(), match &r.end {
                    Driven::Done(o) => Some(o),
                    Driven::Ready(_) => None,
                });
                assert_eq!(b.is_some(), !bytes.is_empty());
                if let Some(b) = b {
                    assert!(b.text.len() <= MAX_GREETING * 3);
                    assert!(bytes.starts_with(&r.greeting));
                    // Complete means a line ended; an incomplete greeting has no code.
                    assert!(!b.complete || b.text.contains('\n'));
                    assert!(b.complete || b.code.is_none());
                }
            });
        }
    }

    #[test]
    fn reply_text_is_bounded() {
        let long = format!("250 {}\r\n", "x".repeat(2000));
        let (r, _) = smtp_codec::decode_reply(long.as_bytes(), &smtp_codec::Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(reply_text(&r).len(), 512);
        assert_eq!(lossy_bounded(&[b'a'; 5000], 1024).len(), 1024);
        let mut s = "aé".repeat(10);
        truncate_on_char(&mut s, 4);
        assert_eq!(s, "aéa");
    }

    /// Drives a fresh session against `server_bytes` (then EOF or silence); returns the result,
    /// the session and the record's banner.
    async fn greet(
        server_bytes: &[u8],
        close: bool,
    ) -> (DriveResult, ClientSession, Option<Banner>) {
        let (mut client, mut server) = tokio::io::duplex(1 << 17);
        server.write_all(server_bytes).await.unwrap();
        let keep = if close {
            drop(server);
            None
        } else {
            Some(server)
        };
        let mut s = ClientSession::new(session_config("scanner.test", false));
        let deadline = later(Instant::now(), Duration::from_secs(5));
        let r = drive(&mut client, &mut s, Duration::from_millis(300), deadline).await;
        drop(keep);
        let o = match &r.end {
            Driven::Done(o) => Some(o.clone()),
            Driven::Ready(_) => None,
        };
        let b = banner(&r.greeting, s.transcript(), o.as_ref());
        (r, s, b)
    }

    fn error_of(r: &DriveResult) -> (ErrorKind, Phase, String) {
        let Driven::Done(o) = &r.end else {
            panic!("{r:?}")
        };
        match verdict(o, r.io_error.as_deref(), r.by_deadline) {
            SessionVerdict::Busy(e) | SessionVerdict::Error(e) | SessionVerdict::Refused(e) => {
                (e.kind, e.phase, e.message)
            }
            SessionVerdict::NoTls(n) => panic!("{n:?}"),
        }
    }

    #[tokio::test]
    async fn the_greeting_goes_through_the_session_and_keeps_its_exact_bytes() {
        // Bare LF, a code without text and a multi-line greeting: the record keeps the bytes as
        // sent, not the decoder's reading of them; what follows the greeting is not part of it.
        let (r, s, b) = greet(b"220-first\n220\r\n250-not yet\r\n", true).await;
        let b = b.unwrap();
        assert_eq!(b.text, "220-first\n220\r\n");
        assert_eq!((b.code, b.complete), (Some(220), true));
        assert!(r.greeting_at.is_some());
        assert_eq!(s.transcript().banner.as_ref().unwrap().lines().len(), 2);
        // The session went on to EHLO, whose reply was cut by the close.
        assert_eq!(error_of(&r).1, Phase::Ehlo);
    }

    /// A probe's drive keeps no greeting bytes but ends, and notes the greeting, alike.
    #[tokio::test]
    async fn an_unrecorded_drive_ends_alike_and_keeps_no_greeting() {
        for server_bytes in [
            &b"220-first\n220\r\n250-not yet\r\n"[..],
            b"554 5.7.1 no SMTP service here\r\n",
            b"220 mx\r\n",
        ] {
            let (recorded, _, _) = greet(server_bytes, true).await;
            let (mut client, mut server) = tokio::io::duplex(1 << 17);
            server.write_all(server_bytes).await.unwrap();
            drop(server);
            let mut s = ClientSession::new(session_config("scanner.test", false));
            let deadline = later(Instant::now(), Duration::from_secs(5));
            let r = drive_with(
                &mut client,
                &mut s,
                Duration::from_millis(300),
                deadline,
                false,
            )
            .await;
            assert!(r.greeting.is_empty(), "{r:?}");
            assert!(!recorded.greeting.is_empty());
            assert_eq!(r.greeting_at.is_some(), recorded.greeting_at.is_some());
            assert_eq!(format!("{:?}", r.end), format!("{:?}", recorded.end));
            assert_eq!(r.io_error, recorded.io_error);
        }
    }

    #[tokio::test]
    async fn greetings_are_classified_by_the_session() {
        let (r, _, b) = greet(b"554 5.7.1 no SMTP service here\r\n", false).await;
        let (kind, phase, msg) = error_of(&r);
        assert_eq!((kind, phase), (ErrorKind::GreetingRejected, Phase::Banner));
        assert_eq!(msg, "greeting with code 554: the server refuses service");
        assert_eq!(b.unwrap().code, Some(554));
        let Driven::Done(o) = &r.end else { panic!() };
        assert!(matches!(
            verdict(o, None, false),
            SessionVerdict::Refused(_)
        ));

        let (r, _, _) = greet(b"450 4.3.2 later\r\n", false).await;
        assert_eq!(error_of(&r).0, ErrorKind::GreetingTemporary);
        let (r, _, b) = greet(b"354 go ahead\r\n", false).await;
        assert_eq!(
            error_of(&r).2,
            "greeting with code 354: not a code a greeting can have"
        );
        assert_eq!(b.unwrap().code, Some(354));

        let (r, _, b) = greet(b"150 preliminary\r\n", false).await;
        let (kind, _, msg) = error_of(&r);
        assert_eq!(kind, ErrorKind::GreetingUnexpected);
        assert_eq!(
            msg,
            "greeting with code 150: not a code a greeting can have"
        );
        let b = b.unwrap();
        assert_eq!((b.code, b.complete), (Some(150), true));

        let (r, _, b) = greet(b"SSH-2.0-OpenSSH_9.6\r\n", false).await;
        assert_eq!(error_of(&r).0, ErrorKind::GreetingUnexpected);
        assert_eq!(b.unwrap().code, None);

        let (r, _, _) = greet(b"421 busy\r\n", false).await;
        let Driven::Done(o) = &r.end else { panic!() };
        let SessionVerdict::Busy(e) = verdict(o, None, false) else {
            panic!("{o:?}")
        };
        assert_eq!((e.kind, e.phase), (ErrorKind::Busy421, Phase::Banner));
        assert_eq!(e.message, "server busy: 421 greeting");

        let mut long = b"220 ".to_vec();
        long.extend_from_slice(&[b'x'; 5000]);
        let (r, _, b) = greet(&long, false).await;
        let (kind, phase, msg) = error_of(&r);
        assert_eq!((kind, phase), (ErrorKind::SmtpProtocol, Phase::Banner));
        assert!(msg.starts_with("greeting longer than"), "{msg}");
        let b = b.unwrap();
        assert!(b.text.len() <= MAX_GREETING);
        assert_eq!(
            (b.code, b.complete),
            (None, false),
            "cut before its line ended"
        );
    }

    #[tokio::test]
    async fn a_cut_or_missing_greeting_is_incomplete_or_absent() {
        let (r, _, b) = greet(b"220-a\r\n", false).await;
        let (kind, phase, msg) = error_of(&r);
        assert_eq!((kind, phase), (ErrorKind::Timeout, Phase::Banner));
        assert_eq!(msg, "reading the greeting timed out");
        let b = b.unwrap();
        assert_eq!(
            (b.code, b.complete, b.text.as_str()),
            (None, false, "220-a\r\n")
        );
        assert!(r.greeting_at.is_none());

        let (r, _, b) = greet(b"220-a\r\n", true).await;
        assert_eq!(
            error_of(&r).2,
            "connection closed in the middle of the greeting"
        );
        assert!(!b.unwrap().complete);
        let (r, _, b) = greet(b"", true).await;
        assert_eq!(error_of(&r).2, "connection closed without a greeting");
        assert!(b.is_none());
    }

    #[tokio::test]
    async fn quit_waits_for_the_reply_within_its_limit() {
        let (mut client, mut server) = tokio::io::duplex(4096);
        let srv = tokio::spawn(async move {
            let mut buf = [0u8; 64];
            let n = server.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"QUIT\r\n");
            server.write_all(b"221 bye\r\n").await.unwrap();
            server
        });
        let t = Instant::now();
        quit(&mut client, Duration::from_secs(5)).await;
        assert!(t.elapsed() < Duration::from_secs(2));
        drop(srv.await.unwrap());
        // A silent peer costs the limit, no more.
        let (mut client, _server) = tokio::io::duplex(4096);
        let t = Instant::now();
        quit(&mut client, Duration::from_millis(200)).await;
        assert!(t.elapsed() < Duration::from_secs(2));
    }
}
