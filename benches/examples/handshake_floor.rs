//! The floor under `mxray scan --profile quick`: the same connections with nothing but the
//! protocol in them. For each endpoint of a `fleet_server` fleet: connect, read the greeting,
//! `EHLO`, `STARTTLS` (raw bytes, no parser), a rustls handshake (TLS 1.3 or 1.2, with the
//! suites and key-exchange groups of mxray's driver, `tls_probe::driver::crypto_provider`) whose
//! handshake signature is verified with the presented key as mxray does, then close. No
//! record, no certificate audit, no JSON, no rate limiter. benches/fleet.sh (FLOOR=1) runs it
//! beside the quick scan under `/usr/bin/time`, so their ratio says what mxray's own work costs.
//!
//! ```text
//! cargo run --release -p mxray-benches --example handshake_floor -- 127.1.0.0 8192 2600 1000
//! ```
//!
//! Prints one line: `floor: N endpoints, K handshakes, W s`. Every address must be a loopback
//! address; every wait is bounded (10 s per endpoint).
#![forbid(unsafe_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Time limit of one endpoint.
const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(10);
/// Most bytes read before a reply line ends (a fleet greeting is a few dozen).
const MAX_REPLY: usize = 4096;

/// Accepts any certificate (as a scanner must) but checks the handshake signature with it.
#[derive(Debug)]
struct AnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn parse_args() -> Result<(Ipv4Addr, u32, u16, usize), Error> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: handshake_floor BASE COUNT PORT CONCURRENCY (BASE in 127.0.0.0/8)";
    let [base, count, port, conc] = a.as_slice() else {
        return Err(usage.into());
    };
    let base: Ipv4Addr = base.parse()?;
    let count: u32 = count.parse()?;
    let last = u32::from(base)
        .checked_add(count.saturating_sub(1))
        .ok_or(usage)?;
    if !base.is_loopback() || !Ipv4Addr::from(last).is_loopback() || count == 0 {
        return Err(format!("{usage}: the fleet must be inside 127.0.0.0/8").into());
    }
    Ok((base, count, port.parse()?, conc.parse::<usize>()?.max(1)))
}

/// Reads until a reply's last line (`DDD ` at a line start) has ended.
async fn reply(s: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), Error> {
    buf.clear();
    let mut chunk = [0u8; 512];
    loop {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err("closed".into());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        let last_line_done = buf.ends_with(b"\r\n")
            && buf
                .split(|b| *b == b'\n')
                .rev()
                .nth(1)
                .is_some_and(|l| l.get(3) == Some(&b' '));
        if last_line_done {
            return Ok(());
        }
        if buf.len() > MAX_REPLY {
            return Err("reply too long".into());
        }
    }
}

async fn endpoint(addr: SocketAddr, cfg: Arc<ClientConfig>) -> Result<(), Error> {
    let mut s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(512);
    reply(&mut s, &mut buf).await?;
    s.write_all(b"EHLO floor.invalid\r\n").await?;
    reply(&mut s, &mut buf).await?;
    s.write_all(b"STARTTLS\r\n").await?;
    reply(&mut s, &mut buf).await?;
    let name = ServerName::try_from("fleet.lab.test")?;
    let mut conn = ClientConnection::new(cfg, name)?;
    let mut out = Vec::with_capacity(2048);
    let mut inb = vec![0u8; 16 * 1024];
    while conn.is_handshaking() {
        out.clear();
        while conn.wants_write() {
            conn.write_tls(&mut out)?;
        }
        if !out.is_empty() {
            s.write_all(&out).await?;
        }
        if !conn.is_handshaking() {
            break;
        }
        let n = s.read(&mut inb).await?;
        if n == 0 {
            return Err("closed during the handshake".into());
        }
        let mut rd = inb.get(..n).unwrap_or_default();
        while !rd.is_empty() {
            conn.read_tls(&mut rd)?;
            conn.process_new_packets()?;
        }
    }
    out.clear();
    conn.send_close_notify();
    while conn.wants_write() {
        conn.write_tls(&mut out)?;
    }
    let _ = s.write_all(&out).await;
    let _ = s.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (base, count, port, concurrency) = parse_args()?;
    // The driver's cryptography (suites and key-exchange groups), so that the floor and mxray's
    // handshakes differ only by what mxray does around them.
    let provider = Arc::new(tls_probe::driver::crypto_provider());
    let cfg = Arc::new(
        ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
            .with_no_client_auth(),
    );
    let sem = Arc::new(Semaphore::new(concurrency));
    let ok = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let permit = sem.clone().acquire_owned().await?;
        let ip = Ipv4Addr::from(u32::from(base).saturating_add(i));
        let (cfg, ok) = (cfg.clone(), ok.clone());
        tasks.spawn(async move {
            let addr = SocketAddr::new(IpAddr::V4(ip), port);
            if let Ok(Ok(())) = tokio::time::timeout(ENDPOINT_TIMEOUT, endpoint(addr, cfg)).await {
                ok.fetch_add(1, Ordering::Relaxed);
            }
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    println!(
        "floor: {count} endpoints, {} handshakes, {:.2} s",
        ok.load(Ordering::Relaxed),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
