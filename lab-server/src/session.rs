//! One SMTP session with the lab: greeting, EHLO, STARTTLS and the profile's TLS behaviour,
//! MAIL/RCPT/DATA with the recipient-domain check, recorded into a [`SessionRecord`].
//!
//! The protocol is smtp-codec's sans-IO [`ServerReader`]; this module only moves bytes and
//! decides replies. Bodies stream: the reader hands them out in parts that are counted, hashed
//! (SHA-256), scanned for Message-ID (in the first [`HEADER_SCAN`] bytes) and, with `--store`,
//! written to the Maildir as they come; no session holds more than [`MAX_SESSION_BUFFER`]
//! bytes of client input.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use smtp_codec::server::{replies, ServerEvent, ServerReader};
use smtp_codec::{Command, Encode, ForwardPath, Host, Limits, ReversePath};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::hello::{describe, scan_hello, HelloScan, MAX_HELLO};
use super::profiles::LabProfile;
use super::record::{InjectionResult, MailRecord, SessionRecord, TlsResult};
use super::store::{Maildir, Pending};
use super::tls::{handshake, HandshakeError, TlsConn};

/// Most recipients per transaction.
pub const MAX_RCPTS: usize = 100;
/// Most commands per session (a bound on chatty or hostile clients).
pub const MAX_COMMANDS: usize = 1000;
/// The reply smuggled after the `220` by the `injection` profile.
pub const INJECTED_REPLY: &[u8] = b"250 injected.lab.test reply smuggled before TLS\r\n";
/// How long the `injection` profile waits before answering the first EHLO inside TLS: a client
/// that took the smuggled reply as its EHLO answer sends its next command within this time; a
/// correct one waits (long enough for slow clients on a loaded machine).
pub const INJECTION_WAIT: Duration = Duration::from_secs(3);

/// Settings shared by every session on one port.
pub struct SessionConfig {
    /// The profile.
    pub profile: LabProfile,
    /// Host name in the greeting and EHLO reply.
    pub hostname: String,
    /// TLS configuration (profiles with a handshake).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Recipient domains accepted (lower case).
    pub accept_domains: Vec<String>,
    /// Codec limits (line lengths, message size).
    pub limits: Limits,
    /// Idle timeout of each read.
    pub idle_timeout: Duration,
    /// Interval between greeting bytes for `tarpit`.
    pub tarpit_interval: Duration,
    /// Maildir for message bodies, with `--store`.
    pub store: Option<std::sync::Arc<Maildir>>,
    /// Which rule put `profile` on this socket ([`crate::listen::rule`]).
    pub rule: &'static str,
    /// `--sni-profile` choices on this socket (empty unless its profile can be chosen by SNI).
    pub sni: Vec<SniChoice>,
}

/// A profile chosen by the server name in the ClientHello, with its TLS configuration.
pub struct SniChoice {
    /// The server name (lower case).
    pub name: String,
    /// The profile.
    pub profile: LabProfile,
    /// Its TLS configuration (`None`: `handshake-fails`).
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl SessionConfig {
    /// The profile and TLS configuration for a ClientHello naming `sni`: an SNI rule's, or
    /// the socket's own. Returns whether a rule chose it.
    pub fn for_sni(
        &self,
        sni: Option<&str>,
    ) -> (LabProfile, Option<&Arc<rustls::ServerConfig>>, bool) {
        if let Some(name) = sni {
            let name = name.trim_end_matches('.');
            if let Some(c) = self.sni.iter().find(|c| c.name.eq_ignore_ascii_case(name)) {
                return (c.profile, c.tls.as_ref(), true);
            }
        }
        (self.profile, self.tls.as_ref(), false)
    }
}

enum Conn {
    Plain(TcpStream),
    Tls(Box<TlsConn>),
    /// Transient state while the stream moves into the TLS handshake.
    Gone,
}

impl Conn {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf).await,
            Conn::Tls(t) => t.read(buf).await,
            Conn::Gone => Ok(0),
        }
    }
    async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Conn::Plain(s) => {
                s.write_all(data).await?;
                s.flush().await
            }
            Conn::Tls(t) => t.write_all(data).await,
            Conn::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }
    async fn close(&mut self) {
        match self {
            Conn::Plain(s) => {
                let _ = s.shutdown().await;
            }
            Conn::Tls(t) => t.close().await,
            Conn::Gone => {}
        }
    }
    /// Waits until the socket has bytes to read (cancel-safe).
    async fn readable(&self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.readable().await,
            Conn::Tls(t) => t.readable().await,
            Conn::Gone => Ok(()),
        }
    }
    fn is_tls(&self) -> bool {
        matches!(self, Conn::Tls(_))
    }
}

fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn reply(code: u16, text: &'static str) -> Vec<u8> {
    format!("{code} {text}\r\n").into_bytes()
}

/// The EHLO reply; `requiretls` adds `REQUIRETLS` (RFC 8689), offered only inside TLS.
fn ehlo_reply_with(
    hostname: &str,
    starttls: bool,
    requiretls: bool,
    message_bytes: usize,
) -> Vec<u8> {
    let mut lines = vec![
        format!("{hostname} greets you (mxray lab)"),
        format!("SIZE {message_bytes}"),
        "8BITMIME".to_owned(),
        "ENHANCEDSTATUSCODES".to_owned(),
    ];
    if requiretls {
        lines.push("REQUIRETLS".to_owned());
    }
    if starttls {
        lines.push("STARTTLS".to_owned());
    }
    let mut out = Vec::new();
    let last = lines.len().saturating_sub(1);
    for (i, l) in lines.iter().enumerate() {
        out.extend_from_slice(if i == last { b"250 " } else { b"250-" });
        out.extend_from_slice(l.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn path_text(p: &ReversePath<'_>) -> String {
    match p {
        ReversePath::Null => "<>".to_owned(),
        ReversePath::Mailbox(m) => mailbox_text(&m.local_part, &m.host),
        _ => "<?>".to_owned(),
    }
}

fn host_text(h: &Host<'_>) -> String {
    match h {
        Host::Domain(d) => d.to_string(),
        Host::Ipv4(a) => format!("[{a}]"),
        Host::Ipv6(a) => format!("[IPv6:{a}]"),
        Host::General { tag, content } => format!("[{tag}:{content}]"),
        _ => "[?]".to_owned(),
    }
}

fn mailbox_text(local: &str, host: &Host<'_>) -> String {
    format!("{local}@{}", host_text(host))
}

/// The Message-ID header of a body (first occurrence in the header block), bounded.
pub fn message_id(body: &[u8]) -> Option<String> {
    for line in body.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return None;
        }
        let Some((name, value)) = line.split_at_checked(11) else {
            continue;
        };
        if name.eq_ignore_ascii_case(b"message-id:") {
            let v = String::from_utf8_lossy(value).trim().to_owned();
            return Some(v.chars().take(998).collect());
        }
    }
    None
}

/// Most bytes of client input a session holds at once (read buffer, unparsed input, the part
/// of a body not yet hashed or stored, the header block scanned for Message-ID).
pub const MAX_SESSION_BUFFER: usize = 256 * 1024;

/// What [`run`] reports about a session besides its record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// The most bytes of client input held in memory at once.
    pub peak_buffered: usize,
}

/// Bytes of a body's start kept to find its Message-ID header.
pub const HEADER_SCAN: usize = 64 * 1024;

/// A body being received: counted, hashed and stored as its parts arrive.
struct BodySink {
    size: usize,
    hasher: sha2::Sha256,
    /// The start of the body (at most [`HEADER_SCAN`] bytes), for Message-ID.
    head: Vec<u8>,
    /// The Maildir file being written, with `--store`.
    file: Option<Pending>,
    /// Why the body could not be stored.
    store_error: Option<io::Error>,
}

impl BodySink {
    fn new(store: Option<&Maildir>) -> BodySink {
        let (file, store_error) = match store.map(Maildir::begin) {
            None => (None, None),
            Some(Ok(p)) => (Some(p), None),
            Some(Err(e)) => (None, Some(e)),
        };
        BodySink {
            size: 0,
            hasher: sha2::Digest::new(),
            head: Vec::new(),
            file,
            store_error,
        }
    }

    fn push(&mut self, data: &[u8]) {
        self.size = self.size.saturating_add(data.len());
        sha2::Digest::update(&mut self.hasher, data);
        let room = HEADER_SCAN.saturating_sub(self.head.len());
        self.head
            .extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
        if let Some(f) = &mut self.file {
            if let Err(e) = f.write(data) {
                self.store_error = Some(e);
                self.file = None;
            }
        }
    }
}

/// Per-session mutable state.
struct State {
    peak: usize,
    greeted: bool,
    mail: Option<MailRecord>,
    commands: usize,
    /// First EHLO inside TLS not yet answered (injection profile).
    injection_pending: bool,
    /// The body of the current transaction, while it streams in (DATA, or BDAT chunks).
    body: Option<BodySink>,
    /// The first bytes after a 354 (the start of the body), until the body ends.
    data_head: Option<Vec<u8>>,
}

/// Bytes kept of the start of each body, to spot a desynchronised client.
const DATA_HEAD: usize = 64;

/// Runs one session to its end, filling `rec`. Never panics on client input.
pub async fn run(
    tcp: TcpStream,
    cfg: &SessionConfig,
    rec: &mut SessionRecord,
    start: Instant,
) -> SessionStats {
    let mut conn = Conn::Plain(tcp);
    let mut st = State {
        peak: 0,
        greeted: false,
        mail: None,
        commands: 0,
        injection_pending: false,
        body: None,
        data_head: None,
    };
    let end = match drive(&mut conn, cfg, rec, &mut st, start).await {
        Ok(end) => end,
        Err(e) if e.kind() == io::ErrorKind::TimedOut => "timeout".to_owned(),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
            ) =>
        {
            "reset".to_owned()
        }
        Err(e) => {
            rec.error = Some(e.to_string());
            "error".to_owned()
        }
    };
    conn.close().await;
    if let (Some(head), Some(inj)) = (&st.data_head, rec.injection.as_mut()) {
        if looks_like_command(head) {
            inj.client_used_injected_reply = true;
            inj.evidence
                .get_or_insert_with(|| "command-after-354".to_owned());
        }
    }
    abandon(&mut st, rec);
    rec.end = end;
    SessionStats {
        peak_buffered: st.peak,
    }
}

/// Whether the bytes start with an SMTP command a client sends when it believes DATA failed.
fn looks_like_command(head: &[u8]) -> bool {
    ["QUIT\r\n", "RSET\r\n", "NOOP\r\n", "MAIL FROM:"]
        .iter()
        .any(|c| {
            head.get(..c.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(c.as_bytes()))
        })
}

/// Most transactions recorded per session.
pub const MAX_MAILS: usize = 100;

/// Records a transaction that ended without an accepted message (RSET, new EHLO, session end).
fn abandon(st: &mut State, rec: &mut SessionRecord) {
    if let Some(m) = st.mail.take() {
        if rec.mails.len() < MAX_MAILS {
            rec.mails.push(m);
        }
    }
    st.body = None;
}

async fn read_some(conn: &mut Conn, buf: &mut [u8], idle: Duration) -> io::Result<usize> {
    match timeout(idle, conn.read(buf)).await {
        Ok(r) => r,
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
    }
}

async fn drive(
    conn: &mut Conn,
    cfg: &SessionConfig,
    rec: &mut SessionRecord,
    st: &mut State,
    start: Instant,
) -> io::Result<String> {
    let greeting = format!("220 {} ESMTP mxray lab ({})\r\n", cfg.hostname, cfg.profile);
    if cfg.profile == LabProfile::Tarpit {
        for b in greeting.as_bytes() {
            conn.write_all(std::slice::from_ref(b)).await?;
            tokio::time::sleep(cfg.tarpit_interval).await;
        }
    } else {
        conn.write_all(greeting.as_bytes()).await?;
    }
    let mut reader = streaming_reader(cfg);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        while let Some(ev) = reader.poll() {
            match step(conn, cfg, rec, st, &mut reader, ev, start).await? {
                Flow::Continue => {}
                Flow::End(why) => return Ok(why),
            }
        }
        let n = read_some(conn, &mut buf, cfg.idle_timeout).await?;
        if n == 0 {
            return Ok("closed".to_owned());
        }
        let data = buf.get(..n).unwrap_or_default();
        if let Some(head) = &mut st.data_head {
            let room = DATA_HEAD.saturating_sub(head.len());
            head.extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
        }
        reader.feed(data);
        let head = st.body.as_ref().map_or(0, |b| b.head.len());
        st.peak = st
            .peak
            .max(reader.held().saturating_add(head).saturating_add(buf.len()));
    }
}

enum Flow {
    Continue,
    End(String),
}

fn accepted_domain(cfg: &SessionConfig, to: &ForwardPath<'_>) -> (String, bool) {
    match to {
        ForwardPath::Postmaster => ("<postmaster>".to_owned(), true),
        ForwardPath::Mailbox(m) => {
            let text = mailbox_text(&m.local_part, &m.host);
            let ok = match &m.host {
                Host::Domain(d) => {
                    let d = d.trim_end_matches('.').to_ascii_lowercase();
                    cfg.accept_domains.contains(&d)
                }
                _ => false,
            };
            (text, ok)
        }
        _ => ("<?>".to_owned(), false),
    }
}

fn finish_message(
    cfg: &SessionConfig,
    rec: &mut SessionRecord,
    st: &mut State,
    tls: bool,
    start: Instant,
) -> Vec<u8> {
    let body = st.body.take();
    let Some(mut mail) = st.mail.take() else {
        return replies::bad_sequence().to_bytes();
    };
    let Some(body) = body else {
        // A body end without its start: cannot happen with the reader, but never accept it.
        if rec.mails.len() < MAX_MAILS {
            rec.mails.push(mail);
        }
        return reply(451, "4.3.0 Local error in processing");
    };
    mail.data_size = Some(body.size);
    let digest = sha2::Digest::finalize(body.hasher);
    mail.data_sha256 = Some(tls_probe::hex(&digest));
    mail.message_id = message_id(&body.head);
    mail.accepted = true;
    mail.tls = tls;
    if cfg.store.is_some() {
        let stored = match (body.file, body.store_error) {
            (_, Some(e)) => Err(e),
            (Some(f), None) => f.commit(),
            (None, None) => Err(io::Error::other("no file")),
        };
        match stored {
            Ok(path) => mail.stored = Some(path.display().to_string()),
            Err(e) => {
                rec.error = Some(format!("store: {e}"));
                mail.accepted = false;
                if rec.mails.len() < MAX_MAILS {
                    rec.mails.push(mail);
                }
                return reply(451, "4.3.0 Local error in processing");
            }
        }
    }
    rec.delivered = true;
    rec.delivered_tls |= tls;
    rec.timings.delivered_ms.get_or_insert(ms(start));
    if rec.mails.len() < MAX_MAILS {
        rec.mails.push(mail);
    }
    reply(250, "2.0.0 Ok: accepted by the mxray lab (not relayed)")
}

#[allow(clippy::too_many_arguments)]
async fn step(
    conn: &mut Conn,
    cfg: &SessionConfig,
    rec: &mut SessionRecord,
    st: &mut State,
    reader: &mut ServerReader,
    ev: ServerEvent,
    start: Instant,
) -> io::Result<Flow> {
    // Body parts are data, not commands: count, hash and store them; no reply.
    if let ServerEvent::BodyPart { data } = &ev {
        if let Some(b) = &mut st.body {
            b.push(data);
        }
        return Ok(Flow::Continue);
    }
    st.commands = st.commands.saturating_add(1);
    if st.commands > MAX_COMMANDS {
        conn.write_all(&reply(421, "4.7.0 Too many commands, closing"))
            .await?;
        return Ok(Flow::End("limit".to_owned()));
    }
    let out: Vec<u8> = match ev {
        ServerEvent::Command(cmd) => {
            if st.injection_pending {
                let inj = rec.injection.get_or_insert_with(InjectionResult::default);
                inj.first_command_in_tls = Some(command_name(&cmd).to_owned());
            }
            match cmd {
                Command::Ehlo(name) | Command::Lhlo(name) => {
                    rec.ehlo = Some(name.chars().take(255).collect());
                    rec.helo = false;
                    st.greeted = true;
                    abandon(st, rec);
                    let offer = cfg.profile.offers_starttls() && !conn.is_tls();
                    rec.starttls_offered |= offer;
                    if st.injection_pending {
                        st.injection_pending = false;
                        injection_wait(conn, rec, reader, cfg.idle_timeout).await?;
                    }
                    let requiretls = cfg.profile.strict_tls() && conn.is_tls();
                    ehlo_reply_with(&cfg.hostname, offer, requiretls, cfg.limits.message_bytes)
                }
                Command::Helo(name) => {
                    rec.ehlo = Some(name.chars().take(255).collect());
                    rec.helo = true;
                    st.greeted = true;
                    abandon(st, rec);
                    st.injection_pending = false;
                    format!("250 {}\r\n", cfg.hostname).into_bytes()
                }
                Command::StartTls => {
                    return starttls(conn, cfg, rec, st, reader, start).await;
                }
                Command::Mail { from, .. } => {
                    if !st.greeted {
                        replies::bad_sequence().to_bytes()
                    } else if cfg.profile.strict_tls() && !conn.is_tls() {
                        reply(530, "5.7.0 Must issue a STARTTLS command first")
                    } else if st.mail.is_some() {
                        reply(503, "5.5.1 Nested MAIL command")
                    } else {
                        st.mail = Some(MailRecord {
                            mail_from: path_text(&from),
                            tls: conn.is_tls(),
                            ..MailRecord::default()
                        });
                        replies::ok().to_bytes()
                    }
                }
                Command::Rcpt { to, .. } => match &mut st.mail {
                    None => replies::bad_sequence().to_bytes(),
                    Some(m) if m.rcpt_accepted.len() >= MAX_RCPTS => {
                        reply(452, "4.5.3 Too many recipients")
                    }
                    Some(m) => {
                        let (text, ok) = accepted_domain(cfg, &to);
                        if ok {
                            m.rcpt_accepted.push(text);
                            replies::ok().to_bytes()
                        } else {
                            if m.rcpt_refused.len() < MAX_RCPTS {
                                m.rcpt_refused.push(text);
                            }
                            reply(550, "5.7.1 Relaying denied")
                        }
                    }
                },
                Command::Data => match &st.mail {
                    Some(m) if !m.rcpt_accepted.is_empty() => {
                        reader.begin_data();
                        st.data_head = Some(Vec::new());
                        st.body = Some(BodySink::new(cfg.store.as_deref()));
                        replies::start_mail_input().to_bytes()
                    }
                    Some(_) => reply(554, "5.5.1 No valid recipients"),
                    None => replies::bad_sequence().to_bytes(),
                },
                Command::Bdat { .. } => {
                    // The reader hands out the chunk itself; the reply follows the chunk.
                    if st.body.is_none()
                        && st
                            .mail
                            .as_ref()
                            .is_some_and(|m| !m.rcpt_accepted.is_empty())
                    {
                        st.body = Some(BodySink::new(cfg.store.as_deref()));
                    }
                    return Ok(Flow::Continue);
                }
                Command::Rset => {
                    abandon(st, rec);
                    replies::ok().to_bytes()
                }
                Command::Noop(_) => replies::ok().to_bytes(),
                Command::Vrfy(_) => reply(252, "2.5.2 Cannot VRFY user"),
                Command::Quit => {
                    conn.write_all(&replies::closing().to_bytes()).await?;
                    return Ok(Flow::End("quit".to_owned()));
                }
                _ => replies::not_implemented().to_bytes(),
            }
        }
        ServerEvent::InvalidCommand { reply, .. } => reply.to_bytes(),
        ServerEvent::MessageEnd => {
            st.data_head = None;
            let tls = conn.is_tls();
            finish_message(cfg, rec, st, tls, start)
        }
        ServerEvent::MessageRejected { reply, .. } | ServerEvent::BdatRejected { reply, .. } => {
            st.data_head = None;
            abandon(st, rec);
            reply.to_bytes()
        }
        ServerEvent::BdatEnd { last } => {
            if st.mail.as_ref().is_none_or(|m| m.rcpt_accepted.is_empty()) {
                st.body = None;
                reply(503, "5.5.1 No valid recipients")
            } else if last {
                let tls = conn.is_tls();
                finish_message(cfg, rec, st, tls, start)
            } else {
                replies::ok().to_bytes()
            }
        }
        _ => replies::not_implemented().to_bytes(),
    };
    conn.write_all(&out).await?;
    Ok(Flow::Continue)
}

fn command_name(c: &Command<'_>) -> &'static str {
    match c {
        Command::Ehlo(_) => "EHLO",
        Command::Helo(_) => "HELO",
        Command::Lhlo(_) => "LHLO",
        Command::Mail { .. } => "MAIL",
        Command::Rcpt { .. } => "RCPT",
        Command::Data => "DATA",
        Command::Bdat { .. } => "BDAT",
        Command::Rset => "RSET",
        Command::Quit => "QUIT",
        Command::Noop(_) => "NOOP",
        Command::StartTls => "STARTTLS",
        _ => "OTHER",
    }
}

/// The `injection` profile: before answering the first EHLO inside TLS, wait and see whether
/// the client already sends its next command (it took the smuggled reply as the EHLO reply).
async fn injection_wait(
    conn: &mut Conn,
    rec: &mut SessionRecord,
    reader: &mut ServerReader,
    idle: Duration,
) -> io::Result<()> {
    // Wait for readability only (cancel-safe), then read outside the short timeout so a TLS
    // record is never abandoned half-processed.
    let early = if reader.buffered() > 0 {
        true
    } else {
        match timeout(INJECTION_WAIT, conn.readable()).await {
            Ok(Ok(())) => {
                let mut buf = vec![0u8; 4096];
                let n = read_some(conn, &mut buf, idle).await?;
                reader.feed(buf.get(..n).unwrap_or_default());
                n > 0
            }
            Ok(Err(e)) => return Err(e),
            Err(_) => false,
        }
    };
    let inj = rec.injection.get_or_insert_with(InjectionResult::default);
    if early {
        inj.client_used_injected_reply = true;
        inj.evidence = Some("early-command".to_owned());
    }
    Ok(())
}

/// A reader for one session (or its TLS part), in streaming mode: message bodies are counted,
/// hashed and stored as they arrive, never held whole.
fn streaming_reader(cfg: &SessionConfig) -> ServerReader {
    let mut reader = ServerReader::new(cfg.limits);
    reader.stream_bodies();
    reader
}

async fn starttls(
    conn: &mut Conn,
    cfg: &SessionConfig,
    rec: &mut SessionRecord,
    st: &mut State,
    reader: &mut ServerReader,
    start: Instant,
) -> io::Result<Flow> {
    rec.starttls_tried = true;
    rec.timings.starttls_ms.get_or_insert(ms(start));
    if conn.is_tls() {
        conn.write_all(&replies::bad_sequence().to_bytes()).await?;
        return Ok(Flow::Continue);
    }
    if !cfg.profile.offers_starttls() {
        rec.starttls_reply = Some(502);
        conn.write_all(&replies::not_implemented().to_bytes())
            .await?;
        return Ok(Flow::Continue);
    }
    if cfg.profile == LabProfile::StarttlsRefused {
        rec.starttls_reply = Some(454);
        rec.server_temp_failure = true;
        conn.write_all(&replies::tls_not_available().to_bytes())
            .await?;
        return Ok(Flow::Continue);
    }
    rec.starttls_reply = Some(220);
    let mut out = replies::ready_for_tls().to_bytes();
    if cfg.profile == LabProfile::Injection {
        out.extend_from_slice(INJECTED_REPLY);
        rec.injection = Some(InjectionResult::default());
    }
    conn.write_all(&out).await?;
    // RFC 3207 4.2: plaintext pipelined after STARTTLS must be discarded.
    let mut first = Vec::new();
    rec.plaintext_after_starttls = reader.buffered();
    reader.discard_buffered();
    let hs_start = Instant::now();

    // Capture the ClientHello before the handshake.
    let mut buf = vec![0u8; 16 * 1024];
    let hello = loop {
        match scan_hello(&first) {
            HelloScan::Complete(record) => break Ok(record),
            HelloScan::NotTls(why) => break Err(why),
            HelloScan::NeedMore => {}
        }
        if first.len() > MAX_HELLO.saturating_add(64) {
            break Err("ClientHello larger than the lab's limit");
        }
        let n = match read_some(conn, &mut buf, cfg.idle_timeout).await {
            Ok(0) => {
                rec.tls = Some(TlsResult {
                    result: "client-closed".into(),
                    ..TlsResult::default()
                });
                return Ok(Flow::End("tls-failed".to_owned()));
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                rec.tls = Some(TlsResult {
                    result: "timeout".into(),
                    ..TlsResult::default()
                });
                return Ok(Flow::End("tls-failed".to_owned()));
            }
            Err(e) => return Err(e),
        };
        first.extend_from_slice(buf.get(..n).unwrap_or_default());
    };
    match &hello {
        Ok(record) => match tls_probe::ClientHello::parse(record) {
            Ok(ch) => rec.client_hello = Some(describe(&ch)),
            Err(e) => rec.client_hello_error = Some(e.to_string()),
        },
        Err(why) => rec.client_hello_error = Some((*why).to_owned()),
    }
    if hello.is_err() {
        rec.tls = Some(TlsResult {
            result: "not-tls".into(),
            ..TlsResult::default()
        });
        return Ok(Flow::End("tls-failed".to_owned()));
    }
    let sni = rec.client_hello.as_ref().and_then(|h| h.sni.clone());
    let (profile, tls, by_sni) = cfg.for_sni(sni.as_deref());
    if by_sni {
        rec.profile = Some(profile);
        rec.profile_rule = Some(crate::listen::rule::SNI.to_owned());
    }
    let tls_config = match (tls, profile) {
        (_, LabProfile::HandshakeFails) | (None, _) => {
            // A fatal handshake_failure alert (TLS 1.0 record version), then close.
            conn.write_all(&[21, 3, 1, 0, 2, 2, 40]).await?;
            rec.server_temp_failure = true;
            rec.tls = Some(TlsResult {
                result: "server-aborted".into(),
                ..TlsResult::default()
            });
            return Ok(Flow::End("tls-failed".to_owned()));
        }
        (Some(c), _) => c.clone(),
    };
    let tcp = match std::mem::replace(conn, Conn::Gone) {
        Conn::Plain(s) => s,
        other => {
            *conn = other;
            return Err(io::Error::other(
                "STARTTLS on a connection that is not plain",
            ));
        }
    };
    let result = timeout(cfg.idle_timeout, handshake(tcp, tls_config, &first)).await;
    rec.timings.handshake_ms = Some(ms(hs_start));
    match result {
        Err(_) => {
            rec.tls = Some(TlsResult {
                result: "timeout".into(),
                ..TlsResult::default()
            });
            Ok(Flow::End("tls-failed".to_owned()))
        }
        Ok(Ok(tls)) => {
            let (version, suite) = tls.negotiated();
            rec.tls = Some(TlsResult {
                result: "completed".into(),
                version,
                suite,
                ..TlsResult::default()
            });
            *conn = Conn::Tls(Box::new(tls));
            // RFC 3207 4.2: the session starts anew inside TLS, and bodies still stream.
            *reader = streaming_reader(cfg);
            st.greeted = false;
            abandon(st, rec);
            st.injection_pending = cfg.profile == LabProfile::Injection;
            Ok(Flow::Continue)
        }
        Ok(Err((e, tcp))) => {
            *conn = Conn::Plain(tcp);
            let mut t = TlsResult::default();
            match e {
                HandshakeError::Alert(a) => {
                    t.result = "client-alert".into();
                    t.alert = Some(a);
                }
                HandshakeError::Closed => t.result = "client-closed".into(),
                HandshakeError::Tls(e) => {
                    t.result = "error".into();
                    t.error = Some(e.to_string());
                }
                HandshakeError::Io(e) => {
                    t.result = "error".into();
                    t.error = Some(e.to_string());
                }
            }
            rec.tls = Some(t);
            Ok(Flow::End("tls-failed".to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_from_the_header_block_only() {
        assert_eq!(
            message_id(b"Subject: x\r\nmessage-id:  <a@b> \r\n\r\nMessage-ID: <no@no>\r\n"),
            Some("<a@b>".to_owned())
        );
        assert_eq!(
            message_id(b"Subject: x\r\n\r\nMessage-ID: <body@x>\r\n"),
            None
        );
        assert_eq!(message_id(b""), None);
        let long = format!("Message-ID: <{}>\r\n\r\n", "x".repeat(5000));
        assert_eq!(message_id(long.as_bytes()).map(|m| m.len()), Some(998));
    }

    /// A body of `n` bytes of 78-byte lines, some starting with a dot.
    fn big_body(n: usize) -> Vec<u8> {
        let mut b = Vec::with_capacity(n + 80);
        let mut i = 0u32;
        while b.len() < n {
            let lead = if i % 7 == 0 { "." } else { "x" };
            b.extend_from_slice(format!("{lead}{i:076}\r\n").as_bytes());
            i += 1;
        }
        b
    }

    fn dot_stuffed(body: &[u8]) -> Vec<u8> {
        let mut w = Vec::with_capacity(body.len() + body.len() / 50);
        for line in body.split_inclusive(|c| *c == b'\n') {
            if line.first() == Some(&b'.') {
                w.push(b'.');
            }
            w.extend_from_slice(line);
        }
        w
    }

    fn sha256_hex(b: &[u8]) -> String {
        use sha2::Digest;
        tls_probe::hex(&sha2::Sha256::digest(b))
    }

    /// Runs one plaintext session of the `no-starttls` profile fed `client` at once; returns
    /// its stats and record.
    async fn session_with(
        client: Vec<u8>,
        store: Option<Arc<Maildir>>,
    ) -> (SessionStats, SessionRecord) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cfg = SessionConfig {
            profile: LabProfile::NoStarttls,
            hostname: "mx.lab.test".into(),
            tls: None,
            accept_domains: vec!["lab.test".into()],
            limits: Limits {
                message_bytes: 32 * 1024 * 1024,
                ..Limits::default()
            },
            idle_timeout: Duration::from_secs(20),
            tarpit_interval: Duration::from_secs(1),
            store,
            rule: crate::listen::rule::PORT,
            sni: Vec::new(),
        };
        let peer = tokio::spawn(async move {
            let s = TcpStream::connect(addr).await.unwrap();
            let (mut r, mut w) = s.into_split();
            let reader = tokio::spawn(async move {
                let mut replies = Vec::new();
                let _ = r.read_to_end(&mut replies).await;
                replies
            });
            w.write_all(&client).await.unwrap();
            reader.await.unwrap()
        });
        let (tcp, _) = listener.accept().await.unwrap();
        let mut rec = SessionRecord::default();
        let stats = run(tcp, &cfg, &mut rec, Instant::now()).await;
        let replies = String::from_utf8(peer.await.unwrap()).unwrap();
        assert!(replies.contains("250 2.0.0 Ok: accepted"), "{replies}");
        (stats, rec)
    }

    /// Bodies are counted, hashed (and stored) as they stream: a session never holds a whole
    /// message, however large.
    #[tokio::test]
    async fn large_bodies_stream_through_bounded_buffers() {
        let body = big_body(6 * 1024 * 1024);
        let mut client =
            b"EHLO big.test\r\nMAIL FROM:<a@big.test>\r\nRCPT TO:<b@lab.test>\r\nDATA\r\n".to_vec();
        client.extend_from_slice(&dot_stuffed(&body));
        client.extend_from_slice(b".\r\nQUIT\r\n");
        let (stats, rec) = session_with(client, None).await;
        let mail = rec.mails.first().unwrap();
        assert!(mail.accepted);
        assert_eq!(mail.data_size, Some(body.len()));
        assert_eq!(
            mail.data_sha256.as_deref(),
            Some(sha256_hex(&body).as_str())
        );
        assert!(
            stats.peak_buffered <= MAX_SESSION_BUFFER,
            "held {} bytes at once",
            stats.peak_buffered
        );

        // BDAT, in two chunks, into a Maildir: the stored file is the body.
        let dir = std::env::temp_dir().join(format!("mxray-stream-{}", std::process::id()));
        let store = Arc::new(Maildir::create(&dir).unwrap());
        let (a, b) = body.split_at(body.len() / 3);
        let mut client =
            b"EHLO big.test\r\nMAIL FROM:<a@big.test>\r\nRCPT TO:<b@lab.test>\r\n".to_vec();
        client.extend_from_slice(format!("BDAT {}\r\n", a.len()).as_bytes());
        client.extend_from_slice(a);
        client.extend_from_slice(format!("BDAT {} LAST\r\n", b.len()).as_bytes());
        client.extend_from_slice(b);
        client.extend_from_slice(b"QUIT\r\n");
        let (stats, rec) = session_with(client, Some(store)).await;
        let mail = rec.mails.first().unwrap();
        assert!(mail.accepted);
        assert_eq!(mail.data_size, Some(body.len()));
        assert_eq!(
            mail.data_sha256.as_deref(),
            Some(sha256_hex(&body).as_str())
        );
        let stored = std::fs::read(mail.stored.as_ref().unwrap()).unwrap();
        assert!(stored == body, "stored body differs");
        assert!(
            stats.peak_buffered <= MAX_SESSION_BUFFER,
            "held {} bytes at once",
            stats.peak_buffered
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn desync_commands_are_spotted() {
        assert!(looks_like_command(b"QUIT\r\n"));
        assert!(looks_like_command(b"rset\r\nQUIT\r\n"));
        assert!(!looks_like_command(b"Subject: QUIT\r\n"));
        assert!(!looks_like_command(b"QUI"));
    }

    #[test]
    fn ehlo_reply_lists_starttls_only_when_offered() {
        let with = String::from_utf8(ehlo_reply_with("mx.lab.test", true, false, 10)).unwrap();
        assert!(with.ends_with("250 STARTTLS\r\n"), "{with}");
        assert!(with.starts_with("250-mx.lab.test "));
        let without = String::from_utf8(ehlo_reply_with("mx.lab.test", false, false, 10)).unwrap();
        let strict = String::from_utf8(ehlo_reply_with("mx.lab.test", false, true, 10)).unwrap();
        assert!(strict.ends_with("250 REQUIRETLS\r\n"), "{strict}");
        assert!(!without.contains("STARTTLS"));
        assert!(without.contains("250-SIZE 10\r\n"));
    }
}
