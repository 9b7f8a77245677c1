//! `mxray lab`: serve the lab's profiles until Ctrl-C, or `mxray lab summary FILE`.

use std::path::PathBuf;

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
    if by == SummaryBy::Provider {
        print!(
            "{}",
            summary::render_by_provider(&summary::by_provider(&records))
        );
        if skipped > 0 {
            eprintln!("mxray lab summary: {skipped} line(s) skipped (not lab-session records)");
        }
        return Ok(());
    }
    print!("{}", summary::table(&records).render());
    let fp = summary::render_fingerprints(&records);
    if !fp.is_empty() {
        print!("\nClientHellos seen:\n{fp}");
    }
    if skipped > 0 {
        eprintln!("mxray lab summary: {skipped} line(s) skipped (not lab-session records)");
    }
    Ok(())
}

/// The token of `mxray lab dns` when none is given: 8 hex digits of the time.
fn default_token() -> String {
    let ms = mxray_schema::record::unix_ms_now();
    format!(
        "{:08x}",
        mxray_schema::fnv::fnv1a64(&ms.to_le_bytes()) & 0xffff_ffff
    )
}

fn dns_cmd(d: &LabDnsArgs) -> Result<(), LabError> {
    let token = d.token.clone().unwrap_or_else(default_token);
    let mut z = zone::Zone::new(&d.domain, &token, d.addresses.clone()).map_err(LabError::Usage)?;
    for c in &d.certs {
        if !c.profile.is_dane() {
            return Err(LabError::Usage(format!(
                "--cert {} of mxray lab dns is for the dane-* receivers (their TLSA records)",
                c.profile
            )));
        }
        let chain = mxray_lab::certs::load_chain(c)?;
        let spki = mxray_lab::certs::spki_sha256(&chain)?;
        z = z.with_dane_key(c.profile, &spki).map_err(LabError::Usage)?;
    }
    println!(
        "; mxray lab: records to publish in the zone of {}",
        z.domain
    );
    if z.has_dane() {
        println!(
            "; the TLSA records count only if the zone is DNSSEC-signed (a DANE sender uses TLSA \
             from secure answers only; dane-bogus needs a child zone that fails validation)"
        );
    }
    print!("{}", z.records());
    println!();
    println!("; one test mail per profile (the recipient names the profile and this run):");
    for p in z.profiles() {
        println!(";   {:<16} {}", p.name(), z.recipient(p));
    }
    for (ip, ps) in z.shared_addresses() {
        let names: Vec<&str> = ps.iter().map(|p| p.name()).collect();
        println!(
            "; {ip} is shared by {}: the first is served on the address, the others only to \
             senders that send SNI (--sni-profile)",
            names.join(", ")
        );
        if ps.iter().any(|p| !p.by_sni()) {
            println!(
                ";   WARNING: only good, self-signed, expired, wrong-host, untrusted-ca and \
                 handshake-fails can share an address"
            );
        }
    }
    println!();
    println!("; serve it with:");
    let mut serve = z.serve_args();
    for c in &d.certs {
        serve.push("--cert".to_owned());
        serve.push(format!(
            "{}={},{}",
            c.profile,
            c.chain.display(),
            c.key.display()
        ));
    }
    println!(";   mxray lab {} --log sessions.jsonl", serve.join(" "));
    Ok(())
}

/// `--dry-run` with `--domain` and `--resolver`: the published MX and A/AAAA of each served
/// profile compared with the addresses it listens on. Returns the lines and whether all match.
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
    let mut lines = Vec::new();
    let mut ok = true;
    let mut profiles: Vec<(mxray_lab::LabProfile, Vec<std::net::IpAddr>)> = Vec::new();
    for l in &a.listeners {
        match profiles.iter_mut().find(|(p, _)| *p == l.profile) {
            Some((_, ips)) => ips.push(l.addr.ip()),
            None => profiles.push((l.profile, vec![l.addr.ip()])),
        }
    }
    for r in &a.sni_profiles {
        if let Some(l) = a.listeners.iter().find(|l| l.profile.by_sni()) {
            if !profiles.iter().any(|(p, _)| *p == r.profile) {
                profiles.push((r.profile, vec![l.addr.ip()]));
            }
        }
    }
    for (p, want) in profiles {
        let dom = zone::profile_domain(p, domain);
        let mx = zone::mx_host(p, domain);
        let got = dns.resolve_domain(&dom).await;
        let line = match got {
            Ok(DomainResolution::Mx(hosts)) => {
                let host = hosts.iter().find(|h| h.name == mx);
                match host.map(|h| h.addresses.clone()) {
                    Some(Ok(ips)) => {
                        let missing: Vec<String> = want
                            .iter()
                            .filter(|ip| !ips.contains(ip))
                            .map(|ip| ip.to_string())
                            .collect();
                        let extra: Vec<String> = ips
                            .iter()
                            .filter(|ip| !want.contains(ip))
                            .map(|ip| ip.to_string())
                            .collect();
                        if missing.is_empty() && extra.is_empty() {
                            format!("DNS ok: {dom} MX {mx} -> {}", fmt_ips(&ips))
                        } else {
                            ok = false;
                            format!(
                                "DNS MISMATCH: {dom} MX {mx} -> {} (not published: [{}]; \
                                 published but not served: [{}])",
                                fmt_ips(&ips),
                                missing.join(" "),
                                extra.join(" ")
                            )
                        }
                    }
                    Some(Err(e)) => {
                        ok = false;
                        format!("DNS MISMATCH: {mx}: {} {}", e.rcode, e.message)
                    }
                    None => {
                        ok = false;
                        let names: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
                        format!("DNS MISMATCH: {dom} MX is [{}], not {mx}", names.join(" "))
                    }
                }
            }
            Ok(_) => {
                ok = false;
                format!("DNS MISMATCH: {dom} has no MX {mx}")
            }
            Err(e) => {
                ok = false;
                format!("DNS MISMATCH: {dom}: {} {}", e.rcode, e.message)
            }
        };
        lines.push(line);
    }
    Ok((lines, ok))
}

fn fmt_ips(ips: &[std::net::IpAddr]) -> String {
    ips.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What every start says on stderr: that this is a test receiver and what it keeps.
fn banner(a: &LabConfig) {
    eprintln!(
        "mxray lab: a TEST receiver with deliberately broken STARTTLS; it relays nothing and \
         accepts recipients only in: {}",
        a.accepted_domains().join(", ")
    );
    eprintln!(
        "mxray lab: message bodies are {}; at most {} sessions ({} per client IP and address)",
        match &a.store {
            Some(d) => format!(
                "KEPT in {} (at most {} bytes)",
                d.display(),
                a.store_max_bytes
            ),
            None => "hashed and counted, not kept".to_owned(),
        },
        a.max_sessions,
        a.max_sessions_per_ip
    );
}

async fn serve(args: ServeArgs) -> Result<(), LabError> {
    let a = args.config();
    banner(&a);
    if args.dry_run {
        let plan = mxray_lab::dry_run(&a).await?;
        for (b, cfg) in &plan.bindings {
            eprintln!(
                "mxray lab: would serve {:<16} on {} as {} ({})",
                b.profile.name(),
                b.addr,
                cfg.hostname,
                b.rule
            );
            for c in &cfg.sni {
                eprintln!("mxray lab:   SNI {} -> {}", c.name, c.profile.name());
            }
        }
        for t in &plan.trust {
            eprintln!("mxray lab: certificate {t}");
        }
        let (lines, ok) = check_dns(&a).await?;
        for l in lines {
            eprintln!("mxray lab: {l}");
        }
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
    eprintln!(
        "mxray lab: lab CA certificate {} (trust it to test verifying senders)",
        lab.ca_pem.display()
    );
    for (profile, addr) in &lab.addrs {
        eprintln!("mxray lab: {:<16} {addr}", profile.name());
    }
    for t in &lab.trust {
        eprintln!("mxray lab: certificate {t}");
    }
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
