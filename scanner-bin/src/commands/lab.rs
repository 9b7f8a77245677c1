//! `mxray lab`: serve the lab's profiles until Ctrl-C, or `mxray lab summary FILE`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use mxray_lab::{start, summary, LabConfig, LabError, ProfileSpec};

use crate::cli::{parse_duration, parse_timeout};

/// Help text after the options of `mxray lab`.
pub const LAB_HELP: &str = "\
Profiles (--all puts profile i on base-port + i in this order; --profile NAME=PORT repeated
serves NAME on each PORT):
  good              valid chain under the lab CA, SAN = --hostname, localhost, listen IP
  no-starttls       EHLO without STARTTLS (STARTTLS answered 502)
  self-signed       self-signed certificate, right names
  expired           lab CA, right names, validity 2020-01-01..2021-01-01
  wrong-host        lab CA, issued for wrong-host.invalid only
  untrusted-ca      valid-looking chain under a CA minted per run, never written out
  starttls-refused  STARTTLS offered, answered 454 4.7.0
  handshake-fails   220 to STARTTLS, then a fatal handshake_failure alert after the ClientHello
  injection         a plaintext '250' smuggled right after the 220 to STARTTLS
  tarpit            greeting sent one byte per --tarpit-interval
Not served (the TLS stack is rustls, which implements TLS 1.2 and 1.3 only):
  tls10-only, tls11-only  need OpenSSL or GnuTLS (openssl s_server has no SMTP STARTTLS mode)
  sslv3, weak-dh, rc4/export/null suites  need OpenSSL at SECLEVEL=0 (see lab/ossl)
The lab CA is kept in --state DIR (lab-ca.pem; its key lab-ca-key.pem, mode 0600): trust
lab-ca.pem in a sender to test certificate verification.
Log: one JSON object per session (kind lab-session), flushed per line; each message with its
size (data_size) and SHA-256 (data_sha256). Ctrl-C, SIGTERM or SIGHUP stops the lab and prints
the sender-behaviour table of this run on stderr.
  mxray lab summary FILE   prints the sender-behaviour table of a log (exit 1 if FILE cannot be
                           read or stdout is closed).";

/// `mxray lab`: serve profiles, or `mxray lab summary FILE`.
#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true, after_help = LAB_HELP)]
pub struct LabArgs {
    /// `summary FILE`, or nothing to serve.
    #[command(subcommand)]
    pub action: Option<LabAction>,
    /// Serving options.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands of `mxray lab`.
#[derive(Debug, Clone, Subcommand)]
#[non_exhaustive]
pub enum LabAction {
    /// Print the sender-behaviour table of a lab log (JSON Lines).
    Summary {
        /// The log written by `mxray lab --log FILE`.
        file: PathBuf,
    },
}

/// Options of `mxray lab` when serving.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback unless you give another).
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub listen: IpAddr,

    /// Profile to serve, NAME or NAME=PORT (repeatable; a profile given several times listens on
    /// each of its ports); without a port: base-port + index.
    #[arg(long = "profile", value_name = "NAME[=PORT]")]
    pub profiles: Vec<ProfileSpec>,

    /// Serve every profile, on base-port + index.
    #[arg(long)]
    pub all: bool,

    /// First port for --all and profiles given without a port.
    #[arg(long, default_value_t = 2600)]
    pub base_port: u16,

    /// Host name in the greeting and in the certificates' SAN.
    #[arg(long, default_value = "mx.lab.test", value_parser = parse_hostname)]
    pub hostname: String,

    /// Directory for the lab CA (lab-ca.pem is printed at start).
    #[arg(long, default_value = "mxray-lab-state", value_name = "DIR")]
    pub state: PathBuf,

    /// Append session records to FILE (default: stdout).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// Keep message bodies in this Maildir (default: bodies are not kept). Either way a body
    /// is counted, hashed (SHA-256) and stored as it arrives, never held whole in memory.
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// Accept recipients in this domain (repeatable; default lab.test). Others: 550 5.7.1.
    #[arg(long = "accept-domain", value_name = "DOMAIN")]
    pub accept_domains: Vec<String>,

    /// Largest message accepted, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..=1_073_741_824))]
    pub max_message_size: u64,

    /// Sessions at the same time; more get 421.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_sessions: u32,

    /// Deadline of one session (1ms to one day).
    #[arg(long, default_value = "300s", value_parser = parse_timeout, value_name = "DURATION")]
    pub session_timeout: Duration,

    /// Timeout of each read (1ms to one day).
    #[arg(long, default_value = "60s", value_parser = parse_timeout, value_name = "DURATION")]
    pub idle_timeout: Duration,

    /// A plaintext session within this time after a TLS failure of the same client (IP and
    /// EHLO name) on the same profile is marked as a fallback.
    #[arg(long, default_value = "600s", value_parser = parse_duration, value_name = "DURATION")]
    pub fallback_window: Duration,

    /// Interval between greeting bytes of the tarpit profile.
    #[arg(long, default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    pub tarpit_interval: Duration,
}

impl ServeArgs {
    /// The lab's configuration.
    pub fn config(&self) -> LabConfig {
        LabConfig {
            listen: self.listen,
            profiles: self.profiles.clone(),
            all: self.all,
            base_port: self.base_port,
            hostname: self.hostname.clone(),
            state: self.state.clone(),
            log: self.log.clone(),
            store: self.store.clone(),
            accept_domains: self.accept_domains.clone(),
            max_message_size: self.max_message_size,
            max_sessions: self.max_sessions,
            session_timeout: self.session_timeout,
            idle_timeout: self.idle_timeout,
            fallback_window: self.fallback_window,
            tarpit_interval: self.tarpit_interval,
        }
    }
}

/// Runs `mxray lab ...`; returns the exit code.
pub async fn run(args: LabArgs) -> crate::exit::Exit {
    let result = match args.action {
        Some(LabAction::Summary { file }) => summary_cmd(&file),
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

/// `--hostname`: a DNS name (it goes into the greeting and the certificates' SAN).
fn parse_hostname(s: &str) -> Result<String, String> {
    mxray_scan::targets::parse_name(s).map_err(|e| e.to_string())
}

fn summary_cmd(file: &std::path::Path) -> Result<(), LabError> {
    mxray_scan::output::check_stdout().map_err(|e| LabError::Io(PathBuf::from("stdout"), e))?;
    let (records, skipped) = summary::read_log(file)?;
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

async fn serve(args: ServeArgs) -> Result<(), LabError> {
    let a = args.config();
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
    fn hostname_must_be_a_dns_name() {
        assert_eq!(parse_hostname("MX.Lab.Test").unwrap(), "mx.lab.test");
        for bad in ["[127.0.0.1]", "a b", "x\r\n", ""] {
            assert!(parse_hostname(bad).is_err(), "{bad:?}");
        }
    }
}
