//! A mail domain's transport policies, looked up and fetched: the `_mta-sts.DOMAIN` TXT record,
//! the MTA-STS policy from `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (RFC 8461), and
//! the `_smtp._tls.DOMAIN` TXT record of TLS-RPT (RFC 8460, whose report addresses are never
//! contacted).
//!
//! The fetch follows RFC 8461 section 3.3:
//!
//! - HTTPS only, with a certificate valid for `mta-sts.DOMAIN` under the trust store of the scan
//!   (Mozilla's roots unless `--ca-file` names another; rustls-webpki checks it);
//! - no redirect is followed: a 3xx is an error ([`FetchError::Redirect`]);
//! - HTTP 200 with the media type `text/plain` (parameters such as `charset` allowed);
//! - a body of at most [`FetchConfig::max_bytes`] (64 KiB, the RFC's figure); a
//!   `Content-Length` above it is refused before the body is read, a body that grows past it
//!   is cut there ([`FetchError::TooLarge`]);
//! - response headers of at most [`MAX_HEADER_BYTES`] (hyper's buffer limit);
//! - never to an address of the scan's exclusion list ([`FetchError::Excluded`]);
//! - timeouts on the connect, the TLS handshake, and the whole fetch: a server that sends its
//!   answer a byte at a time, or a body without end, is cut by the deadline
//!   ([`FetchError::Timeout`]).
//!
//! The port is 443, as the RFC says; [`FetchConfig::port`] changes it for labs and tests only.
//! The HTTP client is hyper's HTTP/1.1 client connection over tokio-rustls: no proxy from the
//! environment, no connection pool, no cookie, one request.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use mail_policy::sts::{Policy, PolicyError, StsRecord};
use mail_policy::tlsrpt::TlsRptRecord;
use mxray_schema::policy::{MtaStsInfo, PolicyInfo, PolicyStatus, TlsRptInfo, TxtInfo, TxtStatus};
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::time::{timeout, timeout_at, Instant};

use crate::dns::{Dns, DnsFailure};
use crate::exclude::ExclusionList;

/// The policy port of RFC 8461 (HTTPS).
pub const DEFAULT_POLICY_PORT: u16 = 443;

/// Largest response head read (status line and headers): hyper's read buffer limit.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Most addresses of `mta-sts.DOMAIN` tried.
pub const MAX_POLICY_ADDRESSES: usize = 2;

/// The path of the policy (RFC 8461 section 3.2).
pub const POLICY_PATH: &str = "/.well-known/mta-sts.txt";

/// How policies are fetched.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// HTTPS port: [`DEFAULT_POLICY_PORT`] except in labs and tests.
    pub port: u16,
    /// TCP connect timeout, per address.
    pub connect_timeout: Duration,
    /// TLS handshake timeout.
    pub tls_timeout: Duration,
    /// Deadline of the whole fetch (DNS, connect, handshake, response head and body).
    pub total_timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: usize,
    /// Trust anchors for the policy host's certificate.
    pub roots: Arc<rustls::RootCertStore>,
    /// Addresses never contacted (the scan's exclusion list): a policy host only there is
    /// [`FetchError::Excluded`].
    pub exclude: Arc<ExclusionList>,
}

impl FetchConfig {
    /// Port 443, 10 s connect and handshake timeouts, 30 s for the whole fetch, 64 KiB, and the
    /// anchors of `store` (the scan's trust store).
    pub fn new(store: &cert_audit::TrustStore) -> Self {
        Self {
            port: DEFAULT_POLICY_PORT,
            connect_timeout: Duration::from_secs(10),
            tls_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_bytes: mail_policy::limits::MAX_POLICY_BYTES,
            roots: Arc::new(rustls::RootCertStore {
                roots: store.anchors().to_vec(),
            }),
            exclude: Arc::default(),
        }
    }

    /// The policy URL for `domain` (the port written only when it is not 443).
    pub fn url(&self, domain: &str) -> String {
        if self.port == DEFAULT_POLICY_PORT {
            format!("https://mta-sts.{domain}{POLICY_PATH}")
        } else {
            format!("https://mta-sts.{domain}:{}{POLICY_PATH}", self.port)
        }
    }
}

/// Why a policy could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The policy host has no address.
    #[error("{host}: DNS {rcode}: {message}")]
    Dns {
        /// `mta-sts.DOMAIN`.
        host: String,
        /// The response code (`NXDOMAIN`, `timeout`...).
        rcode: String,
        /// Detail.
        message: String,
    },
    /// Every address of the policy host is on the exclusion list: nothing was sent.
    #[error("{host}: every address is excluded (--exclude): not contacted")]
    Excluded {
        /// `mta-sts.DOMAIN`.
        host: String,
    },
    /// The TCP connection failed.
    #[error("connect to {addr}: {message}")]
    Connect {
        /// Where.
        addr: SocketAddr,
        /// Why.
        message: String,
    },
    /// The TCP connection did not complete in time.
    #[error("connect to {addr}: no answer within {ms} ms")]
    ConnectTimeout {
        /// Where.
        addr: SocketAddr,
        /// The timeout.
        ms: u64,
    },
    /// The certificate is not valid for the policy host under the trust store.
    #[error("certificate of {host} not valid: {reason}")]
    TlsCertificate {
        /// `mta-sts.DOMAIN`.
        host: String,
        /// rustls's reason.
        reason: String,
    },
    /// Another TLS failure (an alert, no common version...).
    #[error("TLS with {host}: {message}")]
    Tls {
        /// `mta-sts.DOMAIN`.
        host: String,
        /// Detail.
        message: String,
    },
    /// The TLS handshake did not complete in time.
    #[error("TLS handshake with {host}: not done within {ms} ms")]
    TlsTimeout {
        /// `mta-sts.DOMAIN`.
        host: String,
        /// The timeout.
        ms: u64,
    },
    /// The server broke HTTP/1.1.
    #[error("HTTP: {0}")]
    Http(String),
    /// The response head is larger than [`MAX_HEADER_BYTES`].
    #[error("response head (status line and headers) larger than {limit} bytes")]
    HeadersTooLarge {
        /// The limit.
        limit: usize,
    },
    /// A redirect: RFC 8461 section 3.3 forbids following it.
    #[error("HTTP {status} redirect{}: RFC 8461 forbids following redirects", .location.as_deref().map(|l| format!(" to {l:?}")).unwrap_or_default())]
    Redirect {
        /// The status (301, 302, 307...).
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// A status other than 200.
    #[error("HTTP status {0}, not 200")]
    Status(u16),
    /// The media type is not `text/plain`.
    #[error("Content-Type {} is not text/plain", .0.as_deref().map(|c| format!("{c:?}")).unwrap_or_else(|| "missing".to_owned()))]
    ContentType(Option<String>),
    /// The body is larger than the limit.
    #[error("policy larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The whole fetch's deadline passed.
    #[error("no complete policy within {ms} ms (cut while reading the {phase})")]
    Timeout {
        /// What was being read.
        phase: Phase,
        /// The deadline.
        ms: u64,
    },
}

impl FetchError {
    /// The stable id written in the record's `policy.error_kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Dns { .. } => "dns",
            FetchError::Excluded { .. } => "excluded",
            FetchError::Connect { .. } => "connect",
            FetchError::ConnectTimeout { .. } => "connect_timeout",
            FetchError::TlsCertificate { .. } => "tls_certificate",
            FetchError::Tls { .. } => "tls",
            FetchError::TlsTimeout { .. } => "tls_timeout",
            FetchError::Http(_) => "http",
            FetchError::HeadersTooLarge { .. } => "headers_too_large",
            FetchError::Redirect { .. } => "redirect",
            FetchError::Status(_) => "http_status",
            FetchError::ContentType(_) => "content_type",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Timeout { .. } => "timeout",
        }
    }
}

/// Where a fetch was when its deadline passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// The address lookup of the policy host.
    Dns,
    /// The TCP connect.
    Connect,
    /// The TLS handshake.
    Tls,
    /// The status line and headers.
    Head,
    /// The body.
    Body,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Dns => "DNS answer",
            Phase::Connect => "TCP connect",
            Phase::Tls => "TLS handshake",
            Phase::Head => "response head",
            Phase::Body => "body",
        })
    }
}

/// What a policy fetch saw, and its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchReport {
    /// The URL.
    pub url: String,
    /// The HTTP status, when a response came.
    pub http_status: Option<u16>,
    /// The Content-Type, when a response came with one.
    pub content_type: Option<String>,
    /// Body bytes read.
    pub bytes: Option<u64>,
    /// The policy, or why there is none.
    pub result: Result<Policy, PolicyFetchError>,
}

/// Why a fetch gave no policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyFetchError {
    /// The fetch failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The body is not a valid policy.
    #[error("{0}")]
    Invalid(#[from] PolicyError),
}

/// Progress of a fetch, kept when its deadline cuts it.
struct Progress {
    phase: Phase,
    http_status: Option<u16>,
    content_type: Option<String>,
    bytes: Option<u64>,
}

/// Fetches and parses the MTA-STS policy of `domain`.
pub async fn fetch_policy(dns: &Dns, domain: &str, cfg: &FetchConfig) -> FetchReport {
    let url = cfg.url(domain);
    let mut p = Progress {
        phase: Phase::Dns,
        http_status: None,
        content_type: None,
        bytes: None,
    };
    let deadline = Instant::now() + cfg.total_timeout;
    let got = timeout_at(deadline, fetch_body(dns, domain, cfg, &mut p)).await;
    let result = match got {
        Ok(Ok(body)) => Policy::parse(&body).map_err(PolicyFetchError::Invalid),
        Ok(Err(e)) => Err(PolicyFetchError::Fetch(e)),
        Err(_) => Err(PolicyFetchError::Fetch(FetchError::Timeout {
            phase: p.phase,
            ms: crate::pipeline::ms(cfg.total_timeout),
        })),
    };
    FetchReport {
        url,
        http_status: p.http_status,
        content_type: p.content_type,
        bytes: p.bytes,
        result,
    }
}

/// Whether a Content-Type is `text/plain` (case-insensitive, parameters ignored).
///
/// ```
/// use mxray_scan::mtasts::is_text_plain;
/// assert!(is_text_plain("text/plain"));
/// assert!(is_text_plain("Text/Plain; charset=utf-8"));
/// assert!(!is_text_plain("text/html"));
/// assert!(!is_text_plain("text/plainx"));
/// ```
pub fn is_text_plain(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/plain"))
}

fn client_config(cfg: &FetchConfig) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut c = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(Arc::clone(&cfg.roots))
        .with_no_client_auth();
    c.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(c)
}

/// Aborts the spawned HTTP connection task when the fetch ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn http_error(e: &hyper::Error) -> FetchError {
    // hyper has no predicate for its "message head is too large" parse error.
    if e.is_parse() && e.to_string().contains("too large") {
        return FetchError::HeadersTooLarge {
            limit: MAX_HEADER_BYTES,
        };
    }
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    FetchError::Http(msg)
}

fn tls_error(e: &std::io::Error, host: &str) -> FetchError {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(c)) => FetchError::TlsCertificate {
            host: host.to_owned(),
            reason: format!("{c:?}"),
        },
        Some(other) => FetchError::Tls {
            host: host.to_owned(),
            message: other.to_string(),
        },
        None => FetchError::Tls {
            host: host.to_owned(),
            message: e.to_string(),
        },
    }
}

async fn fetch_body(
    dns: &Dns,
    domain: &str,
    cfg: &FetchConfig,
    p: &mut Progress,
) -> Result<Vec<u8>, FetchError> {
    let host = format!("mta-sts.{domain}");
    p.phase = Phase::Dns;
    let ips = dns
        .resolve_host(&host)
        .await
        .map_err(|f: DnsFailure| FetchError::Dns {
            host: host.clone(),
            rcode: f.rcode,
            message: f.message,
        })?;
    p.phase = Phase::Connect;
    let allowed: Vec<IpAddr> = ips
        .into_iter()
        .filter(|ip| !cfg.exclude.contains(*ip))
        .collect();
    if allowed.is_empty() {
        return Err(FetchError::Excluded { host });
    }
    let mut tcp = None;
    let mut last = None;
    for ip in allowed.iter().take(MAX_POLICY_ADDRESSES) {
        let addr = SocketAddr::new(*ip, cfg.port);
        match timeout(cfg.connect_timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                tcp = Some(s);
                break;
            }
            Ok(Err(e)) => {
                last = Some(FetchError::Connect {
                    addr,
                    message: e.to_string(),
                })
            }
            Err(_) => {
                last = Some(FetchError::ConnectTimeout {
                    addr,
                    ms: crate::pipeline::ms(cfg.connect_timeout),
                })
            }
        }
    }
    let Some(tcp) = tcp else {
        return Err(last.unwrap_or_else(|| FetchError::Dns {
            host: host.clone(),
            rcode: "no_addresses".to_owned(),
            message: "no address".to_owned(),
        }));
    };

    p.phase = Phase::Tls;
    let tls_err = |message: String| FetchError::Tls {
        host: host.clone(),
        message,
    };
    let name = ServerName::try_from(host.clone()).map_err(|e| tls_err(e.to_string()))?;
    let config = client_config(cfg).map_err(|e| tls_err(e.to_string()))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tls = match timeout(cfg.tls_timeout, connector.connect(name, tcp)).await {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return Err(tls_error(&e, &host)),
        Err(_) => {
            return Err(FetchError::TlsTimeout {
                host,
                ms: crate::pipeline::ms(cfg.tls_timeout),
            })
        }
    };

    p.phase = Phase::Head;
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .max_buf_size(MAX_HEADER_BYTES)
        .handshake::<_, Empty<Bytes>>(TokioIo::new(tls))
        .await
        .map_err(|e| http_error(&e))?;
    let _conn = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let authority = if cfg.port == DEFAULT_POLICY_PORT {
        host.clone()
    } else {
        format!("{host}:{}", cfg.port)
    };
    let req = http::Request::get(POLICY_PATH)
        .header(http::header::HOST, authority)
        .header(
            http::header::USER_AGENT,
            concat!("mxray/", env!("CARGO_PKG_VERSION")),
        )
        .body(Empty::<Bytes>::new())
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let resp = sender.send_request(req).await.map_err(|e| http_error(&e))?;
    let status = resp.status();
    p.http_status = Some(status.as_u16());
    let header = |name: http::header::HeaderName| {
        resp.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    p.content_type = header(http::header::CONTENT_TYPE);
    if status.is_redirection() {
        return Err(FetchError::Redirect {
            status: status.as_u16(),
            location: header(http::header::LOCATION),
        });
    }
    if status != http::StatusCode::OK {
        return Err(FetchError::Status(status.as_u16()));
    }
    if !p.content_type.as_deref().is_some_and(is_text_plain) {
        return Err(FetchError::ContentType(p.content_type.clone()));
    }
    let declared = header(http::header::CONTENT_LENGTH).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > cfg.max_bytes as u64) {
        return Err(FetchError::TooLarge {
            limit: cfg.max_bytes,
        });
    }

    p.phase = Phase::Body;
    let mut body = resp.into_body();
    let mut buf: Vec<u8> = Vec::new();
    p.bytes = Some(0);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| http_error(&e))?;
        if let Ok(data) = frame.into_data() {
            if buf.len().saturating_add(data.len()) > cfg.max_bytes {
                p.bytes = Some(cfg.max_bytes as u64 + 1);
                return Err(FetchError::TooLarge {
                    limit: cfg.max_bytes,
                });
            }
            buf.extend_from_slice(&data);
            p.bytes = Some(buf.len() as u64);
        }
    }
    Ok(buf)
}

/// A policy TXT record lookup: the texts of the right version, and the one that counts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxtLookup<T> {
    /// Exactly one record of the version, parsed.
    Valid {
        /// Its text.
        text: String,
        /// Parsed.
        record: T,
    },
    /// No record of the version.
    Absent,
    /// One record of the version that does not parse.
    Invalid {
        /// Its text.
        text: String,
        /// Why.
        error: String,
    },
    /// Several records of the version.
    Multiple {
        /// How many.
        count: usize,
        /// The first one's text.
        first: String,
    },
    /// The lookup failed.
    DnsError(DnsFailure),
}

/// Chooses the policy record among the TXT texts at a name: texts that do not start with
/// `version` are discarded (RFC 8461 section 3.1, RFC 8460 section 3); exactly one must be
/// left, and it must parse.
///
/// ```
/// use mxray_scan::mtasts::{select_txt, TxtLookup};
/// use mail_policy::sts::StsRecord;
/// let texts = vec!["v=spf1 -all".to_owned(), "v=STSv1; id=1;".to_owned()];
/// assert!(matches!(select_txt(texts, "v=STSv1", StsRecord::parse), TxtLookup::Valid { .. }));
/// let two = vec!["v=STSv1; id=1;".to_owned(), "v=STSv1; id=2;".to_owned()];
/// assert!(matches!(select_txt(two, "v=STSv1", StsRecord::parse), TxtLookup::Multiple { count: 2, .. }));
/// ```
pub fn select_txt<T, E: fmt::Display>(
    texts: Vec<String>,
    version: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> TxtLookup<T> {
    let mut ours: Vec<String> = texts
        .into_iter()
        .filter(|t| t.starts_with(version))
        .collect();
    match ours.len() {
        0 => TxtLookup::Absent,
        1 => {
            let text = ours.pop().unwrap_or_default();
            match parse(&text) {
                Ok(record) => TxtLookup::Valid { text, record },
                Err(e) => TxtLookup::Invalid {
                    text,
                    error: e.to_string(),
                },
            }
        }
        count => TxtLookup::Multiple {
            count,
            first: ours.swap_remove(0),
        },
    }
}

/// Looks up `_mta-sts.DOMAIN`.
pub async fn lookup_sts(dns: &Dns, domain: &str) -> TxtLookup<StsRecord> {
    match dns.txt(&format!("_mta-sts.{domain}")).await {
        Ok(texts) => select_txt(texts, "v=STSv1", StsRecord::parse),
        Err(f) => TxtLookup::DnsError(f),
    }
}

/// Looks up `_smtp._tls.DOMAIN`.
pub async fn lookup_tlsrpt(dns: &Dns, domain: &str) -> TxtLookup<TlsRptRecord> {
    match dns.txt(&format!("_smtp._tls.{domain}")).await {
        Ok(texts) => select_txt(texts, "v=TLSRPTv1", TlsRptRecord::parse),
        Err(f) => TxtLookup::DnsError(f),
    }
}

/// A domain's policies as found: what goes into its records, and the parsed policy the MX
/// checks use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPolicies {
    /// MTA-STS as recorded (without the per-MX check).
    pub mta_sts: MtaStsInfo,
    /// TLS-RPT as recorded.
    pub tls_rpt: TlsRptInfo,
    /// The valid policy, when there is one.
    pub policy: Option<Policy>,
}

/// Looks up both TXT records (side by side) and, when the MTA-STS record is valid, fetches the
/// policy.
pub async fn lookup_domain(dns: &Dns, domain: &str, cfg: &FetchConfig) -> DomainPolicies {
    let (sts, rpt) = tokio::join!(lookup_sts(dns, domain), lookup_tlsrpt(dns, domain));
    let report = match &sts {
        TxtLookup::Valid { .. } => Some(fetch_policy(dns, domain, cfg).await),
        _ => None,
    };
    assemble(&sts, report, &rpt)
}

fn txt_info<T>(l: &TxtLookup<T>) -> TxtInfo {
    let info = |status, text: Option<&String>, error: Option<String>| TxtInfo {
        status,
        text: text.cloned(),
        error,
        rcode: None,
    };
    match l {
        TxtLookup::Valid { text, .. } => info(TxtStatus::Valid, Some(text), None),
        TxtLookup::Absent => info(TxtStatus::Absent, None, None),
        TxtLookup::Invalid { text, error } => {
            info(TxtStatus::Invalid, Some(text), Some(error.clone()))
        }
        TxtLookup::Multiple { count, first } => info(
            TxtStatus::Multiple,
            Some(first),
            Some(format!("{count} records of this version")),
        ),
        TxtLookup::DnsError(f) => TxtInfo {
            status: TxtStatus::DnsError,
            text: None,
            error: Some(f.message.clone()),
            rcode: Some(f.rcode.clone()),
        },
    }
}

/// The record fields from the lookups and the fetch (pure).
pub fn assemble(
    sts: &TxtLookup<StsRecord>,
    report: Option<FetchReport>,
    rpt: &TxtLookup<TlsRptRecord>,
) -> DomainPolicies {
    let mut policy = None;
    let info = report.map(|r| {
        let mut p = PolicyInfo {
            url: r.url,
            status: PolicyStatus::Valid,
            error_kind: None,
            error: None,
            http_status: r.http_status,
            content_type: r.content_type,
            bytes: r.bytes,
            mode: None,
            max_age: None,
            mx: Vec::new(),
        };
        match r.result {
            Ok(pol) => {
                p.mode = Some(pol.mode.as_str().to_owned());
                p.max_age = Some(pol.max_age);
                p.mx = pol.mx.iter().map(ToString::to_string).collect();
                policy = Some(pol);
            }
            Err(PolicyFetchError::Fetch(e)) => {
                p.status = PolicyStatus::FetchError;
                p.error_kind = Some(e.kind().to_owned());
                p.error = Some(e.to_string());
            }
            Err(PolicyFetchError::Invalid(e)) => {
                p.status = PolicyStatus::Invalid;
                p.error = Some(e.to_string());
            }
        }
        p
    });
    let rua = match rpt {
        TxtLookup::Valid { record, .. } => record.rua.iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    };
    DomainPolicies {
        mta_sts: MtaStsInfo {
            txt: txt_info(sts),
            policy: info,
            mx: None,
        },
        tls_rpt: TlsRptInfo {
            txt: txt_info(rpt),
            rua,
        },
        policy,
    }
}
