//! A small blocking runner for tests and examples.
//!
//! [`run`] drives a [`Plan`] to completion: for each hello it asks the `connect` closure for a
//! fresh stream (already past any STARTTLS preamble, with read/write timeouts set), sends the
//! hello, and feeds the server's bytes until the attempt is over, the peer closes, or a read
//! times out (treated as the end of the flight). The scanner binary uses its own async I/O.

use std::io::{ErrorKind, Read, Write};

use crate::plan::{Plan, Probe};

/// What a run cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunStats {
    /// TCP connections opened (successful `connect` calls).
    pub connections: u32,
    /// Connections that failed to open (the attempt was fed as EOF).
    pub connect_failures: u32,
    /// Bytes sent and received.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
}

/// Runs `plan` to completion with blocking streams from `connect`.
pub fn run<P, S, F>(plan: &mut Plan<P>, mut connect: F) -> RunStats
where
    P: Probe,
    S: Read + Write,
    F: FnMut() -> std::io::Result<S>,
{
    let mut stats = RunStats::default();
    let mut buf = vec![0u8; 16 * 1024];
    while let Some(hello) = plan.next_hello() {
        let mut stream = match connect() {
            Ok(s) => s,
            Err(_) => {
                stats.connect_failures += 1;
                plan.feed_eof();
                continue;
            }
        };
        stats.connections += 1;
        if stream
            .write_all(&hello)
            .and_then(|()| stream.flush())
            .is_err()
        {
            plan.feed_eof();
            continue;
        }
        stats.bytes_sent += hello.len() as u64;
        loop {
            match stream.read(&mut buf) {
                Ok(0) => {
                    plan.feed_eof();
                    break;
                }
                Ok(n) => {
                    stats.bytes_received += n as u64;
                    if plan.feed(buf.get(..n).unwrap_or(&[])) {
                        break;
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    plan.feed_eof();
                    break;
                }
            }
        }
    }
    stats
}

/// Connects to `addr` with connect/read/write timeouts (a convenience for implicit-TLS targets).
pub fn tcp_connect(
    addr: std::net::SocketAddr,
    timeout: std::time::Duration,
) -> std::io::Result<std::net::TcpStream> {
    let s = std::net::TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    s.set_nodelay(true)?;
    Ok(s)
}

/// Runs a [`crate::driver::RustlsDriver`] handshake over a connected blocking stream.
pub fn run_rustls<S: Read + Write>(
    driver: &mut crate::driver::RustlsDriver,
    stream: &mut S,
) -> RunStats {
    let mut stats = RunStats {
        connections: 1,
        ..RunStats::default()
    };
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let out = driver.take_outgoing();
        if !out.is_empty() {
            if stream
                .write_all(&out)
                .and_then(|()| stream.flush())
                .is_err()
            {
                driver.feed_eof();
                break;
            }
            stats.bytes_sent += out.len() as u64;
        }
        if driver.is_done() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) => driver.feed_eof(),
            Ok(n) => {
                stats.bytes_received += n as u64;
                driver.feed(buf.get(..n).unwrap_or(&[]));
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => driver.feed_eof(),
        }
    }
    // Flush the client Finished of a completed handshake.
    let out = driver.take_outgoing();
    if !out.is_empty() && stream.write_all(&out).is_ok() {
        stats.bytes_sent += out.len() as u64;
    }
    stats
}
