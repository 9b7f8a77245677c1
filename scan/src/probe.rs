//! `mxray probe`: one endpoint in depth. [`resolve`] turns the probe's target into one endpoint
//! (an address as is; a host name by A/AAAA, first address; a mail domain by its most preferred
//! MX with an address); [`domain_records`] does the domain part of `probe --mx`: the other MX
//! hosts (profile `quick`, at most [`MAX_OTHER_MX`]) and the domain's MTA-STS and TLS-RPT
//! policies, put on every record. Both use the scan's own DNS ([`crate::dns`]) and pipeline
//! ([`crate::pipeline::scan_endpoint`]).
//!
//! ```no_run
//! # async fn demo(ctx: mxray_scan::pipeline::ScanContext) -> Result<(), String> {
//! let ep = mxray_scan::probe::resolve("192.0.2.1:587", false, 25, None).await?;
//! assert_eq!(ep.addr.port(), 587);
//! let rec = mxray_scan::pipeline::scan_endpoint(&ctx, &ep).await;
//! # let _ = rec; Ok(()) }
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mxray_schema::record::{EndpointRecord, MxInfo, Profile};

use crate::dns::{Dns, DomainResolution};
use crate::mtasts::{lookup_domain, FetchConfig};
use crate::pipeline::{ms, scan_endpoint, Endpoint, ScanContext};
use crate::ratelimit::RateConfig;
use crate::targets::{parse_target, ParseOptions, Target};

/// Most MX hosts besides the probed one that `probe --mx` scans for the domain verdict.
pub const MAX_OTHER_MX: usize = 8;

/// Timeout of the probe's DNS queries.
pub const DNS_TIMEOUT: Duration = Duration::from_secs(5);

/// Resolves the probe's `target` to one endpoint: an address (port `default_port` unless
/// given), a host name (first A/AAAA address; with `as_domain`, a mail domain: its most
/// preferred MX host with an address, or its implicit MX), through `resolver` (the system's
/// when `None`). Errors say what was wrong: a range, a null MX, no address, a DNS failure.
pub async fn resolve(
    target: &str,
    as_domain: bool,
    default_port: u16,
    resolver: Option<SocketAddr>,
) -> Result<Endpoint, String> {
    let opts = ParseOptions {
        names_are_hosts: !as_domain,
        ..ParseOptions::default()
    };
    let parsed = parse_target(target, &opts).map_err(|e| e.to_string())?;
    let text = target.trim().to_owned();
    let dns = || Dns::new(resolver, DNS_TIMEOUT).map_err(|e| e.to_string());
    match parsed {
        Target::Addr { ip, port } => Ok(Endpoint {
            target: text,
            domain: None,
            mx: None,
            addr: SocketAddr::new(ip, port.unwrap_or(default_port)),
            dns_ms: None,
        }),
        Target::Host { name, port } if !as_domain => {
            let t = Instant::now();
            let ips = dns()?
                .resolve_host(&name)
                .await
                .map_err(|f| format!("{name}: {} ({})", f.rcode, f.message))?;
            let ip = ips
                .first()
                .copied()
                .ok_or_else(|| format!("{name}: no address"))?;
            Ok(Endpoint {
                target: text,
                domain: None,
                mx: Some(MxInfo {
                    host: name,
                    preference: None,
                    implicit: false,
                }),
                addr: SocketAddr::new(ip, port.unwrap_or(default_port)),
                dns_ms: Some(ms(t.elapsed())),
            })
        }
        Target::Host { name, port } => {
            resolve_domain(text, name, port.unwrap_or(default_port), dns()?).await
        }
        Target::Domain(name) => resolve_domain(text, name, default_port, dns()?).await,
        Target::Range(net) => Err(format!("{net}: a range; probe takes one endpoint")),
    }
}

async fn resolve_domain(
    text: String,
    domain: String,
    port: u16,
    dns: Dns,
) -> Result<Endpoint, String> {
    let t = Instant::now();
    let res = dns
        .resolve_domain(&domain)
        .await
        .map_err(|f| format!("{domain}: {} ({})", f.rcode, f.message))?;
    let (mx, ip) = match res {
        DomainResolution::NullMx => return Err(format!("{domain}: null MX (accepts no mail)")),
        DomainResolution::Implicit(ips) => (
            MxInfo {
                host: domain.clone(),
                preference: None,
                implicit: true,
            },
            ips.first().copied(),
        ),
        DomainResolution::Mx(hosts) => hosts
            .into_iter()
            .find_map(|h| {
                let ip = h.addresses.ok()?.first().copied()?;
                Some((
                    MxInfo {
                        host: h.name,
                        preference: Some(h.preference),
                        implicit: false,
                    },
                    Some(ip),
                ))
            })
            .ok_or_else(|| format!("{domain}: no MX host has an address"))?,
    };
    let ip = ip.ok_or_else(|| format!("{domain}: no address"))?;
    Ok(Endpoint {
        target: text,
        domain: Some(domain),
        mx: Some(mx),
        addr: SocketAddr::new(ip, port),
        dns_ms: Some(ms(t.elapsed())),
    })
}

/// The first address of every MX host of `domain` other than `skip`'s, most preferred first,
/// at most [`MAX_OTHER_MX`], on `skip`'s port.
pub async fn other_mx(dns: &Dns, domain: &str, skip: &Endpoint) -> Vec<Endpoint> {
    let Ok(DomainResolution::Mx(hosts)) = dns.resolve_domain(domain).await else {
        return Vec::new();
    };
    let skip_host = skip.mx.as_ref().map(|m| m.host.as_str());
    hosts
        .into_iter()
        .filter(|h| Some(h.name.as_str()) != skip_host)
        .take(MAX_OTHER_MX)
        .filter_map(|h| {
            let ip = h.addresses.ok()?.first().copied()?;
            Some(Endpoint {
                target: skip.target.clone(),
                domain: Some(domain.to_owned()),
                mx: Some(MxInfo {
                    host: h.name,
                    preference: Some(h.preference),
                    implicit: false,
                }),
                addr: SocketAddr::new(ip, skip.addr.port()),
                dns_ms: None,
            })
        })
        .collect()
}

/// The domain part of `probe --mx` for `domain`, whose endpoint `ep` was probed into `rec`:
/// scans the other MX hosts ([`other_mx`]) with `ctx`'s settings at profile `quick` and `rate`
/// per IP, looks up the policies unless `fetch` is `None`, and puts them on `rec` and on every
/// other record. Returns the other records.
pub async fn domain_records(
    ctx: &ScanContext,
    resolver: Option<SocketAddr>,
    rate: RateConfig,
    fetch: Option<&FetchConfig>,
    domain: &str,
    ep: &Endpoint,
    rec: &mut EndpointRecord,
) -> Result<Vec<EndpointRecord>, String> {
    let dns = Dns::new(resolver, DNS_TIMEOUT).map_err(|e| e.to_string())?;
    let mut quick = (*ctx.config).clone();
    quick.profile = Profile::Quick;
    let qctx = ScanContext::new(quick, rate, 16, 1);
    let mut others = Vec::new();
    for o in other_mx(&dns, domain, ep).await {
        others.push(scan_endpoint(&qctx, &o).await);
    }
    if let Some(cfg) = fetch {
        let policies = lookup_domain(&dns, domain, cfg).await;
        crate::policycheck::attach(rec, &policies);
        for o in &mut others {
            crate::policycheck::attach(o, &policies);
        }
    }
    Ok(others)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn addresses_need_no_dns_and_ranges_are_refused() {
        let ep = resolve(" 192.0.2.1 ", false, 25, None).await.unwrap();
        assert_eq!(ep.addr.to_string(), "192.0.2.1:25");
        assert_eq!(ep.target, "192.0.2.1");
        assert!(ep.mx.is_none() && ep.domain.is_none() && ep.dns_ms.is_none());
        let ep = resolve("[2001:db8::1]:465", true, 25, None).await.unwrap();
        assert_eq!(ep.addr.to_string(), "[2001:db8::1]:465");
        assert_eq!(
            resolve("192.0.2.0/30", false, 25, None).await.unwrap_err(),
            "192.0.2.0/30: a range; probe takes one endpoint"
        );
        assert!(resolve("not a target!", false, 25, None).await.is_err());
    }
}
