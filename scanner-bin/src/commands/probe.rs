//! `mxray probe HOST[:PORT]`: one endpoint in depth, with a terminal report ([`mxray_report::terminal`])
//! or the JSON record.
//!
//! HOST is resolved as a host (A/AAAA, first address) unless `--mx` makes it a mail domain (its
//! most preferred MX with an address). The endpoint is then scanned by the same pipeline as
//! `mxray scan` ([`mxray_scan::pipeline::scan_endpoint`]), by default with the `full` profile.
//!
//! With `--mx`, the report begins with the domain: every other MX host's first address is
//! scanned too (profile `quick`, at most [`mxray_scan::probe::MAX_OTHER_MX`]), the MTA-STS and TLS-RPT records are
//! looked up and the policy fetched (unless `--no-policies`), and the per-domain verdict
//! ([`mxray_report::domain`]) heads the output. `--json` writes the probed endpoint's record,
//! with the domain's `mta_sts` and `tls_rpt`.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::ProbeArgs;
use crate::exit::Exit;
use mxray_scan::audit::load_store;
use mxray_scan::pipeline::{scan_endpoint, PipelineConfig, ScanContext};
use mxray_scan::probe::{domain_records, resolve};
use mxray_scan::ratelimit::RateConfig;

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
    let ep = match resolve(&args.target, args.mx, args.port, args.resolver).await {
        Ok(ep) => ep,
        Err(e) => {
            eprintln!("mxray: {e}");
            return Exit::Fatal;
        }
    };
    let rate = RateConfig {
        rate: args.per_ip_rate,
        burst: f64::from(args.per_ip_burst),
    };
    let ctx = ScanContext::new(
        PipelineConfig::for_profile(args.profile.into(), Arc::new(trust))
            .with_timeouts(
                args.connect_timeout,
                args.read_timeout,
                args.endpoint_timeout,
            )
            .with_retries(2, Duration::from_secs(2))
            .with_ehlo_name(args.ehlo_name.clone())
            .with_tls(args.tls.tls_mode.into(), args.tls.tls_timeout)
            .with_sni(args.sni.clone())
            .with_smtp_checks(args.tls.smtp_checks()),
        rate,
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
    let mut domain = None;
    if let (true, Some(name)) = (args.mx, ep.domain.clone()) {
        let fetch = args.policies.config().fetch_config(&ctx.config.trust);
        let others = domain_records(
            &ctx,
            args.resolver,
            rate,
            fetch.as_ref(),
            &name,
            &ep,
            &mut rec,
        )
        .await;
        match others {
            Ok(o) => domain = Some((name, o)),
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
        let domain = domain.as_ref().map(|(n, o)| (n.as_str(), o.as_slice()));
        let text =
            mxray_report::terminal::render_probe(&rec, domain, use_colour(), started.elapsed());
        out.write_all(text.as_bytes())
    };
    let fail_on: Option<mxray_schema::record::Severity> = args.fail_on.map(Into::into);
    let mut seen = mxray_report::records::Seen::default();
    seen.add(&rec);
    let reached = fail_on.is_some_and(|t| seen.reaches(t));
    match written.and_then(|()| out.flush()) {
        Ok(()) if reached => Exit::Findings,
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("mxray: stdout: {e}");
            Exit::Fatal
        }
    }
}
