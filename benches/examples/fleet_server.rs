//! A fleet of STARTTLS mail servers in one process, for the fleet throughput bench
//! (`benches/fleet.sh`): one listener on each of COUNT consecutive loopback addresses from BASE,
//! all on PORT, each speaking enough SMTP for a scanner (greeting, EHLO with STARTTLS, HELO,
//! NOOP, RSET, QUIT, STARTTLS) and then TLS 1.2/1.3 with rustls and self-signed ECDSA P-256
//! certificates minted at start (rcgen): CERTS distinct ones (default 1), listener `i` serving
//! certificate `i % CERTS`, so the bench can model a hoster's shared certificate (1) or every
//! endpoint with its own (CERTS = COUNT). After the handshake it answers EHLO, NOOP and QUIT
//! inside TLS, so a scanner's injection check sees a correct server.
//!
//! ```text
//! cargo run --release -p mxray-benches --example fleet_server -- 127.1.0.0 8192 2600 [CERTS]
//! ```
//!
//! It prints one `ready` line on stdout when every listener is bound, and its counters on stderr
//! on SIGUSR1 (so a bench can take them after each scan) and when stopped with SIGINT or SIGTERM. Every address must be a loopback address. Input is
//! bounded: lines of at most 1000 bytes, 30 s per connection.
#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Longest SMTP command line accepted (RFC 5321 4.5.3.1.4: 512; generous).
const MAX_LINE: usize = 1000;
/// Time limit of one connection.
const CONN_TIMEOUT: Duration = Duration::from_secs(30);
/// Most listeners one process opens.
const MAX_COUNT: u32 = 65_536;

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    starttls: AtomicU64,
    handshakes_ok: AtomicU64,
    handshakes_failed: AtomicU64,
    accept_errors: AtomicU64,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

fn usage() -> Error {
    "usage: fleet_server BASE_IPV4 COUNT PORT [CERTS]   (e.g. 127.1.0.0 8192 2600; loopback only)"
        .into()
}

fn parse_args() -> Result<(Ipv4Addr, u32, u16, u32), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (base, count, port, certs) = match args.as_slice() {
        [b, c, p] => (b, c, p, None),
        [b, c, p, n] => (b, c, p, Some(n)),
        _ => return Err(usage()),
    };
    let certs: u32 = match certs {
        Some(n) => n.parse().map_err(|_| usage())?,
        None => 1,
    };
    let base: Ipv4Addr = base.parse().map_err(|_| usage())?;
    let count: u32 = count.parse().map_err(|_| usage())?;
    let port: u16 = port.parse().map_err(|_| usage())?;
    if count == 0 || count > MAX_COUNT {
        return Err(format!("COUNT must be 1..={MAX_COUNT}").into());
    }
    if certs == 0 || certs > count {
        return Err("CERTS must be 1..=COUNT".into());
    }
    let last = u32::from(base)
        .checked_add(count - 1)
        .map(Ipv4Addr::from)
        .ok_or("address range overflows")?;
    if !base.is_loopback() || !last.is_loopback() {
        return Err(format!("{base}..{last} leaves 127.0.0.0/8: loopback only").into());
    }
    Ok((base, count, port, certs))
}

fn tls_config() -> Result<Arc<ServerConfig>, Error> {
    let ck = rcgen::generate_simple_self_signed(vec!["fleet.lab.test".to_owned()])?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![ck.cert.der().clone()], key)?;
    Ok(Arc::new(cfg))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (base, count, port, certs) = parse_args()?;
    let cfgs: Vec<Arc<ServerConfig>> =
        (0..certs).map(|_| tls_config()).collect::<Result<_, _>>()?;
    let counters = Arc::new(Counters::default());
    for i in 0..count {
        let ip = Ipv4Addr::from(u32::from(base).saturating_add(i));
        let listener = TcpListener::bind(SocketAddr::new(IpAddr::V4(ip), port))
            .await
            .map_err(|e| format!("bind {ip}:{port}: {e}"))?;
        let cfg = cfgs
            .get((i % certs) as usize)
            .cloned()
            .ok_or("no certificate")?;
        tokio::spawn(accept_loop(listener, cfg, counters.clone()));
    }
    println!("ready: {count} listeners {base}..+{count} port {port}, {certs} certificate(s)");
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut usr1 = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1())?;
    loop {
        tokio::select! {
            r = tokio::signal::ctrl_c() => { r?; break; }
            _ = term.recv() => break,
            // The counters so far, for a bench that measures one scan at a time.
            _ = usr1.recv() => counters.print(),
        }
    }
    counters.print();
    Ok(())
}

impl Counters {
    /// One line on stderr: `fleet_server: connections=N starttls=N ...`.
    fn print(&self) {
        eprintln!(
            "fleet_server: connections={} starttls={} handshakes_ok={} handshakes_failed={} accept_errors={}",
            self.connections.load(Ordering::Relaxed),
            self.starttls.load(Ordering::Relaxed),
            self.handshakes_ok.load(Ordering::Relaxed),
            self.handshakes_failed.load(Ordering::Relaxed),
            self.accept_errors.load(Ordering::Relaxed),
        );
    }
}

async fn accept_loop(listener: TcpListener, cfg: Arc<ServerConfig>, counters: Arc<Counters>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                counters.connections.fetch_add(1, Ordering::Relaxed);
                let (cfg, counters) = (cfg.clone(), counters.clone());
                tokio::spawn(async move {
                    let _ =
                        tokio::time::timeout(CONN_TIMEOUT, session(stream, cfg, &counters)).await;
                });
            }
            Err(_) => {
                // EMFILE and friends: back off instead of spinning.
                counters.accept_errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// What a command line asks for.
enum Verb {
    Ehlo,
    Helo,
    StartTls,
    Quit,
    Ok,
    Unknown,
}

fn verb(line: &[u8]) -> Verb {
    let word = line
        .split(|b| *b == b' ' || *b == b'\r' || *b == b'\n')
        .next()
        .unwrap_or_default();
    if word.eq_ignore_ascii_case(b"EHLO") {
        Verb::Ehlo
    } else if word.eq_ignore_ascii_case(b"HELO") {
        Verb::Helo
    } else if word.eq_ignore_ascii_case(b"STARTTLS") {
        Verb::StartTls
    } else if word.eq_ignore_ascii_case(b"QUIT") {
        Verb::Quit
    } else if word.eq_ignore_ascii_case(b"NOOP") || word.eq_ignore_ascii_case(b"RSET") {
        Verb::Ok
    } else {
        Verb::Unknown
    }
}

const EHLO_PLAIN: &[u8] = b"250-fleet.lab.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n\
250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n";
const EHLO_TLS: &[u8] =
    b"250-fleet.lab.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";

/// The reply to one line, and whether the session ends after it.
fn reply(v: &Verb, in_tls: bool) -> (&'static [u8], bool) {
    match v {
        Verb::Ehlo if in_tls => (EHLO_TLS, false),
        Verb::Ehlo => (EHLO_PLAIN, false),
        Verb::Helo => (b"250 fleet.lab.test\r\n", false),
        Verb::StartTls if in_tls => (b"554 5.5.1 TLS already active\r\n", false),
        Verb::StartTls => (b"220 2.0.0 Ready to start TLS\r\n", false),
        Verb::Quit => (b"221 2.0.0 Bye\r\n", true),
        Verb::Ok => (b"250 2.0.0 Ok\r\n", false),
        Verb::Unknown => (b"502 5.5.2 Error: command not recognized\r\n", false),
    }
}

/// Takes one complete line (through LF) off the front of `buf`.
fn take_line(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let end = buf.iter().position(|b| *b == b'\n')?;
    Some(buf.drain(..=end).collect())
}

async fn session(mut s: TcpStream, cfg: Arc<ServerConfig>, counters: &Counters) -> io::Result<()> {
    s.set_nodelay(true)?;
    s.write_all(b"220 fleet.lab.test ESMTP mxray-bench\r\n")
        .await?;
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 1024];
    loop {
        while let Some(line) = take_line(&mut buf) {
            let v = verb(&line);
            let (text, end) = reply(&v, false);
            s.write_all(text).await?;
            if end {
                return Ok(());
            }
            if matches!(v, Verb::StartTls) {
                // Whatever the client pipelined after STARTTLS is plaintext: a correct server
                // discards it (CVE-2011-0411 class).
                counters.starttls.fetch_add(1, Ordering::Relaxed);
                return tls(s, cfg, counters).await;
            }
        }
        if buf.len() > MAX_LINE {
            s.write_all(b"500 5.5.0 Line too long\r\n").await?;
            return Ok(());
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

/// Writes everything rustls wants to send.
async fn flush(
    s: &mut TcpStream,
    conn: &mut ServerConnection,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    while conn.wants_write() {
        out.clear();
        conn.write_tls(out)?;
        s.write_all(out).await?;
    }
    Ok(())
}

/// Feeds `n` bytes read from the socket into rustls; false after a TLS error (alert sent).
async fn feed(
    s: &mut TcpStream,
    conn: &mut ServerConnection,
    bytes: &[u8],
    out: &mut Vec<u8>,
) -> io::Result<bool> {
    let mut rd = bytes;
    while !rd.is_empty() {
        conn.read_tls(&mut rd)?;
        if conn.process_new_packets().is_err() {
            let _ = flush(s, conn, out).await;
            return Ok(false);
        }
    }
    Ok(true)
}

async fn tls(mut s: TcpStream, cfg: Arc<ServerConfig>, counters: &Counters) -> io::Result<()> {
    let mut conn = ServerConnection::new(cfg).map_err(io::Error::other)?;
    let mut inbuf = vec![0u8; 8192];
    let mut out = Vec::with_capacity(4096);
    while conn.is_handshaking() {
        flush(&mut s, &mut conn, &mut out).await?;
        if !conn.is_handshaking() {
            break;
        }
        let n = s.read(&mut inbuf).await?;
        if n == 0 {
            counters.handshakes_failed.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        if !feed(
            &mut s,
            &mut conn,
            inbuf.get(..n).unwrap_or_default(),
            &mut out,
        )
        .await?
        {
            counters.handshakes_failed.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    }
    counters.handshakes_ok.fetch_add(1, Ordering::Relaxed);
    flush(&mut s, &mut conn, &mut out).await?;
    let mut lines = Vec::with_capacity(256);
    let mut plain = [0u8; 1024];
    loop {
        loop {
            match conn.reader().read(&mut plain) {
                Ok(0) => return Ok(()), // close_notify
                Ok(n) => lines.extend_from_slice(plain.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        while let Some(line) = take_line(&mut lines) {
            let (text, end) = reply(&verb(&line), true);
            conn.writer().write_all(text)?;
            if end {
                conn.send_close_notify();
                flush(&mut s, &mut conn, &mut out).await?;
                return Ok(());
            }
        }
        if lines.len() > MAX_LINE {
            return Ok(());
        }
        flush(&mut s, &mut conn, &mut out).await?;
        let n = s.read(&mut inbuf).await?;
        if n == 0
            || !feed(
                &mut s,
                &mut conn,
                inbuf.get(..n).unwrap_or_default(),
                &mut out,
            )
            .await?
        {
            return Ok(());
        }
    }
}
