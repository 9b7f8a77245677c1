//! `mxray lab`: a receiving SMTP server with chosen misconfigurations that records what each
//! sending client does (the second experiment of "How to Misuse SMTP over TLS").
//!
//! | module | holds |
//! |---|---|
//! | [`profiles`] | [`LabProfile`]: `good`, `no-starttls`, `self-signed`, ... and which need another TLS stack |
//! | [`certs`] | the lab CA and per-profile chains (rcgen), rustls server configurations |
//! | [`hello`] | ClientHello capture before the handshake, JA3/JA4 |
//! | [`tls`] | rustls `ServerConnection` driven sans-IO over a tokio socket |
//! | [`session`] | one SMTP session (smtp-codec's server reader) |
//! | [`server`] | listeners, session limit, JSON Lines log, plaintext-fallback tracker |
//! | [`record`] | the per-session JSON record |
//! | [`store`] | `--store` Maildir |
//! | [`summary`] | `mxray lab summary`: the sender-behaviour table |
//!
//! Safety: the lab never relays. It accepts recipients only in the `--accept-domain` domains
//! (others get `550 5.7.1 Relaying denied`) and keeps no message body unless `--store` is given.
//!
//! ```
//! use mxray::lab::profiles::{LabProfile, ProfileSpec};
//!
//! let spec: ProfileSpec = "self-signed=2602".parse().unwrap();
//! assert_eq!(spec.profile, LabProfile::SelfSigned);
//! assert!("tls10-only".parse::<ProfileSpec>().unwrap_err().contains("rustls"));
//! ```

pub mod certs;
pub mod hello;
pub mod profiles;
pub mod record;
pub mod server;
pub mod session;
pub mod store;
pub mod summary;
pub mod tls;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Args, Subcommand};
use smtp_codec::Limits;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use profiles::{LabProfile, ProfileSpec};

use crate::cli::{parse_duration, parse_timeout};

/// Errors of `mxray lab`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    /// A file or directory could not be used.
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    /// A port could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, #[source] std::io::Error),
    /// Certificate generation failed.
    #[error("certificate: {0}")]
    Cert(String),
    /// rustls configuration failed.
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
}

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

impl Default for ServeArgs {
    /// The command line's defaults, serving nothing yet (add `profiles` or set `all`).
    fn default() -> Self {
        ServeArgs {
            listen: IpAddr::from([127, 0, 0, 1]),
            profiles: Vec::new(),
            all: false,
            base_port: 2600,
            hostname: "mx.lab.test".to_owned(),
            state: PathBuf::from("mxray-lab-state"),
            log: None,
            store: None,
            accept_domains: Vec::new(),
            max_message_size: 10 * 1024 * 1024,
            max_sessions: 64,
            session_timeout: Duration::from_secs(300),
            idle_timeout: Duration::from_secs(60),
            fallback_window: Duration::from_secs(600),
            tarpit_interval: Duration::from_secs(1),
        }
    }
}

impl ServeArgs {
    /// The (profile, port) pairs to serve.
    pub fn ports(&self) -> Result<Vec<(LabProfile, u16)>, LabError> {
        let mut out: Vec<(LabProfile, u16)> = Vec::new();
        let base = |p: LabProfile| {
            self.base_port.checked_add(p.index()).ok_or_else(|| {
                LabError::Usage(format!("base port {} + {} overflows", self.base_port, p))
            })
        };
        if self.all {
            // A profile also given with --profile listens on the ports given there instead.
            for p in LabProfile::ALL {
                if !self.profiles.iter().any(|s| s.profile == p) {
                    out.push((p, base(p)?));
                }
            }
        }
        // A profile given several times listens on each of its ports.
        for s in &self.profiles {
            let port = match s.port {
                Some(p) => p,
                None => base(s.profile)?,
            };
            out.push((s.profile, port));
        }
        if out.is_empty() {
            return Err(LabError::Usage(
                "nothing to serve: give --profile NAME[=PORT] or --all".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (p, port) in &out {
            if *port != 0 && !seen.insert(*port) {
                return Err(LabError::Usage(format!("port {port} given twice ({p})")));
            }
        }
        Ok(out)
    }
}

/// Runs `mxray lab ...`; returns the exit code.
pub async fn run(args: LabArgs) -> i32 {
    let result = match args.action {
        Some(LabAction::Summary { file }) => summary_cmd(&file),
        None => serve(args.serve).await,
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mxray lab: {e}");
            1
        }
    }
}

/// `--hostname`: a DNS name (it goes into the greeting and the certificates' SAN).
fn parse_hostname(s: &str) -> Result<String, String> {
    crate::targets::parse_name(s).map_err(|e| e.to_string())
}

/// Returns on Ctrl-C, SIGTERM or SIGHUP (a closed terminal).
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn summary_cmd(file: &std::path::Path) -> Result<(), LabError> {
    crate::output::check_stdout().map_err(|e| LabError::Io(PathBuf::from("stdout"), e))?;
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

/// A lab running in this process (what `mxray lab` serves, and what `mxray demo` can start).
pub struct RunningLab {
    /// Each profile and the address it listens on (port 0 in the arguments: the port chosen).
    pub addrs: Vec<(LabProfile, SocketAddr)>,
    /// The lab CA certificate.
    pub ca_pem: PathBuf,
    shared: Arc<server::Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningLab {
    /// The address of a profile, if served.
    pub fn addr(&self, p: LabProfile) -> Option<SocketAddr> {
        self.addrs.iter().find(|(q, _)| *q == p).map(|(_, a)| *a)
    }

    /// The sessions finished so far (at most [`server::MAX_KEPT`]).
    pub fn records(&self) -> Vec<record::SessionRecord> {
        self.shared
            .kept
            .lock()
            .map(|k| k.clone())
            .unwrap_or_default()
    }

    /// Stops accepting connections (sessions in progress are dropped).
    pub fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts the lab in this process: mints the certificates, binds every port, and serves until
/// [`RunningLab::stop`]. Session records go to `log` (one JSON object per line).
pub async fn start(
    a: &ServeArgs,
    log: Box<dyn std::io::Write + Send>,
) -> Result<RunningLab, LabError> {
    let ports = a.ports()?;
    let ca = certs::LabCa::load_or_create(&a.state)?;
    let store = match &a.store {
        Some(dir) => Some(Arc::new(
            store::Maildir::create(dir).map_err(|e| LabError::Io(dir.clone(), e))?,
        )),
        None => None,
    };
    let mut accept: Vec<String> = a
        .accept_domains
        .iter()
        .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    if accept.is_empty() {
        accept.push("lab.test".to_owned());
    }
    let limits = Limits {
        message_bytes: usize::try_from(a.max_message_size).unwrap_or(usize::MAX),
        ..Limits::default()
    };
    let shared = Arc::new(server::Shared {
        log: Mutex::new(log),
        kept: Mutex::new(Vec::new()),
        fallback: Mutex::new(server::FallbackTracker::default()),
        fallback_window: a.fallback_window,
        sessions: Arc::new(Semaphore::new(
            usize::try_from(a.max_sessions).unwrap_or(64),
        )),
        session_timeout: a.session_timeout,
    });
    let mut tasks: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    let mut addrs = Vec::new();
    for (profile, port) in ports {
        let tls = match certs::chain_for(profile, &ca, &a.hostname, a.listen)? {
            Some(chain) => Some(certs::server_config(chain)?),
            None => None,
        };
        let cfg = Arc::new(session::SessionConfig {
            profile,
            hostname: a.hostname.clone(),
            tls,
            accept_domains: accept.clone(),
            limits,
            idle_timeout: a.idle_timeout,
            tarpit_interval: a.tarpit_interval,
            store: store.clone(),
        });
        let addr = SocketAddr::new(a.listen, port);
        let listener = match TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                for t in &tasks {
                    t.abort();
                }
                return Err(LabError::Bind(addr, e));
            }
        };
        addrs.push((profile, listener.local_addr().unwrap_or(addr)));
        tasks.push(tokio::spawn(server::serve(listener, cfg, shared.clone())));
    }
    Ok(RunningLab {
        addrs,
        ca_pem: ca.pem_path,
        shared,
        tasks,
    })
}

async fn serve(a: ServeArgs) -> Result<(), LabError> {
    let log = crate::output::open_output(a.log.as_deref(), true)
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
    wait_for_stop().await;
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
            ServeArgs {
                all: false,
                ..a.serve
            }
        );
        assert_eq!(parsed, format!("{:?}", ServeArgs::default()));
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

    #[test]
    fn ports_from_all_and_profiles() {
        let a = ServeArgs {
            all: true,
            base_port: 3000,
            profiles: vec!["good=4000".parse().unwrap()],
            ..ServeArgs::default()
        };
        let p = a.ports().unwrap();
        assert_eq!(p.len(), LabProfile::ALL.len());
        assert!(p.contains(&(LabProfile::Good, 4000)));
        assert!(p.contains(&(LabProfile::Tarpit, 3009)));
        assert!(ServeArgs::default().ports().is_err(), "nothing to serve");
        let twice = ServeArgs {
            profiles: vec!["good=5000".parse().unwrap(), "tarpit=5000".parse().unwrap()],
            ..ServeArgs::default()
        };
        assert!(twice.ports().is_err());
        let overflow = ServeArgs {
            all: true,
            base_port: 65530,
            ..ServeArgs::default()
        };
        assert!(overflow.ports().is_err());
    }

    #[test]
    fn one_profile_on_several_ports() {
        let a = ServeArgs {
            profiles: vec!["good=2710".parse().unwrap(), "good=2711".parse().unwrap()],
            ..ServeArgs::default()
        };
        assert_eq!(
            a.ports().unwrap(),
            vec![(LabProfile::Good, 2710), (LabProfile::Good, 2711)]
        );
        // --all's port of a profile is replaced by the profile's explicit ports.
        let a = ServeArgs {
            all: true,
            base_port: 3000,
            profiles: vec!["good=2710".parse().unwrap(), "good=2711".parse().unwrap()],
            ..ServeArgs::default()
        };
        let p = a.ports().unwrap();
        assert_eq!(p.len(), LabProfile::ALL.len() + 1);
        assert!(p.contains(&(LabProfile::Good, 2710)) && p.contains(&(LabProfile::Good, 2711)));
        assert!(!p.contains(&(LabProfile::Good, 3000)));
        // The same port twice is still refused.
        let a = ServeArgs {
            profiles: vec!["good".parse().unwrap(), "good".parse().unwrap()],
            ..ServeArgs::default()
        };
        assert!(a.ports().is_err());
    }

    #[tokio::test]
    async fn in_process_lab_serves_and_records() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir = std::env::temp_dir().join(format!("mxray-lab-inproc-{}", std::process::id()));
        let a = ServeArgs {
            profiles: vec!["no-starttls=0".parse().unwrap(), "good=0".parse().unwrap()],
            state: dir.clone(),
            ..ServeArgs::default()
        };
        let lab = start(&a, Box::new(std::io::sink())).await.unwrap();
        let addr = lab.addr(LabProfile::NoStarttls).unwrap();
        assert_ne!(addr.port(), 0);
        assert!(lab.ca_pem.exists());
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"EHLO inproc.test\r\nQUIT\r\n").await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        assert!(String::from_utf8_lossy(&out).contains("221 2.0.0"));
        let mut records = Vec::new();
        for _ in 0..100 {
            records = lab.records();
            if !records.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].ehlo.as_deref(), Some("inproc.test"));
        assert!(!records[0].starttls_offered);
        lab.stop();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
