//! `mxray lab`: serve the lab's profiles until Ctrl-C, or `mxray lab summary FILE`, or
//! `mxray lab dns`. What is said is made by [`mxray_lab`]; this module prints it.

use std::path::PathBuf;

use mxray_lab::dnscheck::{self, Published, PublishedMx};
use mxray_lab::{start, summary, zone, LabConfig, LabError};

use crate::cli::{LabAction, LabArgs, LabDnsArgs, ServeArgs, SummaryBy};

/// Runs `mxray lab ...`; returns the exit code.
pub async fn run(args: LabArgs) -> crate::exit::Exit {
    let result = match args.action {
        Some(LabAction::Summary { file, by, asn_db }) => summary_cmd(&file, by, &asn_db),
        Some(LabAction::Dns(d)) => dns_cmd(&d),
        None => serve(args.serve).await,
    };
    match result {
        Ok(()) => crate::exit::Exit::Ok,
        Err(e) => {
            eprintln!("mxray lab: {e}");
            crate::exit::Exit::Fatal
        }
    }
}

fn summary_cmd(file: &std::path::Path, by: SummaryBy, asn_db: &[PathBuf]) -> Result<(), LabError> {
    mxray_scan::output::check_stdout().map_err(|e| LabError::Io(PathBuf::from("stdout"), e))?;
    let db = mxray_lab::open_asn_db(asn_db)?;
    let (records, skipped) = summary::read_log(file)?;
    print!("{}", summary::render_with(&records, by.into(), db.as_ref()));
    if skipped > 0 {
        eprintln!("mxray lab summary: {skipped} line(s) skipped (not lab-session records)");
    }
    Ok(())
}

fn dns_cmd(d: &LabDnsArgs) -> Result<(), LabError> {
    let token = d
        .token
        .clone()
        .unwrap_or_else(|| zone::default_token(mxray_schema::record::unix_ms_now()));
    let z = zone::Zone::new(&d.domain, &token, d.addresses.clone())
        .map_err(LabError::Usage)?
        .with_certs(&d.certs)?;
    print!("{}", z.publication(&d.certs));
    Ok(())
}

/// `--dry-run` with `--domain` and `--resolver`: the published MX and A/AAAA of each served
/// profile compared with the addresses it listens on ([`dnscheck`]). Returns the lines and
/// whether all match.
async fn check_dns(a: &LabConfig) -> Result<(Vec<String>, bool), LabError> {
    use mxray_lab::identity::ResolverSpec;
    use mxray_scan::dns::{Dns, DomainResolution};
    let (Some(domain), Some(spec)) = (&a.domain, &a.resolver) else {
        return Ok((
            vec!["DNS not checked (give --domain and --resolver)".to_owned()],
            true,
        ));
    };
    let server = match spec {
        ResolverSpec::At(s) => Some(*s),
        _ => None,
    };
    let dns = Dns::new(server, std::time::Duration::from_secs(5))
        .map_err(|e| LabError::Usage(e.to_string()))?;
    let (mut lines, mut ok) = (Vec::new(), true);
    for (p, want) in dnscheck::expected(a) {
        let published = match dns.resolve_domain(&zone::profile_domain(p, domain)).await {
            Ok(DomainResolution::Mx(hosts)) => Published::Mx(
                hosts
                    .into_iter()
                    .map(|h| PublishedMx {
                        name: h.name,
                        addresses: h
                            .addresses
                            .map_err(|e| format!("{} {}", e.rcode, e.message)),
                    })
                    .collect(),
            ),
            Ok(_) => Published::NoMx,
            Err(e) => Published::Failed(format!("{} {}", e.rcode, e.message)),
        };
        let (line, matched) = dnscheck::check(p, domain, &want, &published);
        ok &= matched;
        lines.push(line);
    }
    Ok((lines, ok))
}

fn say(lines: impl IntoIterator<Item = String>) {
    for l in lines {
        eprintln!("mxray lab: {l}");
    }
}

async fn serve(args: ServeArgs) -> Result<(), LabError> {
    let a = args.config();
    say(a.banner());
    if args.dry_run {
        say(mxray_lab::dry_run(&a).await?.describe());
        let (lines, ok) = check_dns(&a).await?;
        say(lines);
        if !ok {
            return Err(LabError::Usage(
                "dry run: the published DNS does not match the addresses".into(),
            ));
        }
        eprintln!("mxray lab: dry run ok (addresses bound and released, certificates loaded)");
        return Ok(());
    }
    let log = mxray_scan::output::open_output(a.log.as_deref(), true)
        .map_err(|e| LabError::Io(a.log.clone().unwrap_or_else(|| PathBuf::from("-")), e))?;
    let lab = start(&a, log).await?;
    say(lab.describe());
    eprintln!("mxray lab: ready");
    crate::signals::wait_for_stop().await;
    let records = lab.records();
    lab.stop();
    eprint!("{}", summary::table(&records).render());
    Ok(())
}
