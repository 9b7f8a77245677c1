//! TLS at one endpoint: the modern handshake (rustls through `tls-probe`'s sans-IO driver), the
//! probe plans of `tls-probe` run over fresh connections, and the STARTTLS injection test (on the
//! connection of the modern handshake).
//!
//! Every probe connection goes through [`Prober::open_tls_ready_stream`]: the per-IP rate
//! limiter, a TCP connect, and the SMTP preamble it needs (greeting, EHLO, STARTTLS) or nothing
//! for implicit TLS. Plans run with [`Prober::run_plan`]: `next_hello` → write → read with a
//! time limit, feeding the plan until it says the attempt is over → close. Independent plans of
//! one endpoint run concurrently (`tokio::join!`); the rate limiter paces their connections.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use smtp_codec::{ClientSession, InjectionCheck, InjectionVerdict, Step, TlsHandover};
use tls_probe::driver::RustlsDriver;
use tls_probe::flight::KeyExchange;
use tls_probe::hello::{groups, sigalgs};
use tls_probe::plan::features::{FeatureProbe, Features};
use tls_probe::plan::fingerprint::{FingerprintProbe, Fingerprints};
use tls_probe::plan::hellos::HelloOptions;
use tls_probe::plan::params::{DhClass, DhProbe, DhResult, GroupProbe, GroupScan, SigAlgProbe};
use tls_probe::plan::suites::{Preference, SuiteProbe, SuiteScan, SuiteScanConfig, SCAN_ORDER};
use tls_probe::plan::versions::{self, VersionProbe, VersionSupport};
use tls_probe::plan::{Plan, Probe};
use tls_probe::weakness::Weakness;
use tls_probe::{Suite, Version};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::clock::later;
use crate::context::ScanContext;
use crate::smtp::{self, Driven};
use mxray_schema::record::{
    FeaturesInfo, FingerprintsInfo, HandshakeInfo, InjectionResult, KeyExchangeInfo, Profile,
    SuiteInfo, TlsInfo, TlsMode, VersionInfo, VersionSuitesInfo,
};

/// Bytes read at a time from a TLS peer.
const READ_CHUNK: usize = 16 * 1024;
/// Read size of a probe connection: its server flight (hello, certificates, key exchange) is
/// reassembled by the plan's parser, so a read need not hold a whole TLS record, and a mass
/// scan holds one such buffer per probe connection in flight.
const PROBE_READ_CHUNK: usize = 4 * 1024;

/// A connection ready for a ClientHello, and the STARTTLS hand-over when there was one.
#[derive(Debug)]
pub struct Ready {
    /// The stream, past the SMTP preamble.
    pub stream: TcpStream,
    /// What the STARTTLS step handed over (none for implicit TLS).
    pub handover: Option<TlsHandover>,
    /// This socket's place in the scan's budget (see [`crate::sockets`]), freed with it.
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// Opens probe connections to one endpoint and counts them.
#[derive(Debug)]
pub struct Prober<'a> {
    ctx: &'a ScanContext,
    addr: SocketAddr,
    mode: TlsMode,
    deadline: Instant,
    connections: AtomicU32,
    failures: AtomicU32,
    retried: AtomicU32,
    last_failure: Mutex<Option<String>>,
}

impl<'a> Prober<'a> {
    /// A prober for `addr`, reaching TLS by `mode`, until `deadline`.
    pub fn new(ctx: &'a ScanContext, addr: SocketAddr, mode: TlsMode, deadline: Instant) -> Self {
        Prober {
            ctx,
            addr,
            mode,
            deadline,
            connections: AtomicU32::new(0),
            failures: AtomicU32::new(0),
            retried: AtomicU32::new(0),
            last_failure: Mutex::new(None),
        }
    }

    /// TLS connections used so far (the ones that reached the point of sending a ClientHello).
    pub fn connections(&self) -> u32 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Counts a connection opened elsewhere (the main session's).
    pub fn count_connection(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    /// Probe connections whose preamble failed (connect, greeting, EHLO or STARTTLS), and the
    /// last reason.
    pub fn failures(&self) -> (u32, Option<String>) {
        let last = self.last_failure.lock().ok().and_then(|g| g.clone());
        (self.failures.load(Ordering::Relaxed), last)
    }

    fn note_failure(&self, why: String) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut g) = self.last_failure.lock() {
            *g = Some(why);
        }
    }

    /// The end of a TLS exchange started now: the TLS timeout, capped by the deadline.
    pub fn tls_until(&self) -> Instant {
        later(Instant::now(), self.ctx.config.tls_timeout).min(self.deadline)
    }

    /// Opens a connection and replays the SMTP preamble: rate limit, connect, then greeting,
    /// EHLO and STARTTLS (`STARTTLS\r\nNOOP\r\n` when `injection`) in STARTTLS mode; nothing
    /// more for implicit TLS.
    ///
    /// A 421 (to the greeting or EHLO) or a refused connection is retried like the main
    /// connection (`retries`, backoff from `retry_delay`, doubled), within the deadline: mail
    /// servers rate-limit, and a probe that saw a 421 must not read as "not supported".
    pub async fn open_tls_ready_stream(&self, injection: bool) -> Result<Ready, String> {
        let cfg = &self.ctx.config;
        let mut attempt = 0u32;
        loop {
            match self.open_once(injection).await {
                Ok(r) => return Ok(r),
                Err((why, true)) if attempt < cfg.retries => {
                    let factor = 1u32.checked_shl(attempt).unwrap_or(u32::MAX);
                    let backoff = cfg.retry_delay.saturating_mul(factor);
                    if later(Instant::now(), backoff) >= self.deadline {
                        return Err(why);
                    }
                    self.retried.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(backoff).await;
                    attempt += 1;
                }
                Err((why, _)) => return Err(why),
            }
        }
    }

    /// Probe connections retried after a 421 or a refusal.
    pub fn retried(&self) -> u32 {
        self.retried.load(Ordering::Relaxed)
    }

    /// One try of [`Prober::open_tls_ready_stream`]; the error says whether to retry.
    async fn open_once(&self, injection: bool) -> Result<Ready, (String, bool)> {
        let cfg = &self.ctx.config;
        if Instant::now() >= self.deadline {
            return Err(("endpoint deadline reached".to_owned(), false));
        }
        let limit = self.ctx.limiter.acquire(self.addr.ip());
        if tokio::time::timeout_at(self.deadline.into(), limit)
            .await
            .is_err()
        {
            return Err((
                "endpoint deadline reached waiting for the per-IP rate limit".to_owned(),
                false,
            ));
        }
        let permit = match tokio::time::timeout_at(
            self.deadline.into(),
            self.ctx.sockets.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => return Err(("the scan is stopping".to_owned(), false)),
            Err(_) => {
                return Err((
                    "endpoint deadline reached waiting for a socket (open-files limit)".to_owned(),
                    false,
                ))
            }
        };
        let until = later(Instant::now(), cfg.connect_timeout).min(self.deadline);
        let mut stream =
            match tokio::time::timeout_at(until.into(), TcpStream::connect(self.addr)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    let refused = e.kind() == std::io::ErrorKind::ConnectionRefused;
                    return Err((format!("connect: {e}"), refused));
                }
                Err(_) => return Err(("connect timed out".to_owned(), false)),
            };
        let _ = stream.set_nodelay(true);
        if self.mode == TlsMode::Implicit {
            self.count_connection();
            return Ok(Ready {
                stream,
                handover: None,
                _permit: permit,
            });
        }
        let mut session = ClientSession::new(smtp::session_config(&cfg.ehlo_name, injection));
        let r = smtp::drive_with(
            &mut stream,
            &mut session,
            cfg.read_timeout,
            self.deadline,
            false,
        )
        .await;
        match r.end {
            Driven::Ready(h) => {
                self.count_connection();
                Ok(Ready {
                    stream,
                    handover: Some(h),
                    _permit: permit,
                })
            }
            Driven::Done(o) => Err(
                match smtp::verdict(&o, r.io_error.as_deref(), r.by_deadline) {
                    smtp::SessionVerdict::Busy(e) => (e.message, true),
                    smtp::SessionVerdict::Error(e) | smtp::SessionVerdict::Refused(e) => {
                        (e.message, false)
                    }
                    smtp::SessionVerdict::NoTls(n) => {
                        (format!("STARTTLS {:?}", n.outcome()), false)
                    }
                },
            ),
        }
    }

    /// Whether the endpoint deadline has passed.
    pub fn past_deadline(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Runs a plan to its end, one fresh connection per ClientHello. A connection whose
    /// preamble fails is fed to the plan as a closed connection and counted as a failure.
    ///
    /// Returns `false` when the endpoint deadline cut the plan short: a connection that failed
    /// or an answer that did not come because the deadline passed proves nothing about the
    /// server, so it is not fed to the plan (a removal loop would read it as a refusal and drop
    /// the offered suites); the plan stops where it was, and its result is partial.
    pub async fn run_plan<P: Probe>(&self, plan: &mut Plan<P>) -> bool {
        // Allocated at the first connection, not while the plan waits for the rate limit or a
        // socket: a mass scan holds thousands of plans at once.
        let mut buf = Vec::new();
        while let Some(hello) = plan.next_hello() {
            let mut ready = match self.open_tls_ready_stream(false).await {
                Ok(r) => r,
                Err(_) if self.past_deadline() => return false,
                Err(why) => {
                    self.note_failure(why);
                    plan.feed_eof();
                    continue;
                }
            };
            if buf.is_empty() {
                buf = vec![0u8; PROBE_READ_CHUNK];
            }
            let until = self.tls_until();
            let wrote = tokio::time::timeout_at(until.into(), ready.stream.write_all(&hello)).await;
            if !matches!(wrote, Ok(Ok(()))) {
                if self.past_deadline() {
                    return false;
                }
                plan.feed_eof();
                continue;
            }
            loop {
                match tokio::time::timeout_at(until.into(), ready.stream.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => {
                        if plan.feed(buf.get(..n).unwrap_or_default()) {
                            break;
                        }
                    }
                    _ if self.past_deadline() => return false,
                    _ => {
                        plan.feed_eof();
                        break;
                    }
                }
            }
        }
        true
    }

    /// Runs a plan when there is one; `true` unless the deadline cut it short.
    async fn run_opt<P: Probe>(&self, plan: Option<&mut Plan<P>>) -> bool {
        match plan {
            Some(p) => self.run_plan(p).await,
            None => true,
        }
    }
}

/// The STARTTLS injection test (Poddebniak et al.), after a completed handshake on a connection
/// whose STARTTLS was sent as `STARTTLS\r\nNOOP\r\n` in one write (`check` comes from that
/// hand-over): sends [`InjectionCheck::PROBE_COMMAND`] (an unknown verb) inside TLS; the first
/// reply decides, with no timed wait. A 2xx answers the plaintext `NOOP` the server carried
/// across the upgrade (vulnerable); a 4xx/5xx answers our verb (not vulnerable); EOF, or
/// nothing until `until`, is not vulnerable (a vulnerable server answers the `NOOP` before
/// anything else). One round trip on the connection of the modern handshake: no connection of
/// its own.
///
/// [`InjectionCheck::PROBE_COMMAND`]: smtp_codec::InjectionCheck::PROBE_COMMAND
pub async fn injection_inside_tls<S>(
    stream: &mut S,
    driver: &mut RustlsDriver,
    mut check: InjectionCheck,
    until: Instant,
) -> (InjectionResult, String)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if let Err(e) = driver.send_plaintext(check.start_probe()) {
        return (
            InjectionResult::Inconclusive,
            format!("could not send the probe command inside TLS: {e}"),
        );
    }
    if !flush(stream, driver, until).await {
        return (
            InjectionResult::Inconclusive,
            "could not write the probe command inside TLS".to_owned(),
        );
    }
    let mut buf = vec![0u8; PROBE_READ_CHUNK];
    let verdict = loop {
        let plain = driver.take_plaintext(4096);
        if !plain.is_empty() {
            check.feed(&plain);
            let v = check.poll();
            if v != InjectionVerdict::NeedMore {
                break v;
            }
            continue;
        }
        match tokio::time::timeout_at(until.into(), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => driver.feed(buf.get(..n).unwrap_or_default()),
            _ => break check.finish(),
        }
    };
    match verdict {
        InjectionVerdict::Vulnerable { reply } => (
            InjectionResult::Vulnerable,
            format!(
                "the server answered the plaintext NOOP inside TLS: {}",
                smtp::reply_text(&reply)
            ),
        ),
        InjectionVerdict::NotVulnerable { reply: Some(reply) } => (
            InjectionResult::NotVulnerable,
            format!(
                "it answered our probe command first: {}",
                smtp::reply_text(&reply)
            ),
        ),
        InjectionVerdict::NotVulnerable { reply: None } => (
            InjectionResult::NotVulnerable,
            "nothing arrived inside TLS".to_owned(),
        ),
        other => (InjectionResult::Inconclusive, format!("{other:?}")),
    }
}

/// Sends what `driver` has queued, then reads one chunk of `stream` into `driver`, bounded by
/// `until`: `false` on timeout, EOF, a read or write error or a TLS error (the caller gives up),
/// `true` when bytes were fed.
pub(crate) async fn read_tls<S>(
    stream: &mut S,
    driver: &mut RustlsDriver,
    buf: &mut [u8],
    until: Instant,
) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // A deferred Finished (`handshake_deferred`) goes out before we wait for an answer.
    if !flush(stream, driver, until).await {
        return false;
    }
    match tokio::time::timeout_at(until.into(), stream.read(buf)).await {
        Ok(Ok(n)) if n > 0 => {
            driver.feed(buf.get(..n).unwrap_or_default());
            !driver.failed()
        }
        _ => false,
    }
}

/// EHLO inside TLS after STARTTLS (RFC 3207 4.2), on the connection of the modern handshake:
/// the capabilities the server offers only there (`REQUIRETLS`, `AUTH`). One round trip,
/// bounded by `until`; `None` when no 250 came (refused, malformed, closed, timed out).
pub async fn ehlo_inside_tls<S>(
    stream: &mut S,
    driver: &mut RustlsDriver,
    ehlo_name: &str,
    until: Instant,
) -> Option<mxray_schema::record::EhloInfo>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    use smtp_codec::tls_ehlo::{EhloExchange, EhloStep};
    let mut x = EhloExchange::new(ehlo_name, smtp_codec::Limits::default());
    driver.send_plaintext(x.request()).ok()?;
    if !flush(stream, driver, until).await {
        return None;
    }
    let mut buf = vec![0u8; PROBE_READ_CHUNK];
    loop {
        let plain = driver.take_plaintext(READ_CHUNK);
        if !plain.is_empty() {
            x.feed(&plain);
            match x.poll() {
                EhloStep::NeedMore => continue,
                EhloStep::Ehlo(e) => return Some(smtp::ehlo_response_info(250, &e)),
                _ => return None,
            }
        }
        if !read_tls(stream, driver, &mut buf, until).await {
            return None;
        }
    }
}

/// How a handshake loop ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeEnd {
    /// The driver is done (completed or failed; see its result).
    Done,
    /// The time limit passed first.
    Timeout,
    /// A read or write failed (reset ...).
    Io(String),
}

impl HandshakeEnd {
    /// Why a handshake failed, for the record.
    pub fn describe(&self, driver: &RustlsDriver) -> String {
        match self {
            HandshakeEnd::Timeout => "TLS handshake timed out".to_owned(),
            HandshakeEnd::Io(e) => format!("connection error during the TLS handshake: {e}"),
            HandshakeEnd::Done => driver
                .result()
                .error
                .map_or_else(|| "handshake incomplete".to_owned(), |e| e.to_string()),
        }
    }
}

/// Runs a rustls handshake over `stream` until it is done or `until`, and sends the client's
/// last flight.
pub async fn handshake<S>(stream: &mut S, driver: &mut RustlsDriver, until: Instant) -> HandshakeEnd
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let end = handshake_deferred(stream, driver, until).await;
    flush(stream, driver, until).await;
    end
}

/// Runs a rustls handshake over `stream` until it is done or `until`. The client's last flight
/// (its Finished) of a completed handshake stays queued in `driver`: the next write of
/// application data carries it in the same segment (one write and one wake-up of the server
/// fewer per endpoint). [`read_tls`] and [`flush`] send it when nothing is written first. A
/// failed handshake's alert is sent here.
pub async fn handshake_deferred<S>(
    stream: &mut S,
    driver: &mut RustlsDriver,
    until: Instant,
) -> HandshakeEnd
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; READ_CHUNK];
    let mut end = HandshakeEnd::Done;
    while !driver.is_done() {
        let out = driver.take_outgoing();
        if !out.is_empty() {
            match tokio::time::timeout_at(until.into(), stream.write_all(&out)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    end = HandshakeEnd::Io(e.to_string());
                    driver.feed_eof();
                    break;
                }
                Err(_) => return HandshakeEnd::Timeout,
            }
        }
        match tokio::time::timeout_at(until.into(), stream.read(&mut buf)).await {
            Ok(Ok(0)) => driver.feed_eof(),
            Ok(Ok(n)) => driver.feed(buf.get(..n).unwrap_or_default()),
            Ok(Err(e)) => {
                end = HandshakeEnd::Io(e.to_string());
                driver.feed_eof();
            }
            Err(_) => return HandshakeEnd::Timeout,
        }
    }
    if !driver.completed() {
        flush(stream, driver, until).await;
    }
    end
}

/// Sends what `driver` has queued (a deferred Finished, an alert), bounded by `until`; `false`
/// when the write failed or timed out.
pub async fn flush<S>(stream: &mut S, driver: &mut RustlsDriver, until: Instant) -> bool
where
    S: AsyncWrite + Unpin,
{
    let out = driver.take_outgoing();
    out.is_empty()
        || matches!(
            tokio::time::timeout_at(until.into(), stream.write_all(&out)).await,
            Ok(Ok(()))
        )
}

/// Drives an SMTP session inside an established TLS connection (implicit TLS): plaintext goes
/// through `driver`. Same phase limits as [`smtp::drive`].
pub async fn drive_inside_tls<S>(
    stream: &mut S,
    driver: &mut RustlsDriver,
    session: &mut ClientSession,
    read_timeout: Duration,
    deadline: Instant,
) -> Driven
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; READ_CHUNK];
    let phase_end = || later(Instant::now(), read_timeout).min(deadline);
    let mut until = phase_end();
    loop {
        match session.poll() {
            Step::Send(bytes) => {
                until = phase_end();
                let sent =
                    driver.send_plaintext(&bytes).is_ok() && flush(stream, driver, until).await;
                if !sent {
                    session.feed_eof();
                }
            }
            Step::NeedMore => {
                let plain = driver.take_plaintext(READ_CHUNK);
                if !plain.is_empty() {
                    session.feed(&plain);
                    continue;
                }
                match tokio::time::timeout_at(until.into(), stream.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => {
                        driver.feed(buf.get(..n).unwrap_or_default());
                        if driver.failed() {
                            session.feed_eof();
                        }
                    }
                    Ok(_) => session.feed_eof(),
                    Err(_) => session.feed_timeout(),
                }
            }
            Step::ReadyForTls(h) => return Driven::Ready(h),
            Step::Done(o) => return Driven::Done(o),
            _ => return Driven::Done(smtp_codec::Outcome::NoGreeting),
        }
    }
}

/// What the probe plans found.
#[derive(Debug, Clone, Default)]
pub struct ProbeFacts {
    /// Version support (standard and full).
    pub versions: Vec<VersionSupport>,
    /// DH parameters (standard and full).
    pub dh: Option<DhResult>,
    /// Certificates from a legacy hello, when asked for.
    pub legacy_chain: Vec<Vec<u8>>,
    /// `standard`: a legacy version was accepted but no version hello's pick was a DHE suite,
    /// so whether the server accepts DHE, and its prime, were not measured (a server that
    /// orders suites by its own preference may rank DHE below ECDHE; `full` measures it).
    pub dh_undetermined: bool,
    /// Suites per version (full).
    pub suites: Option<SuiteScan>,
    /// Groups (full).
    pub groups: Option<GroupScan>,
    /// TLS 1.2 signature algorithms (full).
    pub sigalgs: Option<Vec<u16>>,
    /// Features (full).
    pub features: Option<Features>,
    /// Fingerprints (full).
    pub fingerprints: Option<Fingerprints>,
    /// Versions whose probe the endpoint deadline cut short (no answer: not determined).
    pub incomplete_versions: Vec<Version>,
    /// The probes the endpoint deadline cut short (`version TLSv1.2`, `suites TLSv1.2`,
    /// `groups`, ...), in a fixed order; empty when every probe ran to its end.
    pub cut: Vec<String>,
}

/// Runs the plans of `profile` (nothing for `quick`). `want_chain`: take the chain from a
/// legacy hello's answer (when the modern handshake got none). `negotiated`: the version and
/// suite the modern handshake (rustls, offering TLS 1.3 and 1.2) negotiated, if it got a
/// ServerHello: TLS 1.3 is then settled without a hello of its own
/// ([`tls_probe::plan::versions::from_handshake`]).
///
/// Connections: one version hello per version not settled by the modern handshake (five when
/// it negotiated a version, six when it did not), each also carrying what else its answer
/// holds: the DH prime (the legacy hellos offer DHE first) and the certificates. `full` adds
/// its enumerations.
pub async fn run_probes(
    prober: &Prober<'_>,
    profile: Profile,
    opts: &HelloOptions,
    want_chain: bool,
    negotiated: Option<(u16, Option<u16>)>,
) -> ProbeFacts {
    let mut facts = ProbeFacts::default();
    if profile == Profile::Quick {
        return facts;
    }
    let known = negotiated
        .map(|(wire, suite)| versions::from_handshake(wire, suite))
        .unwrap_or_default();
    let settled = |v: Version| v == Version::Tls13 && known.iter().any(|k| k.version == v);
    // One connection per version still to ask, all at once (the same hellos as one
    // VersionProbe).
    let mut vplans = Version::ALL
        .map(|v| (!settled(v)).then(|| Plan::new(VersionProbe::for_versions(opts.clone(), &[v]))));
    let [v0, v1, v2, v3, v4, v5] = &mut vplans;
    let done = tokio::join!(
        prober.run_opt(v0.as_mut()),
        prober.run_opt(v1.as_mut()),
        prober.run_opt(v2.as_mut()),
        prober.run_opt(v3.as_mut()),
        prober.run_opt(v4.as_mut()),
        prober.run_opt(v5.as_mut()),
    );
    let asked: Vec<VersionSupport> = vplans.iter().flatten().flat_map(Plan::result).collect();
    let done = [done.0, done.1, done.2, done.3, done.4, done.5];
    let finished: Vec<(Version, bool)> = Version::ALL.into_iter().zip(done).collect();
    let (mut versions, incomplete) = merge_versions(asked, known, &finished);
    for v in &incomplete {
        facts.cut.push(format!("version {}", v.name()));
    }
    facts.incomplete_versions = incomplete;
    if want_chain {
        facts.legacy_chain = newest_chain(&mut versions);
    }
    for v in &mut versions {
        v.certificates = Vec::new();
    }
    facts.versions = versions;
    let supported: Vec<Version> = facts
        .versions
        .iter()
        .filter(|v| v.supported)
        .map(|v| v.version)
        .collect();
    let has = |v: Version| supported.contains(&v);
    // Newest first, TLS 1.2 and older (DHE parameters are sent in clear there).
    let legacy: Vec<Version> = [
        Version::Tls12,
        Version::Tls11,
        Version::Tls10,
        Version::Ssl3,
    ]
    .into_iter()
    .filter(|v| has(*v))
    .collect();
    let full = profile == Profile::Full;
    // The DH prime: `full` asks with DHE-only hellos (with and without FFDHE groups);
    // `standard` takes what its version hellos saw, and says when that settles nothing.
    let folded = versions::dh_of_versions(&facts.versions);
    facts.dh_undetermined = !full && folded.is_none() && !legacy.is_empty();
    if !full {
        let mut seen = DhResult::default();
        seen.without_ffdhe = folded;
        facts.dh = Some(seen);
        return facts;
    }
    // Boxed: the enumerations' plans are large, and only `full` needs them.
    Box::pin(run_full_plans(prober, opts, &supported, &legacy, facts)).await
}

/// The version facts of one endpoint: the answers to the version hellos (`asked`), what the
/// modern handshake settled (`known`, [`versions::from_handshake`]) and which version hellos ran
/// to their end (`finished`). The handshake's evidence stands for a version no hello was sent for,
/// or whose hello did not see it accepted; a version whose hello the deadline cut is not
/// determined (returned apart, left out of the facts) unless the handshake saw it accepted.
/// Oldest version first.
pub fn merge_versions(
    mut asked: Vec<VersionSupport>,
    known: Vec<VersionSupport>,
    finished: &[(Version, bool)],
) -> (Vec<VersionSupport>, Vec<Version>) {
    let incomplete: Vec<Version> = finished
        .iter()
        .filter(|(v, done)| !done && !known.iter().any(|k| k.version == *v && k.supported))
        .map(|(v, _)| *v)
        .collect();
    for k in known {
        match asked.iter_mut().find(|a| a.version == k.version) {
            Some(a) if !a.supported && k.supported => *a = k,
            Some(_) => {}
            None => asked.push(k),
        }
    }
    asked.retain(|a| !incomplete.contains(&a.version));
    asked.sort_by_key(|a| a.version);
    (asked, incomplete)
}

/// The certificates of the newest supported version's answer that has some (moved out).
pub fn newest_chain(versions: &mut [VersionSupport]) -> Vec<Vec<u8>> {
    versions
        .iter_mut()
        .rev()
        .filter(|v| v.supported)
        .map(|v| core::mem::take(&mut v.certificates))
        .find(|c| !c.is_empty())
        .unwrap_or_default()
}

/// The plans `full` adds to the version hellos: DH (DHE-only hellos), suites per version,
/// groups, signature algorithms, features and fingerprints, all side by side.
async fn run_full_plans(
    prober: &Prober<'_>,
    opts: &HelloOptions,
    supported: &[Version],
    legacy: &[Version],
    mut facts: ProbeFacts,
) -> ProbeFacts {
    let has = |v: Version| supported.contains(&v);
    let mut dh = (!legacy.is_empty()).then(|| Plan::new(DhProbe::new(opts.clone(), legacy)));
    // One removal loop per version, run side by side (the connection count is the same as one
    // plan over all versions; the wall time is the longest version's). The version probe's
    // picks are the first answers of each loop.
    let after_versions = SuiteScanConfig::after_version_probe(&facts.versions);
    let mut suite_plans = SCAN_ORDER.map(|v| {
        has(v).then(|| {
            Plan::new(SuiteProbe::new(SuiteScanConfig {
                versions: vec![v],
                hello: opts.clone(),
                ..after_versions.clone()
            }))
        })
    });
    let mut groups_plan = (has(Version::Tls13) || has(Version::Tls12)).then(|| {
        Plan::new(GroupProbe::new(
            opts.clone(),
            has(Version::Tls13),
            has(Version::Tls12),
        ))
    });
    let mut sigalg_plan = has(Version::Tls12).then(|| Plan::new(SigAlgProbe::new(opts.clone())));
    let mut feature_plan =
        (!supported.is_empty()).then(|| Plan::new(FeatureProbe::new(opts.clone(), supported)));
    let mut fp_plan =
        (!supported.is_empty()).then(|| Plan::new(FingerprintProbe::new(opts.clone())));

    let [s0, s1, s2, s3, s4] = &mut suite_plans;
    let done = tokio::join!(
        prober.run_opt(dh.as_mut()),
        prober.run_opt(s0.as_mut()),
        prober.run_opt(s1.as_mut()),
        prober.run_opt(s2.as_mut()),
        prober.run_opt(s3.as_mut()),
        prober.run_opt(s4.as_mut()),
        prober.run_opt(groups_plan.as_mut()),
        prober.run_opt(sigalg_plan.as_mut()),
        prober.run_opt(feature_plan.as_mut()),
        prober.run_opt(fp_plan.as_mut()),
    );
    let suites_done = [done.1, done.2, done.3, done.4, done.5];
    if !done.0 {
        facts.cut.push("dh".to_owned());
    }
    if let Some(p) = dh {
        facts.dh = Some(p.result());
    }
    if suite_plans.iter().any(Option::is_some) {
        let mut scan = SuiteScan::default();
        for ((v, plan), finished) in SCAN_ORDER.iter().zip(&suite_plans).zip(suites_done) {
            let Some(plan) = plan else { continue };
            if finished {
                let result = plan.result();
                if result.stopped.is_some() {
                    // The plan's hello budget ended it: marked incomplete like a cut.
                    facts
                        .cut
                        .push(format!("suites {} (hello budget spent)", v.name()));
                }
                scan.versions.extend(result.versions);
            } else {
                // What the removal loop found before the deadline, marked incomplete.
                facts.cut.push(format!("suites {}", v.name()));
                scan.versions.extend(plan.probe().output_so_far().versions);
            }
        }
        facts.suites = Some(scan);
    }
    // A group or signature list cut short would read as the whole list: leave it out.
    if !done.6 {
        facts.cut.push("groups".to_owned());
        groups_plan = None;
    }
    if !done.7 {
        facts.cut.push("signature algorithms".to_owned());
        sigalg_plan = None;
    }
    if !done.8 {
        facts.cut.push("features".to_owned());
    }
    if !done.9 {
        facts.cut.push("fingerprints".to_owned());
    }
    facts.groups = groups_plan.map(|p| p.result());
    facts.sigalgs = sigalg_plan.map(|p| p.result());
    facts.features = feature_plan.map(|p| p.result());
    facts.fingerprints = fp_plan.and_then(|p| p.result());
    facts
}

/// The record's view of a suite.
pub fn suite_info(id: u16) -> SuiteInfo {
    let Some(s) = Suite::from_id(id) else {
        return SuiteInfo {
            id,
            name: tls_probe::code_point(id),
            kx: "other".to_owned(),
            bits: 0,
            classes: Vec::new(),
        };
    };
    let f = s.flags;
    let name = s.name();
    let kx = s.kx_class().as_str();
    let mut classes = Vec::new();
    for (on, class) in [
        (f.null_cipher, "null"),
        (f.export, "export"),
        (f.rc4, "rc4"),
        (f.block64, "block64"),
        (f.cbc, "cbc"),
        (f.aead, "aead"),
        (f.anonymous, "anonymous"),
        (f.forward_secrecy, "forward_secrecy"),
        (f.tls13, "tls13"),
    ] {
        if on {
            classes.push(class.to_owned());
        }
    }
    SuiteInfo {
        id,
        name: name.to_owned(),
        kx: kx.to_owned(),
        bits: s.info.enc_size,
        classes,
    }
}

pub use tls_probe::{group_name, version_name};

/// The modern handshake as a record section.
pub fn handshake_info(
    r: &tls_probe::driver::HandshakeResult,
    error: Option<String>,
) -> HandshakeInfo {
    HandshakeInfo {
        ok: r.completed,
        version: r.version.map(version_name),
        suite: r.suite.map(suite_info),
        group: r.group.map(group_name),
        alpn: r
            .alpn
            .as_ref()
            .map(|a| String::from_utf8_lossy(a).into_owned()),
        error: if r.completed { None } else { error },
        chain_length: u32::try_from(r.chain.len()).unwrap_or(u32::MAX),
        client_cert_requested: r.client_cert_requested.is_some(),
        ocsp_stapled: r.ocsp_staple_len.is_some_and(|n| n > 0),
    }
}

/// Class name of a DH prime (see `KeyExchangeInfo::dh_class`).
pub fn dh_class(bits: u32, class: DhClass) -> &'static str {
    match class {
        DhClass::Bits512 => "512",
        DhClass::Bits768 => "768",
        DhClass::Bits1024 => "1024",
        DhClass::Ok2048 if bits >= 3072 => "3072_or_more",
        DhClass::Ok2048 => "2048",
        _ => "other",
    }
}

fn preference_name(p: Preference) -> &'static str {
    match p {
        Preference::Server => "server",
        Preference::Client => "client",
        Preference::Mixed => "mixed",
        _ => "unknown",
    }
}

/// Fills `tls` from the probe facts (the handshake and connections are set by the caller).
pub fn fill(
    tls: &mut TlsInfo,
    facts: &ProbeFacts,
    rustls_group: Option<u16>,
    rustls_suite: Option<u16>,
) {
    tls.versions = facts
        .versions
        .iter()
        .map(|v| VersionInfo {
            version: v.version.name().to_owned(),
            supported: v.supported,
            suite: if v.supported {
                v.suite.map(suite_info)
            } else {
                None
            },
            complete: true,
        })
        .collect();
    // Versions the deadline cut short: listed, not determined.
    for v in &facts.incomplete_versions {
        let at = tls
            .versions
            .iter()
            .position(|x| version_rank(&x.version) > version_rank(v.name()))
            .unwrap_or(tls.versions.len());
        tls.versions.insert(
            at,
            VersionInfo {
                version: v.name().to_owned(),
                supported: false,
                suite: None,
                complete: false,
            },
        );
    }
    if let Some(scan) = &facts.suites {
        tls.suites = scan
            .versions
            .iter()
            .filter(|v| v.supported || !v.complete)
            .map(|v| VersionSuitesInfo {
                version: v.version.name().to_owned(),
                preference: if v.complete {
                    preference_name(v.preference).to_owned()
                } else {
                    "unknown".to_owned()
                },
                accepted: v.suites.iter().map(|s| suite_info(s.id)).collect(),
                complete: v.complete,
            })
            .collect();
    }
    let mut kx = KeyExchangeInfo::default();
    if let Some(seen) = facts
        .dh
        .as_ref()
        .and_then(|d| d.without_ffdhe.as_ref().or(d.with_ffdhe.as_ref()))
    {
        kx.dh_bits = Some(seen.prime_bits);
        kx.dh_class = Some(dh_class(seen.prime_bits, seen.class).to_owned());
    }
    kx.dh_undetermined = facts.dh_undetermined;
    let ecdhe_suite = rustls_suite
        .and_then(Suite::from_id)
        .is_some_and(|s| s.flags.tls13 || s.is_ecdhe());
    kx.ecdhe_curve = rustls_group
        .filter(|g| ecdhe_suite && !groups::FFDHE.contains(g))
        .map(group_name)
        .or_else(|| {
            facts.suites.as_ref().and_then(|scan| {
                scan.versions
                    .iter()
                    .flat_map(|v| v.suites.iter())
                    .find_map(|s| match s.key_exchange {
                        Some(KeyExchange::Ecdh { curve }) => Some(group_name(curve)),
                        _ => None,
                    })
            })
        });
    if kx != KeyExchangeInfo::default() {
        tls.key_exchange = Some(kx);
    }
    if let Some(g) = &facts.groups {
        let mut names: Vec<String> = Vec::new();
        for id in g.tls13.iter().chain(g.tls12.iter()) {
            let n = group_name(*id);
            if !names.contains(&n) {
                names.push(n);
            }
        }
        tls.groups = names;
    }
    if let Some(s) = &facts.sigalgs {
        tls.signature_algorithms = s
            .iter()
            .map(|id| sigalgs::name(*id).map_or_else(|| tls_probe::code_point(*id), str::to_owned))
            .collect();
    }
    if let Some(f) = &facts.features {
        tls.features = Some(FeaturesInfo {
            secure_renegotiation: f.secure_renegotiation,
            session_ticket: f.session_ticket,
            ocsp_stapling: f.ocsp_stapling,
            extended_master_secret: f.extended_master_secret,
            encrypt_then_mac: f.encrypt_then_mac,
            heartbeat: f.heartbeat,
            compression: f.compression.map(|c| c != 0),
            fallback_scsv: f.fallback_scsv,
            alpn: f
                .alpn
                .as_ref()
                .map(|a| String::from_utf8_lossy(a).into_owned()),
        });
    }
    if let Some(fp) = &facts.fingerprints {
        tls.fingerprints = Some(FingerprintsInfo {
            ja3s_string: fp.ja3s_string.clone(),
            ja3s: fp.ja3s.clone(),
            ja4s: fp.ja4s.clone(),
        });
    }
}

/// Whether the probes saw the server accept some protocol version (SSLv2 to TLS 1.3).
pub fn any_version_accepted(facts: &ProbeFacts) -> bool {
    facts.versions.iter().any(|v| v.supported)
        || facts
            .suites
            .as_ref()
            .is_some_and(|s| s.versions.iter().any(|v| v.supported))
}

/// The weaknesses derivable from the facts.
///
/// A claim about versions needs a version that was accepted: when the probes saw none (a
/// peer that never speaks TLS, or probes that all failed), `no-tls12-or-later` is not
/// claimed; nor while TLS 1.2 or 1.3 was not determined (probes cut short). A weakness seen is
/// a fact even when probes were cut short.
pub fn weaknesses_of(facts: &ProbeFacts) -> Vec<Weakness> {
    if facts.versions.is_empty() {
        return Vec::new();
    }
    let mut ws = tls_probe::weakness::weaknesses(
        &facts.versions,
        facts.suites.as_ref(),
        facts.dh.as_ref(),
        facts.features.as_ref(),
    );
    if !any_version_accepted(facts)
        || facts
            .incomplete_versions
            .iter()
            .any(|v| matches!(v, Version::Tls12 | Version::Tls13))
    {
        ws.retain(|w| !matches!(w, Weakness::NoTls12OrLater));
    }
    ws
}

/// Position of a version name in [`Version::ALL`] (oldest first); unknown names last.
fn version_rank(name: &str) -> usize {
    Version::ALL
        .iter()
        .position(|v| v.name() == name)
        .unwrap_or(Version::ALL.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A version hello's answer: `supported` or refused, with `certs`.
    fn answer(v: Version, supported: bool, certs: &[&[u8]]) -> VersionSupport {
        let Some(mut a) = versions::from_handshake(0x0303, Some(0x009e)).pop() else {
            panic!("TLS 1.2 entry")
        };
        a.version = v;
        a.supported = supported;
        a.by_handshake = false;
        a.certificates = certs.iter().map(|c| c.to_vec()).collect();
        a
    }

    fn all_finished() -> Vec<(Version, bool)> {
        Version::ALL.into_iter().map(|v| (v, true)).collect()
    }

    fn facts(vs: &[VersionSupport]) -> Vec<(Version, bool, bool)> {
        vs.iter()
            .map(|v| (v.version, v.supported, v.by_handshake))
            .collect()
    }

    #[test]
    fn the_modern_handshake_settles_tls13_and_stands_where_a_hello_saw_nothing() {
        let asked = vec![
            answer(Version::Tls12, false, &[]),
            answer(Version::Ssl2, false, &[]),
            answer(Version::Tls11, true, &[]),
        ];
        let known = versions::from_handshake(0x0303, Some(0xc02f));
        let mut finished = all_finished();
        finished.retain(|(v, _)| *v != Version::Tls13);
        let (vs, cut) = merge_versions(asked, known, &finished);
        assert!(cut.is_empty());
        assert_eq!(
            facts(&vs),
            [
                (Version::Ssl2, false, false),
                (Version::Tls11, true, false),
                // The hello's refusal does not undo the handshake's TLS 1.2.
                (Version::Tls12, true, true),
                (Version::Tls13, false, true),
            ]
        );
        // A hello that saw the version accepted keeps its own answer (its pick, its DH).
        let (vs, _) = merge_versions(
            vec![answer(Version::Tls12, true, &[])],
            versions::from_handshake(0x0303, Some(0xc02f)),
            &all_finished(),
        );
        assert_eq!(
            facts(&vs),
            [(Version::Tls12, true, false), (Version::Tls13, false, true)]
        );
    }

    #[test]
    fn a_version_cut_by_the_deadline_is_not_determined_unless_the_handshake_saw_it() {
        let finished: Vec<(Version, bool)> = Version::ALL
            .into_iter()
            .map(|v| (v, !matches!(v, Version::Tls10 | Version::Tls12)))
            .collect();
        // Cut TLS 1.0 and 1.2; the handshake negotiated TLS 1.2.
        let asked = vec![
            answer(Version::Tls11, false, &[]),
            answer(Version::Tls10, true, &[]),
        ];
        let (vs, cut) = merge_versions(asked, versions::from_handshake(0x0303, None), &finished);
        assert_eq!(cut, [Version::Tls10]);
        assert_eq!(
            facts(&vs),
            [
                (Version::Tls11, false, false),
                (Version::Tls12, true, true),
                (Version::Tls13, false, true),
            ]
        );
        // Without a handshake, both cut versions are undetermined.
        let (vs, cut) = merge_versions(Vec::new(), Vec::new(), &finished);
        assert_eq!(cut, [Version::Tls10, Version::Tls12]);
        assert!(vs.is_empty());
    }

    #[test]
    fn the_legacy_chain_is_the_newest_supported_answer_with_certificates() {
        let mut vs = vec![
            answer(Version::Ssl3, true, &[b"ssl3-leaf"]),
            answer(Version::Tls10, true, &[b"tls10-leaf", b"ca"]),
            answer(Version::Tls11, true, &[]),
            answer(Version::Tls12, false, &[b"refused-but-sent"]),
        ];
        assert_eq!(
            newest_chain(&mut vs),
            [b"tls10-leaf".to_vec(), b"ca".to_vec()]
        );
        // Moved out, not copied.
        assert!(vs[1].certificates.is_empty());
        assert_eq!(newest_chain(&mut vs), [b"ssl3-leaf".to_vec()]);
        assert!(newest_chain(&mut vs).is_empty());
    }

    #[test]
    fn suites_are_classified_for_the_record() {
        let s = suite_info(0xc02f);
        assert_eq!(s.name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert_eq!((s.kx.as_str(), s.bits), ("ecdhe", 128));
        assert!(s.classes.contains(&"aead".to_owned()));
        assert!(s.classes.contains(&"forward_secrecy".to_owned()));
        let s = suite_info(0x0002);
        assert_eq!(s.name, "TLS_RSA_WITH_NULL_SHA");
        assert_eq!(s.kx, "rsa");
        assert!(s.classes.contains(&"null".to_owned()));
        assert_eq!(suite_info(0x0034).kx, "dh_anon");
        assert_eq!(suite_info(0x1301).kx, "tls13");
        assert_eq!(suite_info(0xfefe).name, "0xFEFE");
    }

    #[test]
    fn dh_classes_and_weakness_ids() {
        assert_eq!(dh_class(512, DhClass::of(512)), "512");
        assert_eq!(dh_class(1024, DhClass::of(1024)), "1024");
        assert_eq!(dh_class(2048, DhClass::of(2048)), "2048");
        assert_eq!(dh_class(4096, DhClass::of(4096)), "3072_or_more");
        assert_eq!(dh_class(1536, DhClass::of(1536)), "other");
    }

    /// A rustls server on one end of an in-memory pipe: it completes its handshake, writes
    /// `220 ready` and reports whether the handshake completed.
    fn tls13_server(io: tokio::io::DuplexStream) -> tokio::task::JoinHandle<bool> {
        let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
        let cert = rcgen::CertificateParams::new(vec!["mx.lab.test".to_owned()])
            .and_then(|p| p.self_signed(&key))
            .unwrap_or_else(|e| panic!("{e}"));
        let der = rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(&[&tokio_rustls::rustls::version::TLS13])
        .and_then(|b| {
            b.with_no_client_auth()
                .with_single_cert(vec![cert.der().clone()], der)
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        tokio::spawn(async move {
            let Ok(mut tls) = acceptor.accept(io).await else {
                return false;
            };
            tls.write_all(b"220 ready\r\n").await.is_ok() && tls.flush().await.is_ok()
        })
    }

    /// Our end of a pipe to [`tls13_server`], the server's task, a driver and a time limit.
    fn pipe_to_tls13_server() -> (
        tokio::io::DuplexStream,
        tokio::task::JoinHandle<bool>,
        RustlsDriver,
        Instant,
    ) {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let d = RustlsDriver::new("mx.lab.test", &[]).unwrap_or_else(|e| panic!("{e}"));
        (
            client,
            tls13_server(server),
            d,
            Instant::now() + Duration::from_secs(5),
        )
    }

    #[tokio::test]
    async fn the_deferred_finished_waits_for_the_first_read_or_write() {
        let (mut client, mut server, mut d, until) = pipe_to_tls13_server();
        assert_eq!(
            handshake_deferred(&mut client, &mut d, until).await,
            HandshakeEnd::Done
        );
        assert!(d.completed());
        // The server cannot finish its handshake: our Finished is still queued.
        let early = tokio::time::timeout(Duration::from_millis(200), &mut server).await;
        assert!(early.is_err(), "the Finished went out with the handshake");
        // The first read sends it: the server completes and its greeting arrives.
        let mut buf = vec![0u8; 4096];
        let mut got = Vec::new();
        while got.len() < 11 {
            assert!(read_tls(&mut client, &mut d, &mut buf, until).await);
            got.extend(d.take_plaintext(4096));
        }
        assert_eq!(got, b"220 ready\r\n");
        assert!(matches!(server.await, Ok(true)));
    }

    #[tokio::test]
    async fn handshake_sends_the_finished_itself() {
        let (mut client, server, mut d, until) = pipe_to_tls13_server();
        assert_eq!(
            handshake(&mut client, &mut d, until).await,
            HandshakeEnd::Done
        );
        assert!(d.take_outgoing().is_empty(), "nothing left queued");
        let done = tokio::time::timeout(Duration::from_secs(5), server).await;
        assert!(matches!(done, Ok(Ok(true))), "{done:?}");
    }
}
