//! The lab's MTA-STS policy server: HTTPS (rustls, certificates from the lab CA) serving
//! `/.well-known/mta-sts.txt` for the hosts `mta-sts.SCENARIO.ZONE`, one behaviour per
//! scenario, good and hostile ([`SCENARIOS`]). The scenario is chosen by the TLS server name
//! (SNI); an unknown name gets no certificate (the handshake fails).
//!
//! The DNS side (the `_mta-sts`, `_smtp._tls`, `mta-sts.` and MX records of each scenario
//! domain) is `lab/mta-sts/sts.test.zone`, served by the lab's knotd; this server only answers
//! HTTPS. It is deliberately hand-written HTTP/1.1: its point is to misbehave (drip bytes,
//! never end, send a head too large), which no HTTP library offers.
//!
//! Every connection is bounded: the request head is read for at most 10 s and 8 KiB, and the
//! hostile bodies stop after [`HOSTILE_MAX_SECONDS`] or [`HOSTILE_MAX_BYTES`], whichever comes
//! first (a client that keeps reading is still cut).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use std::collections::HashMap;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{timeout, Instant};

use crate::certs::{leaf_chain, Chain, LabCa};
use crate::tls::{handshake, TlsConn};
use crate::LabError;

/// How long a hostile answer (drip, endless body) goes on at most.
pub const HOSTILE_MAX_SECONDS: u64 = 60;
/// How many bytes an endless body sends at most.
pub const HOSTILE_MAX_BYTES: usize = 64 * 1024 * 1024;
/// Connections served at the same time; more wait.
pub const MAX_CONNECTIONS: usize = 64;

/// What the server does for one scenario host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Behaviour {
    /// 200, `text/plain`, this body.
    Policy(&'static str),
    /// 200 with this Content-Type and body.
    ContentType(&'static str, &'static str),
    /// This redirect status to `https://mta-sts.TARGET.ZONE/.well-known/mta-sts.txt`.
    Redirect(u16, &'static str),
    /// This status, no policy.
    Status(u16),
    /// 200 `text/plain` with a body of this many bytes (a valid policy padded with an
    /// extension line), with or without a Content-Length.
    Large {
        /// Body size.
        bytes: usize,
        /// Send a Content-Length header (else: chunked).
        content_length: bool,
    },
    /// 200 `text/plain`, chunked, a body that never ends (until the hostile limits).
    Endless,
    /// The response head a byte at a time, this many milliseconds apart (slowloris).
    SlowHead(u64),
    /// The head at once, then the body a byte at a time, this many milliseconds apart.
    SlowBody(u64),
    /// A response head with one header line of this many bytes.
    HugeHeader(usize),
}

/// A scenario: the label under the zone, the certificate it presents, what it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// `mta-sts.LABEL.ZONE` is its policy host.
    pub label: &'static str,
    /// The certificate: `Good` (lab CA, right name), `WrongName` (lab CA, another name),
    /// `SelfSigned` (right name, no CA).
    pub cert: CertKind,
    /// The answer.
    pub behaviour: Behaviour,
}

/// The certificate a scenario presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertKind {
    /// Issued by the lab CA for the policy host.
    Good,
    /// Issued by the lab CA for `wrong-name.invalid` only.
    WrongName,
    /// Self-signed, for the policy host.
    SelfSigned,
}

const ENFORCE: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmax_age: 86400\r\n";
const ENFORCE_WILDCARD: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: *.sts.test\r\nmax_age: 86400\r\n";
const TESTING: &str = "version: STSv1\r\nmode: testing\r\nmx: mx.sts.test\r\nmax_age: 86400\r\n";
const NONE: &str = "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n";
const MX_MISS: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: mx.elsewhere.test\r\nmx: *.mail.sts.test\r\nmax_age: 86400\r\n";
const MALFORMED: &str = "version: STSv1\r\nmode: enforce\r\nmx mx.sts.test\r\nmax_age: 86400\r\n";
const BAD_MODE: &str = "version: STSv1\r\nmode: enforcing\r\nmx: mx.sts.test\r\nmax_age: 86400\r\n";

/// The scenarios, by the label of their domain under the zone (`LABEL.sts.test`).
pub const SCENARIOS: &[Scenario] = &[
    s("enforce", CertKind::Good, Behaviour::Policy(ENFORCE)),
    s("testing", CertKind::Good, Behaviour::Policy(TESTING)),
    s("none", CertKind::Good, Behaviour::Policy(NONE)),
    s("mxmiss", CertKind::Good, Behaviour::Policy(MX_MISS)),
    s("badmx", CertKind::Good, Behaviour::Policy(ENFORCE_WILDCARD)),
    s(
        "allfail",
        CertKind::Good,
        Behaviour::Policy(ENFORCE_WILDCARD),
    ),
    s("badcert", CertKind::WrongName, Behaviour::Policy(ENFORCE)),
    s(
        "selfsigned",
        CertKind::SelfSigned,
        Behaviour::Policy(ENFORCE),
    ),
    s(
        "redirect",
        CertKind::Good,
        Behaviour::Redirect(301, "enforce"),
    ),
    s("loop", CertKind::Good, Behaviour::Redirect(302, "loop")),
    s("notfound", CertKind::Good, Behaviour::Status(404)),
    s(
        "big",
        CertKind::Good,
        Behaviour::Large {
            bytes: 70_000,
            content_length: true,
        },
    ),
    s(
        "bigchunked",
        CertKind::Good,
        Behaviour::Large {
            bytes: 70_000,
            content_length: false,
        },
    ),
    s("malformed", CertKind::Good, Behaviour::Policy(MALFORMED)),
    s("badmode", CertKind::Good, Behaviour::Policy(BAD_MODE)),
    s(
        "ctype",
        CertKind::Good,
        Behaviour::ContentType("text/html; charset=utf-8", ENFORCE),
    ),
    s("endless", CertKind::Good, Behaviour::Endless),
    s("slowhead", CertKind::Good, Behaviour::SlowHead(500)),
    s("slowbody", CertKind::Good, Behaviour::SlowBody(500)),
    s("hugeheader", CertKind::Good, Behaviour::HugeHeader(100_000)),
    // The TXT record of these is broken or the host missing: their policy host is still
    // served, so that only the DNS side differs.
    s("badtxt", CertKind::Good, Behaviour::Policy(ENFORCE)),
    s("multitxt", CertKind::Good, Behaviour::Policy(ENFORCE)),
    s("split", CertKind::Good, Behaviour::Policy(ENFORCE)),
];

const fn s(label: &'static str, cert: CertKind, behaviour: Behaviour) -> Scenario {
    Scenario {
        label,
        cert,
        behaviour,
    }
}

/// Where and how the policy server runs.
#[derive(Debug, Clone)]
pub struct PolicyServerConfig {
    /// Listen address (port 0: any free port).
    pub listen: SocketAddr,
    /// The zone the scenario domains are under (`sts.test`).
    pub zone: String,
    /// Directory of the lab CA (`lab-ca.pem`, created if missing).
    pub state: PathBuf,
}

/// A policy server running in this process.
pub struct RunningPolicyServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The lab CA certificate (PEM) its certificates chain to.
    pub ca_pem: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl RunningPolicyServer {
    /// Stops accepting connections.
    pub fn stop(self) {
        self.task.abort();
    }
}

fn certified(chain: Chain) -> Result<CertifiedKey, LabError> {
    let provider = rustls::crypto::ring::default_provider();
    let key = provider
        .key_provider
        .load_private_key(chain.key)
        .map_err(|e| LabError::Tls(e.to_string()))?;
    Ok(CertifiedKey::new(chain.certs, key))
}

/// The certificate of each policy host, by SNI, whatever names it carries (rustls's own
/// resolver refuses a certificate that does not match its name, which `badcert` needs).
#[derive(Debug, Default)]
struct BySni(HashMap<String, Arc<CertifiedKey>>);

impl ResolvesServerCert for BySni {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name()?.to_ascii_lowercase();
        self.0.get(&name).cloned()
    }
}

/// Starts the policy server: mints one certificate per scenario host and serves until
/// [`RunningPolicyServer::stop`].
pub async fn start_policy_server(
    cfg: &PolicyServerConfig,
) -> Result<RunningPolicyServer, LabError> {
    let ca = LabCa::load_or_create(&cfg.state)?;
    let mut sni = BySni::default();
    for sc in SCENARIOS {
        let host = format!("mta-sts.{}.{}", sc.label, cfg.zone);
        let chain = match sc.cert {
            CertKind::Good => leaf_chain(&ca, std::slice::from_ref(&host), false)?,
            CertKind::WrongName => leaf_chain(&ca, &["wrong-name.invalid".to_owned()], false)?,
            CertKind::SelfSigned => leaf_chain(&ca, std::slice::from_ref(&host), true)?,
        };
        sni.0.insert(host, Arc::new(certified(chain)?));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| LabError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(sni)),
    );
    let listener = TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| LabError::Bind(cfg.listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| LabError::Bind(cfg.listen, e))?;
    let zone = cfg.zone.clone();
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let task = tokio::spawn(async move {
        loop {
            let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                return;
            };
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let config = Arc::clone(&config);
            let zone = zone.clone();
            tokio::spawn(async move {
                let deadline = Duration::from_secs(HOSTILE_MAX_SECONDS + 15);
                let _ = timeout(deadline, serve(tcp, config, &zone)).await;
                drop(permit);
            });
        }
    });
    Ok(RunningPolicyServer {
        addr,
        ca_pem: ca.pem_path,
        task,
    })
}

/// The scenario of a policy host name.
pub fn scenario_of(host: &str, zone: &str) -> Option<&'static Scenario> {
    let label = host
        .strip_prefix("mta-sts.")?
        .strip_suffix(zone)?
        .strip_suffix('.')?;
    SCENARIOS.iter().find(|s| s.label == label)
}

async fn read_head(conn: &mut TlsConn) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = conn.read(&mut buf).await.ok()?;
            if n == 0 || head.len() > 8192 {
                return None;
            }
            head.extend_from_slice(buf.get(..n)?);
        }
        Some(())
    };
    timeout(Duration::from_secs(10), read).await.ok()??;
    Some(head)
}

async fn serve(tcp: tokio::net::TcpStream, config: Arc<ServerConfig>, zone: &str) {
    let Ok(mut conn) = handshake(tcp, config, &[]).await else {
        return;
    };
    let Some(sc) = conn.sni().and_then(|h| scenario_of(h, zone)) else {
        return conn.close().await;
    };
    let Some(head) = read_head(&mut conn).await else {
        return conn.close().await;
    };
    if !head.starts_with(b"GET /.well-known/mta-sts.txt ") {
        let _ = conn
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
        return conn.close().await;
    }
    let ok = |ctype: &str, body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let stop_at = Instant::now() + Duration::from_secs(HOSTILE_MAX_SECONDS);
    match sc.behaviour {
        Behaviour::Policy(body) => {
            let _ = conn.write_all(ok("text/plain", body).as_bytes()).await;
        }
        Behaviour::ContentType(ctype, body) => {
            let _ = conn.write_all(ok(ctype, body).as_bytes()).await;
        }
        Behaviour::Redirect(status, target) => {
            let r = format!(
                "HTTP/1.1 {status} Moved\r\nLocation: https://mta-sts.{target}.{zone}/.well-known/mta-sts.txt\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = conn.write_all(r.as_bytes()).await;
        }
        Behaviour::Status(status) => {
            let r = format!(
                "HTTP/1.1 {status} Nope\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = conn.write_all(r.as_bytes()).await;
        }
        Behaviour::Large {
            bytes,
            content_length,
        } => {
            let mut body = String::from(ENFORCE);
            body.push_str("padding: ");
            while body.len() < bytes.saturating_sub(2) {
                body.push('x');
            }
            body.push_str("\r\n");
            if content_length {
                let _ = conn.write_all(ok("text/plain", &body).as_bytes()).await;
            } else {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
                let mut out = head.to_owned();
                for chunk in body.as_bytes().chunks(4096) {
                    out.push_str(&format!("{:x}\r\n", chunk.len()));
                    out.push_str(&String::from_utf8_lossy(chunk));
                    out.push_str("\r\n");
                }
                out.push_str("0\r\n\r\n");
                let _ = conn.write_all(out.as_bytes()).await;
            }
        }
        Behaviour::Endless => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            if conn.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let line = "x-endless: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
                .repeat(64);
            let chunk = format!("{:x}\r\n{line}\r\n", line.len());
            let mut sent = 0usize;
            while sent < HOSTILE_MAX_BYTES && Instant::now() < stop_at {
                if conn.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
                sent = sent.saturating_add(chunk.len());
            }
        }
        Behaviour::SlowHead(ms) => {
            let r = ok("text/plain", ENFORCE);
            for b in r.as_bytes() {
                if Instant::now() >= stop_at || conn.write_all(&[*b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
        }
        Behaviour::SlowBody(ms) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                ENFORCE.len()
            );
            if conn.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for b in ENFORCE.as_bytes() {
                if Instant::now() >= stop_at || conn.write_all(&[*b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
        }
        Behaviour::HugeHeader(n) => {
            let r = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Huge: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ENFORCE}",
                "h".repeat(n),
                ENFORCE.len()
            );
            let _ = conn.write_all(r.as_bytes()).await;
        }
    }
    conn.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_names_map_back_and_are_unique() {
        let z = "sts.test";
        for sc in SCENARIOS {
            let host = format!("mta-sts.{}.{z}", sc.label);
            assert_eq!(scenario_of(&host, z).map(|s| s.label), Some(sc.label));
        }
        assert!(scenario_of("mta-sts.unknown.sts.test", z).is_none());
        assert!(scenario_of("enforce.sts.test", z).is_none());
        let mut labels: Vec<&str> = SCENARIOS.iter().map(|s| s.label).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), SCENARIOS.len());
    }

    #[test]
    fn the_good_policies_parse_and_the_broken_ones_do_not() {
        use mail_policy::sts::{Mode, Policy};
        let mode = |b: &str| Policy::parse(b.as_bytes()).map(|p| p.mode);
        assert_eq!(mode(ENFORCE), Ok(Mode::Enforce));
        assert_eq!(mode(ENFORCE_WILDCARD), Ok(Mode::Enforce));
        assert_eq!(mode(TESTING), Ok(Mode::Testing));
        assert_eq!(mode(NONE), Ok(Mode::None));
        assert_eq!(mode(MX_MISS), Ok(Mode::Enforce));
        assert!(mode(MALFORMED).is_err());
        assert!(mode(BAD_MODE).is_err());
    }
}
