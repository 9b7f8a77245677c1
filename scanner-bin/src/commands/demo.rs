//! `mxray demo`: the whole job offline, on a lab of misconfigured mail servers.
//!
//! The demo starts [`mxray_lab`] in this process (one receiving server per misconfiguration
//! profile, on ephemeral loopback ports), scans every one of them with the scanner's pipeline
//! (the `standard` profile by default) as if each were the MX host `mx.lab.test` of its own
//! mail domain, writes the records as JSON Lines, and prints the report of [`mxray_report`]
//! followed by one line per lab server ([`mxray_report::lab_servers`]). Nothing leaves the machine: every address is loopback.
//!
//! The certificate audit trusts the lab's own CA (minted for the run), so the `good` server
//! shows what a correct configuration looks like and every other profile shows its defect.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::DemoArgs;
use mxray_lab::{self as lab, LabConfig, LabProfile, ProfileSpec};
use mxray_report::{self as report, Format};
use mxray_scan::audit::{load_store, StoreChoice};
use mxray_scan::pipeline::{scan_endpoint, Endpoint, PipelineConfig, ScanContext, TlsModeChoice};
use mxray_scan::ratelimit::RateConfig;
use mxray_schema::record::{EndpointRecord, MxInfo};

/// Host name of the lab servers (greeting, certificates) and of the MX every demo domain uses.
pub const DEMO_MX: &str = "mx.lab.test";

/// Runs the demo; returns the exit code (0 when the report was printed).
pub async fn run(args: DemoArgs) -> crate::exit::Exit {
    match demo(&args).await {
        Ok(()) => crate::exit::Exit::Ok,
        Err(e) => {
            eprintln!("mxray demo: {e}");
            crate::exit::Exit::Fatal
        }
    }
}

async fn demo(args: &DemoArgs) -> Result<(), String> {
    let started = Instant::now();
    let out = &args.out_dir;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;

    // 1. The lab: every profile on an ephemeral loopback port.
    let serve = LabConfig {
        listen: IpAddr::V4(Ipv4Addr::LOCALHOST),
        profiles: LabProfile::ALL
            .iter()
            .map(|p| ProfileSpec {
                profile: *p,
                port: Some(0),
            })
            .collect(),
        hostname: DEMO_MX.to_owned(),
        state: out.join("lab-state"),
        tarpit_interval: Duration::from_millis(500),
        ..LabConfig::default()
    };
    let lab_log_path = out.join("lab-sessions.jsonl");
    let lab_log = std::fs::File::create(&lab_log_path)
        .map_err(|e| format!("cannot create {}: {e}", lab_log_path.display()))?;
    let lab = lab::start(&serve, Box::new(lab_log))
        .await
        .map_err(|e| format!("cannot start the lab: {e}"))?;
    eprintln!(
        "mxray demo: {} lab servers on 127.0.0.1, scanning them ({:?} profile)...",
        lab.addrs.len(),
        args.profile
    );

    // 2. The scan, trusting the lab CA, each server as the MX of its own domain.
    let trust = load_store(&StoreChoice::PemFile(lab.ca_pem.clone()))
        .map_err(|e| format!("cannot load the lab CA {}: {e}", lab.ca_pem.display()))?;
    let config = PipelineConfig::for_profile(args.profile.into(), Arc::new(trust))
        .with_timeouts(
            Duration::from_secs(3),
            args.read_timeout,
            Duration::from_secs(40),
        )
        .with_retries(0, Duration::from_millis(100))
        .with_ehlo_name("mxray-demo.invalid")
        .with_tls(TlsModeChoice::Starttls, Duration::from_secs(5));
    // Loopback lab servers: no need to be polite, but keep the limiter in the path.
    let rate = RateConfig {
        rate: 1000.0,
        burst: 100.0,
    };
    let ctx = ScanContext::new(config, rate, 1024, lab.addrs.len());
    let endpoints: Vec<(LabProfile, Endpoint)> = lab
        .addrs
        .iter()
        .map(|(p, addr)| (*p, endpoint(*p, *addr)))
        .collect();
    let scans = endpoints.into_iter().map(|(p, ep)| {
        let ctx = ctx.clone();
        async move { (p, scan_endpoint(&ctx, &ep).await) }
    });
    let results: Vec<(LabProfile, EndpointRecord)> = futures_join_all(scans).await;
    lab.stop();

    // 3. Keep what was gathered, then report.
    let scan_path = out.join("scan.jsonl");
    write_records(&scan_path, results.iter().map(|(_, r)| r))?;
    let rep = report::build_report(std::slice::from_ref(&scan_path), &[])
        .map_err(|e| format!("report: {e}"))?;
    let html_path = out.join("report.html");
    std::fs::write(&html_path, report::render(&rep, Format::Html))
        .map_err(|e| format!("cannot write {}: {e}", html_path.display()))?;

    let format = Format::from(args.format);
    let mut text = report::render(&rep, format);
    if format == Format::Text {
        text.push('\n');
        let rows: Vec<(&str, &EndpointRecord)> =
            results.iter().map(|(p, r)| (p.name(), r)).collect();
        text.push_str(&report::lab_servers::render(&rows));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write the report: {e}"))?;
    eprintln!(
        "mxray demo: done in {:.1} s; records in {}, lab sessions in {}, HTML report in {}",
        started.elapsed().as_secs_f64(),
        scan_path.display(),
        lab_log_path.display(),
        html_path.display()
    );
    Ok(())
}

/// The endpoint of one lab server: the MX host `mx.lab.test` of the domain `<profile>.lab.test`.
fn endpoint(p: LabProfile, addr: SocketAddr) -> Endpoint {
    Endpoint {
        target: format!("{}.lab.test", p.name()),
        domain: Some(format!("{}.lab.test", p.name())),
        mx: Some(MxInfo {
            host: DEMO_MX.to_owned(),
            preference: Some(10),
            implicit: false,
        }),
        addr,
        dns_ms: None,
    }
}

/// Awaits every future concurrently, keeping their order.
async fn futures_join_all<F, T>(futs: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        if let Ok(v) = h.await {
            out.push(v);
        }
    }
    out
}

fn write_records<'a>(
    path: &std::path::Path,
    records: impl Iterator<Item = &'a EndpointRecord>,
) -> Result<(), String> {
    let mut buf = Vec::new();
    for r in records {
        serde_json::to_writer(&mut buf, r).map_err(|e| format!("cannot encode a record: {e}"))?;
        buf.push(b'\n');
    }
    std::fs::write(path, buf).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
