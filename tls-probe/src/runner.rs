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
        // The end of the stream ends the loop whatever the driver says, so no driver state can
        // keep it reading a closed stream.
        match stream.read(&mut buf) {
            Ok(0) => {
                driver.feed_eof();
                break;
            }
            Ok(n) => {
                stats.bytes_received += n as u64;
                driver.feed(buf.get(..n).unwrap_or(&[]));
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => {
                driver.feed_eof();
                break;
            }
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::hellos::HelloOptions;
    use crate::plan::versions::VersionProbe;

    /// A stream that answers every hello with a handshake_failure alert, in pieces of `chunk`
    /// bytes, after failing its first read with `first`.
    struct Refuser {
        out: Vec<u8>,
        chunk: usize,
        first: Option<ErrorKind>,
        written: usize,
    }

    impl Read for Refuser {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if let Some(kind) = self.first.take() {
                return Err(kind.into());
            }
            let n = self.chunk.min(self.out.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.out[..n]);
            self.out.drain(..n);
            Ok(n)
        }
    }

    impl Write for Refuser {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.written += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn failed_connects_are_counted_and_fed_as_eof() {
        let mut plan = Plan::new(VersionProbe::new(HelloOptions::default()));
        let stats = run(&mut plan, || -> std::io::Result<Refuser> {
            Err(ErrorKind::ConnectionRefused.into())
        });
        assert_eq!(stats.connections, 0);
        assert!(stats.connect_failures >= 5, "{stats:?}");
        assert_eq!((stats.bytes_sent, stats.bytes_received), (0, 0));
        assert!(plan.result().iter().all(|v| !v.supported));
    }

    #[test]
    fn every_hello_is_sent_and_every_answer_byte_counted() {
        let mut plan = Plan::new(VersionProbe::new(HelloOptions::default()));
        let mut opened = 0u32;
        let stats = run(&mut plan, || {
            opened += 1;
            Ok(Refuser {
                out: vec![21, 3, 3, 0, 2, 2, 40],
                chunk: 3,
                first: Some(ErrorKind::Interrupted),
                written: 0,
            })
        });
        assert_eq!(stats.connections, opened);
        assert_eq!(stats.connect_failures, 0);
        assert_eq!(stats.bytes_received, 7 * u64::from(opened), "{stats:?}");
        assert!(stats.bytes_sent > 100 * u64::from(opened), "{stats:?}");
        assert!(plan
            .result()
            .iter()
            .all(|v| !v.supported && v.alert.is_some()));
    }

    #[test]
    fn a_read_error_other_than_interrupted_ends_the_attempt() {
        let mut plan = Plan::new(VersionProbe::new(HelloOptions::default()));
        let stats = run(&mut plan, || {
            Ok(Refuser {
                out: vec![21, 3, 3, 0, 2, 2, 40],
                chunk: 7,
                first: Some(ErrorKind::TimedOut),
                written: 0,
            })
        });
        assert_eq!(
            stats.bytes_received, 0,
            "the alert after the timeout is never read"
        );
        assert!(plan
            .result()
            .iter()
            .all(|v| !v.supported && v.alert.is_none()));
    }
}
