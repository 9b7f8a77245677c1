//! mxray's lab: a receiving SMTP server with chosen misconfigurations that records what each
//! sending client does (the second experiment of "How to Misuse SMTP over TLS").
//!
//! | module | holds |
//! |---|---|
//! | [`profiles`] | [`LabProfile`]: `good`, `no-starttls`, `self-signed`, ... and which need another TLS stack |
//! | [`certs`] | the lab CA and per-profile chains (rcgen), rustls server configurations |
//! | [`mtasts`] | the MTA-STS policy server (HTTPS, good and hostile policies by SNI) |
//! | [`hello`] | ClientHello capture before the handshake, JA3/JA4 |
//! | [`tls`] | rustls `ServerConnection` driven sans-IO over a tokio socket |
//! | [`session`] | one SMTP session (smtp-codec's server reader) |
//! | [`listen`] | `--listen ADDR=PROFILE` and `--sni-profile NAME=PROFILE` |
//! | [`zone`] | `mxray lab dns`: the records to publish and a recipient per profile |
//! | [`dnscheck`] | `--dry-run`: the published MX and addresses of each profile against what is served |
//! | [`identity`] | who sent it: forward-confirmed reverse DNS of the sender |
//! | [`server`] | listeners, session limits (total, per IP), JSON Lines log, plaintext-fallback tracker |
//! | [`record`] | the per-session JSON record |
//! | [`store`] | `--store` Maildir |
//! | [`summary`] | the sender-behaviour table of a log (`mxray lab summary`) |
//!
//! Safety: the lab never relays. It accepts recipients only in the `--accept-domain` domains
//! (others get `550 5.7.1 Relaying denied`) and keeps no message body unless `--store` is given.
//!
//! ```
//! use mxray_lab::profiles::{LabProfile, ProfileSpec};
//!
//! let spec: ProfileSpec = "self-signed=2602".parse().unwrap();
//! assert_eq!(spec.profile, LabProfile::SelfSigned);
//! assert!("tls10-only".parse::<ProfileSpec>().unwrap_err().contains("rustls"));
//! ```

pub mod certs;
pub mod dnscheck;
pub mod hello;
pub mod identity;
pub mod listen;
pub mod mtasts;
pub mod profiles;
pub mod record;
pub mod server;
pub mod session;
pub mod store;
pub mod summary;
pub mod tls;
pub mod zone;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smtp_codec::Limits;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use certs::CertSpec;
pub use listen::{ListenSpec, SniRule};
pub use profiles::{LabProfile, ProfileSpec};

/// Errors of the lab.
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

/// What a lab serves and how (the options of `mxray lab` when serving; [`Default`] is the
/// command line's defaults).
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// Address to listen on (loopback unless you give another).
    pub listen: IpAddr,

    /// Profile to serve, NAME or NAME=PORT (repeatable; a profile given several times listens on
    /// each of its ports); without a port: base-port + index.
    pub profiles: Vec<ProfileSpec>,

    /// Serve every profile, on base-port + index.
    pub all: bool,

    /// First port for --all and profiles given without a port.
    pub base_port: u16,

    /// Host name in the greeting and in the certificates' SAN.
    pub hostname: String,

    /// Directory for the lab CA (lab-ca.pem is printed at start).
    pub state: PathBuf,

    /// Append session records to FILE (default: stdout).
    pub log: Option<PathBuf>,

    /// Keep message bodies in this Maildir (default: bodies are not kept). Either way a body
    /// is counted, hashed (SHA-256) and stored as it arrives, never held whole in memory.
    pub store: Option<PathBuf>,

    /// Accept recipients in this domain (repeatable; default lab.test). Others: 550 5.7.1.
    pub accept_domains: Vec<String>,

    /// Largest message accepted, in bytes.
    pub max_message_size: u64,

    /// Sessions at the same time; more get 421.
    pub max_sessions: u32,

    /// Deadline of one session (1ms to one day).
    pub session_timeout: Duration,

    /// Timeout of each read (1ms to one day).
    pub idle_timeout: Duration,

    /// A plaintext session within this time after a TLS failure of the same client (IP and
    /// EHLO name) on the same profile is marked as a fallback.
    pub fallback_window: Duration,

    /// Interval between greeting bytes of the tarpit profile.
    pub tarpit_interval: Duration,

    /// `--listen ADDR=PROFILE`: one profile per address (port 25 unless given).
    pub listeners: Vec<ListenSpec>,

    /// `--sni-profile NAME=PROFILE`: on addresses whose profile can be chosen by SNI, a
    /// ClientHello naming NAME gets PROFILE.
    pub sni_profiles: Vec<SniRule>,

    /// `--cert PROFILE=CHAIN.pem,KEY.pem`: real chains for `good` and `wrong-host`.
    pub certs: Vec<CertSpec>,

    /// `--domain D`: profile P answers as `mx.P.D` (greeting, certificates) and accepts
    /// recipients in `P.D` (the zone `mxray lab dns --domain D` prints).
    pub domain: Option<String>,

    /// Sessions at the same time from one client IP on one listening address; more get 421.
    pub max_sessions_per_ip: u32,

    /// Look up each sender's reverse DNS (forward-confirmed) with this resolver.
    pub resolver: Option<identity::ResolverSpec>,

    /// `--asn-db FILE`: AS databases ([`mxray_asn`]); each session record gets the sender's AS
    /// and country (`sender_network`).
    pub asn_db: Vec<PathBuf>,

    /// Most bytes of message bodies `--store` writes in one run; beyond, 451.
    pub store_max_bytes: u64,
}

impl Default for LabConfig {
    /// The command line's defaults, serving nothing yet (add `profiles` or set `all`).
    fn default() -> Self {
        LabConfig {
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
            listeners: Vec::new(),
            sni_profiles: Vec::new(),
            certs: Vec::new(),
            domain: None,
            max_sessions_per_ip: 8,
            resolver: None,
            asn_db: Vec::new(),
            store_max_bytes: 1 << 30,
        }
    }
}

/// One listening socket and the profile it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// The profile served (unless an SNI rule chooses another).
    pub profile: LabProfile,
    /// The address.
    pub addr: SocketAddr,
    /// Which rule gave it: [`listen::rule::PORT`] or [`listen::rule::LISTEN`].
    pub rule: &'static str,
}

impl LabConfig {
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
                "nothing to serve: give --profile NAME[=PORT], --all or --listen ADDR=PROFILE"
                    .into(),
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

impl LabConfig {
    /// Every socket to listen on: `--profile`/`--all` ports on `listen`, then `--listen`
    /// addresses. The same address and port twice is refused.
    pub fn bindings(&self) -> Result<Vec<Binding>, LabError> {
        let mut out = Vec::new();
        if self.all || !self.profiles.is_empty() || self.listeners.is_empty() {
            for (profile, port) in self.ports()? {
                out.push(Binding {
                    profile,
                    addr: SocketAddr::new(self.listen, port),
                    rule: listen::rule::PORT,
                });
            }
        }
        for l in &self.listeners {
            out.push(Binding {
                profile: l.profile,
                addr: l.addr,
                rule: listen::rule::LISTEN,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for b in &out {
            if b.addr.port() != 0 && !seen.insert(b.addr) {
                return Err(LabError::Usage(format!(
                    "{} given twice ({})",
                    b.addr, b.profile
                )));
            }
        }
        let mut names = std::collections::HashSet::new();
        for r in &self.sni_profiles {
            if !names.insert(r.name.as_str()) {
                return Err(LabError::Usage(format!(
                    "--sni-profile {} given twice",
                    r.name
                )));
            }
        }
        if !self.sni_profiles.is_empty() && !out.iter().any(|b| b.profile.by_sni()) {
            return Err(LabError::Usage(
                "--sni-profile needs an address whose profile can be chosen by SNI \
                 (good, self-signed, expired, wrong-host, untrusted-ca, handshake-fails, dane-*, mta-sts)"
                    .into(),
            ));
        }
        let mut cert_profiles = std::collections::HashSet::new();
        for c in &self.certs {
            if !cert_profiles.insert(c.profile) {
                return Err(LabError::Usage(format!("--cert {} given twice", c.profile)));
            }
        }
        Ok(out)
    }

    /// The host name profile `p` answers as: `mx.P.D` with `--domain D`, else `--hostname`.
    pub fn hostname_for(&self, p: LabProfile) -> String {
        match &self.domain {
            Some(d) => zone::mx_host(p, d),
            None => self.hostname.clone(),
        }
    }

    /// What every start says (on stderr): that this is a test receiver, which recipient
    /// domains it accepts, whether message bodies are kept, and the session limits.
    pub fn banner(&self) -> [String; 2] {
        [
            format!(
                "a TEST receiver with deliberately broken STARTTLS; it relays nothing and \
                 accepts recipients only in: {}",
                self.accepted_domains().join(", ")
            ),
            format!(
                "message bodies are {}; at most {} sessions ({} per client IP and address)",
                match &self.store {
                    Some(d) => format!(
                        "KEPT in {} (at most {} bytes)",
                        d.display(),
                        self.store_max_bytes
                    ),
                    None => "hashed and counted, not kept".to_owned(),
                },
                self.max_sessions,
                self.max_sessions_per_ip
            ),
        ]
    }

    /// The recipient domains accepted: `--accept-domain`s, `P.D` for every profile with
    /// `--domain D`, `lab.test` when neither is given.
    pub fn accepted_domains(&self) -> Vec<String> {
        let mut accept: Vec<String> = self
            .accept_domains
            .iter()
            .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
            .collect();
        if let Some(d) = &self.domain {
            for p in LabProfile::known() {
                accept.push(zone::profile_domain(p, d));
            }
        }
        if accept.is_empty() {
            accept.push("lab.test".to_owned());
        }
        accept
    }
}

/// What a lab will serve, checked but not yet listening (certificates loaded or minted).
pub struct Plan {
    /// The sockets, each with its session configuration.
    pub bindings: Vec<(Binding, Arc<session::SessionConfig>)>,
    /// The lab CA certificate.
    pub ca_pem: PathBuf,
    /// One line per profile served: how a public sender will see its certificate.
    pub trust: Vec<String>,
}

impl Plan {
    /// What `--dry-run` says of the plan, a line each: every socket with its profile, host
    /// name and rule, its SNI rules, then how each certificate will be seen.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (b, cfg) in &self.bindings {
            out.push(format!(
                "would serve {:<16} on {} as {} ({})",
                b.profile.name(),
                b.addr,
                cfg.hostname,
                b.rule
            ));
            for c in &cfg.sni {
                out.push(format!("  SNI {} -> {}", c.name, c.profile.name()));
            }
        }
        out.extend(self.trust.iter().map(|t| format!("certificate {t}")));
        out
    }
}

/// Checks a configuration and prepares what [`start`] serves: loads the `--cert` chains
/// (refusing a key that does not fit), mints the others, builds the SNI tables, and says per
/// profile whether a public sender will trust it. Binds nothing.
pub fn plan(a: &LabConfig) -> Result<Plan, LabError> {
    let bindings = a.bindings()?;
    let ca = certs::LabCa::load_or_create(&a.state)?;
    let store = match &a.store {
        Some(dir) => Some(Arc::new(
            store::Maildir::with_limit(dir, a.store_max_bytes)
                .map_err(|e| LabError::Io(dir.clone(), e))?,
        )),
        None => None,
    };
    let accept = a.accepted_domains();
    let limits = Limits {
        message_bytes: usize::try_from(a.max_message_size).unwrap_or(usize::MAX),
        ..Limits::default()
    };
    let mut real: Vec<(LabProfile, certs::Chain)> = Vec::new();
    for c in &a.certs {
        real.push((c.profile, certs::load_chain(c)?));
    }
    let config_for = |p: LabProfile, host: &str, ip: IpAddr| -> Result<_, LabError> {
        if let Some((_, chain)) = real.iter().find(|(q, _)| *q == p) {
            if !p.serves_tls() {
                return Ok(None);
            }
            return certs::server_config(certs::Chain {
                certs: chain.certs.clone(),
                key: chain.key.clone_key(),
            })
            .map(Some);
        }
        match certs::chain_for(p, &ca, host, ip)? {
            Some(chain) => certs::server_config(chain).map(Some),
            None => Ok(None),
        }
    };
    let mut out = Vec::new();
    let mut trust = Vec::new();
    let mut said = std::collections::HashSet::new();
    let mut say = |p: LabProfile, host: &str, trust: &mut Vec<String>| {
        if !p.serves_tls() || !said.insert((p, host.to_owned())) {
            return;
        }
        let line = match real.iter().find(|(q, _)| *q == p) {
            Some((_, chain)) => format!(
                "{p} ({host}): --cert chain, {}",
                certs::public_trust(chain, host)
            ),
            None => format!(
                "{p} ({host}): minted by the lab, NOT trusted by public senders{}",
                if p.takes_real_cert() {
                    " (lab CA; give --cert for a real chain)"
                } else {
                    " (broken by construction)"
                }
            ),
        };
        trust.push(line);
    };
    for b in bindings {
        let host = a.hostname_for(b.profile);
        let ip = b.addr.ip();
        say(b.profile, &host, &mut trust);
        let mut sni = Vec::new();
        if b.profile.by_sni() {
            for r in &a.sni_profiles {
                say(r.profile, &r.name, &mut trust);
                sni.push(session::SniChoice {
                    name: r.name.clone(),
                    profile: r.profile,
                    tls: config_for(r.profile, &r.name, ip)?,
                });
            }
        }
        let cfg = Arc::new(session::SessionConfig {
            profile: b.profile,
            hostname: host.clone(),
            tls: config_for(b.profile, &host, ip)?,
            accept_domains: accept.clone(),
            limits,
            idle_timeout: a.idle_timeout,
            tarpit_interval: a.tarpit_interval,
            store: store.clone(),
            rule: b.rule,
            sni,
        });
        out.push((b, cfg));
    }
    Ok(Plan {
        bindings: out,
        ca_pem: ca.pem_path,
        trust,
    })
}

/// `--dry-run`: [`plan`], then binds every address and lets it go again (a port in use, an
/// address not on this machine, or port 25 without the right fail here). Returns the plan.
pub async fn dry_run(a: &LabConfig) -> Result<Plan, LabError> {
    let p = plan(a)?;
    for (b, _) in &p.bindings {
        let l = TcpListener::bind(b.addr)
            .await
            .map_err(|e| LabError::Bind(b.addr, e))?;
        drop(l);
    }
    Ok(p)
}

/// A lab running in this process (what `mxray lab` serves, and what `mxray demo` can start).
pub struct RunningLab {
    /// Each profile and the address it listens on (port 0 in the arguments: the port chosen).
    pub addrs: Vec<(LabProfile, SocketAddr)>,
    /// The lab CA certificate.
    pub ca_pem: PathBuf,
    /// One line per profile served: how a public sender will see its certificate.
    pub trust: Vec<String>,
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

    /// What a started lab says, a line each: the CA to trust, every profile's address, and
    /// how each certificate will be seen.
    pub fn describe(&self) -> Vec<String> {
        let mut out = vec![format!(
            "lab CA certificate {} (trust it to test verifying senders)",
            self.ca_pem.display()
        )];
        for (profile, addr) in &self.addrs {
            out.push(format!("{:<16} {addr}", profile.name()));
        }
        out.extend(self.trust.iter().map(|t| format!("certificate {t}")));
        out
    }

    /// Stops accepting connections (sessions in progress are dropped).
    pub fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Opens the `--asn-db` files (none: `None`); a bad file is a usage error naming it.
pub fn open_asn_db(paths: &[PathBuf]) -> Result<Option<mxray_asn::AsnDb>, LabError> {
    if paths.is_empty() {
        return Ok(None);
    }
    mxray_asn::AsnDb::open(paths)
        .map(Some)
        .map_err(|e| LabError::Usage(format!("--asn-db {e}")))
}

/// Starts the lab in this process: mints the certificates, binds every port, and serves until
/// [`RunningLab::stop`]. Session records go to `log` (one JSON object per line).
pub async fn start(
    a: &LabConfig,
    log: Box<dyn std::io::Write + Send>,
) -> Result<RunningLab, LabError> {
    let plan = plan(a)?;
    let identity = match &a.resolver {
        Some(spec) => Some(Arc::new(identity::Identify::new(spec)?)),
        None => None,
    };
    let asn_db = open_asn_db(&a.asn_db)?;
    let shared = Arc::new(server::Shared {
        log: Mutex::new(log),
        kept: Mutex::new(Vec::new()),
        fallback: Mutex::new(server::FallbackTracker::default()),
        fallback_window: a.fallback_window,
        sessions: Arc::new(Semaphore::new(
            usize::try_from(a.max_sessions).unwrap_or(64),
        )),
        session_timeout: a.session_timeout,
        per_ip: Mutex::new(server::PerIp::new(a.max_sessions_per_ip)),
        identity,
        asn_db,
    });
    let mut tasks: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    let mut addrs = Vec::new();
    for (b, cfg) in plan.bindings {
        let listener = match TcpListener::bind(b.addr).await {
            Ok(l) => l,
            Err(e) => {
                for t in &tasks {
                    t.abort();
                }
                return Err(LabError::Bind(b.addr, e));
            }
        };
        addrs.push((b.profile, listener.local_addr().unwrap_or(b.addr)));
        tasks.push(tokio::spawn(server::serve(listener, cfg, shared.clone())));
    }
    Ok(RunningLab {
        addrs,
        ca_pem: plan.ca_pem,
        trust: plan.trust,
        shared,
        tasks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_from_all_and_profiles() {
        let a = LabConfig {
            all: true,
            base_port: 3000,
            profiles: vec!["good=4000".parse().unwrap()],
            ..LabConfig::default()
        };
        let p = a.ports().unwrap();
        assert_eq!(p.len(), LabProfile::ALL.len());
        assert!(p.contains(&(LabProfile::Good, 4000)));
        assert!(p.contains(&(LabProfile::Tarpit, 3009)));
        assert!(LabConfig::default().ports().is_err(), "nothing to serve");
        let twice = LabConfig {
            profiles: vec!["good=5000".parse().unwrap(), "tarpit=5000".parse().unwrap()],
            ..LabConfig::default()
        };
        assert!(twice.ports().is_err());
        let overflow = LabConfig {
            all: true,
            base_port: 65530,
            ..LabConfig::default()
        };
        assert!(overflow.ports().is_err());
    }

    #[test]
    fn one_profile_on_several_ports() {
        let a = LabConfig {
            profiles: vec!["good=2710".parse().unwrap(), "good=2711".parse().unwrap()],
            ..LabConfig::default()
        };
        assert_eq!(
            a.ports().unwrap(),
            vec![(LabProfile::Good, 2710), (LabProfile::Good, 2711)]
        );
        // --all's port of a profile is replaced by the profile's explicit ports.
        let a = LabConfig {
            all: true,
            base_port: 3000,
            profiles: vec!["good=2710".parse().unwrap(), "good=2711".parse().unwrap()],
            ..LabConfig::default()
        };
        let p = a.ports().unwrap();
        assert_eq!(p.len(), LabProfile::ALL.len() + 1);
        assert!(p.contains(&(LabProfile::Good, 2710)) && p.contains(&(LabProfile::Good, 2711)));
        assert!(!p.contains(&(LabProfile::Good, 3000)));
        // The same port twice is still refused.
        let a = LabConfig {
            profiles: vec!["good".parse().unwrap(), "good".parse().unwrap()],
            ..LabConfig::default()
        };
        assert!(a.ports().is_err());
    }

    #[test]
    fn bindings_from_listen_rules_and_their_checks() {
        let a = LabConfig {
            listeners: vec![
                "127.0.0.2=good".parse().unwrap(),
                "[::1]:2625=expired".parse().unwrap(),
            ],
            ..LabConfig::default()
        };
        let b = a.bindings().unwrap();
        assert_eq!(
            b.len(),
            2,
            "no --profile/--all: only the --listen addresses"
        );
        assert_eq!(b[0].addr.to_string(), "127.0.0.2:25");
        assert_eq!(b[0].rule, listen::rule::LISTEN);
        assert_eq!(b[1].profile, LabProfile::Expired);
        // With --profile as well, both.
        let both = LabConfig {
            profiles: vec!["tarpit=2700".parse().unwrap()],
            ..a.clone()
        };
        let b = both.bindings().unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].rule, listen::rule::PORT);
        assert_eq!(b[0].addr.to_string(), "127.0.0.1:2700");
        // The same address twice.
        let twice = LabConfig {
            listeners: vec![
                "127.0.0.2=good".parse().unwrap(),
                "127.0.0.2:25=tarpit".parse().unwrap(),
            ],
            ..LabConfig::default()
        };
        let e = twice.bindings().unwrap_err().to_string();
        assert!(e.contains("127.0.0.2:25 given twice"), "{e}");
        // An SNI rule needs an address whose profile SNI can replace.
        let no_sni = LabConfig {
            listeners: vec!["127.0.0.2=no-starttls".parse().unwrap()],
            sni_profiles: vec!["mx.a.test=expired".parse().unwrap()],
            ..LabConfig::default()
        };
        assert!(no_sni.bindings().is_err());
        let dup = LabConfig {
            listeners: vec!["127.0.0.2=good".parse().unwrap()],
            sni_profiles: vec![
                "mx.a.test=expired".parse().unwrap(),
                "MX.A.test=self-signed".parse().unwrap(),
            ],
            ..LabConfig::default()
        };
        assert!(dup.bindings().is_err());
        // --domain: host names and recipient domains per profile.
        let d = LabConfig {
            domain: Some("lab.example.org".into()),
            ..LabConfig::default()
        };
        assert_eq!(
            d.hostname_for(LabProfile::Expired),
            "mx.expired.lab.example.org"
        );
        assert!(d
            .accepted_domains()
            .contains(&"no-starttls.lab.example.org".to_owned()));
        assert!(!d.accepted_domains().contains(&"lab.test".to_owned()));
        assert_eq!(LabConfig::default().accepted_domains(), ["lab.test"]);
    }

    /// Per-IP limit: the second session at once from one address gets 421 and is recorded.
    #[tokio::test]
    async fn a_second_session_from_one_ip_gets_421() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir = std::env::temp_dir().join(format!("mxray-lab-perip-{}", std::process::id()));
        let a = LabConfig {
            listeners: vec!["127.0.0.1:0=no-starttls".parse().unwrap()],
            max_sessions_per_ip: 1,
            state: dir.clone(),
            ..LabConfig::default()
        };
        let lab = start(&a, Box::new(std::io::sink())).await.unwrap();
        let addr = lab.addr(LabProfile::NoStarttls).unwrap();
        let mut first = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut greeting = [0u8; 64];
        let n = first.read(&mut greeting).await.unwrap();
        assert!(greeting[..n].starts_with(b"220 "));
        let mut second = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), second.read_to_end(&mut out))
            .await
            .unwrap()
            .unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.starts_with("421 4.7.0 Too many sessions from your address"),
            "{text}"
        );
        first.write_all(b"QUIT\r\n").await.unwrap();
        let mut rest = Vec::new();
        first.read_to_end(&mut rest).await.unwrap();
        // The slot is given back: a new session is served.
        let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
        let n = third.read(&mut greeting).await.unwrap();
        assert!(greeting[..n].starts_with(b"220 "), "slot not given back");
        let mut records = Vec::new();
        for _ in 0..100 {
            records = lab.records();
            if records.len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            records.iter().any(|r| r.end == "per-ip-limit"),
            "{records:?}"
        );
        assert!(records
            .iter()
            .all(|r| r.profile_rule.as_deref() == Some(listen::rule::LISTEN)));
        lab.stop();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn in_process_lab_serves_and_records() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir = std::env::temp_dir().join(format!("mxray-lab-inproc-{}", std::process::id()));
        let a = LabConfig {
            profiles: vec!["no-starttls=0".parse().unwrap(), "good=0".parse().unwrap()],
            state: dir.clone(),
            ..LabConfig::default()
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
        let said = lab.describe();
        assert_eq!(
            said[0],
            format!(
                "lab CA certificate {} (trust it to test verifying senders)",
                lab.ca_pem.display()
            )
        );
        assert!(
            said.contains(&format!("{:<16} {addr}", "no-starttls")),
            "{said:?}"
        );
        assert_eq!(said.len(), 3 + lab.trust.len(), "{said:?}");
        lab.stop();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn banner_says_what_is_accepted_and_kept() {
        let a = LabConfig {
            domain: Some("lab.example.org".into()),
            max_sessions: 5,
            max_sessions_per_ip: 2,
            ..LabConfig::default()
        };
        let [accept, kept] = a.banner();
        assert!(accept.starts_with(
            "a TEST receiver with deliberately broken STARTTLS; it relays nothing and accepts \
             recipients only in: good.lab.example.org, "
        ));
        assert_eq!(
            kept,
            "message bodies are hashed and counted, not kept; at most 5 sessions (2 per client \
             IP and address)"
        );
        let stored = LabConfig {
            store: Some(PathBuf::from("/srv/mail")),
            store_max_bytes: 100,
            ..LabConfig::default()
        };
        let [accept, kept] = stored.banner();
        assert!(accept.ends_with("only in: lab.test"), "{accept}");
        assert!(kept.starts_with("message bodies are KEPT in /srv/mail (at most 100 bytes);"));
    }

    #[test]
    fn plan_describes_sockets_sni_rules_and_certificates() {
        let dir = std::env::temp_dir().join(format!("mxray-lab-plan-{}", std::process::id()));
        let a = LabConfig {
            profiles: vec!["good=2677".parse().unwrap()],
            sni_profiles: vec!["mx.expired.lab.test=expired".parse().unwrap()],
            state: dir.clone(),
            ..LabConfig::default()
        };
        let p = plan(&a).unwrap();
        let lines = p.describe();
        assert_eq!(
            lines[0],
            format!(
                "would serve {:<16} on 127.0.0.1:2677 as mx.lab.test (port)",
                "good"
            )
        );
        assert_eq!(lines[1], "  SNI mx.expired.lab.test -> expired");
        assert_eq!(lines.len(), 2 + p.trust.len(), "{lines:?}");
        assert!(lines[2..].iter().all(|l| l.starts_with("certificate ")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The README's example, run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
