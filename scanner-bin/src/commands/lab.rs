//! `mxray lab`: serve the lab's profiles until Ctrl-C, or `mxray lab summary FILE`, or
//! `mxray lab dns`. What is said is made by [`mxray_lab`]; this module prints it.

use std::path::PathBuf;

use mxray_lab::dnscheck::{self, Published, PublishedMx};
use mxray_lab::{start, summary, zone, LabConfig, LabError};

use crate::cli::{LabAction, LabArgs, LabDnsArgs, ServeArgs, SummaryBy};

/// Runs `mxray lab ...`; returns the exit code.
pub async fn run(args: LabArgs) -> crate::exit::Exit {
    let result = match args.action {
        Some(LabAction::Summary { file, by }) => summary_cmd(&file, by),
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

fn summary_cmd(file: &std::path::Path, by: SummaryBy) -> Result<(), LabError> {
    mxray_scan::output::check_stdout().map_err(|e| LabError::Io(PathBuf::from("stdout"), e))?;
    let (records, skipped) = summary::read_log(file)?;
    print!("{}", summary::render(&records, by.into()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;
    use mxray_lab::LabConfig;

    #[test]
    fn default_matches_the_command_line_defaults() {
        let cli = Cli::try_parse_from(["mxray", "lab", "--all"]).unwrap();
        let Command::Lab(a) = cli.command else {
            panic!("not lab")
        };
        let parsed = format!(
            "{:?}",
            LabConfig {
                all: false,
                ..a.serve.config()
            }
        );
        assert_eq!(parsed, format!("{:?}", LabConfig::default()));
        let s = Cli::try_parse_from(["mxray", "lab", "summary", "x.jsonl"]).unwrap();
        let Command::Lab(a) = s.command else {
            panic!("not lab")
        };
        assert!(matches!(a.action, Some(LabAction::Summary { .. })));
    }

    #[test]
    fn listen_takes_an_address_or_address_profile_pairs() {
        let cli = Cli::try_parse_from([
            "mxray",
            "lab",
            "--listen",
            "127.0.0.2",
            "--profile",
            "good=2641",
            "--listen",
            "127.0.0.3=no-starttls",
            "--listen",
            "[::1]:2600=expired",
            "--sni-profile",
            "mx.self-signed.lab.test=self-signed",
            "--domain",
            "Lab.Test",
            "--resolver",
            "127.0.0.1:5330",
            "--max-sessions-per-ip",
            "2",
        ])
        .unwrap();
        let Command::Lab(a) = cli.command else {
            panic!("not lab")
        };
        let c = a.serve.config();
        assert_eq!(c.listen, std::net::IpAddr::from([127, 0, 0, 2]));
        assert_eq!(c.listeners.len(), 2);
        assert_eq!(c.listeners[0].addr.to_string(), "127.0.0.3:25");
        assert_eq!(c.listeners[1].addr.to_string(), "[::1]:2600");
        assert_eq!(c.sni_profiles.len(), 1);
        assert_eq!(c.domain.as_deref(), Some("lab.test"));
        assert_eq!(c.max_sessions_per_ip, 2);
        let b = c.bindings().unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].addr.to_string(), "127.0.0.2:2641");
        for bad in [
            vec!["mxray", "lab", "--listen", "127.0.0.2=nope"],
            vec!["mxray", "lab", "--listen", "host.example=good"],
            vec!["mxray", "lab", "--sni-profile", "a.test=tarpit"],
            vec!["mxray", "lab", "--cert", "expired=c.pem,k.pem"],
            vec!["mxray", "lab", "--resolver", "dns.example"],
        ] {
            assert!(Cli::try_parse_from(&bad).is_err(), "{bad:?}");
        }
        let d = Cli::try_parse_from([
            "mxray",
            "lab",
            "dns",
            "--domain",
            "lab.example.org",
            "--address",
            "good=[2001:db8::1]",
            "--address",
            "expired=192.0.2.1",
        ])
        .unwrap();
        let Command::Lab(a) = d.command else {
            panic!("not lab")
        };
        let Some(LabAction::Dns(d)) = a.action else {
            panic!("not lab dns")
        };
        assert_eq!(d.addresses.len(), 2);
        assert!(Cli::try_parse_from(["mxray", "lab", "dns", "--domain", "x.test"]).is_err());
        let s = Cli::try_parse_from(["mxray", "lab", "summary", "--by", "provider", "f"]).unwrap();
        let Command::Lab(a) = s.command else {
            panic!("not lab")
        };
        assert!(matches!(
            a.action,
            Some(LabAction::Summary {
                by: SummaryBy::Provider,
                ..
            })
        ));
    }

    #[test]
    fn hostname_must_be_a_dns_name() {
        assert_eq!(
            crate::cli::parse_hostname("MX.Lab.Test").unwrap(),
            "mx.lab.test"
        );
        for bad in ["[127.0.0.1]", "a b", "x\r\n", ""] {
            assert!(crate::cli::parse_hostname(bad).is_err(), "{bad:?}");
        }
    }
}
