//! The scheduler of `mxray scan`: reads targets lazily, applies shard, exclusion and resume,
//! resolves names, runs endpoints with bounded concurrency, and stops cleanly on Ctrl-C.
//!
//! Order of checks for every address, before any packet is sent to it: shard (for addresses
//! from ranges and literals), exclusion list, resume set. Addresses that came from DNS pass the
//! exclusion list and the resume set too, before the connection.
//!
//! Units of work and shared endpoints: each record finishes one unit of work
//! ([`crate::resume::Unit`]: target, domain, MX host, address, port). `--resume` skips the units
//! that have a final record, so a domain whose MX host was recorded for another domain still gets
//! its records. Each endpoint `(ip, port)` is connected to once per scan: the registry maps it
//! to the scan in flight or its finished result, and every further unit that reaches it (another
//! domain of the same provider, the same MX host at several preferences, the same target given
//! twice) waits for or reuses that result and gets its own record with `shared_from` set (the
//! certificate name check redone for its own MX host and domain). The same unit is recorded once.
//! The registry holds at most [`REGISTRY_ENTRIES`] finished results and [`REGISTRY_BYTES`] of
//! them (the oldest are forgotten: an endpoint reached again after that is scanned again);
//! `--resume` seeds it with the results in the file. The result of an address target (a literal
//! or a range) is not kept, only that the endpoint was scanned and by which units: a range scan
//! reaches each address once, so keeping its results would hold memory for nothing; an address
//! reached again by another unit (overlapping ranges, or an MX host's address after the
//! literal) is scanned again, while a scan still in flight is waited for as always.
//!
//! Stop (SIGINT / SIGTERM / SIGHUP): no new endpoint is launched; in-flight endpoints get
//! `--grace` to finish, then are recorded with status `interrupted`; every record is flushed;
//! exit 130.
//! A second signal skips the grace period.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io::{self, BufReader};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

use crate::audit::load_store;
use crate::audit::StoreChoice;
use crate::dns::{Dns, DnsFailure, DomainResolution};
use crate::exclude::{parse_entry, ExcludeError, ExclusionList};
use crate::mtasts::{lookup_domain, DomainPolicies, FetchConfig};
use crate::output::{
    check_output, open_output, repair_torn_tail, spawn_writer, OutputStats, RecordSender,
    TailRepair,
};
use crate::pipeline::TlsModeChoice;
use crate::pipeline::{ms, scan_endpoint, Endpoint, PipelineConfig, ScanContext};
use crate::progress::Progress;
use crate::ratelimit::RateConfig;
use crate::resume::{ResumeError, ResumeSet, Unit};
use crate::shard::{Shard, ShardBy};
use crate::targets::{
    parse_target, range_len, ListError, ParseOptions, RangeIter, SourcedTarget, Target,
    TargetError, TargetList, DEFAULT_RANGE_CAP,
};
use mxray_schema::record::{EndpointRecord, ErrorKind, MxInfo, Phase, Profile, ScanError, Status};

/// What one scan does: the options of `mxray scan` (the binary converts its command line into
/// this; the field docs speak of the command line's options).
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Targets: domains, host names with port, addresses with or without port, CIDR ranges;
    /// `-` reads stdin.
    pub targets: Vec<String>,

    /// Read targets from FILE (repeatable), once, as a stream (a pipe or /dev/stdin works); a bad
    /// line stops the scan there with exit 1, keeping the records written before it.
    pub targets_file: Vec<PathBuf>,

    /// Treat bare names as host names (A/AAAA) instead of mail domains (MX).
    pub hosts: bool,

    /// Port for targets without one: 25 (SMTP), 587 (submission), 465 (implicit TLS)...
    pub port: u16,

    /// Scan depth, recorded in every record.
    pub profile: Profile,

    /// Name sent in EHLO. Default `mxray.invalid`: a reserved name (RFC 2606) that claims no
    /// one's identity; set it to your scanner's host name with matching reverse DNS and a web
    /// page explaining the scan.
    /// Must be a host name or an address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`).
    pub ehlo_name: String,

    /// DNS server IP:PORT (default: the system's /etc/resolv.conf).
    pub resolver: Option<SocketAddr>,

    /// Timeout of each DNS query (e.g. 5s, 500ms). A and AAAA are asked separately: a name
    /// for which neither gives an address and one timed out is recorded with rcode `timeout`.
    pub dns_timeout: Duration,

    /// TCP connect timeout.
    pub connect_timeout: Duration,

    /// Timeout of each read phase (the whole greeting, the QUIT reply).
    pub read_timeout: Duration,

    /// Cap on the deadline of one endpoint, retries and backoff included. By default the
    /// deadline is derived from the profile: its connections beyond --per-ip-burst at
    /// --per-ip-rate, plus the connect, read (x2) and TLS (x2) timeouts and the retry backoff
    /// (printed before the scan). When the deadline cuts probes short the record says so:
    /// status `partial`, `complete: false` on what was cut, never a guess.
    pub endpoint_timeout: Option<Duration>,

    /// Never contact this address or range (repeatable). An IPv4-mapped IPv6 entry
    /// (`::ffff:192.0.2.1`) also excludes its IPv4 form, and the other way round.
    pub exclude: Vec<String>,

    /// Never contact the addresses and ranges listed in FILE (repeatable; ZMap blocklist format).
    pub exclude_file: Vec<PathBuf>,

    /// Scan only shard I of N (0-based), e.g. 0/4.
    pub shard: Option<Shard>,

    /// How the shard of a name target (a mail domain, a host name) is chosen: by the addresses
    /// it resolves to (the default: one IP's endpoints on one machine), or by the name.
    pub shard_by: ShardBy,

    /// Write records to FILE instead of stdout. An existing non-empty FILE is refused unless
    /// it is also --resume (then records are added to it) or --force is given; an input file
    /// (targets, exclusions, a --resume file that is not the output) is always refused.
    pub output: Option<PathBuf>,

    /// Overwrite an existing --output file (never one of the inputs: that is always refused).
    pub force: bool,

    /// Skip the units of work already finished in FILE: an endpoint as reached from one target,
    /// domain and MX host, a DNS failure, a null MX (an `interrupted` record is redone). A
    /// domain reaching an endpoint recorded for another gets its record from that result,
    /// without connecting. If FILE is also --output, append to it (a torn last line is cut).
    pub resume: Option<PathBuf>,

    /// Endpoints scanned at the same time. Their probe connections share a budget sized to the
    /// open-files limit (`ulimit -n`) less one per endpoint and 256 kept back: above it, probes
    /// wait for a socket instead of failing.
    pub concurrency: u32,

    /// Connections per second to one IP address: every connection, the probes' included
    /// (`standard` uses 6 per endpoint, `full` 30 to 200). Low is polite (mail servers
    /// answer scanners with 421) but slow: at 1/s a `full` endpoint takes minutes (the
    /// endpoint deadline grows with it; raise the rate for servers you run yourself).
    pub per_ip_rate: f64,

    /// Burst of connections to one IP address above the rate.
    pub per_ip_burst: u32,

    /// Retries after a 421 greeting or a refused connection.
    pub retries: u32,

    /// Backoff before the first retry, doubled for each further one.
    pub retry_delay: Duration,

    /// Allow ranges of more than 2^24 addresses.
    pub allow_large: bool,

    /// A country's ranges from delegation files (`--country`, [`crate::delegation`]), scanned
    /// after the other targets, each range expanded lazily; the range cap does not apply (the
    /// binary asks for `--yes` above its size threshold instead).
    pub country: Option<crate::delegation::CountryRanges>,

    /// For address targets (no MX host name to check the certificate against): look up the
    /// PTR names (confirmed forward), read the greeting's and EHLO's host names, and record
    /// which the certificate covers (`server_names`, [`crate::selfnames`]). Only for endpoints
    /// that sent a greeting.
    pub server_names: bool,

    /// AS databases (`--asn-db`, [`mxray_asn`]): each scanned endpoint's record gets the AS and
    /// country of its address (`network`). Opened and checked before any packet.
    pub asn_db: Vec<PathBuf>,

    /// After Ctrl-C (or SIGTERM, SIGHUP), how long in-flight endpoints may finish before being
    /// recorded as interrupted.
    pub grace: Duration,

    /// No progress bar and no summary on stderr.
    pub quiet: bool,

    /// TLS options.
    pub tls: TlsConfig,

    /// The domain policies (MTA-STS, TLS-RPT) of domain targets.
    pub policies: PolicyConfig,
}

/// Whether and how the policies of domain targets are looked up (see [`crate::mtasts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyConfig {
    /// Look them up (default: yes).
    pub enabled: bool,
    /// Port of the MTA-STS policy fetch: 443 as RFC 8461 says; another port for labs and tests.
    pub mta_sts_port: u16,
    /// Deadline of one policy fetch.
    pub fetch_timeout: Duration,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            mta_sts_port: crate::mtasts::DEFAULT_POLICY_PORT,
            fetch_timeout: Duration::from_secs(30),
        }
    }
}

impl PolicyConfig {
    /// The fetch configuration, with the anchors of the scan's trust store; `None` when
    /// disabled.
    pub fn fetch_config(&self, store: &cert_audit::TrustStore) -> Option<FetchConfig> {
        self.enabled.then(|| {
            let mut f = FetchConfig::new(store);
            f.port = self.mta_sts_port;
            f.total_timeout = self.fetch_timeout;
            f.connect_timeout = f.connect_timeout.min(self.fetch_timeout);
            f.tls_timeout = f.tls_timeout.min(self.fetch_timeout);
            f
        })
    }
}

/// TLS options shared by scans and probes.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    /// How TLS is reached.
    pub tls_mode: TlsModeChoice,
    /// Time limit of each TLS exchange (the handshake; one probe hello and its answer).
    pub tls_timeout: Duration,
    /// The trust store certificates are audited against.
    pub store: StoreChoice,
    /// DANE lookups (`None`: off, records have no `dane`).
    pub dane: Option<DaneChoice>,
    /// SMTP checks beyond STARTTLS (plaintext acceptance, submission ports).
    pub smtp_checks: crate::context::SmtpChecks,
}

/// DANE lookups asked for: with hickory's root KSKs, or a trust anchor file (DNSKEY or DS
/// records, or root-anchors.xml).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaneChoice {
    /// A trust anchor file (see [`crate::dane::load_trust_anchor`]); `None`: the root.
    pub trust_anchor: Option<PathBuf>,
}

impl DaneChoice {
    /// The validating resolver of this choice, asking `resolver` (or the system's).
    pub fn resolver(
        &self,
        resolver: Option<SocketAddr>,
        timeout: Duration,
    ) -> Result<crate::dane::DaneResolver, String> {
        let anchor = match &self.trust_anchor {
            Some(p) => Some(crate::dane::load_trust_anchor(p).map_err(|e| e.to_string())?),
            None => None,
        };
        crate::dane::DaneResolver::new(resolver, anchor, timeout).map_err(|e| e.to_string())
    }
}

/// Exit code: the scan ran to its end.
pub const EXIT_OK: i32 = 0;
/// Exit code: fatal usage or I/O error.
pub const EXIT_FATAL: i32 = 1;
/// Exit code: interrupted by SIGINT / SIGTERM / SIGHUP.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Most addresses remembered by the per-IP rate limiter.
const RATE_LIMITER_ENTRIES: usize = 65_536;

/// Most finished endpoint results kept for reuse in one scan (see the module documentation).
pub const REGISTRY_ENTRIES: usize = 65_536;

/// Most bytes (serialized) of finished endpoint results kept for reuse in one scan: about
/// 20,000 `standard` results. A range scan reaches each endpoint once, so what it keeps is
/// memory spent for nothing; a domain scan reuses its most recent results.
pub const REGISTRY_BYTES: usize = 64 * 1024 * 1024;

/// Most units remembered per endpoint to record each unit once (beyond: a repeated unit may be
/// recorded again; the report counts it once).
const UNITS_PER_ENDPOINT: usize = 100_000;

/// A fatal error: the scan could not start, or could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FatalError {
    /// A bad target on the command line.
    #[error("target argument {index} {text:?}: {error}")]
    BadArgument {
        /// 1-based position among the targets.
        index: usize,
        /// The argument.
        text: String,
        /// Why.
        error: TargetError,
    },
    /// A bad line in a target list (read as a stream: the scan stopped there).
    #[error("{0} (the scan stopped at this line; the records written before it are kept)")]
    TargetList(Box<ListError>),
    /// A targets file that cannot be opened.
    #[error("cannot open targets file {}: {error}", path.display())]
    TargetsFile {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// A bad `--exclude` value.
    #[error("--exclude {0:?}: not an IP address or CIDR range")]
    BadExclude(String),
    /// A bad exclusion file.
    #[error("exclusion list {0}")]
    ExcludeList(#[from] ExcludeError),
    /// An exclusion file that cannot be opened.
    #[error("cannot open exclusion file {}: {error}", path.display())]
    ExcludeFile {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// A bad resume file.
    #[error("resume file {0}")]
    Resume(#[from] ResumeError),
    /// A resume file that cannot be opened.
    #[error("cannot open resume file {}: {error}", path.display())]
    ResumeFile {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// The output cannot be opened or written.
    #[error("output {where_}: {error}")]
    Output {
        /// File name or `stdout`.
        where_: String,
        /// Why.
        error: io::Error,
    },
    /// The output would destroy an input or an existing result.
    #[error("{0}")]
    OutputRefused(#[from] crate::output::OutputRefused),
    /// A name target, and no resolver.
    #[error("{0}")]
    Dns(String),
    /// The arguments and lists named no target at all.
    #[error(
        "no targets: the arguments, --targets-file lists and stdin named none (see mxray scan --help)"
    )]
    NoTargets,
    /// The signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(io::Error),
    /// The trust store for the certificate audit cannot be loaded.
    #[error("trust store: {0}")]
    TrustStore(String),
    /// DANE was asked for and its resolver or trust anchor cannot be set up.
    #[error("DANE: {0}")]
    Dane(String),
    /// An `--asn-db` file cannot be read or is malformed.
    #[error("--asn-db {0}")]
    AsnDb(#[from] mxray_asn::AsnError),
}

impl From<ListError> for FatalError {
    fn from(e: ListError) -> Self {
        Self::TargetList(Box::new(e))
    }
}

/// How a scan ended (when not fatally).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanSummary {
    /// What was written.
    pub stats: OutputStats,
    /// Addresses skipped because excluded.
    pub excluded: u64,
    /// Endpoints skipped because already in the resume file.
    pub resumed: u64,
    /// Stopped by a signal.
    pub interrupted: bool,
    /// Wall time.
    pub elapsed: Duration,
}

impl ScanSummary {
    /// The one-line summary printed on stderr.
    pub fn line(&self) -> String {
        let s = &self.stats;
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            s.records as f64 / secs
        } else {
            0.0
        };
        let kinds: Vec<String> = s
            .errors_by_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let kinds = if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        };
        format!(
            "mxray: {} records in {secs:.1}s ({rate:.1}/s): {} completed{}, {} failed{kinds}, {} null MX, {} interrupted; {} excluded, {} already done (resume){}",
            s.records,
            s.completed,
            if s.partial > 0 {
                format!(", {} partial (deadline cut the probes)", s.partial)
            } else {
                String::new()
            },
            s.failed,
            s.null_mx,
            s.interrupted,
            self.excluded,
            self.resumed,
            if self.interrupted { "; stopped by signal" } else { "" },
        )
    }
}

/// State shared by the scheduler and its tasks.
struct Shared {
    ctx: ScanContext,
    /// `--server-names`: address targets get their own names checked.
    server_names: bool,
    /// `--asn-db`: records get their address's AS and country.
    asn_db: Option<mxray_asn::AsnDb>,
    shard: Shard,
    shard_by: ShardBy,
    dns: Option<Dns>,
    /// The policy fetch of domain targets; `None`: policies are not looked up.
    fetch: Option<FetchConfig>,
    dns_error: Option<String>,
    exclude: ExclusionList,
    resume: ResumeSet,
    registry: Registry,
    out: RecordSender,
    progress: Progress,
    stop: watch::Receiver<bool>,
    abort: watch::Receiver<bool>,
    excluded: AtomicU64,
    resumed: AtomicU64,
    output_failed: AtomicBool,
}

impl Shared {
    /// Whether this shard writes the records of the name target `name` that reach no address
    /// (a DNS failure, a null MX, a scan stopped during DNS).
    fn owns_name(&self, name: &str) -> bool {
        self.shard.owns(name)
    }

    /// Whether this shard scans an endpoint at `ip` that a name target reached. With
    /// [`ShardBy::Name`] the scheduler kept only this shard's names, and all their endpoints
    /// are its own.
    fn owns_endpoint(&self, ip: IpAddr) -> bool {
        match self.shard_by {
            ShardBy::Name => true,
            ShardBy::Address => self.shard.owns_ip(ip),
        }
    }
}

/// Where targets come from, in order.
enum Source {
    Arg(SourcedTarget),
    Stdin,
    File(PathBuf, BufReader<File>),
}

/// Runs a scan to its end. `stops` carries stop requests (`mxray` sends one per Ctrl-C, SIGTERM
/// or SIGHUP): the first stops taking new endpoints, a second or the grace period aborts those in
/// flight. Finished records are written either way.
pub async fn run(args: ScanConfig, stops: mpsc::Receiver<()>) -> Result<ScanSummary, FatalError> {
    let started = Instant::now();
    let opts = ParseOptions {
        names_are_hosts: args.hosts,
        range_cap: if args.allow_large {
            u128::MAX
        } else {
            DEFAULT_RANGE_CAP
        },
    };
    let shard = args.shard.unwrap_or_else(Shard::all);

    // 1. Targets: arguments parsed and files checked completely before any packet.
    let mut sources = Vec::new();
    let mut names_seen = false;
    let mut total: Option<u64> = Some(0);
    for (i, text) in args.targets.iter().enumerate() {
        if text == "-" {
            sources.push(Source::Stdin);
            total = None;
            continue;
        }
        let target = parse_target(text, &opts).map_err(|error| FatalError::BadArgument {
            index: i + 1,
            text: text.clone(),
            error,
        })?;
        count_target(&target, &mut total, &mut names_seen);
        sources.push(Source::Arg(SourcedTarget {
            text: text.trim().to_owned(),
            target,
        }));
    }
    if let Some(country) = &args.country {
        for net in country.nets() {
            let target = Target::Range(*net);
            count_target(&target, &mut total, &mut names_seen);
            sources.push(Source::Arg(SourcedTarget {
                text: net.to_string(),
                target,
            }));
        }
    }
    // Target files are opened now (a missing file is fatal before any packet) and read once,
    // as a stream, by the reader thread: a pipe or /dev/stdin cannot be read twice. A bad line
    // later in a file stops the scan at that point (records written before it are kept).
    for path in &args.targets_file {
        let file = open_targets(path)?;
        total = None;
        sources.push(Source::File(path.clone(), file));
    }
    if args.shard.is_some() {
        total = None;
    }

    // 2. The AS databases, exclusions and resume set.
    let asn_db = if args.asn_db.is_empty() {
        None
    } else {
        Some(mxray_asn::AsnDb::open(&args.asn_db)?)
    };
    let mut nets = Vec::new();
    for e in &args.exclude {
        nets.push(parse_entry(e).ok_or_else(|| FatalError::BadExclude(e.clone()))?);
    }
    for path in &args.exclude_file {
        let f = File::open(path).map_err(|error| FatalError::ExcludeFile {
            path: path.clone(),
            error,
        })?;
        ExclusionList::read_into(BufReader::new(f), &path.display().to_string(), &mut nets)?;
    }
    let exclude = ExclusionList::new(nets);
    let mut resume = match &args.resume {
        None => ResumeSet::default(),
        Some(path) => match File::open(path) {
            Ok(f) => ResumeSet::read_with_seeds(
                BufReader::new(f),
                &path.display().to_string(),
                REGISTRY_ENTRIES,
                REGISTRY_BYTES,
            )?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => ResumeSet::default(),
            Err(error) => {
                return Err(FatalError::ResumeFile {
                    path: path.clone(),
                    error,
                })
            }
        },
    };

    // Each endpoint's deadline, derived from what its profile needs at the per-IP rate; say
    // up front what that costs.
    let budget_inputs = crate::budget::BudgetInputs {
        profile: args.profile,
        rate: args.per_ip_rate,
        burst: args.per_ip_burst,
        connect_timeout: args.connect_timeout,
        read_timeout: args.read_timeout,
        tls_timeout: args.tls.tls_timeout,
        retries: args.retries,
        retry_delay: args.retry_delay,
        explicit: args.endpoint_timeout,
    };
    let budget = crate::budget::endpoint_budget(&budget_inputs);
    if !args.quiet {
        eprintln!("{}", crate::budget::cost_line(&budget_inputs, &budget));
    }

    // 2b. The trust store of the certificate audit.
    let trust =
        load_store(&args.tls.store.clone()).map_err(|e| FatalError::TrustStore(e.to_string()))?;

    // 3. DNS, needed for names only.
    let (dns, dns_error) = match Dns::new(args.resolver, args.dns_timeout) {
        Ok(d) => (Some(d), None),
        Err(e) => (None, Some(e.to_string())),
    };
    if names_seen {
        if let Some(e) = &dns_error {
            return Err(FatalError::Dns(e.clone()));
        }
    }

    // 4. Output.
    let append = match (&args.resume, &args.output) {
        (Some(r), Some(o)) => same_file(r, o),
        _ => false,
    };
    if let Some(output) = &args.output {
        let mut inputs: Vec<&Path> = args.targets_file.iter().map(PathBuf::as_path).collect();
        inputs.extend(args.exclude_file.iter().map(PathBuf::as_path));
        if args.targets.iter().any(|t| t == "-") {
            inputs.push(Path::new("-"));
        }
        if let (Some(r), false) = (&args.resume, append) {
            inputs.push(r);
        }
        check_output(output, &inputs, args.force || append, !append)?;
    }
    if let (true, Some(output)) = (append, &args.output) {
        let repaired = repair_torn_tail(output).map_err(|error| FatalError::Output {
            where_: output.display().to_string(),
            error,
        })?;
        if let TailRepair::Cut { bytes } = repaired {
            eprintln!(
                "mxray: resume: cut a torn last line ({bytes} bytes, a record cut short by a \
                 killed run or a full disk) from {}; its unit of work is not done and is \
                 scanned again if targeted",
                output.display()
            );
        }
    } else if resume.truncated_last_line {
        if let Some(r) = &args.resume {
            eprintln!(
                "mxray: resume: ignored a torn last line of {} (a record cut short); its \
                 unit of work is not done and is scanned again if targeted",
                r.display()
            );
        }
    }
    let where_ = args
        .output
        .as_ref()
        .map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
    let sink = open_output(args.output.as_deref(), append).map_err(|error| FatalError::Output {
        where_: where_.clone(),
        error,
    })?;
    let progress = Progress::new(total, args.quiet);
    let (out, writer) = spawn_writer(sink, progress.clone());

    // 5. Signals.
    let (stop_tx, stop_rx) = watch::channel(false);
    let (abort_tx, abort_rx) = watch::channel(false);
    watch_stops(stops, stop_tx.clone(), abort_tx, args.grace);

    let mut ctx = ScanContext::new(
        PipelineConfig::for_profile(args.profile, Arc::new(trust))
            .with_timeouts(args.connect_timeout, args.read_timeout, budget.deadline)
            .with_retries(args.retries, args.retry_delay)
            .with_ehlo_name(args.ehlo_name.clone())
            .with_tls(args.tls.tls_mode, args.tls.tls_timeout)
            .with_smtp_checks(args.tls.smtp_checks.clone()),
        RateConfig {
            rate: args.per_ip_rate,
            burst: f64::from(args.per_ip_burst),
        },
        RATE_LIMITER_ENTRIES,
        usize::try_from(args.concurrency).unwrap_or(64),
    );
    ctx.abort = Some(abort_rx.clone());
    if let Some(choice) = &args.tls.dane {
        ctx.dane = Some(
            choice
                .resolver(args.resolver, args.dns_timeout)
                .map_err(FatalError::Dane)?,
        );
    }
    let fetch = args.policies.fetch_config(&ctx.config.trust).map(|mut f| {
        f.exclude = Arc::new(exclude.clone());
        f
    });
    let shared = Arc::new(Shared {
        server_names: args.server_names,
        asn_db,
        fetch,
        ctx,
        shard,
        shard_by: args.shard_by,
        dns,
        dns_error,
        exclude,
        registry: Registry::seeded(resume.take_seeds(), REGISTRY_ENTRIES, REGISTRY_BYTES),
        resume,
        out,
        progress: progress.clone(),
        stop: stop_rx.clone(),
        abort: abort_rx,
        excluded: AtomicU64::new(0),
        resumed: AtomicU64::new(0),
        output_failed: AtomicBool::new(false),
    });

    // 6. The producer: targets stream in from a reader thread through a bounded channel.
    let (target_tx, mut target_rx) = mpsc::channel::<Result<SourcedTarget, ListError>>(1024);
    std::thread::spawn(move || read_sources(sources, opts, target_tx));

    let mut scheduler = Scheduler {
        shared: Arc::clone(&shared),
        sem: Arc::new(Semaphore::new(
            usize::try_from(args.concurrency).unwrap_or(64),
        )),
        tasks: JoinSet::new(),
        stop: stop_rx.clone(),
        shard,
        port: args.port,
        names_seen: HashSet::new(),
    };
    let mut fatal: Option<FatalError> = None;
    let mut targets_seen: u64 = 0;
    loop {
        let mut stop = stop_rx.clone();
        let item = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            item = target_rx.recv() => item,
        };
        let Some(item) = item else { break };
        match item {
            Ok(st) => {
                targets_seen = targets_seen.saturating_add(1);
                if !scheduler.handle(st).await {
                    break;
                }
            }
            Err(e) => {
                fatal = Some(FatalError::from(e));
                break;
            }
        }
        if shared.output_failed.load(Ordering::Relaxed) {
            break;
        }
        while scheduler.tasks.try_join_next().is_some() {}
    }
    drop(target_rx);
    let Scheduler {
        mut tasks,
        shared: scheduler_shared,
        ..
    } = scheduler;
    drop(scheduler_shared);
    while tasks.join_next().await.is_some() {}
    let interrupted = *stop_rx.borrow();
    let excluded = shared.excluded.load(Ordering::Relaxed);
    let resumed = shared.resumed.load(Ordering::Relaxed);
    drop(shared);
    let stats = writer.finish().map_err(|error| FatalError::Output {
        where_: where_.clone(),
        error,
    })?;
    progress.finish();
    if let Some(e) = fatal {
        return Err(e);
    }
    if targets_seen == 0 && !interrupted {
        return Err(FatalError::NoTargets);
    }
    Ok(ScanSummary {
        stats,
        excluded,
        resumed,
        interrupted,
        elapsed: started.elapsed(),
    })
}

fn open_targets(path: &Path) -> Result<BufReader<File>, FatalError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|error| FatalError::TargetsFile {
            path: path.to_owned(),
            error,
        })
}

fn count_target(t: &Target, total: &mut Option<u64>, names_seen: &mut bool) {
    let n = match t {
        Target::Domain(_) | Target::Host { .. } => {
            *names_seen = true;
            None
        }
        Target::Addr { .. } => Some(1),
        Target::Range(net) => u64::try_from(range_len(net)).ok(),
    };
    *total = match (*total, n) {
        (Some(a), Some(b)) => a.checked_add(b),
        _ => None,
    };
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Reads every source in order and sends its targets; stops when the receiver is gone.
fn read_sources(
    sources: Vec<Source>,
    opts: ParseOptions,
    tx: mpsc::Sender<Result<SourcedTarget, ListError>>,
) {
    for source in sources {
        match source {
            Source::Arg(st) => {
                if tx.blocking_send(Ok(st)).is_err() {
                    return;
                }
            }
            Source::Stdin => {
                let stdin = io::stdin().lock();
                for item in TargetList::new(stdin, "<stdin>", opts) {
                    if tx.blocking_send(item).is_err() {
                        return;
                    }
                }
            }
            Source::File(path, file) => {
                for item in TargetList::new(file, path.display().to_string(), opts) {
                    if tx.blocking_send(item).is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// Turns stop requests into the scan's stop (first request: no new endpoints) and abort (a
/// second request, or the grace period after the first: in-flight endpoints are recorded as
/// interrupted). A closed channel asks for nothing.
fn watch_stops(
    mut stops: mpsc::Receiver<()>,
    stop: watch::Sender<bool>,
    abort: watch::Sender<bool>,
    grace: Duration,
) {
    tokio::spawn(async move {
        if stops.recv().await.is_none() {
            return;
        }
        let _ = stop.send(true);
        tokio::select! {
            Some(()) = stops.recv() => {}
            () = tokio::time::sleep(grace) => {}
        }
        let _ = abort.send(true);
    });
}

struct Scheduler {
    shared: Arc<Shared>,
    sem: Arc<Semaphore>,
    tasks: JoinSet<()>,
    stop: watch::Receiver<bool>,
    shard: Shard,
    port: u16,
    /// Name targets (domain, or host and port) already launched, to work on each once; at most
    /// [`NAMES_REMEMBERED`] (beyond, a repeated name is resolved again, and its endpoints are
    /// still scanned once).
    names_seen: HashSet<u128>,
}

/// Most name targets remembered to launch each once.
const NAMES_REMEMBERED: usize = 1_000_000;

/// A unit of work handed to a task.
enum Work {
    Domain {
        target: String,
        domain: String,
        port: u16,
    },
    Host {
        target: String,
        name: String,
        port: u16,
    },
    Addr {
        target: String,
        addr: SocketAddr,
    },
}

impl Scheduler {
    /// Handles one target; false when the scan must stop.
    async fn handle(&mut self, st: SourcedTarget) -> bool {
        let SourcedTarget { text, target } = st;
        match target {
            Target::Domain(domain) => {
                if !self.owns_name(&domain) || self.repeated(&domain, true, self.port) {
                    return true;
                }
                self.launch(Work::Domain {
                    target: text,
                    domain,
                    port: self.port,
                })
                .await
            }
            Target::Host { name, port } => {
                let port = port.unwrap_or(self.port);
                if !self.owns_name(&name) || self.repeated(&name, false, port) {
                    return true;
                }
                self.launch(Work::Host {
                    target: text,
                    name,
                    port,
                })
                .await
            }
            Target::Addr { ip, port } => {
                self.addr(text, SocketAddr::new(ip, port.unwrap_or(self.port)))
                    .await
            }
            Target::Range(net) => {
                for ip in RangeIter::new(&net) {
                    if *self.stop.borrow() || self.shared.output_failed.load(Ordering::Relaxed) {
                        return false;
                    }
                    if !self
                        .addr(text.clone(), SocketAddr::new(ip, self.port))
                        .await
                    {
                        return false;
                    }
                    while self.tasks.try_join_next().is_some() {}
                }
                true
            } // `Target` is non_exhaustive for other crates only; every variant is handled above.
        }
    }

    /// Whether this shard works on the name target `name` at all: with [`ShardBy::Name`] only
    /// if it owns the name; by address every shard resolves every name and keeps the endpoints
    /// it owns (`Shared::owns_endpoint`).
    fn owns_name(&self, name: &str) -> bool {
        match self.shared.shard_by {
            ShardBy::Name => self.shard.owns(name),
            ShardBy::Address => true,
        }
    }

    /// Whether the name target (a mail domain, or a host name) at `port` was launched already.
    fn repeated(&mut self, name: &str, is_domain: bool, port: u16) -> bool {
        let key = unit(name, is_domain.then_some(name), None, None, port).key();
        if self.names_seen.contains(&key) {
            return true;
        }
        if self.names_seen.len() < NAMES_REMEMBERED {
            self.names_seen.insert(key);
        }
        false
    }

    async fn addr(&mut self, target: String, addr: SocketAddr) -> bool {
        if !self.shard.owns_ip(addr.ip()) {
            return true;
        }
        if !admit(
            &self.shared,
            &unit(&target, None, None, Some(addr.ip()), addr.port()),
        ) {
            return true;
        }
        self.launch(Work::Addr { target, addr }).await
    }

    /// Waits for a concurrency slot (or the stop) and spawns the work.
    async fn launch(&mut self, work: Work) -> bool {
        let mut stop = self.stop.clone();
        let permit = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => return false,
            p = Arc::clone(&self.sem).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return false,
            },
        };
        let shared = Arc::clone(&self.shared);
        self.tasks.spawn(async move {
            run_work(&shared, work).await;
            drop(permit);
        });
        true
    }
}

/// Exclusion and resume checks, counted; true when the unit may be worked on.
fn admit(shared: &Shared, unit: &Unit) -> bool {
    if let Some(ip) = unit.ip {
        if shared.exclude.contains(ip) {
            shared.excluded.fetch_add(1, Ordering::Relaxed);
            shared.progress.inc_skipped();
            return false;
        }
    }
    if shared.resume.is_done(unit) {
        shared.resumed.fetch_add(1, Ordering::Relaxed);
        shared.progress.inc_skipped();
        return false;
    }
    true
}

/// The unit of work of a record about `target` (see [`Unit`]).
fn unit(
    target: &str,
    domain: Option<&str>,
    mx: Option<&str>,
    ip: Option<IpAddr>,
    port: u16,
) -> Unit {
    Unit {
        target: target.to_owned(),
        domain: domain.map(str::to_owned),
        mx: mx.map(str::to_owned),
        ip,
        port,
    }
}

/// What a unit that reaches an endpoint does (see [`Registry::claim`]).
enum Claim {
    /// The endpoint is not known: scan it, then publish the result with this sender.
    Scan(watch::Sender<Option<Arc<EndpointRecord>>>),
    /// Another unit is scanning it: wait for its result.
    Wait(watch::Receiver<Option<Arc<EndpointRecord>>>),
    /// Its finished result.
    Done(Arc<EndpointRecord>),
    /// This very unit was already recorded by this scan.
    Duplicate,
}

enum Slot {
    InFlight(watch::Receiver<Option<Arc<EndpointRecord>>>),
    Done(Stored),
    /// Finished, its result not kept (an address target's, see [`Registry::finish`]): the units
    /// are remembered, so a repeated unit is still recorded once; another unit scans again.
    Scanned,
}

/// A finished result as the registry keeps it: the record serialized (about 3 KB for a
/// `standard` record, a fraction of the struct with its many small allocations) and the
/// captured chain, which the record does not serialize. A mass scan holds thousands.
struct Stored {
    json: Box<[u8]>,
    chain: Option<Arc<[Vec<u8>]>>,
}

impl Stored {
    /// `None` when the record cannot be serialized (it then cannot be written either).
    fn of(rec: &EndpointRecord) -> Option<Stored> {
        let json = serde_json::to_vec(rec).ok()?.into_boxed_slice();
        Some(Stored {
            json,
            chain: rec.captured_chain.clone(),
        })
    }

    /// The record again; `None` only if what was serialized does not read back.
    fn record(&self) -> Option<EndpointRecord> {
        let mut rec: EndpointRecord = serde_json::from_slice(&self.json).ok()?;
        rec.captured_chain = self.chain.clone();
        Some(rec)
    }

    /// What it holds, for the registry's byte bound.
    fn bytes(&self) -> usize {
        let chain: usize = self
            .chain
            .as_ref()
            .map_or(0, |c| c.iter().map(Vec::len).sum());
        self.json.len().saturating_add(chain)
    }
}

struct Entry {
    slot: Slot,
    units: HashSet<u128>,
    /// Serialized size of the finished result (0 in flight).
    bytes: usize,
}

#[derive(Default)]
struct RegistryInner {
    entries: HashMap<(IpAddr, u16), Entry>,
    /// Finished endpoints, oldest first (may name entries already gone).
    done_order: VecDeque<(IpAddr, u16)>,
    /// Sum of the finished results' serialized sizes.
    bytes: usize,
}

/// The per-scan registry of endpoints: `(ip, port)` to the scan in flight or its finished
/// result, so that each endpoint is connected to once. Holds at most [`REGISTRY_ENTRIES`]
/// finished results (the oldest are forgotten) plus the scans in flight (at most
/// `--concurrency`).
struct Registry {
    inner: std::sync::Mutex<RegistryInner>,
    max_entries: usize,
    max_bytes: usize,
}

impl Registry {
    /// A registry holding finished results (from a resume file), with its bounds.
    fn seeded(seeds: Vec<EndpointRecord>, max_entries: usize, max_bytes: usize) -> Self {
        let reg = Self {
            inner: std::sync::Mutex::default(),
            max_entries,
            max_bytes,
        };
        for rec in seeds {
            if let Some(ip) = rec.ip {
                let _ = reg.finish((ip, rec.port), &rec, true);
            }
        }
        reg
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RegistryInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers `unit` (its key) at `endpoint` and says what to do.
    fn claim(&self, endpoint: (IpAddr, u16), unit: u128) -> Claim {
        let mut inner = self.lock();
        if let Some(e) = inner.entries.get_mut(&endpoint) {
            if e.units.contains(&unit) {
                return Claim::Duplicate;
            }
            if e.units.len() < UNITS_PER_ENDPOINT {
                e.units.insert(unit);
            }
            let done = match &e.slot {
                Slot::InFlight(rx) => return Claim::Wait(rx.clone()),
                Slot::Done(stored) => stored.record(),
                Slot::Scanned => None,
            };
            if let Some(rec) = done {
                return Claim::Done(Arc::new(rec));
            }
            // Not kept, or unreadable (never expected): scanned again, as if forgotten.
            let (tx, rx) = watch::channel(None);
            e.slot = Slot::InFlight(rx);
            let bytes = std::mem::take(&mut e.bytes);
            inner.bytes = inner.bytes.saturating_sub(bytes);
            return Claim::Scan(tx);
        }
        let (tx, rx) = watch::channel(None);
        inner.entries.insert(
            endpoint,
            Entry {
                slot: Slot::InFlight(rx),
                units: HashSet::from([unit]),
                bytes: 0,
            },
        );
        Claim::Scan(tx)
    }

    /// Stores a finished result (an `interrupted` one is not kept: the next unit scans again),
    /// and returns the JSON it made of it (`serde_json::to_vec(rec)`), so that the writer need
    /// not serialize the record again; `None` for an interrupted record or one that cannot be
    /// serialized.
    ///
    /// `keep: false` (an address target's endpoint) remembers only that the endpoint was
    /// scanned and by which units: another unit reaching it scans it again. Ranges seldom
    /// overlap, and a range scan reaches each address once, so its results would be memory
    /// (about 5 KB per `quick` endpoint, up to [`REGISTRY_BYTES`]) spent for nothing.
    fn finish(&self, endpoint: (IpAddr, u16), rec: &EndpointRecord, keep: bool) -> Option<Vec<u8>> {
        if rec.status == Status::Interrupted {
            let mut inner = self.lock();
            if let Some(e) = inner.entries.remove(&endpoint) {
                inner.bytes = inner.bytes.saturating_sub(e.bytes);
            }
            return None;
        }
        let (slot, json, size) = if keep {
            let stored = Stored::of(rec);
            let json = stored.as_ref().map(|s| s.json.to_vec());
            let size = stored.as_ref().map_or(0, Stored::bytes);
            (stored.map_or(Slot::Scanned, Slot::Done), json, size)
        } else {
            (Slot::Scanned, serde_json::to_vec(rec).ok(), 0)
        };
        let mut inner = self.lock();
        let old_size = match inner.entries.get_mut(&endpoint) {
            Some(e) => {
                e.slot = slot;
                std::mem::replace(&mut e.bytes, size)
            }
            None => {
                // A seed from the resume file: no unit has claimed it yet.
                let e = Entry {
                    slot,
                    units: HashSet::new(),
                    bytes: size,
                };
                inner.entries.insert(endpoint, e);
                0
            }
        };
        inner.bytes = inner.bytes.saturating_sub(old_size).saturating_add(size);
        inner.done_order.push_back(endpoint);
        while inner.done_order.len() > self.max_entries || inner.bytes > self.max_bytes {
            let Some(old) = inner.done_order.pop_front() else {
                break;
            };
            if let Some(Entry {
                slot: Slot::Done(_) | Slot::Scanned,
                bytes,
                ..
            }) = inner.entries.get(&old)
            {
                let bytes = *bytes;
                inner.entries.remove(&old);
                inner.bytes = inner.bytes.saturating_sub(bytes);
            }
        }
        json
    }
}

/// The record of `ep` made from the result of another unit's scan of the same endpoint.
fn reused(rec: &EndpointRecord, ep: &Endpoint) -> EndpointRecord {
    let mut r = rec.clone();
    r.shared_from = Some(
        rec.shared_from
            .clone()
            .unwrap_or_else(|| rec.target.clone()),
    );
    r.target = ep.target.clone();
    r.domain = ep.domain.clone();
    r.mx = ep.mx.clone();
    r.timings.dns_ms = ep.dns_ms;
    let mx_name = ep
        .mx
        .as_ref()
        .map(|m| m.host.as_str())
        .filter(|h| *h != "." && h.parse::<IpAddr>().is_err());
    if let Some(cert) = &rec.certificate {
        let redone = cert.for_names(mx_name, ep.domain.as_deref());
        if redone.findings != cert.findings {
            r.findings
                .retain(|f| f.source != mxray_schema::record::FindingSource::Certificate);
            r.findings.extend(crate::assemble::from_audit(&redone));
            crate::assemble::sort(&mut r.findings);
        }
        r.certificate = Some(Arc::new(redone));
    }
    r
}

/// [`emit`], after putting the domain's policies on the record. `json`: the record's JSON when
/// it is already made (the registry's, see [`Registry::finish`]), so the writer need not make it
/// again; policies put on the record change it, and its JSON is then made anew.
async fn emit_with(
    shared: &Shared,
    mut rec: EndpointRecord,
    policies: Option<&DomainPolicies>,
    json: Option<Vec<u8>>,
) {
    let json = match policies {
        Some(p) => {
            crate::policycheck::attach(&mut rec, p);
            None
        }
        None => json,
    };
    let sent = match json {
        Some(json) => shared.out.send_serialized(rec, json).await,
        None => shared.out.send(rec).await,
    };
    if sent.is_err() {
        shared.output_failed.store(true, Ordering::Relaxed);
    }
}

/// [`reused`], with DANE looked up for the unit's own MX host and judged again. The matching of
/// the source's chain (`certificate.dane`) is kept when the TLSA records a sender uses are the
/// same; otherwise it is dropped (the chain itself is not kept) and the state is
/// `not_evaluated`.
async fn reused_dane(shared: &Shared, src: &EndpointRecord, ep: &Endpoint) -> EndpointRecord {
    let mut r = reused(src, ep);
    let Some(resolver) = &shared.ctx.dane else {
        return r;
    };
    r.dane = None;
    crate::dane_record::lookup_record(resolver, &mut r).await;
    let tlsa = crate::dane_record::usable_tlsa(&r);
    if tlsa != crate::dane_record::usable_tlsa(src) {
        let redone = r.captured_chain.as_ref().map(|chain| {
            let cfg = &shared.ctx.config;
            let mx = crate::dane_record::host_name(r.mx.as_ref()).map(str::to_owned);
            shared
                .ctx
                .audits
                .audit(chain, mx.as_deref(), r.domain.as_deref(), &tlsa, &cfg.trust)
        });
        r.findings
            .retain(|f| f.source != mxray_schema::record::FindingSource::Certificate);
        match redone {
            Some(report) => {
                r.findings.extend(crate::assemble::from_audit(&report));
                r.certificate = Some(report);
            }
            None => {
                if let Some(c) = r.certificate.as_mut().map(Arc::make_mut) {
                    c.dane = None;
                    c.findings.retain(|f| {
                        !matches!(
                            f.id,
                            cert_audit::FindingId::DaneMismatch
                                | cert_audit::FindingId::DaneUnusable
                        )
                    });
                }
                if let Some(c) = &r.certificate {
                    r.findings.extend(crate::assemble::from_audit(c));
                }
            }
        }
        crate::assemble::sort(&mut r.findings);
    }
    crate::dane_record::judge_record(&mut r, crate::clock::now_unix());
    r
}

async fn emit(shared: &Shared, rec: EndpointRecord) {
    emit_with(shared, rec, None, None).await;
}

async fn aborted(mut abort: watch::Receiver<bool>) {
    let _ = abort.wait_for(|a| *a).await;
}

fn interrupted_record(mut rec: EndpointRecord, phase: Phase, started: Instant) -> EndpointRecord {
    rec.status = Status::Interrupted;
    rec.error = Some(ScanError::new(
        ErrorKind::Interrupted,
        phase,
        "stopped by signal before the endpoint finished",
    ));
    rec.timings.total_ms = ms(started.elapsed());
    rec
}

fn dns_record(
    shared: &Shared,
    target: &str,
    domain: Option<&str>,
    mx: Option<MxInfo>,
    port: u16,
    failure: DnsFailure,
    dns_ms: u64,
) -> EndpointRecord {
    let mut rec = EndpointRecord::new(target.to_owned(), None, port, shared.ctx.config.profile);
    rec.domain = domain.map(str::to_owned);
    rec.mx = mx;
    rec.timings.dns_ms = Some(dns_ms);
    rec.error = Some(ScanError {
        kind: ErrorKind::Dns,
        phase: Phase::Dns,
        rcode: Some(failure.rcode),
        message: failure.message,
    });
    rec
}

/// Writes the record of one endpoint unit (after the exclusion and resume checks): scans the
/// endpoint, or reuses (waiting if need be) the scan of another unit (see [`Registry`]).
/// `keep`: whether the registry keeps the result for other units (not for an address target's:
/// see [`Registry::finish`]).
async fn scan_one(shared: &Shared, ep: Endpoint, policies: Option<&DomainPolicies>, keep: bool) {
    let u = unit(
        &ep.target,
        ep.domain.as_deref(),
        ep.mx.as_ref().map(|m| m.host.as_str()),
        Some(ep.addr.ip()),
        ep.addr.port(),
    );
    if !shared.owns_endpoint(ep.addr.ip()) || *shared.stop.borrow() || !admit(shared, &u) {
        return;
    }
    let endpoint = (ep.addr.ip(), ep.addr.port());
    match shared.registry.claim(endpoint, u.key()) {
        Claim::Duplicate => {}
        Claim::Done(rec) => {
            emit_with(
                shared,
                Box::pin(reused_dane(shared, &rec, &ep)).await,
                policies,
                None,
            )
            .await
        }
        Claim::Wait(mut rx) => {
            // The scan in flight ends by its own deadline, or by the abort after a stop.
            let rec = match rx.wait_for(Option::is_some).await {
                Ok(r) => r.clone(),
                Err(_) => None,
            };
            let rec = match rec {
                Some(r) => Box::pin(reused_dane(shared, &r, &ep)).await,
                None => interrupted_record(
                    ep.new_record(shared.ctx.config.profile),
                    Phase::Connect,
                    Instant::now(),
                ),
            };
            emit_with(shared, rec, policies, None).await;
        }
        Claim::Scan(tx) => {
            // scan_endpoint watches `ctx.abort` itself and keeps what it saw so far.
            let mut rec = scan_endpoint(&shared.ctx, &ep).await;
            if shared.server_names && ep.mx.is_none() && ep.domain.is_none() && rec.banner.is_some()
            {
                let ptr = match &shared.dns {
                    Some(dns) => Box::pin(crate::selfnames::lookup_ptr(dns, ep.addr.ip())).await,
                    None => Err("no_resolver".to_owned()),
                };
                let (ptr, err) = match ptr {
                    Ok(p) => (p, None),
                    Err(e) => (Vec::new(), Some(e)),
                };
                rec.server_names = Some(crate::selfnames::from_record(&rec, ptr, err));
            }
            if let Some(db) = &shared.asn_db {
                rec.network = db.lookup(ep.addr.ip());
            }
            let rec = Arc::new(rec);
            let json = shared.registry.finish(endpoint, &rec, keep);
            let _ = tx.send(Some(Arc::clone(&rec)));
            drop(tx);
            emit_with(shared, Arc::unwrap_or_clone(rec), policies, json).await;
        }
    }
}

async fn run_work(shared: &Shared, work: Work) {
    match work {
        Work::Addr { target, addr } => {
            // Already admitted by the scheduler; `scan_one` re-checks cheaply.
            let ep = Endpoint {
                target,
                domain: None,
                mx: None,
                addr,
                dns_ms: None,
            };
            scan_one(shared, ep, None, false).await;
        }
        Work::Host { target, name, port } => {
            // A recorded DNS failure finishes the host target: it is not resolved again.
            if !admit(shared, &unit(&target, None, None, None, port)) {
                return;
            }
            let own = shared.owns_name(&name);
            let Some(dns) = &shared.dns else {
                if own {
                    dns_unavailable(shared, &target, None, port).await;
                }
                return;
            };
            let t = Instant::now();
            let res = tokio::select! {
                r = Box::pin(dns.resolve_host(&name)) => r,
                _ = aborted(shared.abort.clone()) => {
                    if own {
                        let rec = EndpointRecord::new(target, None, port, shared.ctx.config.profile);
                        emit(shared, interrupted_record(rec, Phase::Dns, t)).await;
                    }
                    return;
                }
            };
            let dns_ms = ms(t.elapsed());
            let mx = MxInfo {
                host: name.clone(),
                preference: None,
                implicit: false,
            };
            match res {
                Err(_) if !own => {}
                Err(f) => {
                    emit(
                        shared,
                        dns_record(shared, &target, None, None, port, f, dns_ms),
                    )
                    .await
                }
                Ok(ips) => {
                    for ip in ips {
                        let ep = Endpoint {
                            target: target.clone(),
                            domain: None,
                            mx: Some(mx.clone()),
                            addr: SocketAddr::new(ip, port),
                            dns_ms: Some(dns_ms),
                        };
                        scan_one(shared, ep, None, true).await;
                    }
                }
            }
        }
        Work::Domain {
            target,
            domain,
            port,
        } => {
            // A recorded DNS failure or null MX finishes the domain: it is not resolved again.
            if !admit(shared, &unit(&target, Some(&domain), None, None, port))
                || !admit(shared, &unit(&target, Some(&domain), Some("."), None, port))
            {
                return;
            }
            let own = shared.owns_name(&domain);
            let Some(dns) = &shared.dns else {
                if own {
                    dns_unavailable(shared, &target, Some(&domain), port).await;
                }
                return;
            };
            let t = Instant::now();
            let res = tokio::select! {
                r = Box::pin(dns.resolve_domain(&domain)) => r,
                _ = aborted(shared.abort.clone()) => {
                    if own {
                        let mut rec = EndpointRecord::new(target, None, port, shared.ctx.config.profile);
                        rec.domain = Some(domain);
                        emit(shared, interrupted_record(rec, Phase::Dns, t)).await;
                    }
                    return;
                }
            };
            let dns_ms = ms(t.elapsed());
            let endpoints =
                |mx: MxInfo, ips: Vec<IpAddr>| ips.into_iter().map(move |ip| (mx.clone(), ip));
            // The domain's policies (MTA-STS, TLS-RPT), for every record of a domain that
            // takes mail; a stop ends the lookup (the records then go without them).
            let policies = match (&res, &shared.fetch) {
                (Ok(DomainResolution::Mx(_) | DomainResolution::Implicit(_)), Some(cfg)) => {
                    tokio::select! {
                        p = Box::pin(lookup_domain(dns, &domain, cfg)) => Some(p),
                        _ = aborted(shared.abort.clone()) => None,
                    }
                }
                _ => None,
            };
            let policies = policies.as_ref();
            let list: Vec<(MxInfo, IpAddr)> = match res {
                Err(_) if !own => return,
                Err(f) => {
                    let rec = dns_record(shared, &target, Some(&domain), None, port, f, dns_ms);
                    return emit(shared, rec).await;
                }
                Ok(DomainResolution::NullMx) if !own => return,
                Ok(DomainResolution::NullMx) => {
                    let mut rec =
                        EndpointRecord::new(target, None, port, shared.ctx.config.profile);
                    rec.domain = Some(domain);
                    rec.mx = Some(MxInfo {
                        host: ".".to_owned(),
                        preference: Some(0),
                        implicit: false,
                    });
                    rec.status = Status::NullMx;
                    rec.timings.dns_ms = Some(dns_ms);
                    return emit(shared, rec).await;
                }
                Ok(DomainResolution::Implicit(ips)) => endpoints(
                    MxInfo {
                        host: domain.clone(),
                        preference: None,
                        implicit: true,
                    },
                    ips,
                )
                .collect(),
                Ok(DomainResolution::Mx(hosts)) => {
                    let mut list = Vec::new();
                    for h in hosts {
                        let mx = MxInfo {
                            host: h.name,
                            preference: Some(h.preference),
                            implicit: false,
                        };
                        match h.addresses {
                            Ok(ips) => list.extend(endpoints(mx, ips)),
                            Err(_)
                                if !own
                                    || !admit(
                                        shared,
                                        &unit(&target, Some(&domain), Some(&mx.host), None, port),
                                    ) => {}
                            Err(f) => {
                                let rec = dns_record(
                                    shared,
                                    &target,
                                    Some(&domain),
                                    Some(mx),
                                    port,
                                    f,
                                    dns_ms,
                                );
                                emit_with(shared, rec, policies, None).await;
                            }
                        }
                    }
                    list
                }
            };
            for (mx, ip) in list {
                let ep = Endpoint {
                    target: target.clone(),
                    domain: Some(domain.clone()),
                    mx: Some(mx),
                    addr: SocketAddr::new(ip, port),
                    dns_ms: Some(dns_ms),
                };
                scan_one(shared, ep, policies, true).await;
            }
        }
    }
}

async fn dns_unavailable(shared: &Shared, target: &str, domain: Option<&str>, port: u16) {
    let failure = DnsFailure {
        rcode: "error".to_owned(),
        message: shared
            .dns_error
            .clone()
            .unwrap_or_else(|| "no resolver".to_owned()),
    };
    emit(
        shared,
        dns_record(shared, target, domain, None, port, failure, 0),
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(target: &str, ip: &str, status: Status) -> EndpointRecord {
        let mut r = EndpointRecord::new(
            target.to_owned(),
            ip.parse().ok(),
            25,
            mxray_schema::record::Profile::Quick,
        );
        r.status = status;
        r
    }

    fn ep(ip: &str) -> (IpAddr, u16) {
        (ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0])), 25)
    }

    #[test]
    fn registry_scans_each_endpoint_once_and_each_unit_once() {
        let reg = Registry::seeded(Vec::new(), 10, 1 << 20);
        let a = ep("127.0.0.1");
        let Claim::Scan(tx) = reg.claim(a, 1) else {
            panic!("first unit scans")
        };
        assert!(matches!(reg.claim(a, 1), Claim::Duplicate));
        let Claim::Wait(rx) = reg.claim(a, 2) else {
            panic!("second unit waits")
        };
        let done = Arc::new(rec("x", "127.0.0.1", Status::Completed));
        reg.finish(a, &done, true);
        assert!(tx.send(Some(Arc::clone(&done))).is_ok());
        assert_eq!(rx.borrow().as_deref(), Some(&*done));
        assert!(matches!(reg.claim(a, 3), Claim::Done(r) if *r == *done));
        assert!(matches!(reg.claim(a, 2), Claim::Duplicate));
        // An interrupted scan is not kept: the next unit scans again.
        let b = ep("127.0.0.2");
        assert!(matches!(reg.claim(b, 1), Claim::Scan(_)));
        assert_eq!(
            reg.finish(b, &rec("y", "127.0.0.2", Status::Interrupted), true),
            None
        );
        assert!(matches!(reg.claim(b, 2), Claim::Scan(_)));
    }

    /// The registry keeps a finished result serialized; what a reusing unit gets back is the
    /// same record, the captured chain (which the record does not serialize) included, and the
    /// byte bound counts both.
    #[test]
    fn registry_gives_back_the_record_it_stored_chain_included() {
        let mut done = rec("x", "127.0.0.1", Status::Completed);
        done.shared_from = Some("y".to_owned());
        done.captured_chain = Some(vec![vec![0x30, 0x82, 1, 2], vec![7; 100]].into());
        let json = serde_json::to_vec(&done).map_or(0, |v| v.len());
        let reg = Registry::seeded(Vec::new(), 10, json + 104);
        let a = ep("127.0.0.1");
        assert!(matches!(reg.claim(a, 1), Claim::Scan(_)));
        // What it hands back for the writer is the record's own JSON.
        assert_eq!(reg.finish(a, &done, true), serde_json::to_vec(&done).ok());
        let Claim::Done(back) = reg.claim(a, 2) else {
            panic!("kept: exactly within the byte bound")
        };
        assert_eq!(*back, done);
        assert_eq!(back.captured_chain, done.captured_chain);
        // One byte less and it is forgotten at once.
        let reg = Registry::seeded(Vec::new(), 10, json + 103);
        assert!(matches!(reg.claim(a, 1), Claim::Scan(_)));
        reg.finish(a, &done, true);
        assert!(matches!(reg.claim(a, 2), Claim::Scan(_)));
    }

    /// An address target's result is not kept: the same unit is still recorded once, another
    /// unit scans again, the writer still gets the record's JSON, and the markers count against
    /// the entry bound like kept results.
    #[test]
    fn registry_keeps_only_the_units_of_an_address_targets_result() {
        let reg = Registry::seeded(Vec::new(), 2, 1 << 20);
        let a = ep("127.0.0.1");
        let done = rec("127.0.0.1", "127.0.0.1", Status::Completed);
        assert!(matches!(reg.claim(a, 1), Claim::Scan(_)));
        assert!(
            matches!(reg.claim(a, 2), Claim::Wait(_)),
            "in flight: waited for"
        );
        assert_eq!(reg.finish(a, &done, false), serde_json::to_vec(&done).ok());
        assert_eq!(reg.lock().bytes, 0, "nothing kept");
        assert!(matches!(reg.claim(a, 1), Claim::Duplicate));
        assert!(matches!(reg.claim(a, 2), Claim::Duplicate));
        assert!(
            matches!(reg.claim(a, 3), Claim::Scan(_)),
            "not kept: scanned again"
        );
        reg.finish(a, &done, false);
        for i in 2..=3 {
            let b = ep(&format!("127.0.0.{i}"));
            assert!(matches!(reg.claim(b, 1), Claim::Scan(_)));
            reg.finish(b, &done, false);
        }
        assert_eq!(
            reg.lock().entries.len(),
            2,
            "the oldest marker is forgotten"
        );
        assert!(matches!(reg.claim(a, 1), Claim::Scan(_)), "its units too");
        assert!(matches!(reg.claim(ep("127.0.0.3"), 1), Claim::Duplicate));
    }

    #[test]
    fn registry_forgets_the_oldest_results_beyond_its_bounds() {
        let seeds: Vec<EndpointRecord> = (1..=4)
            .map(|i| rec("s", &format!("127.0.0.{i}"), Status::Completed))
            .collect();
        let reg = Registry::seeded(seeds, 3, 1 << 20);
        assert!(
            matches!(reg.claim(ep("127.0.0.1"), 9), Claim::Scan(_)),
            "forgotten"
        );
        for i in 2..=4 {
            assert!(matches!(
                reg.claim(ep(&format!("127.0.0.{i}")), 9),
                Claim::Done(_)
            ));
        }
        let one =
            serde_json::to_vec(&rec("s", "127.0.0.1", Status::Completed)).map_or(0, |v| v.len());
        let reg = Registry::seeded(
            (1..=4)
                .map(|i| rec("s", &format!("127.0.0.{i}"), Status::Completed))
                .collect(),
            100,
            2 * one,
        );
        let kept = (1..=4)
            .filter(|i| matches!(reg.claim(ep(&format!("127.0.0.{i}")), 9), Claim::Done(_)))
            .count();
        assert_eq!(kept, 2, "the byte budget holds two results");
    }

    #[test]
    fn a_reused_record_gets_the_name_check_of_its_own_mx_host_and_domain() {
        use mxray_lab::certs::{chain_for, LabCa};
        use mxray_lab::profiles::LabProfile;
        let dir = std::env::temp_dir().join(format!("mxray-reuse-names-{}", std::process::id()));
        let Ok(ca) = LabCa::load_or_create(&dir) else {
            panic!("lab CA")
        };
        let Ok(Some(chain)) = chain_for(
            LabProfile::SelfSigned,
            &ca,
            "mx.a.test",
            [127, 0, 0, 1].into(),
        ) else {
            panic!("chain")
        };
        let ders: Vec<Vec<u8>> = chain.certs.iter().map(|c| c.to_vec()).collect();
        let store = cert_audit::TrustStore::webpki_roots();
        let mut first = rec("a.test", "127.0.0.1", Status::Completed);
        let audit = crate::audit::audit_chain(&ders, Some("mx.a.test"), Some("a.test"), &store);
        first.findings = crate::assemble::from_audit(&audit);
        first.certificate = Some(Arc::new(audit));
        assert!(!first.findings.iter().any(|f| f.id == "name-mismatch"));
        let e = Endpoint {
            target: "b.test".to_owned(),
            domain: Some("b.test".to_owned()),
            mx: Some(MxInfo {
                host: "mx.b.test".to_owned(),
                preference: Some(10),
                implicit: false,
            }),
            addr: SocketAddr::new([127, 0, 0, 1].into(), 25),
            dns_ms: None,
        };
        let r = reused(&first, &e);
        let fresh = crate::audit::audit_chain(&ders, Some("mx.b.test"), Some("b.test"), &store);
        assert_eq!(r.certificate.as_ref().map(|c| &c.names), Some(&fresh.names));
        assert_eq!(
            r.certificate.as_ref().map(|c| c.names.result),
            Some(cert_audit::NameMatch::Mismatch)
        );
        assert!(
            r.findings.iter().any(|f| f.id == "name-mismatch"),
            "{:?}",
            r.findings
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_reused_record_has_its_own_identity_and_names_its_source() {
        let mut first = rec("a.test", "127.0.0.1", Status::Completed);
        first.domain = Some("a.test".to_owned());
        first.timings.dns_ms = Some(7);
        let e = Endpoint {
            target: "b.test".to_owned(),
            domain: Some("b.test".to_owned()),
            mx: Some(MxInfo {
                host: "mx.b.test".to_owned(),
                preference: Some(5),
                implicit: false,
            }),
            addr: SocketAddr::new([127, 0, 0, 1].into(), 25),
            dns_ms: Some(3),
        };
        let r = reused(&first, &e);
        assert_eq!(r.target, "b.test");
        assert_eq!(r.domain.as_deref(), Some("b.test"));
        assert_eq!(r.mx, e.mx);
        assert_eq!(r.timings.dns_ms, Some(3));
        assert_eq!(r.shared_from.as_deref(), Some("a.test"));
        assert_eq!(r.status, first.status);
        // Reusing a reused record names the record that connected.
        assert_eq!(reused(&r, &e).shared_from.as_deref(), Some("a.test"));
    }

    #[test]
    fn summary_line_counts_everything() {
        let mut stats = OutputStats {
            records: 4,
            completed: 1,
            failed: 2,
            null_mx: 1,
            ..OutputStats::default()
        };
        stats.errors_by_kind.insert("connect_refused".into(), 2);
        let s = ScanSummary {
            stats,
            excluded: 3,
            resumed: 5,
            interrupted: true,
            elapsed: Duration::from_secs(2),
        };
        assert_eq!(
            s.line(),
            "mxray: 4 records in 2.0s (2.0/s): 1 completed, 2 failed (connect_refused 2), \
             1 null MX, 0 interrupted; 3 excluded, 5 already done (resume); stopped by signal"
        );
    }
}
