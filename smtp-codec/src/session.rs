//! Sans-IO client session for the STARTTLS upgrade, and the pipelining injection probe.
//!
//! The session never touches a socket: the driver feeds it the bytes it read
//! ([`ClientSession::feed`], [`ClientSession::feed_eof`], [`ClientSession::feed_timeout`]) and
//! asks what to do next ([`ClientSession::poll`]), which returns a [`Step`]:
//!
//! ```text
//! greeting 2xx ─► EHLO ─► 250 with STARTTLS ─► STARTTLS ─► 220 ─► ReadyForTls
//!                   │ 530 ─────────────────────────┘   │ 4xx/5xx └─► bytes after the 220? reported
//!                   │ other 5xx                        └─► Done(StartTlsRefused)
//!                   └─► HELO ─► 250 ─► Done(StartTlsNotOffered)
//! 421 at any step ─► Done(Busy)   EOF ─► Done(NoGreeting / ConnectionClosed)
//! ```
//!
//! EHLO answered `530` ("must issue a STARTTLS command first", RFC 3207) sends STARTTLS
//! without an offer: the server demands TLS. A reply to STARTTLS that is neither 220 nor a
//! 4xx/5xx refusal (200, 221, 354...) ends as [`Outcome::UnexpectedReply`] at
//! [`Phase::StartTls`].
//!
//! Every way the plaintext part can end is a typed [`Outcome`]; the [`Transcript`] records the
//! replies of each step for the scanner's JSON.
//!
//! **Injection probe** (Poddebniak et al., USENIX Security 2021; CVE-2011-0411 class): with
//! [`StartTlsMode::PipelinedInjection`] the session sends `STARTTLS\r\nNOOP\r\n` in one write. A
//! correct server discards the plaintext `NOOP` when it switches to TLS. The driver completes
//! the TLS handshake and uses the [`InjectionCheck`] it got with [`Step::ReadyForTls`]: it sends
//! [`InjectionCheck::PROBE_COMMAND`] (an unknown verb) inside TLS and feeds the decrypted bytes
//! to the check. The first reply decides without a timed wait: a 2xx answers the plaintext
//! `NOOP`, so the server carried plaintext across the upgrade; a 4xx/5xx answers our verb, so
//! nothing was buffered. (A passive check, which sends nothing and waits, is kept too.)

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use crate::ehlo::EhloResponse;
use crate::error::{CommandError, ReplyError};
use crate::limits::Limits;
use crate::reply::{decode_reply, Reply, ReplyCode};

/// How the STARTTLS command is sent.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StartTlsMode {
    /// `STARTTLS\r\n` alone.
    #[default]
    Plain,
    /// `STARTTLS\r\nNOOP\r\n` in one write, for the injection probe.
    PipelinedInjection,
}

/// Session configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// The name sent with EHLO/HELO (an honest, resolvable name of the scanner).
    pub ehlo_name: String,
    /// Decoder limits.
    pub limits: Limits,
    /// How STARTTLS is sent.
    pub mode: StartTlsMode,
    /// Send `QUIT` when the session ends in plaintext on a live connection.
    pub quit_on_finish: bool,
    /// Keep every step in [`Transcript::events`] (on by default). Off, the event list stays
    /// empty and each reply is kept once, in its named field of the [`Transcript`], instead
    /// of twice: for a mass scanner that reads only those fields.
    pub record_events: bool,
}

impl SessionConfig {
    /// A configuration with default limits, plain STARTTLS and polite QUIT.
    pub fn new(ehlo_name: impl Into<String>) -> SessionConfig {
        SessionConfig {
            ehlo_name: ehlo_name.into(),
            limits: Limits::default(),
            mode: StartTlsMode::Plain,
            quit_on_finish: true,
            record_events: true,
        }
    }
}

/// The step of the session a reply or event belongs to.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Waiting for the server's greeting.
    Greeting,
    /// EHLO sent.
    Ehlo,
    /// HELO sent (after EHLO was refused with 5xx).
    Helo,
    /// STARTTLS sent.
    StartTls,
    /// QUIT sent on the way out.
    Quit,
}

impl Phase {
    /// A short lower-case name (`greeting`, `ehlo`, ...), for JSON and logs.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Greeting => "greeting",
            Phase::Ehlo => "ehlo",
            Phase::Helo => "helo",
            Phase::StartTls => "starttls",
            Phase::Quit => "quit",
        }
    }
}

/// What kind of non-SMTP service answered, guessed from the first bytes.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BannerKind {
    /// `SSH-...`.
    Ssh,
    /// `HTTP/...`.
    Http,
    /// A TLS record (implicit TLS port).
    Tls,
    /// `+OK` (POP3).
    Pop3,
    /// `* OK` (IMAP).
    Imap,
    /// Anything else.
    Other,
}

impl BannerKind {
    /// Guesses the service from the first bytes.
    pub fn guess(banner: &[u8]) -> BannerKind {
        if banner.starts_with(b"SSH-") {
            BannerKind::Ssh
        } else if banner.starts_with(b"HTTP/") {
            BannerKind::Http
        } else if matches!(banner, [0x15 | 0x16, 3, ..]) {
            BannerKind::Tls
        } else if banner.starts_with(b"+OK") {
            BannerKind::Pop3
        } else if banner.starts_with(b"* OK") {
            BannerKind::Imap
        } else {
            BannerKind::Other
        }
    }
}

/// How the plaintext part of the session ended.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "outcome", rename_all = "snake_case"))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The connection closed before the server sent a single byte.
    NoGreeting,
    /// The connection closed in the middle of a step (`partial`: an incomplete reply, if any).
    ConnectionClosed {
        /// Where.
        phase: Phase,
        /// Bytes of an incomplete reply.
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_impls::lossy"))]
        partial: Vec<u8>,
    },
    /// The driver's timeout expired while waiting (see [`ClientSession::feed_timeout`]).
    Timeout {
        /// Where.
        phase: Phase,
        /// Bytes of an incomplete reply.
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_impls::lossy"))]
        partial: Vec<u8>,
    },
    /// 421: the server is busy or shutting down (retry later; not "no STARTTLS").
    Busy {
        /// Where.
        phase: Phase,
        /// The 421 reply.
        reply: Reply<'static>,
    },
    /// The greeting was a negative reply (typically 554 "no SMTP service here").
    GreetingRejected {
        /// The greeting.
        reply: Reply<'static>,
    },
    /// The peer does not speak SMTP (e.g. an SSH or HTTP banner).
    NotSmtp {
        /// The guessed service.
        kind: BannerKind,
        /// The first bytes received (at most one reply line limit).
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_impls::lossy"))]
        banner: Vec<u8>,
        /// Why it is not an SMTP reply.
        error: ReplyError,
    },
    /// A reply after the greeting was malformed or exceeded a limit.
    ProtocolError {
        /// Where.
        phase: Phase,
        /// What was wrong.
        error: ReplyError,
    },
    /// A well-formed reply that makes no sense at this step.
    UnexpectedReply {
        /// Where.
        phase: Phase,
        /// The reply.
        reply: Reply<'static>,
    },
    /// EHLO (or HELO after EHLO failed) succeeded but STARTTLS is not offered.
    StartTlsNotOffered {
        /// Only HELO worked, so the server announced no extensions at all.
        via_helo: bool,
    },
    /// STARTTLS is missing and a capability was masked by a middlebox (`XXXXXXXA`).
    StartTlsStripped {
        /// The masked keywords as sent.
        masked: Vec<String>,
    },
    /// STARTTLS was offered but refused (e.g. 454 "TLS not available").
    StartTlsRefused {
        /// The reply to STARTTLS.
        reply: Reply<'static>,
    },
    /// The server said 220 to STARTTLS and the connection was handed to TLS.
    HandedOverToTls,
}

fn first_line_lossy<'r>(reply: &'r Reply<'_>) -> alloc::borrow::Cow<'r, str> {
    String::from_utf8_lossy(reply.first_line())
}

/// One line for humans, e.g. `STARTTLS refused: 454 4.7.0 TLS not available`.
impl core::fmt::Display for Outcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Outcome::NoGreeting => write!(f, "connection closed before any greeting"),
            Outcome::ConnectionClosed { phase, partial } => {
                write!(
                    f,
                    "connection closed at {} ({} bytes of an incomplete reply)",
                    phase.name(),
                    partial.len()
                )
            }
            Outcome::Timeout { phase, partial } => {
                write!(
                    f,
                    "timeout at {} ({} bytes of an incomplete reply)",
                    phase.name(),
                    partial.len()
                )
            }
            Outcome::Busy { phase, reply } => {
                write!(
                    f,
                    "busy (421) at {}: {}",
                    phase.name(),
                    first_line_lossy(reply)
                )
            }
            Outcome::GreetingRejected { reply } => {
                write!(
                    f,
                    "greeting rejected: {} {}",
                    reply.code(),
                    first_line_lossy(reply)
                )
            }
            Outcome::NotSmtp {
                kind,
                banner,
                error,
            } => write!(
                f,
                "not SMTP ({kind:?} banner {:?}): {error}",
                String::from_utf8_lossy(banner.get(..banner.len().min(40)).unwrap_or_default())
            ),
            Outcome::ProtocolError { phase, error } => {
                write!(f, "protocol error at {}: {error}", phase.name())
            }
            Outcome::UnexpectedReply { phase, reply } => {
                write!(
                    f,
                    "unexpected reply at {}: {} {}",
                    phase.name(),
                    reply.code(),
                    first_line_lossy(reply)
                )
            }
            Outcome::StartTlsNotOffered { via_helo: false } => write!(f, "STARTTLS not offered"),
            Outcome::StartTlsNotOffered { via_helo: true } => {
                write!(f, "STARTTLS not offered (EHLO refused, HELO accepted)")
            }
            Outcome::StartTlsStripped { masked } => {
                write!(
                    f,
                    "STARTTLS stripped by a middlebox (masked: {})",
                    masked.join(", ")
                )
            }
            Outcome::StartTlsRefused { reply } => {
                write!(
                    f,
                    "STARTTLS refused: {} {}",
                    reply.code(),
                    first_line_lossy(reply)
                )
            }
            Outcome::HandedOverToTls => write!(f, "ready for TLS"),
        }
    }
}

/// What the session handed over with [`Step::ReadyForTls`].
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsHandover {
    /// The 220 reply to STARTTLS.
    pub starttls_reply: Reply<'static>,
    /// Bytes the server sent after its 220 and before TLS: a finding. They are **not** TLS data
    /// and must never be fed to the TLS engine.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::serde_impls::lossy_opt")
    )]
    pub plaintext_after_starttls: Option<Vec<u8>>,
    /// The injection check to run after the handshake (injection mode only).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub injection: Option<InjectionCheck>,
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Write these bytes to the server.
    Send(Vec<u8>),
    /// Read more bytes and [`ClientSession::feed`] them (or report EOF/timeout).
    NeedMore,
    /// Start the TLS handshake on the same connection.
    ReadyForTls(TlsHandover),
    /// The session is over.
    Done(Outcome),
}

/// One recorded event.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "event", rename_all = "snake_case"))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Bytes we sent.
    Sent {
        /// Where.
        phase: Phase,
        /// The bytes.
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_impls::lossy"))]
        bytes: Vec<u8>,
    },
    /// A reply we received.
    Reply {
        /// Where.
        phase: Phase,
        /// The reply.
        reply: Reply<'static>,
    },
    /// The connection closed.
    Eof {
        /// Where.
        phase: Phase,
    },
    /// The driver's timeout expired.
    Timeout {
        /// Where.
        phase: Phase,
    },
    /// Bytes that could not be decoded as a reply.
    Malformed {
        /// Where.
        phase: Phase,
        /// The error.
        error: ReplyError,
    },
}

/// What happened, step by step, plus the decoded replies of each step.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transcript {
    /// Every event in order (empty when [`SessionConfig::record_events`] is off).
    pub events: Vec<Event>,
    /// The greeting.
    pub banner: Option<Reply<'static>>,
    /// The raw reply to EHLO.
    pub ehlo_reply: Option<Reply<'static>>,
    /// The typed EHLO response (when EHLO got 250).
    pub ehlo: Option<EhloResponse<'static>>,
    /// The reply to HELO (fallback).
    pub helo: Option<Reply<'static>>,
    /// The reply to STARTTLS.
    pub starttls: Option<Reply<'static>>,
    /// Bytes received after the 220 to STARTTLS (a finding).
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::serde_impls::lossy_opt")
    )]
    pub plaintext_after_starttls: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Await(Phase),
    Handover(TlsHandover),
    Done(Outcome),
}

/// The client session. See the module documentation.
#[derive(Debug, Clone)]
pub struct ClientSession {
    config: SessionConfig,
    state: State,
    buf: Vec<u8>,
    outbox: VecDeque<(Phase, Vec<u8>)>,
    eof: bool,
    timed_out: bool,
    transcript: Transcript,
}

impl ClientSession {
    /// A new session, waiting for the greeting. Characters of the EHLO name that cannot appear
    /// in a domain or address literal (spaces, CR, LF, ...) are replaced with `-`, so a bad name
    /// can never inject a command; use [`ClientSession::try_new`] to reject such names instead.
    pub fn new(config: SessionConfig) -> ClientSession {
        let mut config = config;
        if !is_valid_ehlo_name(&config.ehlo_name) {
            let cleaned: String = config
                .ehlo_name
                .chars()
                .map(|c| if is_ehlo_name_char(c) { c } else { '-' })
                .collect();
            config.ehlo_name = if cleaned.is_empty() {
                String::from("localhost")
            } else {
                cleaned
            };
        }
        ClientSession {
            config,
            state: State::Await(Phase::Greeting),
            buf: Vec::new(),
            outbox: VecDeque::new(),
            eof: false,
            timed_out: false,
            transcript: Transcript::default(),
        }
    }

    /// A new session, or an error if the EHLO name is not a plausible domain or address
    /// literal (empty, longer than 255, or holding characters other than letters, digits,
    /// `.-_:[]`).
    pub fn try_new(config: SessionConfig) -> Result<ClientSession, CommandError> {
        if is_valid_ehlo_name(&config.ehlo_name) {
            Ok(ClientSession::new(config))
        } else {
            Err(CommandError::InvalidValue(
                "EHLO name must be a domain or address literal",
            ))
        }
    }

    /// Feeds bytes read from the server. Ignored once the session is over. Poll after each
    /// feed: the buffer holds at most twice [`Limits::reply_bytes`], which is more than any
    /// decodable input (the decoder fails on the excess), so a flood cannot grow it.
    pub fn feed(&mut self, bytes: &[u8]) {
        if matches!(self.state, State::Await(_)) && !self.eof {
            let cap = self.config.limits.reply_bytes.saturating_mul(2);
            crate::limits::push_bounded(&mut self.buf, bytes, cap);
        }
    }

    /// Reports that the server closed the connection.
    pub fn feed_eof(&mut self) {
        self.eof = true;
    }

    /// Reports that the driver's read timeout expired.
    pub fn feed_timeout(&mut self) {
        self.timed_out = true;
    }

    /// The transcript so far.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The outcome, once the session is over.
    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.state {
            State::Done(o) => Some(o),
            _ => None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// What to do next.
    pub fn poll(&mut self) -> Step {
        loop {
            if let Some((phase, bytes)) = self.outbox.pop_front() {
                self.record(|| Event::Sent {
                    phase,
                    bytes: bytes.clone(),
                });
                return Step::Send(bytes);
            }
            let phase = match &self.state {
                State::Done(o) => return Step::Done(o.clone()),
                State::Handover(_) => {
                    let prev =
                        core::mem::replace(&mut self.state, State::Done(Outcome::HandedOverToTls));
                    if let State::Handover(h) = prev {
                        return Step::ReadyForTls(h);
                    }
                    continue;
                }
                State::Await(p) => *p,
            };
            match decode_reply(&self.buf, &self.config.limits) {
                Ok(Some((reply, used))) => {
                    let reply = reply.into_owned();
                    let used = used.min(self.buf.len());
                    self.buf.drain(..used);
                    self.record(|| Event::Reply {
                        phase,
                        reply: reply.clone(),
                    });
                    self.on_reply(phase, reply);
                }
                Ok(None) if self.eof => {
                    self.record(|| Event::Eof { phase });
                    let outcome = if phase == Phase::Greeting && self.buf.is_empty() {
                        Outcome::NoGreeting
                    } else {
                        Outcome::ConnectionClosed {
                            phase,
                            partial: core::mem::take(&mut self.buf),
                        }
                    };
                    self.state = State::Done(outcome);
                }
                Ok(None) if self.timed_out => {
                    self.record(|| Event::Timeout { phase });
                    let partial = core::mem::take(&mut self.buf);
                    self.finish(Outcome::Timeout { phase, partial });
                }
                Ok(None) => return Step::NeedMore,
                Err(error) => {
                    self.record(|| Event::Malformed { phase, error });
                    let outcome = if phase == Phase::Greeting {
                        let limit = self.config.limits.reply_line();
                        let banner: Vec<u8> = self.buf.iter().take(limit).copied().collect();
                        Outcome::NotSmtp {
                            kind: BannerKind::guess(&banner),
                            banner,
                            error,
                        }
                    } else {
                        Outcome::ProtocolError { phase, error }
                    };
                    self.buf.clear();
                    // A peer that does not speak SMTP (or breaks it) is not sent QUIT.
                    self.state = State::Done(outcome);
                }
            }
        }
    }

    fn send(&mut self, phase: Phase, bytes: Vec<u8>) {
        self.outbox.push_back((phase, bytes));
        self.state = State::Await(phase);
    }

    fn command(&self, verb: &str) -> Vec<u8> {
        let mut v = Vec::with_capacity(
            verb.len()
                .saturating_add(self.config.ehlo_name.len())
                .saturating_add(3),
        );
        v.extend_from_slice(verb.as_bytes());
        v.push(b' ');
        v.extend_from_slice(self.config.ehlo_name.as_bytes());
        v.extend_from_slice(b"\r\n");
        v
    }

    /// Appends the event `make` builds, when events are recorded.
    fn record(&mut self, make: impl FnOnce() -> Event) {
        if self.config.record_events {
            self.transcript.events.push(make());
        }
    }

    /// Ends the session politely (QUIT) when the connection is still usable.
    fn finish(&mut self, outcome: Outcome) {
        let live = !self.eof && !self.timed_out && !matches!(outcome, Outcome::Busy { .. });
        if live && self.config.quit_on_finish {
            self.outbox.push_back((Phase::Quit, b"QUIT\r\n".to_vec()));
        }
        self.buf.clear();
        self.state = State::Done(outcome);
    }

    /// Acts on `reply`, then keeps it in the transcript's field of its phase (moved there: an
    /// outcome that carries the reply takes a copy, which only an ending session pays for).
    fn on_reply(&mut self, phase: Phase, reply: Reply<'static>) {
        self.act_on_reply(phase, &reply);
        let field = match phase {
            Phase::Greeting => &mut self.transcript.banner,
            Phase::Ehlo => &mut self.transcript.ehlo_reply,
            Phase::Helo => &mut self.transcript.helo,
            Phase::StartTls => &mut self.transcript.starttls,
            Phase::Quit => return,
        };
        *field = Some(reply);
    }

    fn act_on_reply(&mut self, phase: Phase, reply: &Reply<'static>) {
        let code = reply.code();
        if code == ReplyCode::SERVICE_NOT_AVAILABLE {
            self.finish(Outcome::Busy {
                phase,
                reply: reply.clone(),
            });
            return;
        }
        match phase {
            // 220 is the greeting; any other 2xx is odd but still a positive one.
            Phase::Greeting if code.is_success() => {
                let ehlo = self.command("EHLO");
                self.send(Phase::Ehlo, ehlo);
            }
            Phase::Greeting if code.is_permanent() => self.finish(Outcome::GreetingRejected {
                reply: reply.clone(),
            }),
            Phase::Ehlo if code == ReplyCode::OK => {
                let ehlo = EhloResponse::from_reply(reply).ok();
                let offers = ehlo.as_ref().is_some_and(EhloResponse::offers_starttls);
                let masked: Vec<String> = ehlo
                    .as_ref()
                    .map(|e| e.stripped().map(String::from).collect())
                    .unwrap_or_default();
                self.transcript.ehlo = ehlo;
                if offers {
                    let cmd: &[u8] = match self.config.mode {
                        StartTlsMode::Plain => b"STARTTLS\r\n",
                        StartTlsMode::PipelinedInjection => b"STARTTLS\r\nNOOP\r\n",
                    };
                    self.send(Phase::StartTls, cmd.to_vec());
                } else if !masked.is_empty() {
                    self.finish(Outcome::StartTlsStripped { masked });
                } else {
                    self.finish(Outcome::StartTlsNotOffered { via_helo: false });
                }
            }
            // RFC 3207's "530 Must issue a STARTTLS command first" to EHLO: the server demands
            // TLS before anything else, so STARTTLS is tried (not HELO, which would read as
            // "no STARTTLS").
            Phase::Ehlo if code.get() == 530 => {
                let cmd: &[u8] = match self.config.mode {
                    StartTlsMode::Plain => b"STARTTLS\r\n",
                    StartTlsMode::PipelinedInjection => b"STARTTLS\r\nNOOP\r\n",
                };
                self.send(Phase::StartTls, cmd.to_vec());
            }
            Phase::Ehlo if code.is_permanent() => {
                let helo = self.command("HELO");
                self.send(Phase::Helo, helo);
            }
            Phase::Helo if code == ReplyCode::OK => {
                self.finish(Outcome::StartTlsNotOffered { via_helo: true })
            }
            Phase::StartTls if code == ReplyCode::SERVICE_READY => {
                let leftover = core::mem::take(&mut self.buf);
                let plaintext = (!leftover.is_empty()).then_some(leftover);
                self.transcript.plaintext_after_starttls = plaintext.clone();
                let injection = (self.config.mode == StartTlsMode::PipelinedInjection)
                    .then(|| InjectionCheck::new(self.config.limits));
                self.state = State::Handover(TlsHandover {
                    starttls_reply: reply.clone(),
                    plaintext_after_starttls: plaintext,
                    injection,
                });
            }
            Phase::StartTls if !code.is_success() && !code.is_intermediate() => {
                self.finish(Outcome::StartTlsRefused {
                    reply: reply.clone(),
                })
            }
            _ => self.finish(Outcome::UnexpectedReply {
                phase,
                reply: reply.clone(),
            }),
        }
    }
}

fn is_ehlo_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']')
}

fn is_valid_ehlo_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 255 && name.chars().all(is_ehlo_name_char)
}

/// The verdict of the injection check.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "verdict", rename_all = "snake_case"))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InjectionVerdict {
    /// No complete reply yet: read more (until the read deadline), then call
    /// [`InjectionCheck::finish`] if nothing arrives.
    NeedMore,
    /// The first reply inside TLS answers the plaintext `NOOP` pipelined with STARTTLS: the
    /// server carried plaintext across the upgrade. Vulnerable to STARTTLS command injection.
    ///
    /// Passive check: any reply (we sent nothing inside TLS). Probing check: a 2xx reply (we sent
    /// only [`InjectionCheck::PROBE_COMMAND`], an unknown verb, which no 2xx answers).
    Vulnerable {
        /// The reply received inside TLS.
        reply: Reply<'static>,
    },
    /// Not vulnerable: nothing arrived inside TLS before the deadline or EOF (`reply: None`), or,
    /// for a probing check, the first reply inside TLS is a 4xx/5xx answer to
    /// [`InjectionCheck::PROBE_COMMAND`]: nothing was buffered across the upgrade.
    NotVulnerable {
        /// The server's answer to the probe command, when the verdict comes from one.
        reply: Option<Reply<'static>>,
    },
    /// Bytes arrived inside TLS that are not an SMTP reply, an incomplete one at the end, or
    /// (probing check) a first reply that is neither 2xx nor 4xx/5xx.
    Inconclusive {
        /// The bytes received.
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_impls::lossy"))]
        bytes: Vec<u8>,
        /// The decode error, if there was one.
        error: Option<ReplyError>,
    },
}

/// The post-handshake step of the injection probe: feed it the decrypted application bytes
/// received after the TLS handshake.
///
/// It runs in one of two ways:
///
/// * **passive** (as handed over): the driver sends nothing inside TLS and waits; any reply is
///   the answer to the plaintext `NOOP` (vulnerable), and nothing until a timeout or EOF is
///   not vulnerable. A correct server never sends anything, so this costs a timed wait.
/// * **probing** ([`InjectionCheck::start_probe`]): the driver sends
///   [`InjectionCheck::PROBE_COMMAND`] (an unknown verb) inside TLS right after the handshake,
///   and the **first** complete reply decides at once: 2xx is the answer to the injected
///   `NOOP` (vulnerable), 4xx/5xx is the answer to our verb (not vulnerable). No wait.
///
/// Input is bounded: at most [`Limits::reply_bytes`] (plus one byte, so an over-long reply is
/// detected) is kept.
///
/// ```
/// use smtp_codec::{InjectionCheck, InjectionVerdict, Limits};
///
/// let mut check = InjectionCheck::new(Limits::default());
/// // After the TLS handshake: send this inside TLS.
/// assert_eq!(check.start_probe(), b"XMXRAY\r\n");
///
/// // A correct server (Postfix) answers our unknown verb: not vulnerable, decided at once.
/// let mut correct = check.clone();
/// correct.feed(b"502 5.5.2 Error: command not recognized\r\n");
/// assert!(matches!(
///     correct.poll(),
///     InjectionVerdict::NotVulnerable { reply: Some(r) } if r.code().get() == 502
/// ));
///
/// // A vulnerable server first answers the plaintext NOOP it buffered across the upgrade.
/// let mut vulnerable = check.clone();
/// vulnerable.feed(b"250 2.0.0 Ok\r\n502 5.5.2 Error: command not recognized\r\n");
/// assert!(matches!(vulnerable.poll(), InjectionVerdict::Vulnerable { .. }));
///
/// // Nothing yet: read more; nothing at all until EOF: not vulnerable.
/// assert_eq!(check.poll(), InjectionVerdict::NeedMore);
/// assert_eq!(check.finish(), InjectionVerdict::NotVulnerable { reply: None });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectionCheck {
    limits: Limits,
    buf: Vec<u8>,
    probing: bool,
}

impl InjectionCheck {
    /// The command the probing check sends inside TLS after the handshake: an unknown verb the
    /// server did not see in plaintext and whose correct answer is 500/502, never 2xx.
    pub const PROBE_COMMAND: &'static [u8] = b"XMXRAY\r\n";

    /// A new, passive check (see the type's documentation).
    pub fn new(limits: Limits) -> InjectionCheck {
        InjectionCheck {
            limits,
            buf: Vec::new(),
            probing: false,
        }
    }

    /// Switches to the probing check and returns the bytes to send inside TLS
    /// ([`InjectionCheck::PROBE_COMMAND`]); send them once, right after the handshake, before
    /// feeding anything.
    pub fn start_probe(&mut self) -> &'static [u8] {
        self.probing = true;
        Self::PROBE_COMMAND
    }

    /// Whether this is a probing check ([`InjectionCheck::start_probe`] was called).
    pub fn is_probing(&self) -> bool {
        self.probing
    }

    /// Feeds decrypted application data received after the handshake.
    pub fn feed(&mut self, decrypted: &[u8]) {
        // One byte past the limit, so the decoder reports the over-long reply; never more,
        // however many times this is called.
        let cap = self.limits.reply_bytes.saturating_add(1);
        let room = cap.saturating_sub(self.buf.len());
        self.buf.extend(decrypted.iter().take(room));
    }

    /// The verdict from the bytes fed so far: decided by the first complete reply.
    pub fn poll(&self) -> InjectionVerdict {
        match decode_reply(&self.buf, &self.limits) {
            Ok(Some((reply, _))) => self.judge(reply.into_owned()),
            Ok(None) => InjectionVerdict::NeedMore,
            Err(e) => InjectionVerdict::Inconclusive {
                bytes: self.buf.clone(),
                error: Some(e),
            },
        }
    }

    fn judge(&self, reply: Reply<'static>) -> InjectionVerdict {
        let code = reply.code();
        if !self.probing || code.is_success() {
            InjectionVerdict::Vulnerable { reply }
        } else if code.is_transient() || code.is_permanent() {
            InjectionVerdict::NotVulnerable { reply: Some(reply) }
        } else {
            InjectionVerdict::Inconclusive {
                bytes: self.buf.clone(),
                error: None,
            }
        }
    }

    /// The final verdict after the read timed out or the connection closed: nothing received
    /// is not vulnerable (a vulnerable server answers the `NOOP` before anything else), a cut
    /// reply is inconclusive.
    pub fn finish(&self) -> InjectionVerdict {
        match self.poll() {
            InjectionVerdict::NeedMore if self.buf.is_empty() => {
                InjectionVerdict::NotVulnerable { reply: None }
            }
            InjectionVerdict::NeedMore => InjectionVerdict::Inconclusive {
                bytes: self.buf.clone(),
                error: None,
            },
            v => v,
        }
    }
}
