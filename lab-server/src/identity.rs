//! Who sent it: the sender's reverse DNS, forward-confirmed (FCrDNS), looked up after each
//! session with `--resolver`, and the provider a session is counted under in `mxray lab summary
//! --by provider` (the registered domain of the confirmed PTR name, else of the EHLO name).
//!
//! Lookups are bounded: [`LOOKUP_TIMEOUT`] per query, at most [`MAX_PTR_NAMES`] PTR names
//! checked, results cached per IP for [`CACHE_TTL`] (at most [`MAX_CACHE`] entries), so a sender
//! retrying every minute costs one lookup.
//!
//! ```
//! use mxray_lab::identity::{provider, SenderIdentity};
//!
//! let confirmed = SenderIdentity {
//!     ptr: Some("mail-wr1-f54.google.com".into()),
//!     forward_confirmed: true,
//!     error: None,
//! };
//! assert_eq!(provider(Some(&confirmed), Some("mail-wr1-f54.google.com"), "192.0.2.1"), "google.com");
//! // Without a confirmed PTR, the EHLO name decides; without either, the address.
//! assert_eq!(provider(None, Some("MX1.Mail.Example.co.uk"), "192.0.2.1"), "example.co.uk");
//! assert_eq!(provider(None, Some("[192.0.2.1]"), "192.0.2.1:4711"), "192.0.2.1");
//! ```

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hickory_resolver::config::{
    NameServerConfig, NameServerConfigGroup, ResolverConfig, ResolverOpts,
};
use hickory_resolver::name_server::{NameServerPool, TokioConnectionProvider};
use hickory_resolver::proto::op::{Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::proto::xfer::{DnsHandle, DnsRequestOptions, Protocol};
use serde::{Deserialize, Serialize};

use super::LabError;

/// Timeout of each DNS query.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// Most PTR names forward-checked per address.
pub const MAX_PTR_NAMES: usize = 4;
/// How long a result is reused for the same address.
pub const CACHE_TTL: Duration = Duration::from_secs(3600);
/// Most addresses cached.
pub const MAX_CACHE: usize = 10_000;

/// `--resolver`: `system` (`/etc/resolv.conf`) or `IP:PORT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolverSpec {
    /// The system's resolver configuration.
    System,
    /// This server (UDP, TCP on truncation).
    At(SocketAddr),
}

impl FromStr for ResolverSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("system") {
            return Ok(ResolverSpec::System);
        }
        super::listen::parse_addr(s)
            .map(|a| {
                // A bare IP means port 53, not 25.
                if s.parse::<SocketAddr>().is_ok() {
                    ResolverSpec::At(a)
                } else {
                    ResolverSpec::At(SocketAddr::new(a.ip(), 53))
                }
            })
            .map_err(|_| format!("expected system or IP[:PORT], got {s:?}"))
    }
}

/// The sender's reverse DNS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderIdentity {
    /// The PTR name (the first forward-confirmed one, else the first), without trailing dot.
    pub ptr: Option<String>,
    /// The PTR name resolves back to the sender's address (A or AAAA).
    pub forward_confirmed: bool,
    /// Why there is no PTR name (`no record`, `NXDomain`, `timeout`, ...).
    pub error: Option<String>,
}

/// Looks up senders' reverse DNS, with a bounded cache.
///
/// Queries go to the name servers directly (hickory's name-server pool), not through the
/// caching resolver, which answers every `127.in-addr.arpa` and `localhost` question itself
/// (RFC 6761): the tests' senders are on loopback addresses standing for public ones, and
/// their PTR records are served by a test zone.
pub struct Identify {
    pool: NameServerPool<TokioConnectionProvider>,
    cache: Mutex<HashMap<IpAddr, (Instant, SenderIdentity)>>,
}

/// The answer of one query: the records' data, or the failure in a word.
async fn query(
    pool: &NameServerPool<TokioConnectionProvider>,
    name: &Name,
    rtype: RecordType,
) -> Result<Vec<RData>, String> {
    let q = Query::query(name.clone(), rtype);
    let mut opts = DnsRequestOptions::default();
    opts.use_edns = true;
    let mut stream = pool.lookup(q, opts);
    match tokio::time::timeout(LOOKUP_TIMEOUT * 2, stream.next()).await {
        Err(_) => Err("timeout".to_owned()),
        Ok(None) => Err("no answer".to_owned()),
        Ok(Some(Err(e))) => {
            let t = e.to_string();
            if t.to_ascii_lowercase().contains("timed out") {
                Err("timeout".to_owned())
            } else if t.contains("no records found") {
                Err("no record".to_owned())
            } else {
                Err(t.chars().take(200).collect())
            }
        }
        Ok(Some(Ok(resp))) => match resp.response_code() {
            ResponseCode::NoError => Ok(resp
                .answers()
                .iter()
                .filter(|r| r.record_type() == rtype)
                .map(|r| r.data().clone())
                .collect()),
            code => Err(code.to_string()),
        },
    }
}

impl Identify {
    /// Name servers per `spec` (`system`: those of `/etc/resolv.conf`).
    pub fn new(spec: &ResolverSpec) -> Result<Identify, LabError> {
        let mut opts = ResolverOpts::default();
        opts.timeout = LOOKUP_TIMEOUT;
        opts.attempts = 2;
        let servers: NameServerConfigGroup = match spec {
            ResolverSpec::At(addr) => vec![
                NameServerConfig::new(*addr, Protocol::Udp),
                NameServerConfig::new(*addr, Protocol::Tcp),
            ]
            .into(),
            ResolverSpec::System => {
                let (config, _): (ResolverConfig, _) =
                    hickory_resolver::system_conf::read_system_conf().map_err(|e| {
                        LabError::Usage(format!("cannot read the system resolver: {e}"))
                    })?;
                config.name_servers().to_vec().into()
            }
        };
        Ok(Identify {
            pool: NameServerPool::from_config(servers, opts, TokioConnectionProvider::default()),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The reverse DNS of `ip`, forward-confirmed; cached.
    pub async fn identify(&self, ip: IpAddr) -> SenderIdentity {
        let now = Instant::now();
        if let Ok(c) = self.cache.lock() {
            if let Some((t, id)) = c.get(&ip) {
                if now.saturating_duration_since(*t) < CACHE_TTL {
                    return id.clone();
                }
            }
        }
        let id = self.lookup(ip).await;
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= MAX_CACHE {
                c.retain(|_, (t, _)| now.saturating_duration_since(*t) < CACHE_TTL);
                if c.len() >= MAX_CACHE {
                    c.clear();
                }
            }
            c.insert(ip, (now, id.clone()));
        }
        id
    }

    async fn lookup(&self, ip: IpAddr) -> SenderIdentity {
        let fail = |e: String| SenderIdentity {
            error: Some(e),
            ..SenderIdentity::default()
        };
        let rev = Name::from(ip);
        let names: Vec<String> = match query(&self.pool, &rev, RecordType::PTR).await {
            Err(e) => return fail(e),
            Ok(data) => data
                .iter()
                .filter_map(|d| match d {
                    RData::PTR(p) => {
                        Some(p.0.to_ascii().trim_end_matches('.').to_ascii_lowercase())
                    }
                    _ => None,
                })
                .take(MAX_PTR_NAMES)
                .collect(),
        };
        let Some(first) = names.first().cloned() else {
            return fail("no record".to_owned());
        };
        let rtype = if ip.is_ipv4() {
            RecordType::A
        } else {
            RecordType::AAAA
        };
        for name in &names {
            let Ok(fqdn) = Name::from_ascii(format!("{name}.")) else {
                continue;
            };
            if let Ok(data) = query(&self.pool, &fqdn, rtype).await {
                let back = data.iter().any(|d| match d {
                    RData::A(a) => IpAddr::from(a.0) == ip,
                    RData::AAAA(a) => IpAddr::from(a.0) == ip,
                    _ => false,
                });
                if back {
                    return SenderIdentity {
                        ptr: Some(name.clone()),
                        forward_confirmed: true,
                        error: None,
                    };
                }
            }
        }
        SenderIdentity {
            ptr: Some(first),
            forward_confirmed: false,
            error: None,
        }
    }
}

/// The registered domain (public-suffix list) of a DNS name, or `None` when it is not one.
pub fn registered_domain(name: &str) -> Option<String> {
    let n = super::listen::dns_name(name).ok()?;
    psl::domain_str(&n).map(str::to_owned)
}

/// The provider a session is counted under: the registered domain of the forward-confirmed
/// PTR name, else of the EHLO name, else the client's IP (`client` may carry a port).
pub fn provider(sender: Option<&SenderIdentity>, ehlo: Option<&str>, client: &str) -> String {
    if let Some(d) = sender
        .filter(|s| s.forward_confirmed)
        .and_then(|s| s.ptr.as_deref())
        .and_then(registered_domain)
    {
        return d;
    }
    if let Some(d) = ehlo.and_then(registered_domain) {
        return d;
    }
    client
        .parse::<SocketAddr>()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|_| client.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_specs_parse() {
        assert_eq!("system".parse(), Ok(ResolverSpec::System));
        assert_eq!(
            "127.0.0.1:5330".parse(),
            Ok(ResolverSpec::At("127.0.0.1:5330".parse().unwrap()))
        );
        assert_eq!(
            "127.0.0.1".parse(),
            Ok(ResolverSpec::At("127.0.0.1:53".parse().unwrap()))
        );
        assert!("dns.example".parse::<ResolverSpec>().is_err());
    }

    #[test]
    fn providers_group_by_registered_domain() {
        let unconfirmed = SenderIdentity {
            ptr: Some("spoofed.google.com".into()),
            forward_confirmed: false,
            error: None,
        };
        // An unconfirmed PTR is not believed; the EHLO name is used instead.
        assert_eq!(
            provider(Some(&unconfirmed), Some("mx.sender.test"), "127.0.0.9:1"),
            "sender.test"
        );
        assert_eq!(provider(None, Some("a.b.outlook.com"), "x"), "outlook.com");
        assert_eq!(provider(None, None, "[::1]:25"), "::1");
        assert_eq!(
            provider(None, Some("localhost"), "127.0.0.1:9"),
            "127.0.0.1"
        );
        assert_eq!(registered_domain("co.uk"), None);
        assert_eq!(registered_domain("x y"), None);
    }
}
