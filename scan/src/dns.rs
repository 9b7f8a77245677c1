//! DNS: from a mail domain to its MX endpoints, in preference order.
//!
//! - MX records sorted by preference (stable: equal preferences keep the server's order);
//!   every address (A and AAAA) of every MX host.
//! - No MX (NOERROR, no data): the implicit MX of RFC 5321 section 5.1, the domain's own A/AAAA.
//! - A null MX, `MX 0 .` (RFC 7505): the domain accepts no mail; reported as such, no connection.
//! - Failures keep the response code: `NXDOMAIN`, `SERVFAIL`, `REFUSED`, `timeout`,
//!   `no_addresses` (the name exists but has no A/AAAA). A and AAAA are asked separately; when
//!   neither gives an address and one of them timed out, the failure is `timeout`.
//! - Limits: at most [`MAX_MX_HOSTS`] MX hosts per domain and [`MAX_ADDRESSES_PER_HOST`]
//!   addresses per host.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{LookupIpStrategy, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::{ResolveError, TokioResolver};

/// Most MX hosts followed per domain (the most preferred ones); more are ignored, so a hostile
/// zone cannot make one target fan out without bound.
pub const MAX_MX_HOSTS: usize = 32;

/// Most addresses used per host name (the first IPv4 ones, then IPv6).
pub const MAX_ADDRESSES_PER_HOST: usize = 32;

/// A DNS failure, with the response code when there was one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsFailure {
    /// `NXDOMAIN`, `SERVFAIL`, `REFUSED`, `timeout`, `no_addresses`, `no_records`, `error`, or
    /// the name of another response code.
    pub rcode: String,
    /// Detail.
    pub message: String,
}

/// An MX host and its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxHost {
    /// Host name, without trailing dot.
    pub name: String,
    /// Preference.
    pub preference: u16,
    /// Its addresses (IPv4 first, then IPv6), or why there are none.
    pub addresses: Result<Vec<IpAddr>, DnsFailure>,
}

/// What a mail domain resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainResolution {
    /// MX hosts, most preferred first.
    Mx(Vec<MxHost>),
    /// No MX: the domain's own addresses (implicit MX).
    Implicit(Vec<IpAddr>),
    /// `MX 0 .`: no mail accepted.
    NullMx,
}

/// A resolver, the system's or a given server's.
#[derive(Debug, Clone)]
pub struct Dns {
    resolver: TokioResolver,
    /// The same servers, never the hosts file: PTR names and their forward check must be what
    /// the DNS says, not this machine's /etc/hosts.
    dns_only: TokioResolver,
    /// The server given (`--resolver`), asked directly for PTR names ([`crate::rawdns`]).
    server: Option<SocketAddr>,
    timeout: Duration,
}

/// The resolver could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the DNS resolver: {0} (use --resolver IP:PORT)")]
pub struct DnsSetupError(String);

impl DnsSetupError {
    pub(crate) fn from_text(e: impl std::fmt::Display) -> Self {
        Self(e.to_string())
    }
}

impl Dns {
    /// A resolver using `server` (UDP, TCP on truncation) or, when `None`, the system
    /// configuration (`/etc/resolv.conf`). Each query times out after `timeout`, tried twice.
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Result<Self, DnsSetupError> {
        let mut opts = ResolverOpts::default();
        opts.timeout = timeout;
        opts.attempts = 2;
        opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        let builder = || -> Result<_, DnsSetupError> {
            Ok(match server {
                Some(addr) => {
                    let mut config = ResolverConfig::new();
                    config.add_name_server(NameServerConfig::new(addr, Protocol::Udp));
                    config.add_name_server(NameServerConfig::new(addr, Protocol::Tcp));
                    TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
                }
                None => TokioResolver::builder_tokio().map_err(|e| DnsSetupError(e.to_string()))?,
            })
        };
        let mut dns_opts = opts.clone();
        dns_opts.use_hosts_file = hickory_resolver::config::ResolveHosts::Never;
        Ok(Self {
            resolver: builder()?.with_options(opts).build(),
            dns_only: builder()?.with_options(dns_opts).build(),
            server,
            timeout,
        })
    }

    /// Resolves a mail domain to its MX endpoints.
    pub async fn resolve_domain(&self, domain: &str) -> Result<DomainResolution, DnsFailure> {
        let fqdn = format!("{domain}.");
        match self.resolver.mx_lookup(fqdn.as_str()).await {
            Ok(lookup) => {
                let mut records: Vec<(u16, String)> = lookup
                    .iter()
                    .map(|mx| (mx.preference(), mx.exchange().to_ascii()))
                    .collect();
                if records.is_empty() {
                    return self.implicit(&fqdn).await;
                }
                let is_root = |name: &str| name == "." || name.is_empty();
                if records.iter().all(|(_, n)| is_root(n)) {
                    return Ok(DomainResolution::NullMx);
                }
                // A null MX mixed with real ones is a misconfiguration; scan the real ones.
                records.retain(|(_, n)| !is_root(n));
                records.sort_by_key(|(pref, _)| *pref);
                records.truncate(MAX_MX_HOSTS);
                let mut hosts = Vec::with_capacity(records.len());
                for (preference, name) in records {
                    let addresses = self.resolve_host(&name).await;
                    hosts.push(MxHost {
                        name: name.trim_end_matches('.').to_ascii_lowercase(),
                        preference,
                        addresses,
                    });
                }
                Ok(DomainResolution::Mx(hosts))
            }
            Err(e) if no_data(&e) => self.implicit(&fqdn).await,
            Err(e) => Err(failure(&e, "no_records")),
        }
    }

    async fn implicit(&self, fqdn: &str) -> Result<DomainResolution, DnsFailure> {
        self.resolve_host(fqdn)
            .await
            .map(DomainResolution::Implicit)
    }

    /// Resolves a host name to its addresses, IPv4 first, then IPv6.
    ///
    /// A and AAAA are asked side by side, and their answers are judged together: when neither
    /// gave an address, a timeout of either one makes the failure `timeout` (an unanswered
    /// query says nothing about the name), before any response code of the other.
    pub async fn resolve_host(&self, name: &str) -> Result<Vec<IpAddr>, DnsFailure> {
        let fqdn = if name.ends_with('.') {
            name.to_owned()
        } else {
            format!("{name}.")
        };
        let (v4, v6) = tokio::join!(
            self.resolver.ipv4_lookup(fqdn.as_str()),
            self.resolver.ipv6_lookup(fqdn.as_str())
        );
        let mut addresses: Vec<IpAddr> = Vec::new();
        let mut failures: Vec<DnsFailure> = Vec::new();
        match v4 {
            Ok(l) => addresses.extend(l.iter().map(|a| IpAddr::V4(a.0))),
            Err(e) => failures.push(failure(&e, "no_addresses")),
        }
        match v6 {
            Ok(l) => addresses.extend(l.iter().map(|a| IpAddr::V6(a.0))),
            Err(e) => failures.push(failure(&e, "no_addresses")),
        }
        addresses.truncate(MAX_ADDRESSES_PER_HOST);
        if !addresses.is_empty() {
            return Ok(addresses);
        }
        let worst = failures
            .iter()
            .position(|f| f.rcode == "timeout")
            .or_else(|| failures.iter().position(|f| f.rcode != "no_addresses"));
        match worst.and_then(|i| failures.into_iter().nth(i)) {
            Some(f) => Err(f),
            None => Err(DnsFailure {
                rcode: "no_addresses".into(),
                message: format!("{name} has no A or AAAA record"),
            }),
        }
    }
}

/// Most PTR names read for one address.
pub const MAX_PTR_RECORDS: usize = 16;

impl Dns {
    /// The addresses of `name` from the DNS alone (never the hosts file), A then AAAA; empty
    /// when there is none or the lookup failed.
    pub async fn forward_addresses(&self, name: &str) -> Vec<IpAddr> {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        if let (Some(server), Ok(n)) = (self.server, Name::from_ascii(&fqdn)) {
            let (v4, v6) = tokio::join!(
                crate::rawdns::query(server, &n, RecordType::A, self.timeout),
                crate::rawdns::query(server, &n, RecordType::AAAA, self.timeout)
            );
            let mut out: Vec<IpAddr> = Vec::new();
            for rdata in v4.into_iter().chain(v6).flatten() {
                match rdata {
                    RData::A(a) => out.push(IpAddr::V4(a.0)),
                    RData::AAAA(a) => out.push(IpAddr::V6(a.0)),
                    _ => {}
                }
            }
            out.truncate(MAX_ADDRESSES_PER_HOST);
            return out;
        }
        let (v4, v6) = tokio::join!(
            self.dns_only.ipv4_lookup(fqdn.as_str()),
            self.dns_only.ipv6_lookup(fqdn.as_str())
        );
        let mut out: Vec<IpAddr> = Vec::new();
        if let Ok(l) = v4 {
            out.extend(l.iter().map(|a| IpAddr::V4(a.0)));
        }
        if let Ok(l) = v6 {
            out.extend(l.iter().map(|a| IpAddr::V6(a.0)));
        }
        out.truncate(MAX_ADDRESSES_PER_HOST);
        out
    }

    /// The PTR names of `ip` (lower case, no trailing dot), at most [`MAX_PTR_RECORDS`], from
    /// the DNS alone (never the hosts file).
    pub async fn ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsFailure> {
        if let Some(server) = self.server {
            let names =
                crate::rawdns::query(server, &Name::from(ip), RecordType::PTR, self.timeout)
                    .await
                    .map_err(|rcode| DnsFailure {
                        message: format!("PTR of {ip}: {rcode}"),
                        rcode,
                    })?;
            return Ok(names
                .into_iter()
                .filter_map(|r| match r {
                    RData::PTR(p) => {
                        Some(p.0.to_ascii().trim_end_matches('.').to_ascii_lowercase())
                    }
                    _ => None,
                })
                .take(MAX_PTR_RECORDS)
                .collect());
        }
        match self.dns_only.reverse_lookup(ip).await {
            Ok(lookup) => Ok(lookup
                .iter()
                .take(MAX_PTR_RECORDS)
                .map(|n| n.0.to_ascii().trim_end_matches('.').to_ascii_lowercase())
                .collect()),
            Err(e) => Err(failure(&e, "no_records")),
        }
    }
}

/// Most TXT records read at one name; more are ignored (a hostile zone cannot make one lookup
/// hold more than this many texts of at most [`MAX_TXT_TEXT`] bytes each).
pub const MAX_TXT_RECORDS: usize = 16;

/// Longest TXT text kept (a record's strings joined); longer ones are cut here, and a policy
/// parser then refuses them ([`mail_policy::limits::MAX_TXT_BYTES`] is smaller).
pub const MAX_TXT_TEXT: usize = 8192;

impl Dns {
    /// The TXT records at `name`, each one's strings joined (lossy UTF-8), at most
    /// [`MAX_TXT_RECORDS`]. NXDOMAIN and NOERROR without TXT give an empty list: both mean
    /// "no record" to a policy lookup.
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, DnsFailure> {
        let fqdn = if name.ends_with('.') {
            name.to_owned()
        } else {
            format!("{name}.")
        };
        match self.resolver.txt_lookup(fqdn.as_str()).await {
            Ok(lookup) => Ok(lookup
                .iter()
                .take(MAX_TXT_RECORDS)
                .map(|txt| {
                    let mut bytes = Vec::new();
                    for s in txt.txt_data() {
                        let room = MAX_TXT_TEXT.saturating_sub(bytes.len());
                        bytes.extend_from_slice(s.get(..room.min(s.len())).unwrap_or_default());
                    }
                    String::from_utf8_lossy(&bytes).into_owned()
                })
                .collect()),
            Err(e) if no_data(&e) || nx_domain(&e) => Ok(Vec::new()),
            Err(e) => Err(failure(&e, "no_records")),
        }
    }
}

/// NXDOMAIN (the name does not exist).
fn nx_domain(e: &ResolveError) -> bool {
    matches!(
        e.proto().map(|p| p.kind()),
        Some(ProtoErrorKind::NoRecordsFound {
            response_code: ResponseCode::NXDomain,
            ..
        })
    )
}

/// NOERROR without data (the name exists, not this type).
fn no_data(e: &ResolveError) -> bool {
    matches!(
        e.proto().map(|p| p.kind()),
        Some(ProtoErrorKind::NoRecordsFound {
            response_code: ResponseCode::NoError,
            ..
        })
    )
}

fn failure(e: &ResolveError, nodata: &str) -> DnsFailure {
    let rcode = match e.proto().map(|p| p.kind()) {
        Some(ProtoErrorKind::NoRecordsFound { response_code, .. }) => match *response_code {
            ResponseCode::NXDomain => "NXDOMAIN".to_owned(),
            ResponseCode::NoError => nodata.to_owned(),
            ResponseCode::ServFail => "SERVFAIL".to_owned(),
            ResponseCode::Refused => "REFUSED".to_owned(),
            other => format!("{other:?}").to_ascii_uppercase(),
        },
        Some(ProtoErrorKind::Timeout) => "timeout".to_owned(),
        _ if e.to_string().contains("timed out") => "timeout".to_owned(),
        _ => "error".to_owned(),
    };
    DnsFailure {
        rcode,
        message: e.to_string(),
    }
}
