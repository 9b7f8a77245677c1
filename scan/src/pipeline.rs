//! What is done at one endpoint.
//!
//! [`scan_endpoint`] owns the socket and the clock: rate limiting, connect, greeting, retries with
//! backoff, and every timeout. Once connected, `session` runs the pipeline: the greeting, EHLO
//! and STARTTLS ([`crate::smtp`], `smtp-codec`'s session; for implicit TLS they come inside
//! TLS), the modern rustls handshake on the same connection, the probe plans of the profile over
//! fresh connections ([`crate::tlsprobe`]) and the certificate audit ([`crate::audit`]); the
//! facts then go to [`crate::assemble`], where the findings, status and error are made. It
//! fills `banner`, `ehlo`, `starttls`, `tls`, `certificate` and `findings`. A 421 to the
//! greeting or to EHLO is retried with backoff like a refused connect.
//!
//! Every phase has a timeout, and the whole endpoint has a deadline (`--endpoint-timeout`) that
//! caps every phase's timeout, so the function always returns in bounded time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use smtp_codec::ClientSession;
use tls_probe::driver::RustlsDriver;
use tls_probe::plan::hellos::HelloOptions;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::assemble::{self, TlsFacts};
pub use crate::clock::{later, ms};
pub use crate::context::{PipelineConfig, ScanContext, TlsModeChoice};
use crate::smtp::{self, Driven, SessionVerdict};
use crate::tlsprobe::{self, Prober};
use mxray_schema::record::{
    Attempt, AttemptOutcome, Banner, EndpointRecord, ErrorKind, InjectionResult, MxInfo, Phase,
    Profile, ScanError, StarttlsInfo, StarttlsOutcome, Status, TlsInfo, TlsMode,
};

/// Implicit TLS: how long to wait for the SMTP greeting inside TLS after a completed handshake,
/// in durations of that handshake. A real SMTPS server greets as soon as the handshake is over
/// (one round trip, well within a handshake's duration); a TLS peer that is not an SMTP server
/// (an HTTPS or echo server) says nothing, and must not cost the whole read timeout.
pub const IMPLICIT_GREETING_HANDSHAKES: u32 = 4;

/// Most bytes the future of one endpoint's scan ([`scan_endpoint`]) may take before it is
/// polled. A mass scan holds one per endpoint in flight; the probe plans, which are large,
/// are boxed where they start.
pub const MAX_ENDPOINT_FUTURE: usize = 8 * 1024;

/// Implicit TLS: the shortest wait for the SMTP greeting inside TLS (the handshake over
/// loopback takes a millisecond; a server's own lookups before it greets take longer). A server
/// that delays its greeting beyond [`implicit_greeting_wait`] on purpose (a "greet pause")
/// reads as having no SMTP greeting inside TLS.
pub const IMPLICIT_GREETING_WAIT_MIN: Duration = Duration::from_secs(1);

/// Implicit TLS: the wait for the greeting inside TLS after a handshake that took `handshake`:
/// [`IMPLICIT_GREETING_HANDSHAKES`] handshake durations, at least
/// [`IMPLICIT_GREETING_WAIT_MIN`], at most `limit` (the read timeout capped by the TLS timeout).
///
/// ```
/// use std::time::Duration;
/// use mxray_scan::pipeline::implicit_greeting_wait;
///
/// let limit = Duration::from_secs(10);
/// assert_eq!(implicit_greeting_wait(Duration::from_millis(2), limit), Duration::from_secs(1));
/// assert_eq!(implicit_greeting_wait(Duration::from_millis(600), limit), Duration::from_millis(2400));
/// assert_eq!(implicit_greeting_wait(Duration::from_secs(5), limit), limit);
/// assert_eq!(
///     implicit_greeting_wait(Duration::from_millis(2), Duration::from_millis(500)),
///     Duration::from_millis(500)
/// );
/// ```
pub fn implicit_greeting_wait(handshake: Duration, limit: Duration) -> Duration {
    handshake
        .saturating_mul(IMPLICIT_GREETING_HANDSHAKES)
        .max(IMPLICIT_GREETING_WAIT_MIN)
        .min(limit)
}

/// One endpoint to scan and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The target it came from, as given.
    pub target: String,
    /// The mail domain, when found through MX.
    pub domain: Option<String>,
    /// The MX host, when found through MX.
    pub mx: Option<MxInfo>,
    /// Address and port.
    pub addr: SocketAddr,
    /// Time spent in DNS for the target, when any.
    pub dns_ms: Option<u64>,
}

impl Endpoint {
    /// A fresh record for this endpoint.
    pub fn new_record(&self, profile: Profile) -> EndpointRecord {
        let mut rec = EndpointRecord::new(
            self.target.clone(),
            Some(self.addr.ip()),
            self.addr.port(),
            profile,
        );
        rec.domain.clone_from(&self.domain);
        rec.mx.clone_from(&self.mx);
        rec.timings.dns_ms = self.dns_ms;
        rec
    }
}

/// How one attempt ended.
enum AttemptEnd {
    /// Try again after backoff (421, refused).
    Retry(ScanError, AttemptOutcome),
    /// Done; the record is filled in.
    Done(AttemptOutcome),
}

/// Scans one endpoint; always returns a record, in bounded time.
///
/// When `ctx.abort` turns true (a stop after the grace period), the work in progress is dropped
/// and the record so far is returned with status `interrupted`, its finished attempts kept and
/// the one in flight recorded with outcome `interrupted`.
pub async fn scan_endpoint(ctx: &ScanContext, ep: &Endpoint) -> EndpointRecord {
    let mut rec = ep.new_record(ctx.config.profile);
    let start = Instant::now();
    if let Some(resolver) = &ctx.dane {
        Box::pin(crate::dane_record::lookup_record(resolver, &mut rec)).await;
    }
    let mut current: Option<(Instant, Duration)> = None;
    let interrupted = {
        let work = attempts(ctx, ep, &mut rec, &mut current, start);
        tokio::pin!(work);
        match ctx.abort.clone() {
            None => {
                work.await;
                false
            }
            Some(mut abort) => {
                tokio::select! {
                    () = &mut work => false,
                    _ = abort.wait_for(|a| *a) => true,
                }
            }
        }
    };
    if interrupted {
        if let Some((began, waited)) = current {
            rec.attempts.push(Attempt {
                waited_ms: ms(waited),
                duration_ms: ms(began.elapsed()),
                outcome: AttemptOutcome::Interrupted,
            });
        }
        rec.status = Status::Interrupted;
        rec.error = Some(ScanError::new(
            ErrorKind::Interrupted,
            Phase::Endpoint,
            "stopped by signal before the endpoint finished",
        ));
    }
    if !interrupted {
        crate::dane_record::judge_record(&mut rec, crate::clock::now_unix());
    }
    rec.timings.total_ms = ms(start.elapsed());
    rec
}

/// The attempt loop; `current` holds the start and wait of the attempt in flight.
async fn attempts(
    ctx: &ScanContext,
    ep: &Endpoint,
    rec: &mut EndpointRecord,
    current: &mut Option<(Instant, Duration)>,
    start: Instant,
) {
    let cfg = &ctx.config;
    // Durations come from the command line (capped there); stay panic-free regardless.
    let deadline = later(start, cfg.endpoint_timeout);
    let mut last_error: Option<ScanError> = None;
    for attempt in 0..=cfg.retries {
        let mut waited = Duration::ZERO;
        if attempt > 0 {
            let factor = 1u32.checked_shl(attempt - 1).unwrap_or(u32::MAX);
            let backoff = cfg.retry_delay.saturating_mul(factor);
            if later(Instant::now(), backoff) >= deadline {
                break;
            }
            tokio::time::sleep(backoff).await;
            waited += backoff;
        }
        let limit = ctx.limiter.acquire(ep.addr.ip());
        match tokio::time::timeout_at(deadline.into(), limit).await {
            Ok(w) => waited += w,
            Err(_) => {
                last_error = Some(ScanError::new(
                    ErrorKind::Timeout,
                    Phase::Endpoint,
                    "endpoint deadline reached while waiting for the per-IP rate limit",
                ));
                break;
            }
        }
        let t = Instant::now();
        *current = Some((t, waited));
        let end = attempt_once(ctx, ep, deadline, rec).await;
        *current = None;
        let duration_ms = ms(t.elapsed());
        match end {
            AttemptEnd::Retry(err, outcome) => {
                rec.attempts.push(Attempt {
                    waited_ms: ms(waited),
                    duration_ms,
                    outcome,
                });
                last_error = Some(err);
            }
            AttemptEnd::Done(outcome) => {
                rec.attempts.push(Attempt {
                    waited_ms: ms(waited),
                    duration_ms,
                    outcome,
                });
                last_error = None;
                break;
            }
        }
    }
    if let Some(err) = last_error {
        rec.status = Status::Failed;
        rec.error = Some(err);
    }
}

/// The time left until `deadline`, capped at `cap`; and whether the deadline is the binding one.
fn phase_limit(cap: Duration, deadline: Instant) -> (Duration, bool) {
    let left = deadline.saturating_duration_since(Instant::now());
    if left < cap {
        (left, true)
    } else {
        (cap, false)
    }
}

fn timeout_error(phase: Phase, by_deadline: bool, what: &str) -> ScanError {
    if by_deadline {
        ScanError::new(
            ErrorKind::Timeout,
            Phase::Endpoint,
            format!("endpoint deadline reached during {what}"),
        )
    } else {
        ScanError::new(ErrorKind::Timeout, phase, format!("{what} timed out"))
    }
}

async fn attempt_once(
    ctx: &ScanContext,
    ep: &Endpoint,
    deadline: Instant,
    rec: &mut EndpointRecord,
) -> AttemptEnd {
    let cfg = &ctx.config;
    let addr = ep.addr;
    rec.banner = None;
    rec.timings.banner_ms = None;
    let (limit, by_deadline) = phase_limit(cfg.connect_timeout, deadline);
    let t = Instant::now();
    let connected = tokio::time::timeout(limit, TcpStream::connect(addr)).await;
    rec.timings.connect_ms = Some(ms(t.elapsed()));
    let mut stream = match connected {
        Err(_) => {
            let err = if by_deadline {
                timeout_error(Phase::Connect, true, "connect")
            } else {
                ScanError::new(
                    ErrorKind::ConnectTimeout,
                    Phase::Connect,
                    format!("no answer to connect within {} ms", ms(limit)),
                )
            };
            rec.error = Some(err);
            rec.status = Status::Failed;
            return AttemptEnd::Done(AttemptOutcome::ConnectTimeout);
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return AttemptEnd::Retry(
                ScanError::new(ErrorKind::ConnectRefused, Phase::Connect, e.to_string()),
                AttemptOutcome::ConnectRefused,
            );
        }
        Ok(Err(e)) => {
            rec.error = Some(ScanError::new(
                ErrorKind::ConnectError,
                Phase::Connect,
                e.to_string(),
            ));
            rec.status = Status::Failed;
            return AttemptEnd::Done(AttemptOutcome::ConnectError);
        }
        Ok(Ok(s)) => s,
    };
    // Implicit TLS: the server waits for our ClientHello; the greeting comes inside TLS.
    let starttls = cfg.tls_mode.resolve(addr.port()) != TlsMode::Implicit;
    rec.error = None;
    session(ctx, ep, &mut stream, deadline, rec, starttls).await
}

/// The session on a connected stream: the greeting, EHLO and STARTTLS (`starttls`; else
/// implicit TLS, where they come inside TLS), the modern handshake on this connection, then the
/// probes of the profile over fresh connections, the certificate audit and the findings. Every
/// phase has its time limit, capped by `deadline`.
async fn session(
    ctx: &ScanContext,
    ep: &Endpoint,
    stream: &mut TcpStream,
    deadline: Instant,
    rec: &mut EndpointRecord,
    starttls: bool,
) -> AttemptEnd {
    let cfg = &ctx.config;
    let mode = cfg.tls_mode.resolve(ep.addr.port());
    let prober = Prober::new(ctx, ep.addr, mode, deadline);
    let mut bytes_after_starttls = None;

    // 1. SMTP: the greeting, EHLO and STARTTLS (smtp-codec's session). With `standard` and
    // `full`, STARTTLS goes out as `STARTTLS\r\nNOOP\r\n` for the injection test, which then
    // takes one round trip after the handshake on this same connection.
    let inject = mode == TlsMode::Starttls && cfg.profile != Profile::Quick;
    let mut injection_check = None;
    match starttls {
        true => {
            let t = Instant::now();
            let mut s = ClientSession::new(smtp::session_config(&cfg.ehlo_name, inject));
            let r = smtp::drive(stream, &mut s, cfg.read_timeout, deadline).await;
            let greeted = r.greeting_at.unwrap_or_else(Instant::now);
            rec.timings.banner_ms = Some(ms(greeted.saturating_duration_since(t)));
            if r.greeting_at.is_some()
                && s.transcript()
                    .banner
                    .as_ref()
                    .is_some_and(|b| b.code().is_success())
            {
                rec.timings.smtp_ms = Some(ms(greeted.elapsed()));
            }
            let outcome = match &r.end {
                Driven::Done(o) => Some(o),
                Driven::Ready(_) => None,
            };
            rec.banner = smtp::banner(&r.greeting, s.transcript(), outcome);
            rec.ehlo = smtp::ehlo_info(s.transcript());
            match r.end {
                Driven::Ready(mut h) => {
                    injection_check = h.injection.take();
                    let after = h.plaintext_after_starttls.as_deref();
                    bytes_after_starttls = after.map(<[u8]>::len);
                    rec.starttls = Some(StarttlsInfo {
                        mode: TlsMode::Starttls,
                        outcome: StarttlsOutcome::Ready,
                        reply: Some(smtp::reply_text(&h.starttls_reply)),
                        bytes_after_220: after.map(|b| smtp::lossy_bounded(b, 1024)),
                        injection: None,
                    });
                }
                Driven::Done(o) => match smtp::verdict(&o, r.io_error.as_deref(), r.by_deadline) {
                    SessionVerdict::NoTls(n) => {
                        rec.starttls = Some(StarttlsInfo {
                            mode: TlsMode::Starttls,
                            outcome: n.outcome(),
                            reply: n.reply().map(str::to_owned),
                            bytes_after_220: None,
                            injection: None,
                        });
                        rec.findings = vec![assemble::no_tls_finding(&n)];
                        finish_smtp_findings(cfg, rec, mode);
                        rec.status = Status::Completed;
                        return AttemptEnd::Done(AttemptOutcome::Ok);
                    }
                    SessionVerdict::Busy(e) => {
                        if e.phase == Phase::Banner {
                            // Be polite even to a busy server; its answer does not matter.
                            smtp::quit(stream, phase_limit(cfg.read_timeout, deadline).0).await;
                        }
                        return AttemptEnd::Retry(e, AttemptOutcome::Busy421);
                    }
                    SessionVerdict::Refused(e) => {
                        // The session sent QUIT; wait for its answer.
                        let t = Instant::now();
                        smtp::await_reply(stream, phase_limit(cfg.read_timeout, deadline).0).await;
                        rec.timings.quit_ms = Some(ms(t.elapsed()));
                        rec.error = Some(e);
                        rec.status = Status::Failed;
                        return AttemptEnd::Done(AttemptOutcome::Ok);
                    }
                    SessionVerdict::Error(e) => {
                        let outcome = if e.kind == ErrorKind::Timeout {
                            AttemptOutcome::Timeout
                        } else {
                            AttemptOutcome::Error
                        };
                        rec.error = Some(e);
                        rec.status = Status::Failed;
                        return AttemptEnd::Done(outcome);
                    }
                },
            }
        }
        false => {
            rec.starttls = Some(StarttlsInfo {
                mode: TlsMode::Implicit,
                outcome: StarttlsOutcome::ImplicitTls,
                reply: None,
                bytes_after_220: None,
                injection: None,
            });
        }
    }

    // 2. The modern handshake (rustls) on this connection, capturing the chain.
    let mx_name = ep
        .mx
        .as_ref()
        .map(|m| m.host.clone())
        .filter(|h| h != "." && h.parse::<std::net::IpAddr>().is_err());
    let name = cfg.sni.clone().or(mx_name);
    let server_name = name.clone().unwrap_or_else(|| ep.addr.ip().to_string());
    prober.count_connection();
    let t = Instant::now();
    let mut injection = None;
    let (mut hs, mut hs_error, retry_plain) = match RustlsDriver::new(&server_name, &[]) {
        Ok(mut d) => {
            // The Finished stays queued: the EHLO or the injection probe inside TLS carries it.
            let end = tlsprobe::handshake_deferred(stream, &mut d, prober.tls_until()).await;
            let result = d.result();
            let handshake_time = t.elapsed();
            rec.timings.tls_ms = Some(ms(handshake_time));
            if !starttls && result.completed {
                // Implicit TLS: the greeting and EHLO come inside TLS.
                Box::pin(smtp_inside_tls(
                    cfg,
                    stream,
                    &mut d,
                    handshake_time,
                    deadline,
                    rec,
                ))
                .await;
            }
            let described = end.describe(&d);
            if let Some(check) = injection_check.take() {
                injection = Some(if result.completed {
                    tlsprobe::injection_inside_tls(stream, &mut d, check, prober.tls_until()).await
                } else {
                    (
                        InjectionResult::Inconclusive,
                        format!("handshake failed: {described}"),
                    )
                });
            }
            // EHLO again inside TLS (RFC 3207 4.2), for what is offered only there; not
            // after an injection test that found the server answering out of turn.
            let in_step = !matches!(
                injection,
                Some((
                    InjectionResult::Vulnerable | InjectionResult::Inconclusive,
                    _
                ))
            );
            if starttls && result.completed && in_step && !prober.past_deadline() {
                rec.ehlo_tls =
                    tlsprobe::ehlo_inside_tls(stream, &mut d, &cfg.ehlo_name, prober.tls_until())
                        .await;
            }
            // Nothing went inside TLS (a deadline passed, an injection finding): the Finished
            // still goes out, so the server sees a completed handshake.
            tlsprobe::flush(stream, &mut d, prober.tls_until()).await;
            let retry_plain = inject && !result.completed && end != tlsprobe::HandshakeEnd::Timeout;
            (Some(result), described, retry_plain)
        }
        Err(e) => {
            rec.timings.tls_ms = Some(ms(t.elapsed()));
            (None, e.to_string(), false)
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(200), stream.shutdown()).await;
    // The plaintext-acceptance test, on its own connection (STARTTLS was offered).
    if let Some(rp) = cfg.smtp_checks.plaintext_accept.as_deref() {
        if starttls && !prober.past_deadline() {
            rec.plaintext_mail = Some(
                Box::pin(crate::plaintext::test_plaintext_accept(
                    ctx, ep.addr, rp, deadline,
                ))
                .await,
            );
        }
    }
    if retry_plain && !prober.past_deadline() {
        // The handshake after `STARTTLS\r\nNOOP\r\n` failed at once: a server that reads the
        // pipelined NOOP as TLS must not read as "a current client cannot connect". Ask again
        // with a plain STARTTLS on a fresh connection (only in this case: one more connection).
        if let Ok((result, described)) = Box::pin(plain_handshake(&prober, &server_name)).await {
            if result.completed {
                hs_error = described;
                hs = Some(result);
                if let Some((InjectionResult::Inconclusive, why)) = injection.as_mut() {
                    *why = format!(
                        "the handshake after STARTTLS with a pipelined NOOP failed ({why}), a \
                         plain one succeeded: the server read the NOOP as TLS"
                    );
                }
            }
        }
    }
    let mut tls = TlsInfo {
        handshake: hs
            .as_ref()
            .map(|r| tlsprobe::handshake_info(r, Some(hs_error.clone()))),
        ..TlsInfo::default()
    };
    let handshake_ok = hs.as_ref().is_some_and(|r| r.completed);

    // 3. The probes of the profile, and the injection test, over fresh connections.
    let opts = match &name {
        Some(n) => HelloOptions::with_sni(n.clone()),
        None => HelloOptions::default(),
    };
    let rustls_chain = hs.as_ref().map(|r| r.chain.clone()).unwrap_or_default();
    let t = Instant::now();
    let negotiated = hs.as_ref().and_then(|r| r.version.map(|v| (v, r.suite)));
    // Boxed: the plans of `full` make this future tens of KB, which every endpoint in flight
    // would otherwise carry (see MAX_ENDPOINT_FUTURE); `quick` runs none.
    let facts = if cfg.profile == Profile::Quick {
        tlsprobe::ProbeFacts::default()
    } else {
        let facts = Box::pin(tlsprobe::run_probes(
            &prober,
            cfg.profile,
            &opts,
            rustls_chain.is_empty(),
            negotiated,
        ))
        .await;
        rec.timings.probes_ms = Some(ms(t.elapsed()));
        facts
    };
    if let Some((result, _)) = &injection {
        if let Some(st) = rec.starttls.as_mut() {
            st.injection = Some(*result);
        }
    }

    // 4. Facts, weaknesses, certificate audit; then the findings, status and error.
    tlsprobe::fill(
        &mut tls,
        &facts,
        hs.as_ref().and_then(|r| r.group),
        hs.as_ref().and_then(|r| r.suite),
    );
    let weaknesses = tlsprobe::weaknesses_of(&facts);
    let chain = if rustls_chain.is_empty() {
        &facts.legacy_chain
    } else {
        &rustls_chain
    };
    let audit = (!chain.is_empty()).then(|| {
        let tlsa = crate::dane_record::usable_tlsa(rec);
        if ctx.dane.is_some() {
            rec.captured_chain = Some(chain.clone().into());
        }
        ctx.audits.audit(
            chain,
            name.as_deref(),
            ep.domain.as_deref(),
            &tlsa,
            &cfg.trust,
        )
    });
    tls.connections = prober.connections();
    let (failed, last) = prober.failures();
    tls.failed_connections = failed;
    tls.retried_connections = prober.retried();
    let assembled = assemble::assemble(&TlsFacts {
        starttls: mode == TlsMode::Starttls,
        bytes_after_starttls,
        injection: injection.as_ref().map(|(r, m)| (*r, m.as_str())),
        handshake_ok,
        handshake_error: &hs_error,
        versions_probed: !facts.versions.is_empty(),
        any_version_accepted: tlsprobe::any_version_accepted(&facts),
        learned: handshake_ok || tls.versions.iter().any(|v| v.supported),
        weaknesses: &weaknesses,
        audit: audit.as_deref(),
        failed_connections: failed,
        last_failure: last.as_deref(),
        cut: &facts.cut,
        endpoint_timeout_ms: ms(cfg.endpoint_timeout),
        past_deadline: Instant::now() >= deadline,
    });
    tls.weaknesses = assembled.weaknesses;
    rec.tls = Some(tls);
    rec.certificate = audit;
    rec.findings = assembled.findings;
    finish_smtp_findings(cfg, rec, mode);
    rec.status = assembled.status;
    if assembled.error.is_some() {
        rec.error = assembled.error;
    }
    AttemptEnd::Done(AttemptOutcome::Ok)
}

/// Fills the record's derived SMTP facts (`auth`, `submission`) and adds their findings
/// ([`assemble::smtp_findings`]) to `findings`, worst first.
fn finish_smtp_findings(cfg: &PipelineConfig, rec: &mut EndpointRecord, mode: TlsMode) {
    let kind = cfg.smtp_checks.submission_kind(rec.port, mode);
    assemble::smtp_facts(rec, kind);
    let more = assemble::smtp_findings(rec);
    if !more.is_empty() {
        rec.findings.extend(more);
        assemble::sort(&mut rec.findings);
    }
}

/// The modern handshake on a fresh connection with a plain `STARTTLS` (no pipelined `NOOP`):
/// the result and why it failed, when it did.
async fn plain_handshake(
    prober: &Prober<'_>,
    server_name: &str,
) -> Result<(tls_probe::driver::HandshakeResult, String), String> {
    let mut ready = prober.open_tls_ready_stream(false).await?;
    let mut d = RustlsDriver::new(server_name, &[]).map_err(|e| e.to_string())?;
    let end = tlsprobe::handshake(&mut ready.stream, &mut d, prober.tls_until()).await;
    let _ = tokio::time::timeout(Duration::from_millis(200), ready.stream.shutdown()).await;
    Ok((d.result(), end.describe(&d)))
}

/// Implicit TLS: reads the greeting and runs EHLO inside TLS, recording `banner` and `ehlo`.
/// A peer that sends nothing within [`implicit_greeting_wait`] of the handshake's duration
/// (`handshake`) is not an SMTP server behind TLS; nothing is recorded and the scan goes on.
/// Once the greeting has begun, each phase gets the read timeout (capped by the TLS timeout).
async fn smtp_inside_tls(
    cfg: &PipelineConfig,
    stream: &mut TcpStream,
    driver: &mut RustlsDriver,
    handshake: Duration,
    deadline: Instant,
    rec: &mut EndpointRecord,
) {
    let t = Instant::now();
    let mut s = ClientSession::new(smtp::session_config(&cfg.ehlo_name, false));
    let limit = cfg.read_timeout.min(cfg.tls_timeout);
    let wait = implicit_greeting_wait(handshake, limit);
    let first = first_plaintext(stream, driver, later(t, wait).min(deadline)).await;
    if let Some(bytes) = first {
        s.feed(&bytes);
        let _ = tlsprobe::drive_inside_tls(stream, driver, &mut s, limit, deadline).await;
    }
    rec.timings.smtp_ms = Some(ms(t.elapsed()));
    if let Some(b) = &s.transcript().banner {
        let mut text = b
            .lines()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let sep = if i + 1 == b.lines().len() { ' ' } else { '-' };
                format!("{}{sep}{}\r\n", b.code().get(), String::from_utf8_lossy(l))
            })
            .collect::<String>();
        smtp::truncate_on_char(&mut text, smtp::MAX_GREETING);
        rec.banner = Some(Banner {
            code: Some(b.code().get()),
            text,
            complete: true,
        });
    }
    rec.ehlo = smtp::ehlo_info(s.transcript());
}

/// The first decrypted application bytes of `driver` (the start of an SMTPS greeting), reading
/// `stream` until `until`; `None` on timeout, EOF, a read error or a TLS error.
async fn first_plaintext(
    stream: &mut TcpStream,
    driver: &mut RustlsDriver,
    until: Instant,
) -> Option<Vec<u8>> {
    const CHUNK: usize = 16 * 1024;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let plain = driver.take_plaintext(CHUNK);
        if !plain.is_empty() {
            return Some(plain);
        }
        if !tlsprobe::read_tls(stream, driver, &mut buf, until).await {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{load_store, StoreChoice};
    use crate::ratelimit::RateConfig;

    fn context(profile: Profile) -> ScanContext {
        let Ok(trust) = load_store(&StoreChoice::WebpkiRoots) else {
            panic!("webpki roots")
        };
        let rate = RateConfig {
            rate: 1.0,
            burst: 1.0,
        };
        ScanContext::new(
            PipelineConfig::for_profile(profile, std::sync::Arc::new(trust)),
            rate,
            16,
            16,
        )
    }

    /// The future of one endpoint's scan is what a mass scan holds per endpoint in flight
    /// (thousands at once): the probes of `standard` and `full` are boxed where they start,
    /// so its size stays small in every profile.
    #[test]
    fn the_future_of_one_endpoint_stays_small() {
        let ep = Endpoint {
            target: "127.0.0.1".to_owned(),
            domain: None,
            mx: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 25)),
            dns_ms: None,
        };
        for profile in [Profile::Quick, Profile::Standard, Profile::Full] {
            let ctx = context(profile);
            let fut = scan_endpoint(&ctx, &ep);
            let size = std::mem::size_of_val(&fut);
            eprintln!("{profile:?}: {size} bytes");
            assert!(size <= MAX_ENDPOINT_FUTURE, "{profile:?}: {size} bytes");
        }
    }
}
