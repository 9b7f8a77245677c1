//! `mxray probe HOST[:PORT]`: one endpoint in depth, with a terminal report ([`mxray_report::terminal`])
//! or the JSON record.
//!
//! HOST is resolved as a host (A/AAAA, first address) unless `--mx` makes it a mail domain (its
//! most preferred MX with an address). The endpoint is then scanned by the same pipeline as
//! `mxray scan` ([`mxray_scan::pipeline::scan_endpoint`]), by default with the `full` profile.
//!
//! With `--mx`, the report begins with the domain: every other MX host's first address is
//! scanned too (profile `quick`, at most [`MAX_OTHER_MX`]), the MTA-STS and TLS-RPT records are
//! looked up and the policy fetched (unless `--no-policies`), and the per-domain verdict
//! ([`mxray_report::domain`]) heads the output. `--json` writes the probed endpoint's record,
//! with the domain's `mta_sts` and `tls_rpt`.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::ProbeArgs;
use crate::exit::Exit;
use mxray_scan::audit::load_store;
use mxray_scan::dns::{Dns, DomainResolution};
use mxray_scan::mtasts::lookup_domain;
use mxray_scan::pipeline::{scan_endpoint, Endpoint, PipelineConfig, ScanContext};
use mxray_scan::ratelimit::RateConfig;
use mxray_scan::targets::{parse_target, ParseOptions, Target};
use mxray_schema::record::{EndpointRecord, MxInfo, Profile};

/// Most MX hosts besides the probed one that `probe --mx` scans for the domain verdict.
pub const MAX_OTHER_MX: usize = 8;

/// The first address of every MX host of `domain` other than `skip`, most preferred first.
async fn other_mx(dns: &Dns, domain: &str, skip: &Endpoint) -> Vec<Endpoint> {
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

/// The domain part of `probe --mx`: scans the other MX hosts, looks up the policies, puts them
/// on every record; returns the domain section of the report.
async fn domain_view(
    args: &ProbeArgs,
    ctx: &ScanContext,
    domain: &str,
    ep: &Endpoint,
    rec: &mut EndpointRecord,
) -> Result<String, String> {
    let dns = Dns::new(args.resolver, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    let mut quick = (*ctx.config).clone();
    quick.profile = Profile::Quick;
    let qctx = ScanContext::new(
        quick,
        RateConfig {
            rate: args.per_ip_rate,
            burst: f64::from(args.per_ip_burst),
        },
        16,
        1,
    );
    let mut others = Vec::new();
    for o in other_mx(&dns, domain, ep).await {
        others.push(scan_endpoint(&qctx, &o).await);
    }
    let fetch = args.policies.config().fetch_config(&ctx.config.trust);
    if let Some(cfg) = fetch {
        let policies = lookup_domain(&dns, domain, &cfg).await;
        mxray_scan::policycheck::attach(rec, &policies);
        for o in &mut others {
            mxray_scan::policycheck::attach(o, &policies);
        }
    }
    let mut all: Vec<&EndpointRecord> = vec![&*rec];
    all.extend(others.iter());
    Ok(mxray_report::domain::render(domain, &all))
}

/// Resolves the probe's target to one endpoint.
pub async fn resolve(args: &ProbeArgs) -> Result<Endpoint, String> {
    let opts = ParseOptions {
        names_are_hosts: !args.mx,
        ..ParseOptions::default()
    };
    let target = parse_target(&args.target, &opts).map_err(|e| e.to_string())?;
    let text = args.target.trim().to_owned();
    let dns = || Dns::new(args.resolver, Duration::from_secs(5)).map_err(|e| e.to_string());
    match target {
        Target::Addr { ip, port } => Ok(Endpoint {
            target: text,
            domain: None,
            mx: None,
            addr: SocketAddr::new(ip, port.unwrap_or(args.port)),
            dns_ms: None,
        }),
        Target::Host { name, port } if !args.mx => {
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
                addr: SocketAddr::new(ip, port.unwrap_or(args.port)),
                dns_ms: Some(mxray_scan::pipeline::ms(t.elapsed())),
            })
        }
        Target::Host { name, port } => resolve_domain(text, name, port, args, dns()?).await,
        Target::Domain(name) => resolve_domain(text, name, None, args, dns()?).await,
        Target::Range(net) => Err(format!("{net}: a range; probe takes one endpoint")),
        _ => Err(format!("{text}: not one endpoint")),
    }
}

async fn resolve_domain(
    text: String,
    domain: String,
    port: Option<u16>,
    args: &ProbeArgs,
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
        _ => return Err(format!("{domain}: no address")),
    };
    let ip = ip.ok_or_else(|| format!("{domain}: no address"))?;
    Ok(Endpoint {
        target: text,
        domain: Some(domain),
        mx: Some(mx),
        addr: SocketAddr::new(ip, port.unwrap_or(args.port)),
        dns_ms: Some(mxray_scan::pipeline::ms(t.elapsed())),
    })
}

/// Whether the report is coloured: stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn use_colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs `mxray probe`; returns the exit code.
pub async fn run(args: ProbeArgs) -> Exit {
    let started = Instant::now();
    let trust = match load_store(&args.tls.store_choice()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("mxray: trust store: {e}");
            return Exit::Fatal;
        }
    };
    let ep = match resolve(&args).await {
        Ok(ep) => ep,
        Err(e) => {
            eprintln!("mxray: {e}");
            return Exit::Fatal;
        }
    };
    let ctx = ScanContext::new(
        PipelineConfig {
            connect_timeout: args.connect_timeout,
            read_timeout: args.read_timeout,
            endpoint_timeout: args.endpoint_timeout,
            retries: 2,
            retry_delay: Duration::from_secs(2),
            profile: args.profile.into(),
            ehlo_name: args.ehlo_name.clone(),
            tls_mode: args.tls.tls_mode.into(),
            tls_timeout: args.tls.tls_timeout,
            trust: Arc::new(trust),
            sni: args.sni.clone(),
        },
        RateConfig {
            rate: args.per_ip_rate,
            burst: f64::from(args.per_ip_burst),
        },
        16,
        1,
    );
    let mut ctx = ctx;
    if let Some(choice) = args.tls.dane_choice() {
        match choice.resolver(args.resolver, Duration::from_secs(5)) {
            Ok(r) => ctx.dane = Some(r),
            Err(e) => {
                eprintln!("mxray: DANE: {e}");
                return Exit::Fatal;
            }
        }
    }
    let mut rec = scan_endpoint(&ctx, &ep).await;
    let mut domain_section = None;
    if let (true, Some(domain)) = (args.mx, ep.domain.clone()) {
        match domain_view(&args, &ctx, &domain, &ep, &mut rec).await {
            Ok(s) => domain_section = Some(s),
            Err(e) => {
                eprintln!("mxray: {e}");
                return Exit::Fatal;
            }
        }
    }
    if let Err(e) = mxray_scan::output::check_stdout() {
        eprintln!("mxray: {e}");
        return Exit::Fatal;
    }
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        match serde_json::to_string(&rec) {
            Ok(line) => writeln!(out, "{line}"),
            Err(e) => {
                eprintln!("mxray: {e}");
                return Exit::Fatal;
            }
        }
    } else {
        let mut text = domain_section.map(|d| d + "\n").unwrap_or_default();
        text.push_str(&mxray_report::terminal::render(
            &rec,
            use_colour(),
            started.elapsed(),
        ));
        out.write_all(text.as_bytes())
    };
    let fail_on: Option<mxray_schema::record::Severity> = args.fail_on.map(Into::into);
    let reached = fail_on.is_some_and(|t| {
        rec.findings
            .iter()
            .any(|f| f.severity().is_none_or(|s| s >= t))
    });
    match written.and_then(|()| out.flush()) {
        Ok(()) if reached => Exit::Findings,
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("mxray: stdout: {e}");
            Exit::Fatal
        }
    }
}
