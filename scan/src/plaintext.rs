//! The plaintext-acceptance test (`--test-plaintext-accept`): on its own connection to a
//! server that offers STARTTLS, smtp-codec's [`PlaintextAccept`] plan (EHLO, `MAIL FROM`,
//! `RSET`, `QUIT`; never `RCPT` or `DATA`) run without TLS. The per-IP rate limit and the
//! socket budget apply as to every probe connection; every read and write has the read
//! timeout, and the whole test the endpoint deadline.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mxray_schema::record::{PlaintextMailInfo, PlaintextMailOutcome};
use smtp_codec::plaintext_accept::{
    PlaintextAccept, PlaintextConfig, PlaintextOutcome, PlaintextStep,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::clock::later;
use crate::context::ScanContext;
use crate::smtp;

/// The longest reply text kept in the record.
const MAX_REPLY_TEXT: usize = 512;

fn inconclusive(command: &str, detail: impl Into<String>) -> PlaintextMailInfo {
    PlaintextMailInfo {
        outcome: PlaintextMailOutcome::Inconclusive,
        command: command.to_owned(),
        reply: None,
        detail: Some(detail.into()),
    }
}

/// Checks a reverse path for `--plaintext-accept-from` (the address without angle brackets;
/// empty for `<>`): at most 254 printable characters, no space, `<` or `>`.
///
/// ```
/// use mxray_scan::plaintext::check_reverse_path;
/// assert!(check_reverse_path("probe@scanner.example").is_ok());
/// assert!(check_reverse_path("").is_ok());
/// assert!(check_reverse_path("a>\r\nRCPT TO:<b").is_err());
/// ```
pub fn check_reverse_path(rp: &str) -> Result<(), String> {
    let mut pc = PlaintextConfig::new("scanner.invalid");
    pc.reverse_path = rp.to_owned();
    PlaintextAccept::new(pc)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Runs the test against `addr` with `reverse_path` (empty: `MAIL FROM:<>`), within
/// `deadline`. Always returns the record's section; a connection that could not be made is
/// `inconclusive` with the reason.
pub async fn test_plaintext_accept(
    ctx: &ScanContext,
    addr: SocketAddr,
    reverse_path: &str,
    deadline: Instant,
) -> PlaintextMailInfo {
    let cfg = &ctx.config;
    let mut pc = PlaintextConfig::new(cfg.ehlo_name.clone());
    pc.reverse_path = reverse_path.to_owned();
    let plan = match PlaintextAccept::new(pc) {
        Ok(p) => p,
        Err(e) => return inconclusive("MAIL FROM", format!("not run: {e}")),
    };
    let command = String::from_utf8_lossy(&plan.mail_command())
        .trim_end()
        .to_owned();
    if tokio::time::timeout_at(deadline.into(), ctx.limiter.acquire(addr.ip()))
        .await
        .is_err()
    {
        return inconclusive(&command, "endpoint deadline reached before the test");
    }
    let Ok(Ok(_permit)) =
        tokio::time::timeout_at(deadline.into(), ctx.sockets.clone().acquire_owned()).await
    else {
        return inconclusive(&command, "no socket before the endpoint deadline");
    };
    let until = later(Instant::now(), cfg.connect_timeout).min(deadline);
    let mut stream = match tokio::time::timeout_at(until.into(), TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return inconclusive(&command, format!("connect: {e}")),
        Err(_) => return inconclusive(&command, "connect timed out"),
    };
    let outcome = run(&mut stream, plan, cfg.read_timeout, deadline).await;
    let _ = tokio::time::timeout(Duration::from_millis(200), stream.shutdown()).await;
    record(&command, &outcome)
}

/// The record's section for an outcome of the plan.
pub fn record(command: &str, outcome: &PlaintextOutcome) -> PlaintextMailInfo {
    let reply = |r: &smtp_codec::Reply<'_>| {
        let mut t = smtp::reply_text(r);
        smtp::truncate_on_char(&mut t, MAX_REPLY_TEXT);
        t
    };
    match outcome {
        PlaintextOutcome::Accepted { reply: r } => PlaintextMailInfo {
            outcome: PlaintextMailOutcome::Accepted,
            command: command.to_owned(),
            reply: Some(reply(r)),
            detail: None,
        },
        PlaintextOutcome::Refused { reply: r } => PlaintextMailInfo {
            outcome: PlaintextMailOutcome::Refused,
            command: command.to_owned(),
            reply: Some(reply(r)),
            detail: None,
        },
        other => inconclusive(command, other.to_string()),
    }
}

/// Drives the plan over `stream`: each command and its reply within `read_timeout`, all
/// within `deadline`.
pub async fn run<S>(
    stream: &mut S,
    mut plan: PlaintextAccept,
    read_timeout: Duration,
    deadline: Instant,
) -> PlaintextOutcome
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 4096];
    let phase_end = || later(Instant::now(), read_timeout).min(deadline);
    let mut until = phase_end();
    loop {
        match plan.poll() {
            PlaintextStep::Send(bytes) => {
                until = phase_end();
                match tokio::time::timeout_at(until.into(), stream.write_all(&bytes)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => plan.feed_eof(),
                    Err(_) => plan.feed_timeout(),
                }
            }
            PlaintextStep::NeedMore => {
                match tokio::time::timeout_at(until.into(), stream.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => plan.feed(buf.get(..n).unwrap_or_default()),
                    Ok(_) => plan.feed_eof(),
                    Err(_) => plan.feed_timeout(),
                }
            }
            PlaintextStep::Done(o) => return o,
            // Non-exhaustive: a step this driver does not know ends the test.
            _ => {
                plan.feed_eof();
                return plan
                    .outcome()
                    .cloned()
                    .unwrap_or(PlaintextOutcome::Inconclusive {
                        phase: plan.phase(),
                        why: "unknown step".to_owned(),
                    });
            }
        }
    }
}
