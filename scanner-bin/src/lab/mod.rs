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

use crate::cli::parse_duration;

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
Profiles (one port each; --all puts profile i on base-port + i in this order):
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
Log: one JSON object per session (kind lab-session), flushed per line; Ctrl-C or SIGTERM\nstops the lab and prints the sender-behaviour table of this run on stderr.
  mxray lab summary FILE   prints the sender-behaviour table of a log.";

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

    /// Profile to serve, NAME or NAME=PORT (repeatable); without a port: base-port + index.
    #[arg(long = "profile", value_name = "NAME[=PORT]")]
    pub profiles: Vec<ProfileSpec>,

    /// Serve every profile, on base-port + index.
    #[arg(long)]
    pub all: bool,

    /// First port for --all and profiles given without a port.
    #[arg(long, default_value_t = 2600)]
    pub base_port: u16,

    /// Host name in the greeting and in the certificates' SAN.
    #[arg(long, default_value = "mx.lab.test", value_parser = crate::cli::parse_ehlo_name)]
    pub hostname: String,

    /// Directory for the lab CA (lab-ca.pem is printed at start).
    #[arg(long, default_value = "mxray-lab-state", value_name = "DIR")]
    pub state: PathBuf,

    /// Append session records to FILE (default: stdout).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// Keep message bodies in this Maildir (default: bodies are not kept).
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

    /// Deadline of one session.
    #[arg(long, default_value = "300s", value_parser = parse_duration, value_name = "DURATION")]
    pub session_timeout: Duration,

    /// Timeout of each read.
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
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
    /// The (profile, port) pairs to serve.
    pub fn ports(&self) -> Result<Vec<(LabProfile, u16)>, LabError> {
        let mut out: Vec<(LabProfile, u16)> = Vec::new();
        let base = |p: LabProfile| {
            self.base_port.checked_add(p.index()).ok_or_else(|| {
                LabError::Usage(format!("base port {} + {} overflows", self.base_port, p))
            })
        };
        if self.all {
            for p in LabProfile::ALL {
                out.push((p, base(p)?));
            }
        }
        for s in &self.profiles {
            let port = match s.port {
                Some(p) => p,
                None => base(s.profile)?,
            };
            out.retain(|(p, _)| *p != s.profile);
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

/// Returns on Ctrl-C or SIGTERM.
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn summary_cmd(file: &std::path::Path) -> Result<(), LabError> {
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

async fn serve(a: ServeArgs) -> Result<(), LabError> {
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
    let log = crate::output::open_output(a.log.as_deref(), true)
        .map_err(|e| LabError::Io(a.log.clone().unwrap_or_else(|| PathBuf::from("-")), e))?;
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
    eprintln!(
        "mxray lab: lab CA certificate {} (trust it to test verifying senders)",
        ca.pem_path.display()
    );
    let mut tasks = Vec::new();
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
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| LabError::Bind(addr, e))?;
        let bound = listener.local_addr().unwrap_or(addr);
        eprintln!("mxray lab: {:<16} {bound}", profile.name());
        tasks.push(tokio::spawn(server::serve(listener, cfg, shared.clone())));
    }
    eprintln!("mxray lab: ready");
    wait_for_stop().await;
    for t in &tasks {
        t.abort();
    }
    if let Ok(kept) = shared.kept.lock() {
        eprint!("{}", summary::table(&kept).render());
    }
    Ok(())
}
