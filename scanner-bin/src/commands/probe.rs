//! `mxray probe HOST[:PORT]`: one endpoint in depth, with a terminal report ([`mxray_report::terminal`])
//! or the JSON record.
//!
//! HOST is resolved as a host (A/AAAA, first address) unless `--mx` makes it a mail domain (its
//! most preferred MX with an address). The endpoint is then scanned by the same pipeline as
//! `mxray scan` ([`mxray_scan::pipeline::scan_endpoint`]), by default with the `full` profile.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::ProbeArgs;
use crate::exit::Exit;
use mxray_scan::audit::load_store;
use mxray_scan::dns::{Dns, DomainResolution};
use mxray_scan::pipeline::{scan_endpoint, Endpoint, PipelineConfig, ScanContext};
use mxray_scan::ratelimit::RateConfig;
use mxray_scan::targets::{parse_target, ParseOptions, Target};
use mxray_schema::record::MxInfo;

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
    let rec = scan_endpoint(&ctx, &ep).await;
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
        let text = mxray_report::terminal::render(&rec, use_colour(), started.elapsed());
        out.write_all(text.as_bytes())
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("mxray: stdout: {e}");
            Exit::Fatal
        }
    }
}
