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
use smtp_codec::{StartTlsMode, TlsHandover, Transcript};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::clock::later;
use mxray_schema::record::{
    EhloInfo, ErrorKind, Finding, FindingSource, Phase, ScanError, Severity, StarttlsInfo,
    StarttlsOutcome, TlsMode,
};

/// Bytes read at a time.
const READ_CHUNK: usize = 4096;

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
}

/// A session configuration for the scanner.
pub fn session_config(ehlo_name: &str, injection: bool) -> SessionConfig {
    let mut cfg = SessionConfig::new(ehlo_name);
    if injection {
        cfg.mode = StartTlsMode::PipelinedInjection;
    }
    cfg
}

/// Drives `session` over `stream` until it hands over to TLS or ends. Every phase (from a
/// command sent to its complete reply) has `read_timeout`, capped by `deadline`.
pub async fn drive<S>(
    stream: &mut S,
    session: &mut ClientSession,
    read_timeout: Duration,
    deadline: Instant,
) -> DriveResult
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; READ_CHUNK];
    let mut io_error = None;
    let mut by_deadline = false;
    let phase_end = || {
        let t = later(Instant::now(), read_timeout);
        if t >= deadline {
            (deadline, true)
        } else {
            (t, false)
        }
    };
    let (mut until, mut until_is_deadline) = phase_end();
    loop {
        match session.poll() {
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
                    Ok(Ok(n)) => session.feed(buf.get(..n).unwrap_or_default()),
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
            Step::ReadyForTls(h) => {
                return DriveResult {
                    end: Driven::Ready(h),
                    io_error,
                    by_deadline,
                }
            }
            Step::Done(o) => {
                return DriveResult {
                    end: Driven::Done(o),
                    io_error,
                    by_deadline,
                }
            }
            // `Step` is non-exhaustive; a future step this driver does not know ends the session.
            _ => {
                return DriveResult {
                    end: Driven::Done(Outcome::NoGreeting),
                    io_error: Some("unknown session step".to_owned()),
                    by_deadline,
                }
            }
        }
    }
}

/// The EHLO exchange as a record section, when EHLO (or HELO) got an answer.
pub fn ehlo_info(t: &Transcript) -> Option<EhloInfo> {
    if let Some(e) = &t.ehlo {
        let capabilities: Vec<String> = e
            .capabilities
            .iter()
            .map(|c| String::from_utf8_lossy(&c.to_bytes()).trim_end().to_owned())
            .collect();
        return Some(EhloInfo {
            code: t.ehlo_reply.as_ref().map_or(250, |r| r.code().get()),
            used_helo: false,
            domain: Some(e.domain.to_string()).filter(|d| !d.is_empty()),
            capabilities,
            starttls_offered: e.offers_starttls(),
            starttls_stripped: e.starttls_stripped(),
        });
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

fn first_word(s: &str) -> Option<String> {
    s.split_whitespace().next().map(str::to_owned)
}

/// What the end of a plaintext session means for the record.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionVerdict {
    /// STARTTLS could not be used, a finding rather than an error: the STARTTLS section and
    /// the finding to record.
    NoTls(StarttlsInfo, Finding),
    /// 421 after the greeting: retry later.
    Busy(ScanError),
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

/// Classifies the end of a plaintext session (anything but the hand-over to TLS).
pub fn verdict(o: &Outcome, io_error: Option<&str>, by_deadline: bool) -> SessionVerdict {
    let starttls = |outcome, reply: Option<String>| StarttlsInfo {
        mode: TlsMode::Starttls,
        outcome,
        reply,
        bytes_after_220: None,
        injection: None,
    };
    match o {
        Outcome::StartTlsNotOffered { via_helo } => SessionVerdict::NoTls(
            starttls(StarttlsOutcome::NotOffered, None),
            Finding::new(
                "starttls_not_offered".to_owned(),
                FindingSource::Starttls,
                Severity::High,
                if *via_helo {
                    "EHLO refused, HELO accepted: no extensions, so no STARTTLS; mail to this \
                     server travels in plaintext"
                        .to_owned()
                } else {
                    "STARTTLS is not among the EHLO capabilities: mail to this server travels \
                     in plaintext"
                        .to_owned()
                },
            ),
        ),
        Outcome::StartTlsStripped { masked } => SessionVerdict::NoTls(
            starttls(StarttlsOutcome::Stripped, None),
            Finding::new(
                "starttls_stripped".to_owned(),
                FindingSource::Starttls,
                Severity::Critical,
                format!(
                    "STARTTLS masked by a middlebox (capability {}): TLS is being stripped on the \
                     path",
                    masked.join(", ")
                ),
            ),
        ),
        Outcome::StartTlsRefused { reply } => {
            let text = reply_text(reply);
            SessionVerdict::NoTls(
                starttls(StarttlsOutcome::Refused, Some(text.clone())),
                Finding::new(
                    "starttls_refused".to_owned(),
                    FindingSource::Starttls,
                    Severity::High,
                    format!("STARTTLS offered but refused: {text}"),
                ),
            )
        }
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
        Outcome::NoGreeting => SessionVerdict::Error(ScanError::new(
            ErrorKind::SmtpProtocol,
            Phase::Banner,
            io_error.map_or_else(
                || "connection closed without a greeting".to_owned(),
                |e| format!("connection error before the greeting: {e}"),
            ),
        )),
        Outcome::GreetingRejected { reply } => SessionVerdict::Error(ScanError::new(
            ErrorKind::GreetingRejected,
            Phase::Banner,
            format!("greeting refuses service: {}", reply_text(reply)),
        )),
        Outcome::NotSmtp { kind, error, .. } => SessionVerdict::Error(ScanError::new(
            ErrorKind::SmtpProtocol,
            Phase::Banner,
            format!("not an SMTP greeting ({kind:?}): {error}"),
        )),
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
        } => {
            let text = reply_text(reply);
            SessionVerdict::NoTls(
                starttls(StarttlsOutcome::UnexpectedReply, Some(text.clone())),
                Finding::new(
                    "starttls_unexpected_reply".to_owned(),
                    FindingSource::Starttls,
                    Severity::High,
                    format!(
                        "STARTTLS answered with neither 220 nor a refusal: {text} (a \
                         middlebox may be stripping TLS); mail to this server travels in \
                         plaintext"
                    ),
                ),
            )
        }
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
    if s.len() > 512 {
        let mut cut = 512;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s.trim_end().to_owned()
}

/// Lossy text of plaintext bytes, bounded to 1024 bytes.
pub fn lossy_bounded(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes.get(..bytes.len().min(1024)).unwrap_or_default()).into_owned()
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
                        assert!(lossy_bounded(h.plaintext_after_starttls.as_deref().unwrap_or_default()).len() <= 4096);
                        assert!(reply_text(&h.starttls_reply).len() <= 512);
                    }
                    Driven::Done(o) => match verdict(o, r.io_error.as_deref(), r.by_deadline) {
                        SessionVerdict::NoTls(info, f) => {
                            assert!(!f.id.is_empty());
                            assert!(info.reply.map_or(0, |t| t.len()) <= 512);
                        }
                        SessionVerdict::Busy(e) | SessionVerdict::Error(e) => {
                            assert!(!e.message.is_empty());
                        }
                    },
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
        assert_eq!(lossy_bounded(&[b'a'; 5000]).len(), 1024);
    }
}
