//! The command line: clap's definition, value parsers, defaults and what each subcommand's
//! arguments become (the libraries' configurations).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use clap::{CommandFactory, Parser};
use mxray::cli::*;
use mxray_lab::LabConfig;

#[test]
fn cli_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn pipeline_defaults_are_the_command_lines() {
    use mxray_scan::pipeline::PipelineConfig as P;
    let Command::Probe(p) = Cli::try_parse_from(["mxray", "probe", "x.test"])
        .unwrap()
        .command
    else {
        panic!("not probe")
    };
    assert_eq!(
        (p.connect_timeout, p.read_timeout, p.endpoint_timeout),
        (P::CONNECT_TIMEOUT, P::READ_TIMEOUT, P::ENDPOINT_TIMEOUT)
    );
    assert_eq!(
        (p.ehlo_name.as_str(), p.tls.tls_timeout),
        (P::EHLO_NAME, P::TLS_TIMEOUT)
    );
    let Command::Scan(s) = Cli::try_parse_from(["mxray", "scan", "x.test"])
        .unwrap()
        .command
    else {
        panic!("not scan")
    };
    let c = s.config();
    assert_eq!(
        (c.connect_timeout, c.read_timeout, c.retries, c.retry_delay),
        (
            P::CONNECT_TIMEOUT,
            P::READ_TIMEOUT,
            P::RETRIES,
            P::RETRY_DELAY
        )
    );
    assert_eq!(c.ehlo_name, P::EHLO_NAME);
}

#[test]
fn ehlo_names_are_checked() {
    assert_eq!(
        parse_ehlo_name("Scanner.Example.org").unwrap(),
        "scanner.example.org"
    );
    assert_eq!(parse_ehlo_name("[192.0.2.1]").unwrap(), "[192.0.2.1]");
    assert_eq!(
        parse_ehlo_name("[IPv6:2001:db8::1]").unwrap(),
        "[IPv6:2001:db8::1]"
    );
    for bad in ["a b", "x\r\nMAIL FROM:<>", "[1.2.3]", "[2001:db8::1]", ""] {
        assert!(parse_ehlo_name(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn durations_parse() {
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
    assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
    assert!(parse_duration("-1s").is_err());
    assert!(parse_duration("soon").is_err());
    assert!(parse_duration("1e300").is_err());
    assert!(parse_duration("86401").is_err());
    assert_eq!(parse_duration("1440m"), Ok(Duration::from_secs(86_400)));
}

#[test]
fn timeouts_and_rates_have_sane_bounds() {
    for bad in ["0s", "0", "0ms", "0.0001s"] {
        assert!(parse_timeout(bad).is_err(), "{bad:?}");
    }
    assert_eq!(parse_timeout("1ms"), Ok(Duration::from_millis(1)));
    assert_eq!(parse_timeout("5s"), Ok(Duration::from_secs(5)));
    for bad in ["0", "-1", "1e-300", "0.0009", "NaN", "inf", "1e300", "x"] {
        assert!(parse_rate(bad).is_err(), "{bad:?}");
    }
    assert_eq!(parse_rate("0.001"), Ok(0.001));
    assert_eq!(parse_rate("20"), Ok(20.0));
    for argv in [
        &["mxray", "scan", "--read-timeout", "0s", "x"][..],
        &["mxray", "scan", "--connect-timeout", "0", "x"],
        &["mxray", "scan", "--dns-timeout", "0ms", "x"],
        &["mxray", "scan", "--endpoint-timeout", "0s", "x"],
        &["mxray", "scan", "--tls-timeout", "0s", "x"],
        &["mxray", "scan", "--per-ip-rate", "1e-300", "x"],
        &["mxray", "probe", "--read-timeout", "0s", "x"],
        &["mxray", "probe", "--per-ip-rate", "0", "x"],
        &["mxray", "lab", "--all", "--idle-timeout", "0s"],
        &["mxray", "lab", "--all", "--session-timeout", "0s"],
        &["mxray", "demo", "--read-timeout", "0s"],
    ] {
        let e = Cli::try_parse_from(argv).unwrap_err();
        assert_eq!(
            e.kind(),
            clap::error::ErrorKind::ValueValidation,
            "{argv:?}"
        );
    }
    // Delays may be zero.
    assert!(
        Cli::try_parse_from(["mxray", "scan", "--retry-delay", "0s", "--grace", "0", "x"]).is_ok()
    );
}

#[test]
fn scan_defaults() {
    let cli = Cli::try_parse_from(["mxray", "scan", "example.org"]).unwrap();
    let Command::Scan(a) = cli.command else {
        panic!("not scan")
    };
    assert_eq!(a.port, 25);
    assert_eq!(a.retries, 2);
    assert_eq!(a.concurrency, 64);
    assert_eq!(a.ehlo_name, "mxray.invalid");
    assert!(Cli::try_parse_from(["mxray", "scan", "--port", "0", "x"]).is_err());
    assert!(Cli::try_parse_from(["mxray", "scan", "--shard", "3/3", "x"]).is_err());
}

// `mxray lab`

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
    assert_eq!(parse_hostname("MX.Lab.Test").unwrap(), "mx.lab.test");
    for bad in ["[127.0.0.1]", "a b", "x\r\n", ""] {
        assert!(parse_hostname(bad).is_err(), "{bad:?}");
    }
}
