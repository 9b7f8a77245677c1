//! Sans-IO plan of the plaintext-acceptance test: does a server that advertises STARTTLS take
//! a mail transaction without it?
//!
//! On its own connection, the plan sends `EHLO`, then `MAIL FROM:<>` (or a probe address),
//! then `RSET` and `QUIT`. It never sends `RCPT` or `DATA`, so no message can be delivered.
//! A 2xx reply to `MAIL FROM` in plaintext means the server accepts mail without TLS
//! ([`PlaintextOutcome::Accepted`]); a 4xx/5xx (typically `530 5.7.0 Must issue a STARTTLS
//! command first`) means it insists on TLS ([`PlaintextOutcome::Refused`]).
//!
//! ```text
//! greeting 2xx ─► EHLO ─► 250 ─► MAIL FROM:<> ─► 2xx: Accepted ─► RSET ─► QUIT
//!                  │ other ─► QUIT   │ 4xx/5xx: Refused ─► RSET ─► QUIT
//! ```
//!
//! ```
//! use smtp_codec::plaintext_accept::{PlaintextAccept, PlaintextConfig, PlaintextOutcome, PlaintextStep};
//!
//! let mut p = PlaintextAccept::new(PlaintextConfig::new("scanner.example.org")).unwrap();
//! assert_eq!(p.poll(), PlaintextStep::NeedMore);
//! p.feed(b"220 mx.example.org ESMTP\r\n");
//! assert_eq!(p.poll(), PlaintextStep::Send(b"EHLO scanner.example.org\r\n".to_vec()));
//! p.feed(b"250-mx.example.org\r\n250 STARTTLS\r\n");
//! assert_eq!(p.poll(), PlaintextStep::Send(b"MAIL FROM:<>\r\n".to_vec()));
//! p.feed(b"250 2.1.0 Ok\r\n");
//! assert_eq!(p.poll(), PlaintextStep::Send(b"RSET\r\n".to_vec()));
//! assert!(matches!(p.outcome(), Some(PlaintextOutcome::Accepted { .. })));
//! p.feed(b"250 2.0.0 Ok\r\n");
//! assert_eq!(p.poll(), PlaintextStep::Send(b"QUIT\r\n".to_vec()));
//! p.feed(b"221 Bye\r\n");
//! assert!(matches!(p.poll(), PlaintextStep::Done(PlaintextOutcome::Accepted { .. })));
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{CommandError, ReplyError};
use crate::limits::Limits;
use crate::reply::{decode_reply, Reply, ReplyCode};

/// The longest reverse path the plan sends (RFC 5321 4.5.3.1.3: 256 octets with the brackets).
pub const MAX_REVERSE_PATH: usize = 254;

/// Configuration of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaintextConfig {
    /// The name sent with EHLO.
    pub ehlo_name: String,
    /// The reverse path of `MAIL FROM`, without the angle brackets; empty for the null
    /// reverse path `<>` (the default, which every server must accept for bounces).
    pub reverse_path: String,
    /// Decoder limits.
    pub limits: Limits,
}

impl PlaintextConfig {
    /// The null reverse path and default limits.
    pub fn new(ehlo_name: impl Into<String>) -> PlaintextConfig {
        PlaintextConfig {
            ehlo_name: ehlo_name.into(),
            reverse_path: String::new(),
            limits: Limits::default(),
        }
    }
}

/// The step of the plan a reply belongs to.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PlaintextPhase {
    /// Waiting for the greeting.
    Greeting,
    /// EHLO sent.
    Ehlo,
    /// `MAIL FROM` sent.
    Mail,
    /// `RSET` sent.
    Rset,
    /// `QUIT` sent.
    Quit,
}

impl PlaintextPhase {
    /// A short lower-case name (`greeting`, `ehlo`, `mail`, `rset`, `quit`).
    pub fn name(self) -> &'static str {
        match self {
            PlaintextPhase::Greeting => "greeting",
            PlaintextPhase::Ehlo => "ehlo",
            PlaintextPhase::Mail => "mail",
            PlaintextPhase::Rset => "rset",
            PlaintextPhase::Quit => "quit",
        }
    }
}

/// What the plan found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlaintextOutcome {
    /// `MAIL FROM` got a 2xx reply without TLS: the server accepts mail in plaintext.
    Accepted {
        /// The reply to `MAIL FROM`.
        reply: Reply<'static>,
    },
    /// `MAIL FROM` got a 4xx/5xx reply: the server does not take mail without TLS (or not
    /// from this sender).
    Refused {
        /// The reply to `MAIL FROM`.
        reply: Reply<'static>,
    },
    /// The plan did not reach `MAIL FROM`'s reply: the greeting or EHLO was refused, the
    /// connection closed, a read timed out, or a reply was malformed.
    Inconclusive {
        /// Where it stopped.
        phase: PlaintextPhase,
        /// Why, for humans.
        why: String,
    },
}

impl core::fmt::Display for PlaintextOutcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PlaintextOutcome::Accepted { reply } => write!(
                f,
                "MAIL FROM accepted without TLS: {} {}",
                reply.code(),
                String::from_utf8_lossy(reply.first_line())
            ),
            PlaintextOutcome::Refused { reply } => write!(
                f,
                "MAIL FROM refused without TLS: {} {}",
                reply.code(),
                String::from_utf8_lossy(reply.first_line())
            ),
            PlaintextOutcome::Inconclusive { phase, why } => {
                write!(f, "inconclusive at {}: {why}", phase.name())
            }
        }
    }
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlaintextStep {
    /// Write these bytes.
    Send(Vec<u8>),
    /// Read and [`PlaintextAccept::feed`] (or report EOF / timeout).
    NeedMore,
    /// Over: close the connection.
    Done(PlaintextOutcome),
}

/// The plan. See the module documentation.
#[derive(Debug, Clone)]
pub struct PlaintextAccept {
    config: PlaintextConfig,
    phase: PlaintextPhase,
    buf: Vec<u8>,
    outbox: Option<Vec<u8>>,
    outcome: Option<PlaintextOutcome>,
    finished: bool,
    eof: bool,
    timed_out: bool,
}

fn is_reverse_path_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '<' | '>')
}

fn is_ehlo_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']')
}

impl PlaintextAccept {
    /// A plan, or an error when the EHLO name is not a plausible domain or address literal, or
    /// the reverse path is longer than [`MAX_REVERSE_PATH`] or holds a space, a control
    /// character, `<` or `>` (anything that could end the command early).
    pub fn new(config: PlaintextConfig) -> Result<PlaintextAccept, CommandError> {
        let name = &config.ehlo_name;
        if name.is_empty() || name.len() > 255 || !name.chars().all(is_ehlo_name_char) {
            return Err(CommandError::InvalidValue(
                "EHLO name must be a domain or address literal",
            ));
        }
        let rp = &config.reverse_path;
        if rp.len() > MAX_REVERSE_PATH || !rp.chars().all(is_reverse_path_char) {
            return Err(CommandError::InvalidValue(
                "reverse path: at most 254 printable characters, no space, '<' or '>'",
            ));
        }
        Ok(PlaintextAccept {
            config,
            phase: PlaintextPhase::Greeting,
            buf: Vec::new(),
            outbox: None,
            outcome: None,
            finished: false,
            eof: false,
            timed_out: false,
        })
    }

    /// The `MAIL FROM` command this plan sends.
    pub fn mail_command(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.config.reverse_path.len().saturating_add(14));
        v.extend_from_slice(b"MAIL FROM:<");
        v.extend_from_slice(self.config.reverse_path.as_bytes());
        v.extend_from_slice(b">\r\n");
        v
    }

    /// Feeds bytes read from the server; the buffer holds at most twice
    /// [`Limits::reply_bytes`] (more than any decodable reply), so a flood cannot grow it.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.finished || self.eof {
            return;
        }
        let cap = self.config.limits.reply_bytes.saturating_mul(2);
        crate::limits::push_bounded(&mut self.buf, bytes, cap);
    }

    /// Reports that the server closed the connection.
    pub fn feed_eof(&mut self) {
        self.eof = true;
    }

    /// Reports that the driver's read timeout expired.
    pub fn feed_timeout(&mut self) {
        self.timed_out = true;
    }

    /// The outcome, as soon as it is known (the `RSET` and `QUIT` after it do not change it).
    pub fn outcome(&self) -> Option<&PlaintextOutcome> {
        self.outcome.as_ref()
    }

    /// The phase the plan is in.
    pub fn phase(&self) -> PlaintextPhase {
        self.phase
    }

    /// What to do next.
    pub fn poll(&mut self) -> PlaintextStep {
        loop {
            if let Some(bytes) = self.outbox.take() {
                return PlaintextStep::Send(bytes);
            }
            if self.finished {
                return PlaintextStep::Done(self.final_outcome());
            }
            match decode_reply(&self.buf, &self.config.limits) {
                Ok(Some((reply, used))) => {
                    let reply = reply.into_owned();
                    let used = used.min(self.buf.len());
                    self.buf.drain(..used);
                    self.on_reply(reply);
                }
                Ok(None) if self.eof || self.timed_out => {
                    let why = if self.eof {
                        "connection closed"
                    } else {
                        "read timed out"
                    };
                    self.settle(why);
                    self.finished = true;
                }
                Ok(None) => return PlaintextStep::NeedMore,
                Err(e) => {
                    self.settle_error(&e);
                    self.buf.clear();
                    self.finished = true;
                }
            }
        }
    }

    fn final_outcome(&self) -> PlaintextOutcome {
        self.outcome
            .clone()
            .unwrap_or_else(|| PlaintextOutcome::Inconclusive {
                phase: self.phase,
                why: String::from("ended without an answer to MAIL FROM"),
            })
    }

    fn settle(&mut self, why: &str) {
        if self.outcome.is_none() {
            self.outcome = Some(PlaintextOutcome::Inconclusive {
                phase: self.phase,
                why: String::from(why),
            });
        }
    }

    fn settle_error(&mut self, e: &ReplyError) {
        if self.outcome.is_none() {
            self.outcome = Some(PlaintextOutcome::Inconclusive {
                phase: self.phase,
                why: alloc::format!("malformed reply: {e}"),
            });
        }
    }

    fn send(&mut self, phase: PlaintextPhase, bytes: Vec<u8>) {
        self.outbox = Some(bytes);
        self.phase = phase;
    }

    fn quit(&mut self) {
        self.send(PlaintextPhase::Quit, b"QUIT\r\n".to_vec());
    }

    fn on_reply(&mut self, reply: Reply<'static>) {
        let code = reply.code();
        match self.phase {
            PlaintextPhase::Greeting if code.is_success() => {
                let mut v = Vec::with_capacity(self.config.ehlo_name.len().saturating_add(7));
                v.extend_from_slice(b"EHLO ");
                v.extend_from_slice(self.config.ehlo_name.as_bytes());
                v.extend_from_slice(b"\r\n");
                self.send(PlaintextPhase::Ehlo, v);
            }
            PlaintextPhase::Ehlo if code == ReplyCode::OK => {
                let mail = self.mail_command();
                self.send(PlaintextPhase::Mail, mail);
            }
            PlaintextPhase::Greeting | PlaintextPhase::Ehlo => {
                self.settle(&alloc::format!(
                    "{} answered {} {}",
                    self.phase.name(),
                    code,
                    String::from_utf8_lossy(reply.first_line())
                ));
                if code == ReplyCode::SERVICE_NOT_AVAILABLE
                    || self.phase == PlaintextPhase::Greeting
                {
                    // A busy or refusing server is not sent anything more.
                    self.finished = true;
                } else {
                    self.quit();
                }
            }
            PlaintextPhase::Mail => {
                self.outcome = Some(if code.is_success() {
                    PlaintextOutcome::Accepted { reply }
                } else if code.is_transient() || code.is_permanent() {
                    PlaintextOutcome::Refused { reply }
                } else {
                    PlaintextOutcome::Inconclusive {
                        phase: PlaintextPhase::Mail,
                        why: alloc::format!("unexpected reply {code} to MAIL FROM"),
                    }
                });
                if code == ReplyCode::SERVICE_NOT_AVAILABLE {
                    self.finished = true;
                } else {
                    self.send(PlaintextPhase::Rset, b"RSET\r\n".to_vec());
                }
            }
            PlaintextPhase::Rset => self.quit(),
            PlaintextPhase::Quit => self.finished = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the plan against scripted replies; returns everything sent and the outcome.
    fn run(replies: &[&[u8]]) -> (Vec<u8>, PlaintextOutcome) {
        run_ending(replies, PlaintextAccept::feed_eof)
    }

    /// As [`run`], with `end` reported when the replies run out. Bounded: a plan that keeps
    /// asking after its input ended fails the test instead of hanging it.
    fn run_ending(replies: &[&[u8]], end: fn(&mut PlaintextAccept)) -> (Vec<u8>, PlaintextOutcome) {
        let mut p = PlaintextAccept::new(PlaintextConfig::new("scanner.test")).unwrap();
        let mut sent = Vec::new();
        let mut replies = replies.iter();
        for _ in 0..64 {
            match p.poll() {
                PlaintextStep::Send(b) => sent.extend(b),
                PlaintextStep::NeedMore => match replies.next() {
                    Some(r) => p.feed(r),
                    None => end(&mut p),
                },
                PlaintextStep::Done(o) => return (sent, o),
            }
        }
        panic!("the plan did not end within 64 polls");
    }

    #[test]
    fn eof_and_timeout_end_the_plan_and_say_which() {
        for (end, why) in [
            (
                PlaintextAccept::feed_eof as fn(&mut PlaintextAccept),
                "connection closed",
            ),
            (PlaintextAccept::feed_timeout, "read timed out"),
        ] {
            let (_, o) = run_ending(&[b"220 mx ESMTP\r\n"], end);
            assert_eq!(
                o,
                PlaintextOutcome::Inconclusive {
                    phase: PlaintextPhase::Ehlo,
                    why: why.into()
                }
            );
        }
    }

    #[test]
    fn bytes_after_eof_are_ignored() {
        let mut p = PlaintextAccept::new(PlaintextConfig::new("scanner.test")).unwrap();
        p.feed(b"220 mx ESMTP\r\n");
        assert!(matches!(p.poll(), PlaintextStep::Send(_)));
        p.feed_eof();
        p.feed(b"250 mx\r\n");
        assert!(matches!(
            p.poll(),
            PlaintextStep::Done(PlaintextOutcome::Inconclusive { .. })
        ));
    }

    #[test]
    fn accepted_then_rset_and_quit_never_rcpt_or_data() {
        let (sent, o) = run(&[
            b"220 mx ESMTP\r\n",
            b"250-mx\r\n250 STARTTLS\r\n",
            b"250 2.1.0 Ok\r\n",
            b"250 2.0.0 Ok\r\n",
            b"221 Bye\r\n",
        ]);
        assert_eq!(
            sent,
            b"EHLO scanner.test\r\nMAIL FROM:<>\r\nRSET\r\nQUIT\r\n".to_vec()
        );
        assert!(matches!(o, PlaintextOutcome::Accepted { reply } if reply.code().get() == 250));
    }

    #[test]
    fn refused_with_530_is_refused() {
        let (sent, o) = run(&[
            b"220 mx ESMTP\r\n",
            b"250 mx\r\n",
            b"530 5.7.0 Must issue a STARTTLS command first\r\n",
            b"250 Ok\r\n",
            b"221 Bye\r\n",
        ]);
        assert!(sent.ends_with(b"RSET\r\nQUIT\r\n"));
        assert!(matches!(o, PlaintextOutcome::Refused { reply } if reply.code().get() == 530));
    }

    #[test]
    fn ehlo_refused_quits_and_is_inconclusive() {
        let (sent, o) = run(&[b"220 mx\r\n", b"554 go away\r\n", b"221 Bye\r\n"]);
        assert_eq!(sent, b"EHLO scanner.test\r\nQUIT\r\n".to_vec());
        assert!(matches!(
            o,
            PlaintextOutcome::Inconclusive { phase: PlaintextPhase::Ehlo, ref why } if why.contains("554")
        ));
        // A refusing greeting gets nothing at all.
        let (sent, o) = run(&[b"554 no service\r\n"]);
        assert!(sent.is_empty());
        assert!(o.to_string().starts_with("inconclusive at greeting"));
    }

    #[test]
    fn outcome_survives_a_lost_rset_and_eof_before_mail_is_inconclusive() {
        let (_, o) = run(&[b"220 mx\r\n", b"250 mx\r\n", b"250 Ok\r\n"]);
        assert!(matches!(o, PlaintextOutcome::Accepted { .. }));
        let (_, o) = run(&[b"220 mx\r\n", b"250 mx\r\n"]);
        assert!(matches!(
            o,
            PlaintextOutcome::Inconclusive { phase: PlaintextPhase::Mail, ref why } if why == "connection closed"
        ));
        let (_, o) = run(&[b"220 mx\r\n", b"250 mx\r\n", b"421 busy\r\n"]);
        assert!(matches!(o, PlaintextOutcome::Refused { .. }));
        let (_, o) = run(&[b"220 mx\r\n", b"2\xff0 mx\r\n"]);
        assert!(
            matches!(o, PlaintextOutcome::Inconclusive { ref why, .. } if why.starts_with("malformed"))
        );
    }

    #[test]
    fn timeout_is_inconclusive_and_floods_are_bounded() {
        let mut p = PlaintextAccept::new(PlaintextConfig::new("scanner.test")).unwrap();
        let flood = alloc::vec![b'a'; 1 << 20];
        for _ in 0..8 {
            p.feed(&flood);
        }
        assert!(p.buf.len() <= Limits::default().reply_bytes.saturating_mul(2));
        let mut p = PlaintextAccept::new(PlaintextConfig::new("scanner.test")).unwrap();
        assert_eq!(p.poll(), PlaintextStep::NeedMore);
        p.feed_timeout();
        assert!(matches!(
            p.poll(),
            PlaintextStep::Done(PlaintextOutcome::Inconclusive { ref why, .. }) if why == "read timed out"
        ));
    }

    #[test]
    fn reverse_path_and_name_are_checked() {
        let mut c = PlaintextConfig::new("scanner.test");
        c.reverse_path = "probe@scanner.test".into();
        let p = PlaintextAccept::new(c.clone()).unwrap();
        assert_eq!(
            p.mail_command(),
            b"MAIL FROM:<probe@scanner.test>\r\n".to_vec()
        );
        for bad in ["a>\r\nRCPT TO:<x", "a b", "a\r\n", &"a".repeat(255)] {
            c.reverse_path = bad.into();
            assert!(PlaintextAccept::new(c.clone()).is_err(), "{bad:?}");
        }
        assert!(PlaintextAccept::new(PlaintextConfig::new("bad name\r\n")).is_err());
    }

    proptest::proptest! {
        /// Whatever the server sends, the plan ends within a bounded number of steps and never
        /// sends anything but EHLO, MAIL FROM, RSET and QUIT, each at most once.
        #[test]
        fn never_rcpt_or_data_and_always_ends(chunks in proptest::collection::vec(
            proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64), 0..12)) {
            let mut p = PlaintextAccept::new(PlaintextConfig::new("scanner.test")).unwrap();
            let mut sent: Vec<Vec<u8>> = Vec::new();
            let mut chunks = chunks.iter();
            let mut done = false;
            for _ in 0..64 {
                match p.poll() {
                    PlaintextStep::Send(b) => sent.push(b),
                    PlaintextStep::NeedMore => match chunks.next() {
                        Some(c) => p.feed(c),
                        None => p.feed_eof(),
                    },
                    PlaintextStep::Done(_) => { done = true; break; }
                }
            }
            proptest::prop_assert!(done);
            let allowed: [&[u8]; 4] = [b"EHLO scanner.test\r\n", b"MAIL FROM:<>\r\n", b"RSET\r\n", b"QUIT\r\n"];
            for s in &sent {
                proptest::prop_assert!(allowed.contains(&s.as_slice()), "{:?}", s);
            }
            for a in allowed {
                proptest::prop_assert!(sent.iter().filter(|s| s.as_slice() == a).count() <= 1);
            }
        }
    }
}
